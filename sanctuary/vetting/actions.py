"""Vetting writes: each one is audited (field names only) and keeps the timeline in step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.refusal import Refusal
from sanctuary.people.models import EventKind, Person, Status
from sanctuary.vetting.models import (
    CheckOutcome,
    CheckResult,
    DecisionState,
    Outcome,
    Referee,
    RiskFlag,
    VettingCheck,
    VettingDecision,
    VettingNote,
)

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


class VettingRuleError(Refusal):
    pass


OUTCOME_STATUS = {Outcome.ACCEPTED: Status.ACCEPTED, Outcome.REJECTED: Status.REJECTED, Outcome.ON_HOLD: Status.VETTING}


def _start_vetting(user: User, person: Person) -> None:
    """The first vetting step moves a new contact into vetting."""
    from sanctuary.people.actions import do_change_status

    if person.status == Status.FIRST_CONTACT:
        do_change_status(user, person, Status.VETTING)


@transaction.atomic
def do_record_check(user: User, person: Person, check: VettingCheck, outcome: str, note: str) -> CheckResult:
    result, _created = CheckResult.objects.update_or_create(
        person=person,
        check_item=check,
        defaults={"outcome": outcome, "note": note, "recorded_by": user, "recorded_at": timezone.now()},
    )
    _start_vetting(user, person)
    record(user, Action.UPDATE, result, fields=["outcome"] + (["note"] if note else []))
    return result


@transaction.atomic
def do_add_referee(user: User, person: Person, **fields: str) -> Referee:
    referee = Referee.objects.create(person=person, recorded_by=user, **fields)
    _start_vetting(user, person)
    record(user, Action.CREATE, referee, fields=sorted(k for k, v in fields.items() if v))
    return referee


@transaction.atomic
def do_update_referee(user: User, referee: Referee, outcome: str, note: str) -> Referee:
    referee.outcome = outcome
    if note:
        referee.note = note
    referee.save()
    record(user, Action.UPDATE, referee, fields=["outcome"] + (["note"] if note else []))
    return referee


@transaction.atomic
def do_add_note(user: User, person: Person, text: str) -> VettingNote:
    note = VettingNote.objects.create(person=person, text=text, author=user)
    _start_vetting(user, person)
    record(user, Action.CREATE, note, fields=["text"])
    return note


@transaction.atomic
def do_raise_flag(user: User, person: Person, kind: str, reason: str) -> RiskFlag:
    from sanctuary.vetting.watch import check_person

    flag = RiskFlag.objects.create(person=person, kind=kind, reason=reason, raised_by=user)
    record(user, Action.CREATE, flag, fields=["kind", "reason"])
    check_person(person)  # others already on file who share a key with them
    return flag


@transaction.atomic
def do_clear_flag(user: User, flag: RiskFlag, reason: str) -> RiskFlag:
    """First call: ask to clear (with the reason). Second call, by another officer: cleared.
    Until then the flag stays open and keeps blocking."""
    flag = RiskFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.cleared_at is not None:
        raise VettingRuleError("already_cleared")
    now = timezone.now()
    if flag.clear_requested_by_id is None:
        flag.clear_requested_by = user
        flag.clear_requested_at = now
        flag.clear_reason = reason
        flag.save()
        record(user, Action.UPDATE, flag, fields=["clear_requested", "clear_reason"])
        return flag
    if flag.clear_requested_by_id == user.pk:
        raise VettingRuleError("same_officer")
    flag.cleared_by = user
    flag.cleared_at = now
    if reason:
        flag.clear_reason = f"{flag.clear_reason}\n{reason}"
    flag.save()
    record(user, Action.UPDATE, flag, fields=["cleared", "clear_reason"])
    return flag


def missing_required_checks(person: Person) -> list[VettingCheck]:
    done = set(
        CheckResult.objects.filter(
            person=person, outcome__in=[CheckOutcome.CONFIRMED, CheckOutcome.NOT_APPLICABLE]
        ).values_list("check_item_id", flat=True)
    )
    return [c for c in VettingCheck.objects.filter(active=True, required=True) if c.pk not in done]


@transaction.atomic
def do_propose(user: User, person: Person, outcome: str, reason: str) -> VettingDecision:
    """The first officer's half of a decision. Accepting needs every required check done."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if VettingDecision.objects.filter(person=person, state=DecisionState.PENDING).exists():
        raise VettingRuleError("pending_exists")
    if outcome == Outcome.ACCEPTED and missing_required_checks(person):
        raise VettingRuleError("checks_missing")
    decision = VettingDecision.objects.create(person=person, outcome=outcome, proposed_by=user, proposed_reason=reason)
    _start_vetting(user, person)
    record(user, Action.CREATE, decision, fields=["outcome", "reason"])
    return decision


@transaction.atomic
def do_second(user: User, decision: VettingDecision, agree: bool, reason: str) -> VettingDecision:
    """The second officer confirms (the decision takes effect) or does not (it lapses)."""
    from sanctuary.people.actions import do_change_status
    from sanctuary.vetting.watch import check_person

    decision = VettingDecision.objects.select_for_update().get(pk=decision.pk)
    if decision.state != DecisionState.PENDING:
        raise VettingRuleError("decided")
    if decision.proposed_by_id == user.pk:
        raise VettingRuleError("same_officer")
    if agree and decision.outcome == Outcome.ACCEPTED and missing_required_checks(decision.person):
        raise VettingRuleError("checks_missing")
    decision.state = DecisionState.CONFIRMED if agree else DecisionState.DISAGREED
    decision.second_by = user
    decision.second_reason = reason
    decision.second_at = timezone.now()
    decision.save()
    record(user, Action.UPDATE, decision, fields=["state", "second_reason"])
    if agree:
        do_change_status(
            user, decision.person, OUTCOME_STATUS[Outcome(decision.outcome)], kind=EventKind.VETTING, by_decision=True
        )
        if decision.outcome == Outcome.REJECTED:
            check_person(decision.person)
    return decision


@transaction.atomic
def do_withdraw(user: User, decision: VettingDecision) -> VettingDecision:
    decision = VettingDecision.objects.select_for_update().get(pk=decision.pk)
    if decision.state != DecisionState.PENDING or decision.proposed_by_id != user.pk:
        raise VettingRuleError("decided")
    decision.state = DecisionState.WITHDRAWN
    decision.save(update_fields=["state"])
    record(user, Action.UPDATE, decision, fields=["state"])
    return decision
