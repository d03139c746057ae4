"""Every write of the training stage: one transaction each, with its audit record (field
names only) and the person's timeline.

Seats are counted under the cohort's row lock (``select_for_update``): two withdrawals at
once, a double click or two trainers confirming together free and give each seat once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from sanctuary.accounts.policy import ON_HOLD, can_use, require_settled
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.bounds import COHORT, REFUSALS, refuse_outside
from sanctuary.lib.refusal import Refusal
from sanctuary.people import support, timeline
from sanctuary.people.admission import ensure_admissible
from sanctuary.people.models import HouseholdMember, PersonEvent, Relation
from sanctuary.training.models import (
    ACTIVE_STATES,
    FOLLOW_UP_MONTHS,
    TAKING_PART,
    TRAINING_CONFIG,
    Alert,
    AlertKind,
    Application,
    AppState,
    Assessment,
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    Cohort,
    CohortState,
    Course,
    Excuse,
    FollowUp,
    Graduation,
    Selection,
    Session,
    StatusSet,
    TrainingSettings,
    follow_up_due,
    session_days,
)

if TYPE_CHECKING:
    from sanctuary.accounts.models import User
    from sanctuary.people.models import Person

TIMELINE = "training"  # PersonEvent.kind (declared in module.py)


class TrainingError(Refusal):
    messages = {
        "on_hold": ON_HOLD,
        "state": _("This cannot be done while the cohort is “%(state)s”."),
        "transition": _("A cohort cannot go from “%(old)s” to “%(new)s”."),
        "not_enrolling": _("This cohort is not taking applications."),
        "applied": _("This person has already applied to this cohort."),
        "prerequisite": _("This person must finish “%(course)s” first."),
        "full": _("This cohort is full: every seat is taken."),
        "no_session": _("There is no session on %(day)s: attendance cannot be taken for that day."),
        "cancelled_session": _("The session on %(day)s was cancelled (%(note)s): attendance cannot be taken."),
        "future_session": _("The session on %(day)s has not happened yet."),
        "not_member": _("This person has no seat in this cohort."),
        "old_status": _("That status is not in use any more: reload the page."),
        "marked": _("Attendance was taken on that day: it cannot be cancelled."),
        "outside": _("That day is not part of this cohort (%(start)s to %(end)s)."),
        "session_exists": _("There is already a session on that day."),
        "own_list": _("You proposed this list: a second person must confirm it."),
        "changed": _("The list changed after it was proposed: propose it again."),
        "decided": _("This was already decided."),
        "nobody": _("Nobody has applied yet."),
        "pending": _("A list is already waiting for a second person."),
        "is_group": _("A group has no selection or graduation: members join directly."),
        "not_group": _("Only a group is ended this way: a cohort graduates."),
        "no_one_seated": _("Nobody has a seat in this cohort."),
        "withdrawn": _("This application was withdrawn already."),
        "finished": _("This person has finished the course already."),
        "excuse_order": _("The last day cannot be before the first."),
        "recorded": _("This follow-up was recorded already."),
        "unresolved": _("This alert was dealt with already."),
        "seats_below": ngettext_lazy(
            "%(n)s person has a seat: a cohort cannot have fewer seats than that.",
            "%(n)s people have a seat: a cohort cannot have fewer seats than that.",
            "n",
        ),
        "no_days": _("The course has no days of the week: choose at least one."),
        **REFUSALS,
        "kind_fixed": _("This course has cohorts already: its kind cannot change. Make a new course."),
        "trainer_config": _("Only a director chooses a cohort's trainer."),
    }


def _timeline(application: Application, cohort: Cohort, actor: User, code: str) -> None:
    """A step on the person timeline, one of the messages ``module.py`` declares: which course
    (its trade and first day, codes and a date, never its name) and where the application is."""
    said = timeline.message(code, trade=cohort.course.trade, start=cohort.start, state=application.state)
    PersonEvent.objects.create(person=application.person, kind=TIMELINE, message=said, actor=actor)


def _lock(cohort: Cohort) -> Cohort:
    return Cohort.objects.select_for_update().select_related("course").get(pk=cohort.pk)


# --- Courses, cohorts and sessions ----------------------------------------------------------


@transaction.atomic
def do_save_course(user: User, course: Course, prerequisites: Iterable[Course] | None = None) -> Course:
    """Create or update a course (the form has validated it)."""
    if not course.days:
        raise TrainingError("no_days")
    new = course.pk is None
    if new:
        course.created_by = user
    else:
        # A course's kind decides whether seats need a confirmed list: switching it under
        # its cohorts would let one person seat people (a group) or close a cohort without
        # a graduation approval.
        before = Course.objects.select_for_update().get(pk=course.pk)
        if before.kind != course.kind and before.cohorts.exists():
            raise TrainingError("kind_fixed")
    course.save()
    if prerequisites is not None:
        course.prerequisites.set([c for c in prerequisites if c.pk != course.pk])
    record(user, Action.CREATE if new else Action.UPDATE, course, fields=["course"])
    return course


@transaction.atomic
def do_create_cohort(
    user: User, course: Course, start: date, *, seats: int | None = None, trainer: User | None = None, label: str = ""
) -> Cohort:
    """A draft cohort with its sessions made from the course's weekly pattern. Only a
    director names its trainer (see :func:`do_update_cohort`)."""
    if trainer is not None and not can_use(user, TRAINING_CONFIG):
        raise TrainingError("trainer_config")
    refuse_outside(start, COHORT, TrainingError)
    days = session_days(course, start)
    if not days:
        raise TrainingError("no_days")
    cohort = Cohort.objects.create(
        course=course,
        start=days[0],
        end=days[-1],
        seats=seats or course.seats,
        trainer=trainer,
        label=label,
        created_by=user,
    )
    Session.objects.bulk_create([Session(cohort=cohort, day=day) for day in days])
    record(user, Action.CREATE, cohort, fields=["cohort", "sessions"])
    return cohort


_TRANSITIONS = {
    CohortState.DRAFT: {CohortState.ENROLLING, CohortState.CANCELLED},
    CohortState.ENROLLING: {CohortState.RUNNING, CohortState.CANCELLED, CohortState.DRAFT},
    CohortState.RUNNING: {CohortState.CANCELLED},  # graduation (or ending a group) closes it
}


@transaction.atomic
def do_set_cohort_state(user: User, cohort: Cohort, state: str, reason: str = "") -> Cohort:
    cohort = _lock(cohort)
    if state not in _TRANSITIONS.get(CohortState(cohort.state), set()):
        raise TrainingError(
            "transition",
            old=CohortState(cohort.state).label,
            new=CohortState(state).label if state in CohortState.values else state,
        )
    cohort.state = state
    fields = ["state"]
    if state == CohortState.CANCELLED:
        cohort.cancel_reason = reason[:300]
        fields.append("cancel_reason")
        # Pending lists are moot: withdrawn if one's own, declined otherwise.
        for model in (Selection, Graduation):
            for pending in model.objects.filter(cohort=cohort, state="proposed"):
                _decline(user, model, pending)
        # Nobody keeps a seat or a place in the line, and days not taught are not held:
        # attendance (and a stipend conditioned on it) never counts them.
        _withdraw_all(user, cohort, ACTIVE_STATES)
        Session.objects.filter(cohort=cohort, day__gt=timezone.localdate(), cancelled=False).update(
            cancelled=True, note=str(_("cohort cancelled"))[:200]
        )
    cohort.save(update_fields=fields)
    record(user, Action.UPDATE, cohort, fields=fields)
    return cohort


@transaction.atomic
def do_update_cohort(user: User, cohort: Cohort, *, seats: int, trainer: User | None, label: str) -> Cohort:
    """Seats, label, and (directors only) the trainer: naming a trainer shows them the names
    of the cohort's people, whatever their teams, so nobody names themselves."""
    cohort = _lock(cohort)
    if cohort.state in (CohortState.GRADUATED, CohortState.CANCELLED):
        raise TrainingError("state", state=CohortState(cohort.state).label)
    if trainer != cohort.trainer and not can_use(user, TRAINING_CONFIG):
        raise TrainingError("trainer_config")
    seated = cohort.applications.filter(state=AppState.SEATED).count()
    if seats < seated:
        raise TrainingError("seats_below", n=seated)
    grew = seats > cohort.seats
    cohort.seats, cohort.trainer, cohort.label = seats, trainer, label
    cohort.save(update_fields=["seats", "trainer", "label"])
    record(user, Action.UPDATE, cohort, fields=["seats", "trainer", "label"])
    if grew and cohort.selections.filter(state=Selection.State.CONFIRMED).exists():
        _promote(user, cohort)
    return cohort


