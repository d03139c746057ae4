"""The access policy: which modules a role may use, and which people a user may see.

Every view that shows protected data asks this module, and every protected object is
fetched through a user-scoped queryset (``Person.objects.visible_to(user)``). Nothing else
decides access.

An access module is a named permission. The core's are :class:`Module`; each stage declares
its own in its ``module.py`` (``sanctuary.lib.stages.Access``). Who may use which is decided
here alone, in one table a reviewer can read at once: :data:`CORE_GRANTS` for the core and one
entry per stage in :data:`STAGE_GRANTS`. Directors may use every declared module but those a
stage declares with ``Access(directors=False)`` (evidence). Adding a
stage means adding its line to ``STAGE_GRANTS`` (``docs/adding-a-module.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.models import Role, User
from sanctuary.lib import stages
from sanctuary.lib.refusal import Refusal

if TYPE_CHECKING:
    from datetime import datetime

    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest, HttpResponse


class Module(models.TextChoices):
    """The core's access modules (stages declare theirs in their ``module.py``)."""

    PEOPLE = "people", "people"  # see the person list and pages of one's teams
    PEOPLE_EDIT = "people_edit", "people_edit"  # create and edit people, change status
    AUDIT = "audit", "audit"  # browse the audit log (no personal data in it)
    STAFF = "staff", "staff"  # manage users, teams and roles
    SEAL = "seal", "seal"  # seal the vault now (panic button)
    APPROVE_IDENTITY = "approve_identity", "approve_identity"  # approve requests to see true names
    DUPLICATES = "duplicates", "duplicates"  # review possible duplicates, merge records
    PARTNERS = "partners", "partners"  # privacy-preserving linkage with partner organisations
    BACKGROUND = "background", "background"  # see every background job (others see the jobs they started)
    CONSENT = "consent", "consent"  # record, renew and withdraw a person's consents
    TRANSFER = "transfer", "transfer"  # hand people of one's teams over to another team, accept hand-overs


_PEOPLE_READERS = {Module.PEOPLE}
_PEOPLE_WRITERS = {Module.PEOPLE, Module.PEOPLE_EDIT}

# Role -> core modules. Directors are given every module (below).
CORE_GRANTS: dict[str, set[str]] = {
    Role.INTAKE_OFFICER: {*_PEOPLE_WRITERS, Module.DUPLICATES, Module.CONSENT, Module.TRANSFER},
    Role.VETTING_OFFICER: {*_PEOPLE_READERS, Module.DUPLICATES, Module.TRANSFER},
    Role.CASE_WORKER: {*_PEOPLE_WRITERS, Module.CONSENT, Module.TRANSFER},
    Role.SHELTER_MANAGER: {*_PEOPLE_READERS, Module.TRANSFER},
    Role.FINANCE_OFFICER: set(_PEOPLE_READERS),
    Role.TRAINER: set(_PEOPLE_READERS),
    Role.COUNSELLOR: {*_PEOPLE_READERS, Module.CONSENT},
    Role.COUNSELLOR_LEAD: {*_PEOPLE_READERS, Module.CONSENT},
    Role.EVIDENCE_OFFICER: {*_PEOPLE_READERS, Module.CONSENT},
    # Auditors check the log; they never see personal data.
    Role.AUDITOR: {Module.AUDIT},
}

# Stage (app label) -> role -> the stage's modules that role may use. One entry per stage.
STAGE_GRANTS: dict[str, dict[str, set[str]]] = {
    "intake": {
        Role.INTAKE_OFFICER: {"intake", "intake_log"},
        Role.VETTING_OFFICER: {"intake_log"},
        Role.CASE_WORKER: {"intake_log"},
    },
    "vetting": {Role.VETTING_OFFICER: {"vetting"}},  # vetting_config: directors only
    "journeys": {Role.CASE_WORKER: {"journeys"}},
    "shelter": {Role.SHELTER_MANAGER: {"shelter"}},
    "stipends": {Role.FINANCE_OFFICER: {"stipends"}},
    "training": {Role.TRAINER: {"training"}, Role.CASE_WORKER: {"training_apply"}},  # training_config: directors
    # Counselling notes open only for counsellors' roles, never by module alone: directors
    # hold every module but read no note (sanctuary/care/notes.py). care_config: directors.
    "care": {
        Role.CASE_WORKER: {"care"},
        Role.COUNSELLOR: {"counselling"},
        Role.COUNSELLOR_LEAD: {"counselling", "counselling_lead"},
    },
    "jobs": {Role.CASE_WORKER: {"jobs"}},
    "legal": {Role.CASE_WORKER: {"legal"}},  # legal_config (document types, the clock): directors
    "family": {Role.CASE_WORKER: {"family"}},
    "stats": {Role.FINANCE_OFFICER: {"stats"}},  # stats_publish (releasing tables): directors only
    # Evidence officers only: declared Access(directors=False), so directors do not get it.
    "evidence": {Role.EVIDENCE_OFFICER: {"evidence"}},
    # outreach_config (the channels' credentials): directors. outreach_replies (strangers writing
    # to the bot are first contacts): intake officers.
    "outreach": {Role.INTAKE_OFFICER: {"outreach", "outreach_replies"}, Role.CASE_WORKER: {"outreach"}},
}

