"""The module registry: how a stage of the journey plugs into the core.

Each app declares what it adds in its own ``module.py`` by calling :func:`register` with a
:class:`Stage`: the access modules it defines (what a role may be granted), its navigation
entries and their badge counts, its dashboard cards and person-page panels, the kinds of step
it adds to the person timeline, its merge step and its demo data. ``module.py`` files are
imported once at startup (``autodiscover``, the way ``django.contrib.admin`` finds
``admin.py``), and the core only ever loops over what was declared: navigation
(``accounts.context_processors``), the dashboard (``sanctuary.views``), the person page
(``people.views``), merging (``people.merge``) and ``seed_demo`` (``sanctuary.demo``). The
statistics stage loops over the declared figures (``sanctuary.lib.figures``).
The core never imports a stage; ``docs/adding-a-module.md`` says how to add one.

Nothing here knows about users, people or requests: the callables receive them and the
caller decides access (``accounts.policy.can_use``), so this module stays at the bottom of the
layers (``lib``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import autodiscover_modules

from sanctuary.lib.figures import Figure

# Callables take what the core hands them (a user, a request, a person, a merge or demo
# context); ``Any`` keeps this module free of imports from higher layers.
Badge = Callable[[Any], int]
Visible = Callable[[Any], bool]
CardContext = Callable[[Any], "dict[str, Any] | None"]
PanelContext = Callable[[Any, Any], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Access:
    """An access module: a named permission the policy grants to roles (``accounts.policy``)."""

    name: str
    description: Any  # lazy translation
    # False: directors are not given this module with the rest. Evidence is for evidence
    # officers only: a director who must see it is given the officer's role, which is audited.
    directors: bool = True


@dataclass(frozen=True)
class NavEntry:
    """A link in the main navigation, shown to users who may use ``module`` (or for whom
    ``visible`` says so), with an optional count in brackets."""

    url: str  # URL name
    label: Any  # lazy translation
    module: str = ""
    badge: Badge | None = None
    visible: Visible | None = None
    hidden_with: str = ""  # not shown to users who also have this module (they see a fuller entry)
    order: int = 100


@dataclass(frozen=True)
class DashboardCard:
    """A card on the dashboard: ``context(request)`` returns the template's context, or None
    to show nothing."""

    template: str
    context: CardContext
    module: str = ""
    order: int = 100


@dataclass(frozen=True)
class PersonPanel:
    """Part of the person page: a button in the action bar (``place="actions"``) or a card
    (``place="cards"``). ``context(request, person)`` returns the template's context, or None
    to show nothing. The person was fetched through the access policy already."""

    template: str
    context: PanelContext
    module: str = ""
    place: str = "cards"
    order: int = 100


@dataclass(frozen=True)
class TimelineKind:
    """A kind of step on the person timeline (``PersonEvent.kind``)."""

    code: str
    label: Any


@dataclass(frozen=True)
class MergeStep:
    """How an app merges its own rows when two records of one person become one.

    ``models`` names every model (``app_label.ModelName``) with a foreign key to a person that
    this step takes care of. ``check(merge)`` returns what blocks the merge, in the user's
    language (nothing is changed); ``warn(merge)`` returns what the merge will do that the
    second reviewer must know before confirming it (a record needing vetting again, grants
    ending), also changing nothing; ``apply(merge)`` moves or keeps the rows, inside the one
    transaction of the merge. See ``sanctuary.people.merge``.
    """

    models: tuple[str, ...]
    apply: Callable[[Any], None]
    check: Callable[[Any], Sequence[str]] = lambda merge: ()
    warn: Callable[[Any], Sequence[str]] = lambda merge: ()
    order: int = 100


@dataclass(frozen=True)
class Stage:
    """What one app adds. ``app`` is its app label."""

    app: str
    access: tuple[Access, ...] = ()
    nav: tuple[NavEntry, ...] = ()
    dashboard: tuple[DashboardCard, ...] = ()
    person_panels: tuple[PersonPanel, ...] = ()
    timeline: tuple[TimelineKind, ...] = ()
    merge: MergeStep | None = None
    demo: Callable[[Any], None] | None = None
    demo_order: int = 100
    # Path prefixes anyone may open without logging in (the public intake form, the
    # certificate check). Each is a door for outsiders: give it the threat model of one.
    public_paths: tuple[str, ...] = ()
    # Path prefixes whose rest is a secret (a certificate's code): logged as the prefix only
    # (``sanctuary.lib.logs``).
    redacted_paths: tuple[str, ...] = ()
    # Key numbers for the statistics dashboard, from clear columns only (``lib.figures``).
    figures: tuple[Figure, ...] = ()


_stages: dict[str, Stage] = {}


def register(stage: Stage) -> Stage:
    """Declare a stage (from its ``module.py``). Registering an app twice replaces it."""
    _stages[stage.app] = stage
    return stage


def autodiscover() -> None:
    """Import every installed app's ``module.py`` (called once, from ``LibConfig.ready``)."""
    autodiscover_modules("module")


def stages() -> list[Stage]:
    """Every declared stage, in the order of ``INSTALLED_APPS``."""
    return list(_stages.values())


def get(app: str) -> Stage | None:
    return _stages.get(app)


def access_modules() -> list[Access]:
    return [access for stage in _stages.values() for access in stage.access]


def nav_entries() -> list[NavEntry]:
    return sorted((entry for stage in _stages.values() for entry in stage.nav), key=lambda e: e.order)


def dashboard_cards() -> list[DashboardCard]:
    return sorted((card for stage in _stages.values() for card in stage.dashboard), key=lambda c: c.order)


def person_panels(place: str) -> list[PersonPanel]:
    panels = (p for stage in _stages.values() for p in stage.person_panels if p.place == place)
    return sorted(panels, key=lambda p: p.order)


def timeline_kinds() -> list[TimelineKind]:
    return [kind for stage in _stages.values() for kind in stage.timeline]


def merge_steps() -> list[tuple[str, MergeStep]]:
    steps = [(stage.app, stage.merge) for stage in _stages.values() if stage.merge is not None]
    return sorted(steps, key=lambda pair: pair[1].order)


def figures() -> list[Figure]:
    return sorted((f for stage in _stages.values() for f in stage.figures), key=lambda f: f.order)


def public_paths() -> tuple[str, ...]:
    return tuple(path for stage in _stages.values() for path in stage.public_paths)


def redacted_paths() -> tuple[str, ...]:
    return tuple(path for stage in _stages.values() for path in stage.redacted_paths)


def demo_steps() -> Iterator[tuple[str, Callable[[Any], None]]]:
    for stage in sorted(_stages.values(), key=lambda s: s.demo_order):
        if stage.demo is not None:
            yield stage.app, stage.demo


@dataclass
class Replaced:
    """For tests: the registry as it was, to put back."""

    saved: dict[str, Stage] = field(default_factory=dict)


def snapshot() -> Replaced:
    return Replaced(dict(_stages))


def restore(replaced: Replaced) -> None:
    _stages.clear()
    _stages.update(replaced.saved)