@transaction.atomic
def do_edit_session(user: User, session: Session, *, cancelled: bool, note: str, topic: str) -> Session:
    cohort = _lock(session.cohort)  # the lock attendance takes: no mark slips in meanwhile
    if cohort.state in (CohortState.GRADUATED, CohortState.CANCELLED):
        raise TrainingError("state", state=CohortState(cohort.state).label)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if cancelled and not session.cancelled and session.marks.exists():
        raise TrainingError("marked")
    session.cancelled, session.note, session.topic = cancelled, note[:200], topic[:200]
    session.save(update_fields=["cancelled", "note", "topic"])
    record(user, Action.UPDATE, session, fields=["cancelled", "note", "topic"])
    return session


@transaction.atomic
def do_add_session(user: User, cohort: Cohort, day: date, topic: str = "") -> Session:
    refuse_outside(day, COHORT, TrainingError)
    cohort = _lock(cohort)
    if cohort.state in (CohortState.GRADUATED, CohortState.CANCELLED):
        raise TrainingError("state", state=CohortState(cohort.state).label)
    if Session.objects.filter(cohort=cohort, day=day).exists():
        raise TrainingError("session_exists")
    session = Session.objects.create(cohort=cohort, day=day, topic=topic[:200])
    if day < cohort.start or day > cohort.end:  # an extra day at either end moves the dates
        cohort.start, cohort.end = min(cohort.start, day), max(cohort.end, day)
        cohort.save(update_fields=["start", "end"])
    record(user, Action.CREATE, session, fields=["day"])
    return session


