"""Journey writes: each audited, and the person's pipeline status follows the journey."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.journeys.models import ACTIVE_STATUSES, PERSON_STATUS, CheckIn, Journey, JourneyStatus, Stage
from sanctuary.lib import db
from sanctuary.lib.bounds import CHECK_IN, JOURNEY, REFUSALS, refuse_outside
from sanctuary.lib.refusal import Refusal
from sanctuary.people import timeline
from sanctuary.people.actions import do_change_status
from sanctuary.people.admission import admission_block, ensure_admissible
from sanctuary.people.models import Person, Status

if TYPE_CHECKING:
    from django.forms import BaseInlineFormSet, ModelForm

    from sanctuary.accounts.models import User
    from sanctuary.people.models import Person


# The timeline kind of a journey's steps (declared in module.py).
TIMELINE_JOURNEY = "journey"


class JourneyRuleError(Refusal):
    messages = {"ended": _("This journey has ended; plan a new one instead."), **REFUSALS}


@transaction.atomic
def do_save_journey(
    user: User, form: ModelForm[Journey], stages: BaseInlineFormSet[Any, Any, Any], person: Person | None = None
) -> Journey:
    journey: Journey = form.save(commit=False)
    for day in (journey.depart_from, journey.depart_until):
        refuse_outside(day, JOURNEY, JourneyRuleError)
    for stage in stages.forms:
        if stage.has_changed() and not stage.cleaned_data.get("DELETE"):
            refuse_outside(stage.cleaned_data.get("planned_on"), JOURNEY, JourneyRuleError)
    creating = journey.pk is None
    if creating:
        if person is None:
            raise ValueError("a new journey needs its person")
        journey.person = person
        journey.created_by = user
    journey.save()
    stages.instance = journey
    stages.save()
    for position, stage in enumerate(journey.stages.all()):
        if stage.position != position:
            stage.position = position
            stage.save(update_fields=["position"])
    changed = sorted(set(form.changed_data) | ({"stages"} if stages.has_changed() else set()))
    record(user, Action.CREATE if creating else Action.UPDATE, journey, fields=changed)
    return journey


@db.atomic
def do_set_status(user: User, journey: Journey, status: str) -> Journey:
    Person.objects.lock_row(journey.person_id)  # the person first, then the journey (one lock order)
    journey = Journey.objects.select_for_update().get(pk=journey.pk)
    if journey.status == status:
        return journey
    if journey.status not in ACTIVE_STATUSES:
        raise JourneyRuleError("ended")
    if status == JourneyStatus.UNDER_WAY:
        ensure_admissible(journey.person)  # flagged or rejected since it was planned: nobody leaves
    journey.status = status
    journey.ended_at = None if status in ACTIVE_STATUSES else timezone.now()
    journey.save(update_fields=["status", "ended_at", "updated_at"])
    record(user, Action.STATUS, journey, fields=["status"])
    person_status = PERSON_STATUS.get(JourneyStatus(status))
    if status == JourneyStatus.ABORTED:
        # Back to "accepted" only for someone still accepted who was on the way.
        back = (
            journey.person.status in {Status.IN_TRANSIT, Status.LOST_CONTACT}
            and admission_block(journey.person) is None
        )
        person_status = Status.ACCEPTED if back else None
    if person_status is not None:
        said = timeline.message("journeys.status", status=status)
        do_change_status(user, journey.person, person_status, kind=TIMELINE_JOURNEY, by_decision=True, message=said)
    if status == JourneyStatus.ARRIVED:
        last = journey.stages.order_by("-position").first()
        if last is not None and last.reached_at is None:
            last.reached_at = timezone.now()
            last.save(update_fields=["reached_at"])
    return journey


@db.atomic
def do_stage_reached(user: User, stage: Stage) -> Stage:
    Person.objects.lock_row(stage.journey.person_id)
    if stage.reached_at is None:
        ensure_admissible(stage.journey.person)
        stage.reached_at = timezone.now()
        stage.save(update_fields=["reached_at"])
        record(user, Action.UPDATE, stage.journey, fields=["stages.reached_at"])
        journey = stage.journey
        if journey.status == JourneyStatus.PLANNED:  # the first stage reached: they are on the way
            do_set_status(user, journey, JourneyStatus.UNDER_WAY)
        elif journey.person.status != Status.IN_TRANSIT and journey.status == JourneyStatus.UNDER_WAY:
            said = timeline.message("journeys.stage_reached", position=stage.position + 1)
            do_change_status(
                user, journey.person, Status.IN_TRANSIT, kind=TIMELINE_JOURNEY, by_decision=True, message=said
            )
    return stage


@transaction.atomic
def do_expect_check_in(user: User, journey: Journey, due_at: datetime) -> CheckIn:
    refuse_outside(timezone.localtime(due_at), CHECK_IN, JourneyRuleError)
    check_in = CheckIn.objects.create(journey=journey, due_at=due_at, recorded_by=user)
    record(user, Action.CREATE, check_in, fields=["due_at"])
    return check_in


@transaction.atomic
def do_check_in_received(user: User, check_in: CheckIn, note: str) -> CheckIn:
    check_in = CheckIn.objects.select_for_update().get(pk=check_in.pk)
    check_in.received_at = timezone.now()
    check_in.note = note
    check_in.recorded_by = user
    check_in.save()
    record(user, Action.UPDATE, check_in, fields=["received_at"] + (["note"] if note else []))
    journey = check_in.journey
    if journey.status == JourneyStatus.LOST_CONTACT:  # heard from them again
        do_set_status(user, journey, JourneyStatus.UNDER_WAY)
    return check_in
