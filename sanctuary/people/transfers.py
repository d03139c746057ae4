"""Hand-overs between teams: asked for with a reason, accepted per the organisation's policy,
audited, with read-only access for the previous team for a set period.

A person belongs to one team (``Person.team``), and the access policy shows them to that
team's members alone (and to directors). Changing the team is therefore a grant of access,
and it happens here only: the person form no longer offers the team once the person exists.

Who may do what:

- **Ask** (``do_request_transfer``): a user with the ``transfer`` module who sees the person
  (``Person.objects.visible_to``), to any other team, with a reason.
- **Accept or refuse** (``do_decide_transfer``), per :class:`TransferSettings`:
  ``receiving`` (the default): a member of the receiving team with the ``transfer`` module,
  or a director; ``director``: a director. Never the person who asked (the database refuses
  it too), and only once their account is settled (the waiting period of every second-person
  step). ``none``: the hand-over takes effect when asked; one already waiting when the policy
  changed is decided as under ``receiving``.
- **Withdraw** (``do_withdraw_transfer``): whoever asked, anyone of the person's team who may
  hand people over, or a director.

Each decision locks the person's row first, then the hand-over's (the one lock order), and
checks again that the person is still in the team it was asked from: a hand-over approved
after the person moved elsewhere changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ON_HOLD, Module, can_use, require_settled, sees_all_people
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib import db
from sanctuary.lib.refusal import Refusal
from sanctuary.people import timeline
from sanctuary.people.models import (
    EventKind,
    Person,
    PersonEvent,
    Transfer,
    TransferApproval,
    TransferSettings,
    TransferState,
)

if TYPE_CHECKING:
    from sanctuary.accounts.models import Team, User


class TransferRefused(Refusal):
    messages = {
        "same_team": _("The person is already in that team."),
        "pending": _("A hand-over of this person is already waiting for a decision."),
        "receiving_only": _("Only someone of the receiving team, or a director, can accept or refuse this hand-over."),
        "director_only": _("Only a director can approve hand-overs (the organisation's policy)."),
        "own_request": _("You asked for this hand-over: someone else must accept or refuse it."),
        "decided": _("This hand-over was already decided."),
        "moved": _(
            "The person is no longer in the team this hand-over was asked from: nothing was changed. "
            "Ask again if it is still needed."
        ),
        "cannot_withdraw": _("Only the person's team, whoever asked, or a director can withdraw this hand-over."),
        "merged": _("This record was merged into another: hand over the record it was merged into."),
        "no_reason": _("Say why the person is handed over."),
        "on_hold": ON_HOLD,
    }


def policy() -> TransferSettings:
    return TransferSettings.current()


def refusal_to_decide(user: User, transfer: Transfer, rules: TransferSettings | None = None) -> str | None:
    """Why ``user`` may not accept or refuse ``transfer`` (a refusal code), or None."""
    rules = rules or policy()
    if not can_use(user, Module.TRANSFER):
        return "receiving_only"
    if user.pk == transfer.requested_by_id:
        return "own_request"
    if rules.approval == TransferApproval.DIRECTOR:
        return None if sees_all_people(user) else "director_only"
    if sees_all_people(user) or transfer.to_team_id in user.team_ids:
        return None
    return "receiving_only"


def may_withdraw(user: User, transfer: Transfer) -> bool:
    if not can_use(user, Module.TRANSFER):
        return False
    return user.pk == transfer.requested_by_id or sees_all_people(user) or transfer.from_team_id in user.team_ids


def may_hand_over(user: User) -> bool:
    return can_use(user, Module.TRANSFER)


def who_can_hand_over(person: Person) -> dict[str, Any]:
    """Who can hand ``person`` over (for the page a user meets when a stage needs someone they
    cannot see): the person's team, its active members who may hand people over, and the
    organisation's active directors. Display names only."""
    from sanctuary.accounts.models import Role, User

    roles = [role for role in Role.values if Module.TRANSFER in _modules_of(role) and role != Role.DIRECTOR]
    members = (
        User.objects.filter(is_active=True, teams=person.team_id, role_grants__role__in=roles)
        .exclude(role_grants__role=Role.DIRECTOR)  # listed once, as directors
        .distinct()
        .order_by("username")
        if person.team_id
        else User.objects.none()
    )
    directors = User.objects.filter(is_active=True, role_grants__role=Role.DIRECTOR).distinct().order_by("username")
    return {"team": person.team, "members": list(members[:20]), "directors": list(directors[:20])}


def _modules_of(role: str) -> frozenset[str]:
    from sanctuary.accounts.policy import role_modules

    return role_modules().get(role, frozenset())


