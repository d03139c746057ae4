"""Vetting writes: each one is audited (field names only) and keeps the timeline in step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ON_HOLD, require_settled
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib import db
from sanctuary.lib.refusal import Refusal
from sanctuary.people import timeline, watch
from sanctuary.people.actions import do_change_status
from sanctuary.people.models import Person, Status
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
    WatchAlert,
)

if TYPE_CHECKING:
    from django.forms import ModelForm

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

# The timeline kind of a confirmed decision (declared in module.py).
TIMELINE_VETTING = "vetting"


class VettingRuleError(Refusal):
    messages = {
        "same_officer": _("A second, different vetting officer must do this: you proposed or raised it."),
        "pending_exists": _("A decision is already waiting for a second officer."),
        "checks_missing": _("Every required check must be confirmed before acceptance."),
        "decided": _("This was already decided."),
        "already_cleared": _("This flag was already cleared."),
        "on_hold": ON_HOLD,
    }


OUTCOME_STATUS = {Outcome.ACCEPTED: Status.ACCEPTED, Outcome.REJECTED: Status.REJECTED, Outcome.ON_HOLD: Status.VETTING}


def _start_vetting(user: User, person: Person) -> None:
    """The first vetting step moves a new contact into vetting."""
    if person.status == Status.FIRST_CONTACT:
        do_change_status(user, person, Status.VETTING)


@db.atomic
def do_record_check(user: User, person: Person, check: VettingCheck, outcome: str, note: str) -> CheckResult:
    person = Person.objects.lock(person.pk)
    result, _created = CheckResult.objects.update_or_create(
        person=person,
        check_item=check,
        defaults={"outcome": outcome, "note": note, "recorded_by": user, "recorded_at": timezone.now()},
    )
    _start_vetting(user, person)
    record(user, Action.UPDATE, result, fields=["outcome"] + (["note"] if note else []))
    return result


@db.atomic
def do_add_referee(user: User, person: Person, **fields: str) -> Referee:
    person = Person.objects.lock(person.pk)
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


@db.atomic
def do_add_note(user: User, person: Person, text: str) -> VettingNote:
    person = Person.objects.lock(person.pk)
    note = VettingNote.objects.create(person=person, text=text, author=user)
    _start_vetting(user, person)
    record(user, Action.CREATE, note, fields=["text"])
    return note


@db.atomic
def do_raise_flag(user: User, person: Person, kind: str, reason: str) -> RiskFlag:
    person = Person.objects.lock(person.pk)
    flag = RiskFlag.objects.create(person=person, kind=kind, reason=reason, raised_by=user)
    record(user, Action.CREATE, flag, fields=["kind", "reason"])
    watch.check_person(person)  # others already on file who share a key with them
    return flag


@db.atomic
def do_clear_flag(user: User, flag: RiskFlag, reason: str) -> RiskFlag:
    """First call: ask to clear (with the reason). Second call, by another officer: cleared.
    Until then the flag stays open and keeps blocking."""
    Person.objects.lock_row(flag.person_id)
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
    require_settled(user, VettingRuleError)
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


@db.atomic
def do_propose(user: User, person: Person, outcome: str, reason: str) -> VettingDecision:
    """The first officer's half of a decision. Accepting needs every required check done."""
    person = Person.objects.lock(person.pk)
    if VettingDecision.objects.filter(person=person, state=DecisionState.PENDING).exists():
        raise VettingRuleError("pending_exists")
    if outcome == Outcome.ACCEPTED and missing_required_checks(person):
        raise VettingRuleError("checks_missing")
    decision = VettingDecision.objects.create(person=person, outcome=outcome, proposed_by=user, proposed_reason=reason)
    _start_vetting(user, person)
    record(user, Action.CREATE, decision, fields=["outcome", "reason"])
    return decision


@db.atomic
def do_second(user: User, decision: VettingDecision, agree: bool, reason: str) -> VettingDecision:
    """The second officer confirms (the decision takes effect) or does not (it lapses)."""
    Person.objects.lock_row(decision.person_id)  # the person first, then the decision (one lock order)
    decision = VettingDecision.objects.select_for_update().get(pk=decision.pk)
    if decision.state != DecisionState.PENDING:
        raise VettingRuleError("decided")
    if decision.proposed_by_id == user.pk:
        raise VettingRuleError("same_officer")
    require_settled(user, VettingRuleError)
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
            user,
            decision.person,
            OUTCOME_STATUS[Outcome(decision.outcome)],
            kind=TIMELINE_VETTING,
            by_decision=True,
            message=timeline.message("vetting.decided"),
        )
        if decision.outcome == Outcome.REJECTED:
            watch.check_person(decision.person)
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


@transaction.atomic
def do_resolve_alert(user: User, alert: WatchAlert) -> WatchAlert:
    """An officer has looked at a watch-list alert."""
    alert = WatchAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.resolved_at is None:
        alert.resolved_by = user
        alert.resolved_at = timezone.now()
        alert.save(update_fields=["resolved_by", "resolved_at"])
        record(user, Action.UPDATE, alert, fields=["resolved"])
    return alert


@transaction.atomic
def do_save_check_item(user: User, form: ModelForm[VettingCheck]) -> VettingCheck:
    """Add or change an item of the organisation's checklist (directors)."""
    creating = form.instance.pk is None
    check = form.save()
    record(user, Action.CREATE if creating else Action.UPDATE, check, fields=sorted(form.changed_data))
    return check
