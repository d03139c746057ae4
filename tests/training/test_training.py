"""Training rules: cohorts and sessions, applications, selection by two people, the waitlist,
attendance with corrections and alerts, graduation by two people, follow-ups, groups, the
stipend condition and the merge. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from sanctuary.audit.models import AuditEntry
from sanctuary.people.admission import NotAdmissible
from sanctuary.people.models import HouseholdMember, PersonEvent, Relation
from sanctuary.training import actions
from sanctuary.training.actions import TrainingError
from sanctuary.training.models import (
    Alert,
    AlertKind,
    AppState,
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    CohortState,
    FollowUp,
    Graduation,
    Selection,
    Session,
    StatusSet,
    TrainingSettings,
    session_days,
)
from tests.factories import PersonFactory
from tests.shelter.helpers import accepted
from tests.training import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def officers(make_user: Any) -> tuple[Any, Any]:
    return make_user("vetting_officer"), make_user("vetting_officer")


@pytest.fixture
def trainers(make_user: Any) -> tuple[Any, Any]:
    return make_user("trainer"), make_user("trainer")


def _status(code: str) -> AttendanceStatus:
    return AttendanceStatus.objects.get(status_set=StatusSet.current(), code=code)


def test_sessions_follow_the_weekly_pattern_and_holidays_can_be_edited(trainers: Any) -> None:
    trainer = trainers[0]
    monday = date(2026, 11, 2)
    course = helpers.course(trainer, weeks=2)  # six days a week by default
    days = session_days(course, monday)
    assert len(days) == 12 and all(d.weekday() != 6 for d in days)
    made = actions.do_create_cohort(trainer, course, monday)
    assert (made.start, made.end, made.sessions.count()) == (monday, date(2026, 11, 14), 12)
    holiday = made.sessions.get(day=date(2026, 11, 4))
    actions.do_edit_session(trainer, holiday, cancelled=True, note="Holiday", topic="")
    extra = actions.do_add_session(trainer, made, date(2026, 11, 16))
    made.refresh_from_db()
    assert made.end == extra.day and made.sessions.filter(cancelled=False).count() == 12
    with pytest.raises(TrainingError) as error:
        actions.do_add_session(trainer, made, date(2026, 11, 16))
    assert error.value.code == "session_exists"


def test_cohort_states_move_only_forward(trainers: Any) -> None:
    made = helpers.cohort(trainers[0], state=CohortState.DRAFT)
    with pytest.raises(TrainingError) as error:
        actions.do_set_cohort_state(trainers[0], made, CohortState.GRADUATED)
    assert error.value.code == "transition"
    actions.do_set_cohort_state(trainers[0], made, CohortState.ENROLLING)
    actions.do_set_cohort_state(trainers[0], made, CohortState.RUNNING)
    with pytest.raises(TrainingError):
        actions.do_set_cohort_state(trainers[0], made, CohortState.ENROLLING)
    actions.do_set_cohort_state(trainers[0], made, CohortState.CANCELLED, "No trainer")
    made.refresh_from_db()
    assert made.cancel_reason == "No trainer"


def test_applying_for_someone_not_admitted_is_refused_naming_the_rule(team_a: Any, trainers: Any) -> None:
    person = PersonFactory(team=team_a)  # never accepted by vetting
    made = helpers.cohort(trainers[0])
    with pytest.raises(NotAdmissible) as error:
        actions.do_apply(trainers[0], person, made, "wants a trade")
    assert error.value.code == "not_accepted"
    with translation.override("en"):
        assert "vetting" in error.value.message


def test_prerequisites_twice_and_closed_cohorts_are_refused(team_a: Any, officers: Any, trainers: Any) -> None:
    trainer = trainers[0]
    person = accepted(team_a, officers)
    basic = helpers.course(trainer, name_en="Basics", name_my="Basics")
    advanced = helpers.course(trainer, name_en="Advanced")
    advanced.prerequisites.set([basic])
    made = helpers.cohort(trainer, advanced)
    with pytest.raises(TrainingError) as error:
        actions.do_apply(trainer, person, made, "r")
    assert error.value.code == "prerequisite" and "Basics" in error.value.message
    first = helpers.cohort(trainer, basic)
    actions.do_apply(trainer, person, first, "r")
    with pytest.raises(TrainingError) as error:
        actions.do_apply(trainer, person, first, "r")
    assert error.value.code == "applied"
    draft = helpers.cohort(trainer, basic, state=CohortState.DRAFT)
    with pytest.raises(TrainingError) as error:
        actions.do_apply(trainer, person, draft, "r")
    assert error.value.code == "not_enrolling"


def test_ranking_is_explained_and_a_second_person_confirms(team_a: Any, officers: Any, trainers: Any) -> None:
    first, second = trainers
    made = helpers.cohort(first, seats=2)
    waited, family, fresh = (accepted(team_a, officers) for _ in range(3))
    # ``waited`` applied to an earlier cohort five weeks ago and never got a seat.
    earlier = helpers.cohort(first)
    old = actions.do_apply(first, waited, earlier, "r")
    type(old).objects.filter(pk=old.pk).update(applied_at=timezone.now() - timedelta(weeks=5))
    HouseholdMember.objects.create(person=family, relation=Relation.SPOUSE, name="n")
    HouseholdMember.objects.create(person=family, relation=Relation.CHILD, name="c")
    for person in (fresh, family, waited):
        actions.do_apply(first, person, made, "r")
    ranked = actions.rank(made)
    assert [r.application.person for r in ranked] == [waited, family, fresh]
    assert ranked[0].weeks_waiting == 5 and ranked[0].terms["waiting"] == "5.00"
    assert ranked[1].household == 2 and ranked[1].score == Decimal("2.00")
    assert [r.seat for r in ranked] == [True, True, False]
    selection = actions.do_propose_selection(first, made)
    with pytest.raises(TrainingError) as error:
        actions.do_confirm_selection(first, selection)
    assert error.value.code == "own_list"
    actions.do_confirm_selection(second, selection)
    states = dict(made.applications.values_list("person_id", "state"))
    assert states == {waited.pk: AppState.SEATED, family.pk: AppState.SEATED, fresh.pk: AppState.WAITLISTED}


def test_the_database_refuses_a_list_confirmed_by_its_proposer(team_a: Any, officers: Any, trainers: Any) -> None:
    made = helpers.cohort(trainers[0])
    actions.do_apply(trainers[0], accepted(team_a, officers), made, "r")
    selection = actions.do_propose_selection(trainers[0], made)
    with pytest.raises(IntegrityError), transaction.atomic():
        Selection.objects.filter(pk=selection.pk).update(state="confirmed", decided_by=trainers[0])


def test_a_list_that_changed_after_it_was_proposed_is_not_confirmed(team_a: Any, officers: Any, trainers: Any) -> None:
    made = helpers.cohort(trainers[0], seats=1)
    actions.do_apply(trainers[0], accepted(team_a, officers), made, "r")
    selection = actions.do_propose_selection(trainers[0], made)
    actions.do_apply(trainers[0], accepted(team_a, officers), made, "r")  # someone new applies
    with pytest.raises(TrainingError) as error:
        actions.do_confirm_selection(trainers[1], selection)
    assert error.value.code == "changed"
    rules = TrainingSettings.current()
    rules.weight_household = Decimal(9)
    actions.do_save_settings(trainers[0], rules)
    actions.do_decline_selection(trainers[0], selection)  # the proposer withdraws it
    assert not Selection.objects.filter(pk=selection.pk).exists()


def test_a_freed_seat_goes_to_the_first_on_the_waitlist_with_a_notice(
    team_a: Any, officers: Any, trainers: Any
) -> None:
    made = helpers.cohort(trainers[0], seats=1)
    people = [accepted(team_a, officers) for _ in range(3)]
    for person in people:
        actions.do_apply(trainers[0], person, made, "r")
    actions.do_confirm_selection(trainers[1], actions.do_propose_selection(trainers[0], made))
    seat = made.applications.get(state=AppState.SEATED)
    waiting = list(made.applications.filter(state=AppState.WAITLISTED).order_by("applied_at", "id"))
    promoted = actions.do_withdraw(trainers[0], seat, "Found a job")
    assert promoted == [waiting[0]]
    seat.refresh_from_db()
    assert seat.state == AppState.WITHDRAWN and seat.withdraw_reason == "Found a job"
    assert Alert.objects.get(kind=AlertKind.PROMOTED).application == waiting[0]
    with pytest.raises(TrainingError) as error:
        actions.do_withdraw(trainers[0], seat, "again")
    assert error.value.code == "withdrawn"
    # A late applicant after the list: straight to the end of the waitlist.
    late = actions.do_apply(trainers[0], accepted(team_a, officers), made, "r")
    assert late.state == AppState.WAITLISTED


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_withdrawals_give_one_seat_once(team_a: Any, make_user: Any) -> None:
    """The same seat withdrawn twice at once (a double tap, two case workers): one
    withdrawal, one promotion. Each request runs in its own connection."""
    officers = make_user("vetting_officer"), make_user("vetting_officer")
    first, second = make_user("trainer"), make_user("trainer")
    made = helpers.cohort(first, seats=1)
    for _ in range(3):
        actions.do_apply(first, accepted(team_a, officers), made, "r")
    actions.do_confirm_selection(second, actions.do_propose_selection(first, made))
    seat = made.applications.get(state=AppState.SEATED)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def withdraw(user: Any) -> None:
        try:
            barrier.wait()
            promoted = actions.do_withdraw(user, seat, "left")
            outcomes.append(f"promoted {len(promoted)}")
        except TrainingError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=withdraw, args=(u,)) for u in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["promoted 1", "withdrawn"]
    assert made.applications.filter(state=AppState.SEATED).count() == 1
    assert Alert.objects.filter(kind=AlertKind.PROMOTED).count() == 1


def test_attendance_is_refused_on_a_day_without_a_session(team_a: Any, officers: Any, trainers: Any) -> None:
    made, _apps = helpers.seated(trainers[0], [accepted(team_a, officers)], weekdays="0123456")
    with pytest.raises(TrainingError) as error:
        actions.session_on(made, made.start - timedelta(days=1))
    assert error.value.code == "no_session"
    day = made.start + timedelta(days=1)
    actions.do_edit_session(trainers[0], made.sessions.get(day=day), cancelled=True, note="Holiday", topic="")
    with pytest.raises(TrainingError) as error:
        actions.session_on(made, day)
    assert error.value.code == "cancelled_session" and "Holiday" in error.value.message
    with pytest.raises(TrainingError) as error:
        actions.session_on(made, made.end)
    assert error.value.code == "future_session"


def test_a_correction_keeps_the_old_mark_and_is_audited(team_a: Any, officers: Any, trainers: Any) -> None:
    made, (app,) = helpers.seated(trainers[0], [accepted(team_a, officers)], weekdays="0123456")
    session = made.sessions.get(day=made.start)
    assert actions.do_take_attendance(trainers[0], session, {app.pk: _status("absent").pk})["new"] == 1
    counts = actions.do_take_attendance(trainers[1], session, {app.pk: _status("late").pk})
    assert counts == {"new": 0, "changed": 1, "same": 0}
    change = AttendanceChange.objects.get()
    assert (change.old_status.code, change.new_status.code, change.changed_by) == ("absent", "late", trainers[1])
    mark = Attendance.objects.get()
    assert AuditEntry.objects.filter(
        object_type="training.attendance", object_id=str(mark.pk), action="update"
    ).exists()
    other = accepted(team_a, officers)
    with pytest.raises(TrainingError) as error:  # not in the cohort
        actions.do_take_attendance(trainers[0], session, {PersonFactory(team=team_a).pk + 10_000: _status("late").pk})
    assert error.value.code == "not_member"
    assert other is not None


def test_a_mark_keeps_the_status_set_it_was_taken_with(
    team_a: Any, officers: Any, trainers: Any, make_user: Any
) -> None:
    made, (app,) = helpers.seated(trainers[0], [accepted(team_a, officers)], weekdays="0123456")
    session = made.sessions.get(day=made.start)
    late = _status("late")
    actions.do_take_attendance(trainers[0], session, {app.pk: late.pk})
    director = make_user("director")
    actions.do_save_statuses(
        director,
        [
            actions.StatusRow("present", "ရောက်", "Present", "มา", Decimal(1), True, False),
            actions.StatusRow("late", "နောက်ကျ", "Late", "สาย", Decimal("0.50"), True, False),
        ],
    )
    mark = Attendance.objects.select_related("status").get()
    assert mark.status == late and mark.status.weight == Decimal("0.75")
    with pytest.raises(TrainingError) as error:  # the old set's status is not offered any more
        actions.do_take_attendance(
            trainers[0], made.sessions.get(day=made.start + timedelta(days=1)), {app.pk: late.pk}
        )
    assert error.value.code == "old_status"


def test_unexcused_absences_in_a_row_alert_the_case_worker(team_a: Any, officers: Any, trainers: Any) -> None:
    made, (app, other) = helpers.seated(
        trainers[0], [accepted(team_a, officers), accepted(team_a, officers)], weekdays="0123456"
    )
    sessions = list(made.sessions.filter(day__lte=timezone.localdate()).order_by("day"))[:4]
    absent, present, excused = _status("absent"), _status("present"), _status("excused")
    for n, session in enumerate(sessions):
        status = excused if n == 1 else absent  # an excused day does not break the streak
        actions.do_take_attendance(trainers[0], session, {app.pk: status.pk, other.pk: present.pk})
    alert = Alert.objects.get(kind=AlertKind.ABSENT)
    assert alert.application == app and alert.count == 3
    rules = TrainingSettings.current()
    assert rules.absence_alert_after == 3


def test_graduation_checks_the_criteria_and_takes_two_people(team_a: Any, officers: Any, trainers: Any) -> None:
    first, second = trainers
    people = [accepted(team_a, officers) for _ in range(3)]
    made, (good, lazy, unassessed) = helpers.seated(first, people, weekdays="0123456", extra_criteria="Safety test")
    present, absent = _status("present"), _status("absent")
    for session in made.sessions.filter(day__lte=timezone.localdate()):
        actions.do_take_attendance(first, session, {good.pk: present.pk, lazy.pk: absent.pk, unassessed.pk: present.pk})
    for app in (good, lazy):
        actions.do_record_assessment(first, app, "Engine", True)
        actions.do_record_assessment(first, app, "Safety test", True, kind="criterion")
    results = {r.application.pk: r for r in actions.graduation_check(made)}
    assert results[good.pk].passes and results[good.pk].attended == Decimal(100)
    assert results[lazy.pk].reasons == ["attendance"]
    assert results[unassessed.pk].reasons == ["practical", "criteria"]
    graduation = actions.do_propose_graduation(first, made)
    with pytest.raises(TrainingError) as error:
        actions.do_approve_graduation(first, graduation)
    assert error.value.code == "own_list"
    with pytest.raises(IntegrityError), transaction.atomic():
        Graduation.objects.filter(pk=graduation.pk).update(state="approved", decided_by=first)
    actions.do_approve_graduation(second, graduation)
    states = dict(made.applications.values_list("pk", "state"))
    assert states == {good.pk: AppState.GRADUATED, lazy.pk: AppState.NOT_PASSED, unassessed.pk: AppState.NOT_PASSED}
    assert list(FollowUp.objects.filter(application=good).values_list("months", flat=True)) == [1, 3, 6]
    made.refresh_from_db()
    assert made.state == CohortState.GRADUATED
    follow_up = FollowUp.objects.get(application=good, months=1)
    actions.do_record_follow_up(first, follow_up, "employed", "Garage in Mae Sot")
    with pytest.raises(TrainingError):
        actions.do_record_follow_up(first, follow_up, "none")
    steps = PersonEvent.objects.select_related("person").filter(person=good.person, kind="training")
    with translation.override("en"):  # what happened, said in the reader's language
        said = [line for step in steps.order_by("at", "id") for line in step.lines]
    start = made.start.isoformat()
    assert said[0] == f"Applied for a course: Motorcycle repair, from {start} (Applied)"
    assert said[-1] == f"Course ended: Motorcycle repair, from {start}: Graduated"


def test_a_mark_changed_after_the_graduation_list_was_proposed_refuses_it(
    team_a: Any, officers: Any, trainers: Any
) -> None:
    made, (app,) = helpers.seated(trainers[0], [accepted(team_a, officers)], weekdays="0123456")
    graduation = actions.do_propose_graduation(trainers[0], made)
    actions.do_record_assessment(trainers[0], app, "Engine", True)
    with pytest.raises(TrainingError) as error:
        actions.do_approve_graduation(trainers[1], graduation)
    assert error.value.code == "changed"


def test_groups_have_no_selection_and_no_graduation(team_a: Any, officers: Any, trainers: Any) -> None:
    group = helpers.cohort(trainers[0], helpers.group_course(trainers[0], seats=1), state=CohortState.RUNNING)
    first = actions.do_apply(trainers[0], accepted(team_a, officers), group, "r")
    second = actions.do_apply(trainers[0], accepted(team_a, officers), group, "r")
    assert (first.state, second.state) == (AppState.SEATED, AppState.WAITLISTED)
    for refuse in (actions.do_propose_selection, actions.do_propose_graduation):
        with pytest.raises(TrainingError) as error:
            refuse(trainers[0], group)
        assert error.value.code == "is_group"
    actions.do_end_group(trainers[0], group)
    first.refresh_from_db()
    assert first.state == AppState.FINISHED and not FollowUp.objects.exists()


def test_an_excuse_in_advance_needs_its_days_in_order(team_a: Any, officers: Any, trainers: Any) -> None:
    _made, (app,) = helpers.seated(trainers[0], [accepted(team_a, officers)])
    today = timezone.localdate()
    actions.do_excuse(trainers[0], app, today, today + timedelta(days=2), "Hospital")
    assert actions.excused_on([app.pk], today + timedelta(days=1)) == {app.pk}
    with pytest.raises(TrainingError) as error:
        actions.do_excuse(trainers[0], app, today, today - timedelta(days=1), "r")
    assert error.value.code == "excuse_order"


def test_fewer_seats_than_people_seated_is_refused(team_a: Any, officers: Any, trainers: Any) -> None:
    made, _apps = helpers.seated(trainers[0], [accepted(team_a, officers), accepted(team_a, officers)])
    with pytest.raises(TrainingError) as error:
        actions.do_update_cohort(trainers[0], made, seats=1, trainer=None, label="")
    assert error.value.code == "seats_below" and "2" in error.value.message


def test_attendance_conditions_the_stipend_when_the_funder_says_so(
    team_a: Any, officers: Any, trainers: Any, make_user: Any
) -> None:
    from sanctuary.stipends import actions as stipends
    from sanctuary.stipends.models import Funder, StipendRule

    month = timezone.localdate().replace(day=1)
    person, diligent = accepted(team_a, officers), accepted(team_a, officers)
    made = helpers.cohort(trainers[0], helpers.course(trainers[0], weekdays="0123456", weeks=1), start=month)
    apps = [actions.do_apply(trainers[0], p, made, "r") for p in (person, diligent)]
    for app in apps:
        app.state, app.seated_at = AppState.SEATED, timezone.now() - timedelta(days=40)
        app.save(update_fields=["state", "seated_at"])
    actions.do_set_cohort_state(trainers[0], made, CohortState.RUNNING)
    keep = Session.objects.filter(cohort=made).first()  # one session, on the 1st
    Session.objects.filter(cohort=made).exclude(pk=keep.pk).delete()  # type: ignore[union-attr]
    Session.objects.filter(pk=keep.pk).update(day=month)  # type: ignore[union-attr]
    session = Session.objects.get(cohort=made)
    actions.do_take_attendance(
        trainers[0], session, {apps[0].pk: _status("late").pk, apps[1].pk: _status("present").pk}
    )
    finance = make_user("finance_officer")
    funder = Funder.objects.create(name="F")
    StipendRule.objects.create(
        funder=funder, effective_from=month, single_amount=700, family_amount=1400, conditions="training_attendance"
    )
    for p in (person, diligent):
        stipends.do_enroll(finance, p, funder, month)
    run = stipends.do_draft_run(finance, funder, month)
    lines = {line.person_id: line for line in run.lines.all()}
    assert lines[person.pk].amount == Decimal("525.00")  # late: 0.75 of a day, below 80%
    with translation.override("en"):
        assert "training attendance 75%, below 80%: 75% paid" in lines[person.pk].basis_display()
    assert lines[diligent.pk].amount == Decimal("700.00")


def test_a_merge_refuses_two_places_in_one_cohort_and_moves_the_rest(
    team_a: Any, officers: Any, trainers: Any, make_user: Any
) -> None:
    from sanctuary.people.merge import MergeRefused, do_merge

    kept, folded = accepted(team_a, officers), accepted(team_a, officers)
    made = helpers.cohort(trainers[0])
    actions.do_apply(trainers[0], kept, made, "r")
    other = actions.do_apply(trainers[0], folded, made, "r")
    director = make_user("director")
    with pytest.raises(MergeRefused) as error:
        do_merge(director, kept, folded)
    assert "same cohort" in " ".join(error.value.blockers)
    actions.do_withdraw(trainers[0], other, "duplicate record")
    second = helpers.cohort(trainers[0])
    moved = actions.do_apply(trainers[0], folded, second, "needs it")
    actions.do_excuse(trainers[0], moved, timezone.localdate(), timezone.localdate(), "Clinic")
    do_merge(director, kept, folded)
    moved.refresh_from_db()
    assert moved.person == kept and moved.reason == "needs it"
    assert moved.excuses.get().reason == "Clinic"


def test_a_courses_kind_is_fixed_once_it_has_cohorts(trainers: Any) -> None:
    made = helpers.cohort(trainers[0])
    course = made.course
    course.kind = "civic"
    with pytest.raises(TrainingError) as error:
        actions.do_save_course(trainers[0], course)
    assert error.value.code == "kind_fixed"


def test_cancelling_withdraws_everyone_and_closes_pending_lists(team_a: Any, officers: Any, trainers: Any) -> None:
    first, second = trainers
    made, (app,) = helpers.seated(first, [accepted(team_a, officers)], weekdays="0123456")
    graduation = actions.do_propose_graduation(first, made)
    actions.do_set_cohort_state(first, made, CohortState.CANCELLED, "Trainer left")  # no IntegrityError
    assert not Graduation.objects.filter(pk=graduation.pk).exists()  # one's own proposal: withdrawn
    app.refresh_from_db()
    assert app.state == AppState.WITHDRAWN
    assert not made.sessions.filter(day__gt=timezone.localdate(), cancelled=False).exists()
    with pytest.raises(TrainingError) as error:
        actions.do_edit_session(first, made.sessions.first(), cancelled=True, note="", topic="")
    assert error.value.code == "state"
    other, (_seat,) = helpers.seated(first, [accepted(team_a, officers)], weekdays="0123456")
    pending = actions.do_propose_graduation(first, other)
    actions.do_set_cohort_state(second, other, CohortState.CANCELLED, "No money")
    pending.refresh_from_db()
    assert (pending.state, pending.decided_by) == ("declined", second)


def test_the_stipend_counts_only_days_held_while_seated_and_up_to_today(
    team_a: Any, officers: Any, trainers: Any
) -> None:
    from sanctuary.training.stipend import evaluate

    today = timezone.localdate()
    person = accepted(team_a, officers)
    made, (app,) = helpers.seated(trainers[0], [person], weekdays="0123456", days_ago=2, weeks=8)
    present = _status("present")
    for session in made.sessions.filter(day__lte=today):
        actions.do_take_attendance(trainers[0], session, {app.pk: present.pk})
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    assert evaluate([person.pk], first, last) == {}  # present every day so far: paid in full
    # Promoted from the waitlist today: the days before the seat are not missed days.
    type(app).objects.filter(pk=app.pk).update(seated_at=timezone.now())
    assert evaluate([person.pk], first, last) == {}
    actions.do_set_cohort_state(trainers[0], made, CohortState.CANCELLED, "Closed")
    assert evaluate([person.pk], first, last) == {}