@db.atomic
def do_request_transfer(user: User, person: Person, to_team: Team, reason: str) -> Transfer:
    """Ask to hand ``person`` over to ``to_team``; done at once when the policy needs no
    approval. The caller fetched ``person`` through ``visible_to(user)``."""
    person = Person.objects.lock(person.pk)
    if not Person.objects.visible_to(user).filter(pk=person.pk).exists():
        raise TransferRefused("moved")  # handed elsewhere between the page and the click
    if person.merged_into_id is not None:
        raise TransferRefused("merged")
    if person.team_id == to_team.pk:
        raise TransferRefused("same_team")
    if not reason.strip():
        raise TransferRefused("no_reason")
    if Transfer.objects.pending().filter(person=person).exists():
        raise TransferRefused("pending")
    transfer = Transfer(person=person, from_team_id=person.team_id, to_team=to_team, reason=reason, requested_by=user)
    transfer.save()
    record(user, Action.CREATE, transfer, fields=["to_team", "reason"])
    rules = policy()
    if rules.approval == TransferApproval.NONE:
        _complete(user, person, transfer, rules, decided_by=None)
    return transfer


@db.atomic
def do_decide_transfer(user: User, transfer: Transfer, accept: bool, note: str = "") -> Transfer:
    """Accept (the person moves to the receiving team) or refuse a waiting hand-over."""
    person = Person.objects.lock(transfer.person_id)  # the person first, then the hand-over
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != TransferState.PENDING:
        raise TransferRefused("decided")
    rules = policy()
    code = refusal_to_decide(user, transfer, rules)
    if code is not None:
        raise TransferRefused(code)
    require_settled(user, TransferRefused)
    if accept and person.merged_into_id is not None:
        raise TransferRefused("merged")
    if accept and person.team_id != transfer.from_team_id:
        raise TransferRefused("moved")
    if accept:
        _complete(user, person, transfer, rules, decided_by=user, note=note)
    else:
        transfer.state = TransferState.REFUSED
        transfer.decided_by = user
        transfer.decided_at = timezone.now()
        transfer.decision_note = note
        transfer.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        record(user, Action.UPDATE, transfer, fields=["state", *(["decision_note"] if note else [])])
    return transfer


@db.atomic
def do_withdraw_transfer(user: User, transfer: Transfer) -> Transfer:
    Person.objects.lock_row(transfer.person_id)
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != TransferState.PENDING:
        raise TransferRefused("decided")
    if not may_withdraw(user, transfer):
        raise TransferRefused("cannot_withdraw")
    transfer.state = TransferState.WITHDRAWN
    transfer.decided_by = user
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["state", "decided_by", "decided_at"])
    record(user, Action.UPDATE, transfer, fields=["state"])
    return transfer


def _complete(
    actor: User, person: Person, transfer: Transfer, rules: TransferSettings, decided_by: User | None, note: str = ""
) -> None:
    """The person moves to the receiving team; the previous team may read their page for the
    policy's days; a case worker who is not in the receiving team stops being theirs."""
    from sanctuary.people.actions import case_workers_for

    now = timezone.now()
    days = rules.previous_team_reads_days
    transfer.state = TransferState.DONE
    transfer.decided_by = decided_by
    transfer.decided_at = now
    transfer.decision_note = note
    transfer.read_until = now + timedelta(days=days) if days and transfer.from_team_id else None
    transfer.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "read_until"])
    person.team_id = transfer.to_team_id
    changed: dict[str, int | None] = {"team": transfer.to_team_id}
    fields = ["team", f"from_team:{transfer.from_team_id or '-'}", f"to_team:{transfer.to_team_id}"]
    if person.case_worker_id and not case_workers_for(person).filter(pk=person.case_worker_id).exists():
        changed["case_worker"] = None
        fields.append("case_worker")
    Person.objects.filter(pk=person.pk).update(**changed)
    from_team = str(transfer.from_team) if transfer.from_team_id else "—"
    said = timeline.message("people.handed_over", from_team=from_team, to_team=str(transfer.to_team))
    PersonEvent.objects.create(person=person, kind=EventKind.TRANSFERRED, message=said, actor=actor)
    record(actor, Action.UPDATE, transfer, fields=["state", *(["decision_note"] if note else [])])
    record(actor, Action.TRANSFER, person, fields=fields)


def withdraw_on_merge(user: User, folded: Person) -> int:
    """A record folded into another takes no hand-over with it: waiting ones are withdrawn."""
    return (
        Transfer.objects.pending()
        .filter(person=folded)
        .update(state=TransferState.WITHDRAWN, decided_by=user, decided_at=timezone.now())
    )


def read_access(user: User, person: Person) -> Transfer | None:
    """The done hand-over through which ``user``'s team still reads ``person``'s page, if the
    user sees them only through one."""
    if sees_all_people(user) or person.team_id in user.team_ids:
        return None
    return (
        Transfer.objects.reading()
        .filter(person=person, from_team_id__in=list(user.team_ids))
        .select_related("to_team")
        .order_by("-read_until")
        .first()
    )


@db.atomic
def do_save_policy(user: User, form: Any) -> TransferSettings:
    """Save the hand-over policy (directors); audited with the fields changed."""
    row: TransferSettings = form.save(commit=False)
    row.updated_by = user
    row.save()
    record(user, Action.UPDATE, row, fields=sorted(form.changed_data))
    return row
