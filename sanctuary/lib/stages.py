"""The module registry: how a stage of the journey plugs into the core.

Each app declares what it adds in its own ``module.py`` by calling :func:`register` with a
:class:`Stage`: the access modules it defines (what a role may be granted), its navigation
entries and their badge counts, its dashboard cards and person-page panels, the kinds of step
it adds to the person timeline and the sentences those steps say (``TimelineMessage``), its
merge step, its demo data and its audit codes in words (``audit_labels``). ``module.py`` files are
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

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.utils import formats
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


class Param(Protocol):
    """How a timeline message shows one of its parameters in the reader's language, and how
    the conversion of old notes reads it back from a sentence (``None`` when it cannot)."""

    def show(self, value: Any) -> str: ...

    def parse(self, text: str) -> Any: ...


@dataclass(frozen=True)
class Choice:
    """A parameter holding a choice code (``many``: a list of codes), shown as its label. An
    unknown code (a choice removed since) shows as "—", never as the code."""

    choices: Any  # a ``TextChoices`` class, or (value, label) pairs
    many: bool = False

    def _pairs(self) -> list[tuple[Any, Any]]:
        return list(getattr(self.choices, "choices", self.choices))

    def show(self, value: Any) -> str:
        labels = {str(code): label for code, label in self._pairs()}
        values = value if self.many and isinstance(value, list) else [value]
        return ", ".join(str(labels.get(str(v), "—")) for v in values) or "—"

    def parse(self, text: str) -> Any:
        codes = {str(label): str(code) for code, label in self._pairs()}
        if not self.many:
            return codes.get(text)
        if text == "—":
            return []
        found = [codes.get(part) for part in text.split(", ")]
        return None if None in found else found


@dataclass(frozen=True)
class Day:
    """A parameter holding a date (stored as ``YYYY-MM-DD``), shown as the timeline shows its
    dates (``Y-m-d``: no month name to translate)."""

    def show(self, value: Any) -> str:
        try:
            return str(formats.date_format(date.fromisoformat(str(value)), "Y-m-d"))
        except ValueError:
            return "—"

    def parse(self, text: str) -> Any:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None


DAY = Day()


@dataclass(frozen=True)
class TimelineMessage:
    """A sentence a step on the person timeline says (``PersonEvent.message``), rendered in
    the reader's language when it is read, never in the writer's when it is written.

    ``code`` is ``"<app>.<name>"`` (``"jobs.proposed"``); ``text`` a lazy translation whose
    ``%(name)s`` placeholders are filled from the event's parameters; ``params`` says how to
    show a parameter that is a code (``Choice``) or a date (``DAY``): the others (case codes,
    counts) are shown as stored. Parameters are codes, case codes, dates and counts, never a
    name or typed text.

    Notes written before messages existed are converted (``people.timeline.convert_old_notes``)
    when they are one of the message's sentences, in any of the site's languages: ``text``,
    ``forms`` (more forms of it, only to recognise: a plural message's sentence for 1 and for
    more) or ``legacy`` (earlier sentences, which a converted step goes on saying, translated)."""

    code: str
    text: Any
    params: Mapping[str, Param] = field(default_factory=dict)
    legacy: tuple[Any, ...] = ()
    forms: tuple[Any, ...] = ()


@dataclass(frozen=True)
class AuditLabel:
    """A code of the audit log that is no model or field, in words (``sanctuary.audit.labels``):
    a record type ("vault"), a list page ("people:list"), a field-like code ("searched",
    "merged_from" of "merged_from:12"). ``choices`` puts the value of ``code:value`` in words."""

    label: Any
    choices: Any = None


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
    # The sentences its timeline steps say; codes start with the app label and a dot.
    timeline_messages: tuple[TimelineMessage, ...] = ()
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
    # Audit codes of this app that are no model or field, in words: its pseudo-fields, list
    # pages and record types (a label, or an ``AuditLabel``); ``"<model>.<field>"`` names one
    # model's field. Models and fields name themselves (``verbose_name``).
    audit_labels: Mapping[str, Any] = field(default_factory=dict)


_stages: dict[str, Stage] = {}


def register(stage: Stage) -> Stage:
    """Declare a stage (from its ``module.py``). Registering an app twice replaces it."""
    for message in stage.timeline_messages:
        if not message.code.startswith(f"{stage.app}."):
            raise ImproperlyConfigured(
                f"timeline message {message.code!r} of {stage.app!r} must start with {stage.app}."
            )
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


def timeline_messages() -> dict[str, TimelineMessage]:
    """Every declared timeline message, by code."""
    return {message.code: message for stage in _stages.values() for message in stage.timeline_messages}


def timeline_message(code: str) -> TimelineMessage | None:
    """The declared message of this code, or None (its stage was removed, or never was)."""
    stage = _stages.get(code.split(".", 1)[0])
    if stage is None:
        return None
    return next((message for message in stage.timeline_messages if message.code == code), None)


def timeline_kind_app(kind: str) -> str | None:
    """The app that declared this timeline kind."""
    return next((stage.app for stage in _stages.values() for k in stage.timeline if k.code == kind), None)


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