# Roles that see every person in the organisation, whatever their teams.
SEES_ALL_PEOPLE = frozenset({Role.DIRECTOR})

_role_modules: dict[str, frozenset[str]] = {}


def declared_modules() -> frozenset[str]:
    """Every access module: the core's and those the registered stages declare."""
    return frozenset(Module.values) | {access.name for access in stages.access_modules()}


def role_modules() -> dict[str, frozenset[str]]:
    """Role -> the modules it may use, built once from the tables above and the registry."""
    if not _role_modules:
        declared = declared_modules()
        grants: dict[str, set[str]] = {role: set(mods) for role, mods in CORE_GRANTS.items()}
        for app, per_role in STAGE_GRANTS.items():
            if stages.get(app) is None:
                continue  # the app is not installed: nothing of it to grant
            for role, names in per_role.items():
                unknown = names - declared
                if unknown:  # a typo here would silently lock everyone out
                    raise ImproperlyConfigured(f"STAGE_GRANTS[{app!r}] names undeclared modules: {sorted(unknown)}")
                grants.setdefault(role, set()).update(names)
        grants.setdefault(Role.DIRECTOR, set()).update(declared - officers_only_modules())
        _role_modules.update({role: frozenset(names) for role, names in grants.items()})
    return _role_modules


def officers_only_modules() -> frozenset[str]:
    """Modules a stage declared ``Access(directors=False)``: not for directors by default."""
    return frozenset(access.name for access in stages.access_modules() if not access.directors)


def modules_for(user: User | AnonymousUser) -> frozenset[str]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    table = role_modules()
    allowed: set[str] = set()
    for role in user.roles:  # type: ignore[union-attr]
        allowed |= table.get(role, frozenset())
    return frozenset(allowed)


def can_use(user: User | AnonymousUser, module: str) -> bool:
    return module in modules_for(user)


def sees_all_people(user: User) -> bool:
    return bool(user.roles & SEES_ALL_PEOPLE)


F = TypeVar("F", bound=Callable[..., Any])


def module_required(module: str) -> Callable[[F], F]:
    """View decorator: 403 unless the logged-in, verified user's roles allow ``module``.

    Login and 2FA are enforced by middleware before any view runs.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not can_use(request.user, module):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


class ModuleQuerySet(models.QuerySet[Any]):
    """Organisation-wide rows that belong to no one person (houses, funders, payment runs, the
    vetting checklist): ``visible_to(user)`` is every row for users who may use ``module``,
    none for anyone else. Rows about people use ``people.models.PersonScopedQuerySet``."""

    module: ClassVar[str] = ""

    def visible_to(self, user: User | AnonymousUser) -> Any:
        return self.all() if can_use(user, self.module) else self.none()


def can_approve_identity(user: User | AnonymousUser) -> bool:
    """Directors, and users a director made delegates, approve true-name requests (once
    settled: ``do_decide_identity`` calls :func:`require_settled`)."""
    if not user.is_authenticated:
        return False
    return can_use(user, Module.APPROVE_IDENTITY) or bool(getattr(user, "identity_approver", False))


# --- The waiting period ---------------------------------------------------------------------
#
# Every second-person step (confirming a vetting decision, approving a payment run, confirming
# a merge, releasing evidence or statistics, approving a true-name request, co-signing
# emergency access to counselling notes, approving an outreach broadcast, confirming a
# training list or a director's promotion) waits after the account was created, reset
# (password or two-factor), re-activated, or given a new role or the true-name delegation:
# a lone director cannot create, or take over, a second person and approve alone at once.
# ``sanctuary.accounts.actions.hold_approvals`` starts the wait; every such step calls
# :func:`require_settled` first.

ON_HOLD = _(
    "Your account changed recently (new account, role, password or two-factor): "
    "you can approve or confirm this from %(until)s."
)


class _Moment:
    """A time shown in the language active when the message is read, in local time."""

    def __init__(self, when: datetime) -> None:
        self.when = when

    def __str__(self) -> str:
        return str(formats.date_format(timezone.localtime(self.when), "DATETIME_FORMAT"))


class NotSettled(Refusal):
    messages = {"on_hold": ON_HOLD}


def settled_from(user: User | AnonymousUser) -> datetime | None:
    """When the user's wait ends, or None when they are not waiting."""
    hold: datetime | None = getattr(user, "approver_hold_until", None)
    return hold if hold is not None and timezone.now() < hold else None


def is_settled(user: User | AnonymousUser) -> bool:
    """The user may take a second-person step now (their account is not waiting)."""
    return settled_from(user) is None


def require_settled(user: User | AnonymousUser, refusal: type[Refusal] = NotSettled) -> None:
    """Refuse a second-person step while the user's account waits: ``refusal("on_hold",
    until=…)``. A stage passes its own refusal class, whose ``messages`` map ``"on_hold"`` to
    :data:`ON_HOLD`, so its screens show the refusal as they show its others (the page again,
    with what was typed). Reads the hold from the database, not from a stale instance."""
    pk: int | None = getattr(user, "pk", None)
    if pk is None:
        return
    hold = User.objects.filter(pk=pk).values_list("approver_hold_until", flat=True).first()
    if hold is not None and timezone.now() < hold:
        raise refusal("on_hold", until=_Moment(hold))
