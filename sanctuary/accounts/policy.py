"""The access policy: which modules a role may use, and which people a user may see.

Every view that shows protected data asks this module, and every protected object is
fetched through a user-scoped queryset (``Person.objects.visible_to(user)``). Nothing else
decides access. Adding a module means adding it to ``Module`` and to ``ROLE_MODULES``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models

from sanctuary.accounts.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest, HttpResponse

    from sanctuary.accounts.models import User


class Module(models.TextChoices):
    PEOPLE = "people", "people"  # see the person list and pages of one's teams
    PEOPLE_EDIT = "people_edit", "people_edit"  # create and edit people, change status
    AUDIT = "audit", "audit"  # browse the audit log (no personal data in it)
    STAFF = "staff", "staff"  # manage users, teams and roles
    SEAL = "seal", "seal"  # seal the vault now (panic button)
    APPROVE_IDENTITY = "approve_identity", "approve_identity"  # approve requests to see true names
    DUPLICATES = "duplicates", "duplicates"  # review possible duplicates, merge records
    PARTNERS = "partners", "partners"  # privacy-preserving linkage with partner organisations
    INTAKE = "intake", "intake"  # the triage queue of first contacts
    INTAKE_LOG = "intake_log", "intake_log"  # log a first contact that came by chat or phone
    VETTING = "vetting", "vetting"  # checklists, referees, flags, four-eyes decisions, watch alerts
    VETTING_CONFIG = "vetting_config", "vetting_config"  # the organisation's vetting checklist
    JOURNEYS = "journeys", "journeys"  # plan and follow journeys (each seen by its coordinator)
    SHELTER = "shelter", "shelter"  # houses, beds, stays, extensions, the occupancy board
    STIPENDS = "stipends", "stipends"  # funders, rules, payment runs, reconciliation, ledgers


_PEOPLE_READERS = {Module.PEOPLE}
_PEOPLE_WRITERS = {Module.PEOPLE, Module.PEOPLE_EDIT}

ROLE_MODULES: dict[str, frozenset[str]] = {
    Role.DIRECTOR: frozenset(Module.values),
    Role.INTAKE_OFFICER: frozenset({*_PEOPLE_WRITERS, Module.DUPLICATES, Module.INTAKE, Module.INTAKE_LOG}),
    Role.VETTING_OFFICER: frozenset({*_PEOPLE_READERS, Module.DUPLICATES, Module.VETTING, Module.INTAKE_LOG}),
    Role.CASE_WORKER: frozenset({*_PEOPLE_WRITERS, Module.JOURNEYS, Module.INTAKE_LOG}),
    Role.SHELTER_MANAGER: frozenset({*_PEOPLE_READERS, Module.SHELTER}),
    Role.FINANCE_OFFICER: frozenset({*_PEOPLE_READERS, Module.STIPENDS}),
    Role.TRAINER: frozenset(_PEOPLE_READERS),
    Role.COUNSELLOR: frozenset(_PEOPLE_READERS),
    Role.EVIDENCE_OFFICER: frozenset(_PEOPLE_READERS),
    # Auditors check the log; they never see personal data.
    Role.AUDITOR: frozenset({Module.AUDIT}),
}

# Roles that see every person in the organisation, whatever their teams.
SEES_ALL_PEOPLE = frozenset({Role.DIRECTOR})


def modules_for(user: User | AnonymousUser) -> frozenset[str]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    allowed: set[str] = set()
    for role in user.roles:  # type: ignore[union-attr]
        allowed |= ROLE_MODULES.get(role, frozenset())
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


def can_approve_identity(user: User | AnonymousUser) -> bool:
    """Directors, and users a director made delegates, approve true-name requests."""
    if not user.is_authenticated:
        return False
    from django.utils import timezone

    hold = getattr(user, "approver_hold_until", None)
    if hold is not None and timezone.now() < hold:
        return False
    return can_use(user, Module.APPROVE_IDENTITY) or bool(getattr(user, "identity_approver", False))
