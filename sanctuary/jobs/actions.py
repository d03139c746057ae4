"""Every write of jobs, one transaction each with its audit record (field names only), and the
matching of openings to people by trade and training history.

A placement ending calls the core's ``sanctuary.people.work.employment_ended`` inside its
transaction: legal starts the work-permit clock there, and if that fails the job does not end.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.jobs.models import (
    BEFORE_START,
    FOLLOW_UP_MONTHS,
    NEXT,
    TIMELINE,
    Employer,
    Flag,
    FollowUp,
    Opening,
    Placement,
    PlacementState,
)
from sanctuary.lib.bounds import JOB, REFUSALS, refuse_outside
from sanctuary.lib.refusal import Refusal
from sanctuary.people import admission, timeline, work
from sanctuary.people.models import Person, PersonEvent

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


class JobsError(Refusal):
    messages = {
        "flagged": _("This employer is flagged (%(flag)s): no one is placed with them."),
        "closed": _("This opening is closed."),
        "already": _("This person already has a placement for this opening."),
        "working": _("This person already works for %(employer)s: end that job first."),
        "state": _("This placement cannot change that way now."),
        "end_before_start": _("The last day is before the first day (%(start)s)."),
        "future": _("This date is in the future."),
        "recorded": _("This follow-up is already recorded."),
        "flag_reason": _("Say why the employer is flagged."),
        **REFUSALS,
    }


def _event(actor: User, person: Person, code: str, **params: Any) -> None:
    """A step on the person timeline: one of the messages ``module.py`` declares."""
    PersonEvent.objects.create(person=person, kind=TIMELINE, message=timeline.message(code, **params), actor=actor)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


# --- Employers and openings ---------------------------------------------------------------------


@transaction.atomic
def do_save_employer(actor: User, employer: Employer, changed: list[str]) -> Employer:
    created = employer.pk is None
    employer.save()
    record(actor, Action.CREATE if created else Action.UPDATE, employer, fields=changed)
    return employer


@transaction.atomic
def do_flag_employer(actor: User, employer: Employer, flag: str, reason: str) -> Employer:
    """Flag (or clear) an employer; a flag needs its reason. Open proposals stay for the case
    worker to decide, but nothing new can be placed there."""
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if flag and not reason.strip():
        raise JobsError("flag_reason")
    employer.flag, employer.flag_reason = flag, reason if flag else ""
    employer.flagged_by, employer.flagged_at = (actor, timezone.now()) if flag else (None, None)
    employer.save()
    record(actor, Action.STATUS, employer, fields=["flag", *(["flag_reason"] if flag else [])])
    return employer


@transaction.atomic
def do_save_opening(actor: User, opening: Opening, changed: list[str]) -> Opening:
    created = opening.pk is None
    if created:
        opening.created_by = actor
    opening.save()
    record(actor, Action.CREATE if created else Action.UPDATE, opening, fields=changed)
    return opening


# --- Placements ---------------------------------------------------------------------------------


def _check_employer(opening: Opening) -> None:
    if opening.employer.flag:
        raise JobsError("flagged", flag=Flag(opening.employer.flag).label)


@transaction.atomic
def do_propose(actor: User, person: Person, opening: Opening, note: str = "") -> Placement:
    """Propose a person for an opening: only someone admissible, for an open opening of an
    employer who is not flagged, once."""
    opening = Opening.objects.select_for_update().select_related("employer").get(pk=opening.pk)
    admission.ensure_admissible(person)
    if not opening.open:
        raise JobsError("closed")
    _check_employer(opening)
    if Placement.objects.filter(person=person, opening=opening, state__in=[*BEFORE_START, "started"]).exists():
        raise JobsError("already")
    placement = Placement.objects.create(person=person, opening=opening, note=note, proposed_by=actor, changed_by=actor)
    record(actor, Action.CREATE, placement, fields=["opening", *(["note"] if note else [])])
    _event(actor, person, "jobs.proposed", trade=opening.trade)
    return placement


def _locked(placement: Placement) -> Placement:
    return Placement.objects.select_for_update().select_related("opening__employer", "person").get(pk=placement.pk)


@transaction.atomic
def do_advance(actor: User, placement: Placement) -> Placement:
    """Proposed → interview → offered."""
    placement = _locked(placement)
    nxt = NEXT.get(PlacementState(placement.state))
    if nxt is None:
        raise JobsError("state")
    _check_employer(placement.opening)
    placement.state, placement.changed_by, placement.changed_at = nxt, actor, timezone.now()
    if nxt == PlacementState.INTERVIEW:
        placement.interview_at = timezone.now()
    else:
        placement.offered_at = timezone.now()
    placement.save()
    record(actor, Action.STATUS, placement, fields=["state"])
    return placement


@transaction.atomic
def do_start(actor: User, placement: Placement, *, started_on: date, wage: Decimal, wage_unit: str) -> Placement:
    """Offered → working: the person must still be admissible and have no other job; three
    follow-ups are due at 1, 3 and 6 months."""
    refuse_outside(started_on, JOB, JobsError)
    placement = _locked(placement)
    if placement.state != PlacementState.OFFERED:
        raise JobsError("state")
    if started_on > timezone.localdate():
        raise JobsError("future")
    admission.ensure_admissible(placement.person)
    _check_employer(placement.opening)
    other = (
        Placement.objects.filter(person=placement.person, state=PlacementState.STARTED)
        .select_related("opening__employer")
        .first()
    )
    if other is not None:
        raise JobsError("working", employer=other.opening.employer.code_name)
    placement.state, placement.started_on = PlacementState.STARTED, started_on
    placement.wage, placement.wage_unit = wage, wage_unit
    placement.changed_by, placement.changed_at = actor, timezone.now()
    try:
        with transaction.atomic():
            placement.save()
    except IntegrityError:  # another start for the same person at the same moment
        raise JobsError("working", employer="—") from None
    FollowUp.objects.bulk_create(
        [FollowUp(placement=placement, months=m, due=add_months(started_on, m)) for m in FOLLOW_UP_MONTHS]
    )
    record(actor, Action.STATUS, placement, fields=["state", "started_on", "wage"])
    _event(actor, placement.person, "jobs.started", trade=placement.opening.trade)
    return placement


@transaction.atomic
def do_end(actor: User, placement: Placement, *, ended_on: date, reason: str, note: str = "") -> Placement:
    """Working → ended, with the reason; the core hears of it (the work-permit clock)."""
    refuse_outside(ended_on, JOB, JobsError)
    placement = _locked(placement)
    if placement.state != PlacementState.STARTED:
        raise JobsError("state")
    if placement.started_on and ended_on < placement.started_on:
        raise JobsError("end_before_start", start=formats.date_format(placement.started_on))
    if ended_on > timezone.localdate():
        raise JobsError("future")
    placement.state, placement.ended_on, placement.end_reason, placement.end_note = (
        PlacementState.ENDED,
        ended_on,
        reason,
        note,
    )
    placement.changed_by, placement.changed_at = actor, timezone.now()
    placement.save()
    record(actor, Action.STATUS, placement, fields=["state", "ended_on", "end_reason", *(["end_note"] if note else [])])
    _event(actor, placement.person, "jobs.ended", trade=placement.opening.trade, reason=reason)
    work.employment_ended(
        person=placement.person, employer_ref=placement.opening.employer.ref, ended_on=ended_on, user=actor
    )
    return placement


@transaction.atomic
def do_close_before_start(actor: User, placement: Placement, *, outcome: str, note: str = "") -> Placement:
    """Not started after all: declined (by the person or the employer) or withdrawn (by us)."""
    placement = _locked(placement)
    if placement.state not in BEFORE_START or outcome not in (PlacementState.DECLINED, PlacementState.WITHDRAWN):
        raise JobsError("state")
    placement.state, placement.end_note = outcome, note
    placement.changed_by, placement.changed_at = actor, timezone.now()
    placement.save()
    record(actor, Action.STATUS, placement, fields=["state", *(["end_note"] if note else [])])
    return placement


@transaction.atomic
def do_record_follow_up(actor: User, follow_up: FollowUp, *, still_employed: bool, wage: Decimal | None) -> FollowUp:
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.recorded_at is not None:
        raise JobsError("recorded")
    follow_up.still_employed, follow_up.wage = still_employed, wage
    follow_up.recorded_at, follow_up.recorded_by = timezone.now(), actor
    follow_up.save()
    record(actor, Action.UPDATE, follow_up, fields=["still_employed", "wage"])
    return follow_up


# --- Matching -----------------------------------------------------------------------------------


def _level(skill: work.Skill) -> int:
    return work.LEVEL_RANK[work.SkillLevel(skill.level)]


@dataclass(frozen=True)
class Candidate:
    person: Person
    skill: work.Skill  # the strongest in the opening's trade


def candidates(user: Any, opening: Opening, limit: int = 50) -> list[Candidate]:
    """People the user may see, admissible, not working now, who trained in the opening's
    trade: graduates first, then those in training, then applicants; earliest first."""
    working = Placement.objects.filter(state=PlacementState.STARTED).values("person_id")
    people = admission.admissible(Person.objects.visible_to(user).filter(merged_into__isnull=True)).exclude(
        pk__in=working
    )
    ids = list(people.values_list("pk", flat=True))
    found = work.skills(ids)
    best: dict[int, work.Skill] = {}
    for pid, skills in found.items():
        for skill in skills:
            if skill.trade != opening.trade:
                continue
            if pid not in best or _level(skill) > _level(best[pid]):
                best[pid] = skill
    chosen = sorted(best, key=lambda pid: (-_level(best[pid]), best[pid].on or date.max, pid))[:limit]
    by_id = Person.objects.in_bulk(chosen)
    return [Candidate(by_id[pid], best[pid]) for pid in chosen if pid in by_id]


def openings_for(person: Person) -> list[tuple[Opening, work.Skill]]:
    """Open openings (of employers not flagged) in the trades this person trained in."""
    skills = work.skills([person.pk]).get(person.pk, [])
    by_trade: dict[str, work.Skill] = {}
    for skill in skills:
        held = by_trade.get(skill.trade)
        if held is None or _level(skill) > _level(held):
            by_trade[skill.trade] = skill
    if not by_trade:
        return []
    rows = Opening.objects.filter(open=True, employer__flag="", trade__in=list(by_trade)).select_related("employer")
    return [(o, by_trade[o.trade]) for o in rows[:20]]


def employers_of(person_id: int) -> list[work.Employer]:
    """For the core (``people.work.register_employers``): current job first."""
    rows = (
        Placement.objects.filter(person_id=person_id, state__in=[PlacementState.STARTED, PlacementState.ENDED])
        .select_related("opening__employer")
        .order_by("-started_on")
    )
    seen: dict[int, work.Employer] = {}
    for p in rows:
        employer = p.opening.employer
        current = p.state == PlacementState.STARTED
        if employer.pk not in seen or current:
            seen[employer.pk] = work.Employer(employer.ref, employer.code_name, current)
    return sorted(seen.values(), key=lambda e: not e.current)


def merge_jobs(merge: Any) -> None:
    """Placements follow the person (with their follow-ups). Two jobs at once would break the
    rule of one: the check refuses that merge first."""
    merge.move(Placement.objects.all())


def check_merge(merge: Any) -> list[str]:
    both = Placement.objects.filter(person__in=[merge.primary, merge.secondary], state=PlacementState.STARTED)
    if both.count() > 1:
        return [str(_("both records are working now: end one job first"))]
    return []