# --- Applications -------------------------------------------------------------------------------


def _finished_courses(person_ids: Iterable[int]) -> dict[int, set[int]]:
    done: dict[int, set[int]] = {}
    rows = Application.objects.filter(person_id__in=list(person_ids), state=AppState.GRADUATED).values_list(
        "person_id", "cohort__course_id"
    )
    for person_id, course_id in rows:
        done.setdefault(person_id, set()).add(course_id)
    return done


@transaction.atomic
def do_apply(user: User, person: Person, cohort: Cohort, reason: str, *, asked_by_person: bool = False) -> Application:
    """Apply for a person. A group member joins directly (a seat if one is free, otherwise
    the waitlist); an application to a cohort waits for the selection, or for the waitlist
    once the list was confirmed."""
    cohort = _lock(cohort)
    open_to = (CohortState.ENROLLING, CohortState.RUNNING) if cohort.is_group else (CohortState.ENROLLING,)
    if cohort.state not in open_to:
        raise TrainingError("not_enrolling")
    ensure_admissible(person)
    if Application.objects.filter(person=person, cohort=cohort).exclude(state=AppState.WITHDRAWN).exists():
        raise TrainingError("applied")
    done = _finished_courses([person.pk]).get(person.pk, set())
    for course in cohort.course.prerequisites.all():
        if course.pk not in done:
            raise TrainingError("prerequisite", course=course)  # named in the language of whoever reads it
    application = Application(
        person=person, cohort=cohort, reason=reason, asked_by_person=asked_by_person, applied_by=user
    )
    confirmed = cohort.selections.filter(state=Selection.State.CONFIRMED).exists()
    if cohort.is_group or confirmed:
        if _seated(cohort) < cohort.seats and not _waiting(cohort).exists():
            application.state, application.seated_at = AppState.SEATED, timezone.now()
        else:
            application.state = AppState.WAITLISTED
    application.save()
    record(user, Action.CREATE, application, fields=["reason", "state"])
    _timeline(application, cohort, user, "training.applied")
    return application


def _withdraw_all(user: User, cohort: Cohort, states: tuple[str, ...]) -> None:
    """Close the line when a cohort ends or is cancelled: nobody waits for it any more."""
    Application.objects.filter(cohort=cohort, state__in=states).update(
        state=AppState.WITHDRAWN, withdrawn_by=user, withdrawn_at=timezone.now()
    )


def _seated(cohort: Cohort) -> int:
    return Application.objects.filter(cohort=cohort, state=AppState.SEATED).count()


def _waiting(cohort: Cohort) -> Any:
    return Application.objects.filter(cohort=cohort, state=AppState.WAITLISTED).order_by("applied_at", "id")


def _promote(user: User, cohort: Cohort) -> list[Application]:
    """Give free seats to the first on the waitlist, with a notice to their case worker. The
    caller holds the cohort's lock."""
    promoted = []
    free = cohort.seats - _seated(cohort)
    for application in list(_waiting(cohort)[: max(free, 0)]):
        application.state, application.seated_at = AppState.SEATED, timezone.now()
        application.save(update_fields=["state", "seated_at"])
        Alert.objects.get_or_create(application=application, kind=AlertKind.PROMOTED, resolved_at=None)
        record(user, Action.UPDATE, application, fields=["state"])
        promoted.append(application)
    return promoted


@transaction.atomic
def do_withdraw(user: User, application: Application, reason: str) -> list[Application]:
    """Withdraw with a reason; a freed seat goes to the first on the waitlist. Returns who was
    promoted (at most one per seat freed)."""
    cohort = _lock(application.cohort)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.state == AppState.WITHDRAWN:
        raise TrainingError("withdrawn")
    if application.state not in ACTIVE_STATES:
        raise TrainingError("finished")
    had_seat = application.state == AppState.SEATED
    application.state = AppState.WITHDRAWN
    application.withdraw_reason = reason
    application.withdrawn_by, application.withdrawn_at = user, timezone.now()
    application.save(update_fields=["state", "withdraw_reason", "withdrawn_by", "withdrawn_at"])
    record(user, Action.UPDATE, application, fields=["state", "withdraw_reason"])
    _timeline(application, cohort, user, "training.withdrawn")
    if had_seat and cohort.state in (CohortState.ENROLLING, CohortState.RUNNING):
        return _promote(user, cohort)
    return []


# --- Selection ------------------------------------------------------------------------------------


@dataclass
class Ranked:
    """One applicant's place in the ranking, with what made the score."""

    application: Application
    score: Decimal
    weeks_waiting: int
    prior_courses: int
    stipend_ends: date | None
    household: int
    seat: bool = False
    terms: dict[str, str] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        return {
            "app": self.application.pk,
            "score": str(self.score),
            "weeks": self.weeks_waiting,
            "prior": self.prior_courses,
            "stipend_ends": self.stipend_ends.isoformat() if self.stipend_ends else None,
            "household": self.household,
            "seat": self.seat,
        }


def rank(cohort: Cohort, today: date | None = None) -> list[Ranked]:
    """Applicants still waiting for this cohort's decision, best first, scored by the
    organisation's criteria. Ties go to whoever applied first."""
    today = today or timezone.localdate()
    rules = TrainingSettings.current()
    applications = list(
        Application.objects.filter(cohort=cohort, state=AppState.APPLIED)
        .select_related("person")
        .order_by("applied_at", "id")
    )
    ids = [a.person_id for a in applications]
    # Waiting: since the person's first application that never led to a seat, in any cohort.
    waited: dict[int, Any] = {}
    for person_id, applied_at in (
        Application.objects.filter(person_id__in=ids)
        .exclude(state__in=TAKING_PART)
        .exclude(state=AppState.WITHDRAWN)
        .values_list("person_id", "applied_at")
    ):
        waited[person_id] = min(applied_at, waited.get(person_id, applied_at))
    prior = dict(
        Application.objects.filter(person_id__in=ids, state__in=(AppState.GRADUATED, AppState.FINISHED))
        .values("person_id")
        .annotate(n=Count("id"))
        .values_list("person_id", "n")
    )
    household = dict(
        HouseholdMember.objects.filter(person_id__in=ids, relation__in=[Relation.SPOUSE, Relation.CHILD])
        .values("person_id")
        .annotate(n=Count("id"))
        .values_list("person_id", "n")
    )
    ends = support.stipend_ends(ids)
    ranked = []
    for application in applications:
        pid = application.person_id
        start = waited.get(pid, application.applied_at)
        weeks = max(0, (today - timezone.localtime(start).date()).days // 7)
        end = ends.get(pid)
        ending_soon = end is not None and (end - today).days <= 60
        terms = {
            "waiting": rules.weight_waiting * weeks,
            "prior": rules.weight_prior * prior.get(pid, 0),
            "stipend": rules.weight_stipend if ending_soon else Decimal(0),
            "household": rules.weight_household * household.get(pid, 0),
        }
        score = sum(terms.values(), Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        ranked.append(
            Ranked(
                application=application,
                score=score,
                weeks_waiting=weeks,
                prior_courses=prior.get(pid, 0),
                stipend_ends=end,
                household=household.get(pid, 0),
                terms={k: str(v.quantize(Decimal("0.01"))) for k, v in terms.items()},
            )
        )
    ranked.sort(key=lambda r: (-r.score, r.application.applied_at, r.application.pk))
    free = max(cohort.seats - _seated(cohort), 0)
    for n, row in enumerate(ranked):
        row.seat = n < free
    return ranked


def _fingerprint(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


@transaction.atomic
def do_propose_selection(user: User, cohort: Cohort) -> Selection:
    cohort = _lock(cohort)
    if cohort.is_group:
        raise TrainingError("is_group")
    if cohort.state not in (CohortState.ENROLLING, CohortState.RUNNING):
        raise TrainingError("state", state=CohortState(cohort.state).label)
    if cohort.selections.filter(state=Selection.State.PROPOSED).exists():
        raise TrainingError("pending")
    rows = [r.as_row() for r in rank(cohort)]
    if not rows:
        raise TrainingError("nobody")
    selection = Selection.objects.create(cohort=cohort, ranking=rows, fingerprint=_fingerprint(rows), proposed_by=user)
    record(user, Action.CREATE, selection, fields=["ranking"])
    return selection


@transaction.atomic
def do_confirm_selection(user: User, selection: Selection) -> Selection:
    """A second person confirms: the first ``seats`` get a seat, the others wait in the order
    they applied. Refused when anything the list was made from changed since (an application,
    a withdrawal, a criterion, a seat)."""
    cohort = _lock(selection.cohort)
    selection = Selection.objects.select_for_update().get(pk=selection.pk)
    if selection.state != Selection.State.PROPOSED:
        raise TrainingError("decided")
    if selection.proposed_by_id == user.pk:
        raise TrainingError("own_list")
    require_settled(user, TrainingError)
    if cohort.state not in (CohortState.ENROLLING, CohortState.RUNNING):
        raise TrainingError("state", state=CohortState(cohort.state).label)
    rows = [r.as_row() for r in rank(cohort, today=timezone.localtime(selection.proposed_at).date())]
    if _fingerprint(rows) != selection.fingerprint:
        raise TrainingError("changed")
    now = timezone.now()
    seats = {row["app"] for row in rows if row["seat"]}
    applications = list(Application.objects.filter(pk__in=[row["app"] for row in rows]).select_related("person"))
    for application in applications:
        application.state = AppState.SEATED if application.pk in seats else AppState.WAITLISTED
        application.seated_at = now if application.pk in seats else None
    Application.objects.bulk_update(applications, ["state", "seated_at"])
    for application in applications:
        _timeline(application, cohort, user, "training.selected")
    selection.state, selection.decided_by, selection.decided_at = Selection.State.CONFIRMED, user, now
    selection.save(update_fields=["state", "decided_by", "decided_at"])
    record(user, Action.UPDATE, selection, fields=["state"])
    return selection


def _decline(user: User, model: type[Any], pending: Any) -> Any:
    """Decline a pending list (selection or graduation); its proposer withdraws it instead
    (deleted: a proposer never appears as the one who decided). The caller holds the
    transaction."""
    pending = model.objects.select_for_update().get(pk=pending.pk)
    if pending.state != "proposed":
        raise TrainingError("decided")
    if pending.proposed_by_id == user.pk:
        pk = pending.pk
        pending.delete()
        record(user, Action.DELETE, object_type=model._meta.label_lower, object_id=pk)
        return pending
    pending.state, pending.decided_by, pending.decided_at = "declined", user, timezone.now()
    pending.save(update_fields=["state", "decided_by", "decided_at"])
    record(user, Action.UPDATE, pending, fields=["state"])
    return pending


@transaction.atomic
def do_decline_selection(user: User, selection: Selection) -> Selection:
    return _decline(user, Selection, selection)  # type: ignore[no-any-return]


# --- Attendance -----------------------------------------------------------------------------------


def session_on(cohort: Cohort, day: date) -> Session:
    """The session a trainer means by a day, or the refusal that says why there is none."""
    session = Session.objects.filter(cohort=cohort, day=day).first()
    if session is None:
        raise TrainingError("no_session", day=day.isoformat())
    if session.cancelled:
        raise TrainingError("cancelled_session", day=day.isoformat(), note=session.note or "-")
    if day > timezone.localdate():
        raise TrainingError("future_session", day=day.isoformat())
    return session


def members(cohort: Cohort) -> Any:
    """Who is marked: people with a seat (and, after graduation, those who took part)."""
    return Application.objects.filter(cohort=cohort, state__in=TAKING_PART).order_by("id")


@transaction.atomic
def do_take_attendance(user: User, session: Session, marks: Mapping[int, int]) -> dict[str, int]:
    """Save one session's marks (application id -> status id, from the current status set).
    A changed mark keeps its old value in ``AttendanceChange`` and the audit log. Returns how
    many were new, changed and unchanged."""
    cohort = _lock(session.cohort)
    session = session_on(cohort, session.day)
    if cohort.state not in (CohortState.RUNNING, CohortState.ENROLLING):
        raise TrainingError("state", state=CohortState(cohort.state).label)
    allowed = set(members(cohort).values_list("pk", flat=True))
    if set(marks) - allowed:
        raise TrainingError("not_member")
    statuses = {s.pk: s for s in AttendanceStatus.objects.filter(status_set=StatusSet.current())}
    if set(marks.values()) - set(statuses):
        raise TrainingError("old_status")
    existing = {m.application_id: m for m in Attendance.objects.select_for_update().filter(session=session)}
    counts = {"new": 0, "changed": 0, "same": 0}
    now = timezone.now()
    for app_id, status_id in marks.items():
        mark = existing.get(app_id)
        if mark is None:
            mark = Attendance.objects.create(
                session=session, application_id=app_id, status_id=status_id, marked_by=user, marked_at=now
            )
            counts["new"] += 1
        elif mark.status_id != status_id:
            AttendanceChange.objects.create(
                attendance=mark, old_status_id=mark.status_id, new_status_id=status_id, changed_by=user, changed_at=now
            )
            mark.status_id, mark.marked_by, mark.marked_at = status_id, user, now
            mark.save(update_fields=["status", "marked_by", "marked_at"])
            record(user, Action.UPDATE, mark, fields=["status"])
            counts["changed"] += 1
        else:
            counts["same"] += 1
    if counts["new"]:
        record(user, Action.CREATE, session, fields=["attendance"])
    _check_streaks(cohort, list(marks))
    return counts


def streak(application_id: int, sessions: list[Session], marks: dict[tuple[int, int], AttendanceStatus]) -> int:
    """Unexcused absences in a row, counted back from the latest session with a mark.
    Excused days are stepped over: an absence before and after a hospital visit is still a
    streak of two."""
    n = 0
    for session in reversed(sessions):
        status = marks.get((session.pk, application_id))
        if status is None or not status.counts:
            continue  # not marked yet, or excused: neither breaks nor lengthens the streak
        if not status.unexcused_absence:
            break
        n += 1
    return n


def _check_streaks(cohort: Cohort, application_ids: list[int]) -> None:
    limit = TrainingSettings.current().absence_alert_after
    sessions = list(
        Session.objects.filter(cohort=cohort, cancelled=False, day__lte=timezone.localdate()).order_by("day")
    )
    marks = {
        (m.session_id, m.application_id): m.status
        for m in Attendance.objects.filter(session__in=sessions, application_id__in=application_ids).select_related(
            "status"
        )
    }
    for app_id in application_ids:
        n = streak(app_id, sessions, marks)
        if n >= limit:
            alert, created = Alert.objects.get_or_create(
                application_id=app_id, kind=AlertKind.ABSENT, resolved_at=None, defaults={"count": n}
            )
            if not created and alert.count != n:
                alert.count = n
                alert.save(update_fields=["count"])


@transaction.atomic
def do_excuse(user: User, application: Application, first_day: date, last_day: date, reason: str) -> Excuse:
    refuse_outside(first_day, COHORT, TrainingError)
    refuse_outside(last_day, COHORT, TrainingError)
    if last_day < first_day:
        raise TrainingError("excuse_order")
    if application.state not in (AppState.SEATED, AppState.WAITLISTED, AppState.APPLIED):
        raise TrainingError("not_member")
    excuse = Excuse.objects.create(
        application=application, first_day=first_day, last_day=last_day, reason=reason, created_by=user
    )
    record(user, Action.CREATE, excuse, fields=["first_day", "last_day", "reason"])
    return excuse


@transaction.atomic
def do_resolve_alert(user: User, alert: Alert) -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.resolved_at is not None:
        raise TrainingError("unresolved")
    alert.resolved_by, alert.resolved_at = user, timezone.now()
    alert.save(update_fields=["resolved_by", "resolved_at"])
    record(user, Action.UPDATE, alert, fields=["resolved_at"])
    return alert


def attendance_share(
    applications: list[int], until: date | None = None, first: date | None = None
) -> dict[int, tuple[Decimal, Decimal]]:
    """Application id -> (weighted days, days that count) over the sessions held while the
    person had a seat: from the day they got it (and ``first``) to the day they withdrew (and
    ``until``, today by default). A day not marked counts as a day missed: attendance that
    was never taken is not given; an excused day is left out. Graduation, the cohort page and
    the stipend condition all count this way."""
    until = until or timezone.localdate()
    windows: dict[int, tuple[int, date | None, date]] = {}
    for pk, cohort_id, seated_at, withdrawn_at in Application.objects.filter(pk__in=applications).values_list(
        "pk", "cohort_id", "seated_at", "withdrawn_at"
    ):
        since = timezone.localtime(seated_at).date() if seated_at else None
        if first is not None:
            since = max(first, since) if since else first
        end = min(until, timezone.localtime(withdrawn_at).date()) if withdrawn_at else until
        windows[pk] = (cohort_id, since, end)

    def inside(app_id: int, day: date) -> bool:
        _cohort, since, end = windows[app_id]
        return (since is None or day >= since) and day <= end

    held: dict[int, list[date]] = {}
    days = Session.objects.filter(cohort_id__in={w[0] for w in windows.values()}, cancelled=False, day__lte=until)
    for cohort_id, day in days.values_list("cohort_id", "day"):
        held.setdefault(cohort_id, []).append(day)
    result = {
        pk: (Decimal(0), Decimal(sum(1 for day in held.get(cohort_id, []) if inside(pk, day))))
        for pk, (cohort_id, _since, _end) in windows.items()
    }
    marks = Attendance.objects.filter(
        application_id__in=list(windows), session__cancelled=False, session__day__lte=until
    )
    for app_id, day, weight, counts in marks.values_list(
        "application_id", "session__day", "status__weight", "status__counts"
    ):
        if not inside(app_id, day):
            continue
        done, total = result[app_id]
        result[app_id] = (done + weight, total) if counts else (done, total - 1)
    return result


# --- Assessments, graduation, follow-ups ------------------------------------------------------------


@transaction.atomic
def do_record_assessment(
    user: User, application: Application, name: str, passed: bool, kind: str = Assessment.Kind.PRACTICAL
) -> Assessment:
    _lock(application.cohort)  # two saves of one assessment at once: one after the other
    application = Application.objects.get(pk=application.pk)
    if application.state != AppState.SEATED:
        raise TrainingError("not_member")
    assessment, created = Assessment.objects.update_or_create(
        application=application,
        name=name.strip()[:120],
        defaults={"passed": passed, "kind": kind, "recorded_by": user, "day": timezone.localdate()},
    )
    record(user, Action.CREATE if created else Action.UPDATE, assessment, fields=["passed"])
    return assessment


@dataclass
class Result:
    """Whether one person graduates, and why (codes, counts and shares only)."""

    application: Application
    attended: Decimal  # share, 0 to 100
    days: Decimal
    practical: int
    criteria_missing: list[str]
    passes: bool
    reasons: list[str]

    def as_row(self) -> dict[str, Any]:
        return {
            "app": self.application.pk,
            "attended": str(self.attended),
            "practical": self.practical,
            "missing": self.criteria_missing,
            "passes": self.passes,
            "reasons": self.reasons,
        }


def graduation_check(cohort: Cohort) -> list[Result]:
    course = cohort.course
    apps = list(members(cohort).filter(state=AppState.SEATED).select_related("person"))
    shares = attendance_share([a.pk for a in apps])
    passed: dict[int, dict[str, bool]] = {}
    for app_id, name, ok, kind in Assessment.objects.filter(application__in=apps).values_list(
        "application_id", "name", "passed", "kind"
    ):
        passed.setdefault(app_id, {})[f"{kind}:{name}"] = ok
    results = []
    for app in apps:
        done, total = shares.get(app.pk, (Decimal(0), Decimal(0)))
        share = (done * 100 / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if total else Decimal(0)
        marks = passed.get(app.pk, {})
        practical = sum(1 for key, ok in marks.items() if ok and key.startswith("practical:"))
        missing = [line for line in course.criteria_lines() if not marks.get(f"criterion:{line}")]
        reasons = []
        if share < course.min_attendance:
            reasons.append("attendance")
        if practical < course.assessments_required:
            reasons.append("practical")
        if missing:
            reasons.append("criteria")
        results.append(Result(app, share, total, practical, missing, not reasons, reasons))
    return results


@transaction.atomic
def do_propose_graduation(user: User, cohort: Cohort) -> Graduation:
    cohort = _lock(cohort)
    if cohort.is_group:
        raise TrainingError("is_group")
    if cohort.state != CohortState.RUNNING:
        raise TrainingError("state", state=CohortState(cohort.state).label)
    if cohort.graduations.filter(state=Graduation.State.PROPOSED).exists():
        raise TrainingError("pending")
    rows = [r.as_row() for r in graduation_check(cohort)]
    if not rows:
        raise TrainingError("no_one_seated")
    graduation = Graduation.objects.create(
        cohort=cohort, results=rows, fingerprint=_fingerprint(rows), proposed_by=user
    )
    record(user, Action.CREATE, graduation, fields=["results"])
    return graduation


@transaction.atomic
def do_approve_graduation(user: User, graduation: Graduation) -> Graduation:
    """A second person approves: those who pass graduate, the others did not pass, the cohort
    closes and follow-ups are due at 1, 3 and 6 months. Refused when a mark or assessment
    changed after the list was proposed."""
    cohort = _lock(graduation.cohort)
    graduation = Graduation.objects.select_for_update().get(pk=graduation.pk)
    if graduation.state != Graduation.State.PROPOSED:
        raise TrainingError("decided")
    if graduation.proposed_by_id == user.pk:
        raise TrainingError("own_list")
    require_settled(user, TrainingError)
    if cohort.state != CohortState.RUNNING:
        raise TrainingError("state", state=CohortState(cohort.state).label)
    results = graduation_check(cohort)
    if _fingerprint([r.as_row() for r in results]) != graduation.fingerprint:
        raise TrainingError("changed")
    today = timezone.localdate()
    follow_ups = []
    for result in results:
        app = result.application
        app.state = AppState.GRADUATED if result.passes else AppState.NOT_PASSED
        app.save(update_fields=["state"])
        _timeline(app, cohort, user, "training.finished")
        if result.passes:
            follow_ups += [FollowUp(application=app, months=m, due=follow_up_due(today, m)) for m in FOLLOW_UP_MONTHS]
    FollowUp.objects.bulk_create(follow_ups)
    # The line is closed with the cohort: nobody waits for a course that ended.
    _withdraw_all(user, cohort, (AppState.WAITLISTED, AppState.APPLIED))
    cohort.state = CohortState.GRADUATED
    cohort.save(update_fields=["state"])
    graduation.state, graduation.decided_by, graduation.decided_at = Graduation.State.APPROVED, user, timezone.now()
    graduation.save(update_fields=["state", "decided_by", "decided_at"])
    record(user, Action.UPDATE, graduation, fields=["state"])
    return graduation


@transaction.atomic
def do_decline_graduation(user: User, graduation: Graduation) -> Graduation:
    return _decline(user, Graduation, graduation)  # type: ignore[no-any-return]


@transaction.atomic
def do_end_group(user: User, cohort: Cohort) -> Cohort:
    """A group (civic education, life skills) ends: its members took part; nobody graduates."""
    cohort = _lock(cohort)
    if not cohort.is_group:
        raise TrainingError("not_group")
    if cohort.state != CohortState.RUNNING:
        raise TrainingError("state", state=CohortState(cohort.state).label)
    for app in Application.objects.filter(cohort=cohort, state=AppState.SEATED).select_related("person"):
        app.state = AppState.FINISHED
        app.save(update_fields=["state"])
        _timeline(app, cohort, user, "training.finished")
    _withdraw_all(user, cohort, (AppState.WAITLISTED, AppState.APPLIED))
    cohort.state = CohortState.GRADUATED
    cohort.save(update_fields=["state"])
    record(user, Action.UPDATE, cohort, fields=["state"])
    return cohort


@transaction.atomic
def do_record_follow_up(user: User, follow_up: FollowUp, outcome: str, note: str = "") -> FollowUp:
    follow_up = FollowUp.objects.select_for_update().select_related("application__person").get(pk=follow_up.pk)
    if follow_up.outcome:
        raise TrainingError("recorded")
    follow_up.outcome, follow_up.note = outcome, note
    follow_up.recorded_by, follow_up.recorded_at = user, timezone.now()
    follow_up.save(update_fields=["outcome", "note", "recorded_by", "recorded_at"])
    record(user, Action.UPDATE, follow_up, fields=["outcome", "note"])
    return follow_up


# --- The attendance statuses -----------------------------------------------------------------------


@dataclass(frozen=True)
class StatusRow:
    code: str
    label_my: str
    label_en: str
    label_th: str
    weight: Decimal
    counts: bool
    unexcused_absence: bool


@transaction.atomic
def do_save_statuses(user: User, rows: list[StatusRow]) -> StatusSet:
    """A new version of the status set; marks already taken keep the version they used."""
    status_set = StatusSet.objects.create(created_by=user)
    AttendanceStatus.objects.bulk_create(
        [
            AttendanceStatus(
                status_set=status_set,
                code=row.code,
                label_my=row.label_my,
                label_en=row.label_en,
                label_th=row.label_th,
                weight=row.weight,
                counts=row.counts,
                unexcused_absence=row.unexcused_absence,
                order=n,
            )
            for n, row in enumerate(rows)
        ]
    )
    record(user, Action.CREATE, status_set, fields=["statuses"])
    return status_set


@transaction.atomic
def do_save_settings(user: User, settings_row: TrainingSettings) -> TrainingSettings:
    settings_row.updated_by = user
    settings_row.save()
    record(user, Action.UPDATE, settings_row, fields=["settings"])
    return settings_row


def excused_on(applications: Iterable[int], day: date) -> set[int]:
    """Applications with an excuse covering ``day``."""
    return set(
        Excuse.objects.filter(application_id__in=list(applications), first_day__lte=day, last_day__gte=day).values_list(
            "application_id", flat=True
        )
    )


def open_alerts(queryset: Any) -> Any:
    return queryset.filter(resolved_at__isnull=True)


def upcoming_follow_ups(queryset: Any, within: int = 14) -> Any:
    return queryset.filter(outcome="", due__lte=timezone.localdate() + timedelta(days=within))


__all__ = ["Q", "TrainingError"]
