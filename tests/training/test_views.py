"""Training screens through the test client: forms keep what was typed, refusals are shown,
the attendance page takes a session in one save, and lists cost a bounded number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanctuary.training import actions
from sanctuary.training.models import Application, AppState, Attendance, AttendanceStatus, Cohort, Course, StatusSet
from tests.shelter.helpers import accepted
from tests.training import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def officers(make_user: Any) -> tuple[Any, Any]:
    return make_user("vetting_officer"), make_user("vetting_officer")


def _course_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "vocational",
        "trade": "phone",
        "name_my": "ဖုန္းျပင္",  # Zawgyi for "phone repair"
        "name_en": "Phone repair",
        "name_th": "ซ่อมโทรศัพท์",
        "weeks": "4",
        "weekday_list": ["0", "1", "2", "3", "4", "5"],
        "hours_per_session": "6",
        "seats": "10",
        "min_attendance": "80",
        "assessments_required": "1",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_a_course_name_typed_in_zawgyi_is_stored_in_unicode(make_user: Any, login: Any) -> None:
    client = login(make_user("trainer"))
    response = client.post("/training/courses/new/", _course_data())
    assert response.status_code == 302
    assert Course.objects.get().name_my == "ဖုန်းပြင်"


def test_a_bad_course_keeps_what_was_typed(make_user: Any, login: Any) -> None:
    client = login(make_user("trainer"))
    response = client.post("/training/courses/new/", _course_data(weeks="0", weekday_list=[], name_en="Sewing basics"))
    page = response.content.decode()
    assert response.status_code == 400 and not Course.objects.exists()
    assert "Sewing basics" in page and "Choose at least one day of the week." in page


def test_from_course_to_a_running_cohort_with_a_confirmed_list(
    team_a: Any, officers: Any, make_user: Any, login: Any
) -> None:
    first, second = make_user("trainer"), make_user("trainer")
    case_worker = make_user("case_worker")
    course = helpers.course(first, seats=2)
    start = timezone.localdate() + timedelta(days=2)
    response = login(first).post(f"/training/courses/{course.pk}/cohort/", {"start": start.isoformat(), "seats": "2"})
    cohort = Cohort.objects.get()
    assert response["Location"] == f"/training/cohorts/{cohort.pk}/"
    login(first).post(f"/training/cohorts/{cohort.pk}/state/", {"state": "enrolling"})
    people = [accepted(team_a, officers) for _ in range(3)]
    worker = login(case_worker)
    assert 'id="apply-training"' in worker.get(f"/people/{people[0].pk}/").content.decode()
    for person in people:
        response = worker.post(f"/training/apply/{person.pk}/", {"cohort": cohort.pk, "reason": "Wants work"})
        assert response.status_code == 302
    again = worker.post(f"/training/apply/{people[0].pk}/", {"cohort": cohort.pk, "reason": "Twice"})
    assert again.status_code == 400 and "already applied" in again.content.decode()
    assert "Twice" in again.content.decode()
    page = login(first).get(f"/training/cohorts/{cohort.pk}/selection/").content.decode()
    assert 'id="ranking"' in page and "waiting 0 weeks" in page
    login(first).post(f"/training/cohorts/{cohort.pk}/selection/")
    proposer_view = login(first).get(f"/training/cohorts/{cohort.pk}/selection/").content.decode()
    assert 'id="confirm-selection"' not in proposer_view  # the proposer cannot confirm
    selection = cohort.selections.get()
    login(second).post(f"/training/selections/{selection.pk}/confirm/")
    assert cohort.applications.filter(state=AppState.SEATED).count() == 2
    assert cohort.applications.filter(state=AppState.WAITLISTED).count() == 1
    history = login(case_worker).get(f"/people/{people[0].pk}/").content.decode()
    assert 'id="training-history"' in history and "Motorcycle repair" in history


def test_attendance_for_twelve_people_in_one_save(team_a: Any, officers: Any, make_user: Any, login: Any) -> None:
    trainer = make_user("trainer")
    people = [accepted(team_a, officers) for _ in range(12)]
    cohort, apps = helpers.seated(trainer, people, weekdays="0123456")
    client = login(trainer)
    day = timezone.localdate().isoformat()
    page = client.get(f"/training/cohorts/{cohort.pk}/attendance/{day}/").content.decode()
    assert page.count('class="mark') == 12 and 'id="not-saved"' in page
    statuses = {s.code: s.pk for s in AttendanceStatus.objects.filter(status_set=StatusSet.current())}
    marks = {f"m{app.pk}": statuses["present"] for app in apps}
    marks[f"m{apps[0].pk}"] = statuses["absent"]
    response = client.post(f"/training/cohorts/{cohort.pk}/attendance/{day}/", marks)
    assert response.status_code == 302
    assert Attendance.objects.count() == 12 and Attendance.objects.filter(status__code="absent").count() == 1
    missing = dict(marks)
    del missing[f"m{apps[1].pk}"]
    response = client.post(f"/training/cohorts/{cohort.pk}/attendance/{day}/", missing)
    assert response.status_code == 200 and "Choose a status for everyone" in response.content.decode()


def test_attendance_on_a_day_without_a_session_is_refused(
    team_a: Any, officers: Any, make_user: Any, login: Any
) -> None:
    trainer = make_user("trainer")
    cohort, _apps = helpers.seated(trainer, [accepted(team_a, officers)], weekdays="0123456")
    day = (cohort.start - timedelta(days=1)).isoformat()
    response = login(trainer).post(f"/training/cohorts/{cohort.pk}/attendance/{day}/", {})
    assert response.status_code == 404 and "There is no session on" in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_attendance_page_costs_the_same_queries_for_3_or_12(
    team_a: Any, officers: Any, make_user: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    trainer = make_user("trainer")
    client = login(trainer)
    day = timezone.localdate().isoformat()
    small, _ = helpers.seated(trainer, [accepted(team_a, officers) for _ in range(3)], weekdays="0123456")
    large, _ = helpers.seated(trainer, [accepted(team_a, officers) for _ in range(12)], weekdays="0123456")
    with django_assert_max_num_queries(40) as few:
        client.get(f"/training/cohorts/{small.pk}/attendance/{day}/")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/training/cohorts/{large.pk}/attendance/{day}/")


def test_the_cohort_list_costs_the_same_queries_for_2_or_20(
    make_user: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    trainer = make_user("trainer")
    client = login(trainer)
    course = helpers.course(trainer)
    for _ in range(2):
        helpers.cohort(trainer, course)
    with django_assert_max_num_queries(30) as few:
        client.get("/training/")
    for _ in range(18):
        helpers.cohort(trainer, course)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/training/").content.decode()
    assert page.count("/training/cohorts/") >= 20


def test_graduation_and_the_second_approver_through_the_screens(
    team_a: Any, officers: Any, make_user: Any, login: Any
) -> None:
    first, second = make_user("trainer"), make_user("trainer")
    cohort, (app,) = helpers.seated(first, [accepted(team_a, officers)], weekdays="0123456")
    present = AttendanceStatus.objects.get(status_set=StatusSet.current(), code="present")
    for session in cohort.sessions.filter(day__lte=timezone.localdate()):
        actions.do_take_attendance(first, session, {app.pk: present.pk})
    login(first).post(
        f"/training/applications/{app.pk}/assessment/", {"name": "Engine", "passed": "on", "kind": "practical"}
    )
    page = login(first).get(f"/training/cohorts/{cohort.pk}/graduation/").content.decode()
    assert "passes" in page
    login(first).post(f"/training/cohorts/{cohort.pk}/graduation/")
    graduation = cohort.graduations.get()
    own = login(first).post(f"/training/graduations/{graduation.pk}/approve/", follow=True)
    assert "a second person must confirm it" in own.content.decode()
    login(second).post(f"/training/graduations/{graduation.pk}/approve/")
    assert Application.objects.get(pk=app.pk).state == AppState.GRADUATED


def test_a_case_worker_sees_only_their_teams_applications(
    team_a: Any, team_b: Any, officers: Any, make_user: Any, login: Any
) -> None:
    trainer = make_user("trainer", teams=[team_a, team_b])
    mine, theirs = accepted(team_a, officers), accepted(team_b, officers)
    cohort, (app_mine, app_theirs) = helpers.seated(trainer, [mine, theirs])
    worker = login(make_user("case_worker"))  # team A only
    assert worker.get(f"/training/applications/{app_mine.pk}/").status_code == 200
    assert worker.get(f"/training/applications/{app_theirs.pk}/").status_code == 404
    assert worker.post(f"/training/applications/{app_theirs.pk}/withdraw/", {"reason": "x"}).status_code == 404
    assert worker.get(f"/training/cohorts/{cohort.pk}/").status_code == 403


def test_a_trainer_sees_the_people_of_the_cohorts_they_teach_but_not_their_records(
    team_a: Any, team_b: Any, officers: Any, make_user: Any, login: Any
) -> None:
    director = make_user("director")
    teacher, colleague = make_user("trainer", teams=[team_b]), make_user("trainer", teams=[team_b])
    student = accepted(team_a, officers)
    cohort, (app,) = helpers.seated(director, [student], weekdays="0123456")
    cohort.trainer = teacher
    cohort.save(update_fields=["trainer"])
    page = login(teacher).get(f"/training/cohorts/{cohort.pk}/").content.decode()
    assert student.alias in page
    assert login(teacher).get(f"/training/applications/{app.pk}/").status_code == 200
    assert login(teacher).get(f"/people/{student.pk}/").status_code == 404
    day = timezone.localdate().isoformat()
    assert student.alias in login(teacher).get(f"/training/cohorts/{cohort.pk}/attendance/{day}/").content.decode()
    other = login(colleague).get(f"/training/cohorts/{cohort.pk}/").content.decode()
    assert student.alias not in other and "1 more person in other teams is not shown." in other
    assert login(colleague).get(f"/training/applications/{app.pk}/").status_code == 404


def test_only_a_director_names_a_trainer_and_a_teacher_sees_only_the_roll_call(
    team_a: Any, team_b: Any, officers: Any, make_user: Any, login: Any
) -> None:
    outsider = make_user("trainer", teams=[team_b])
    student = accepted(team_a, officers)
    director = make_user("director")
    cohort, (app,) = helpers.seated(director, [student], weekdays="0123456")
    actions.do_excuse(director, app, timezone.localdate(), timezone.localdate(), "HOSPITAL VISIT")
    client = login(outsider)
    client.post(f"/training/cohorts/{cohort.pk}/edit/", {"seats": "3", "trainer": outsider.pk, "label": ""})
    cohort.refresh_from_db()
    assert cohort.trainer is None and cohort.seats == 3  # the trainer field is not theirs to set
    with pytest.raises(actions.TrainingError) as error:
        actions.do_update_cohort(outsider, cohort, seats=3, trainer=outsider, label="")
    assert error.value.code == "trainer_config"
    actions.do_update_cohort(director, cohort, seats=3, trainer=outsider, label="")
    page = client.get(f"/training/applications/{app.pk}/").content.decode()
    assert student.alias in page and "reason" not in page and "HOSPITAL" not in page
    assert client.post(f"/training/applications/{app.pk}/withdraw/", {"reason": "x"}).status_code == 404
    assert client.post(f"/training/applications/{app.pk}/excuse/", {}).status_code == 404
    response = client.post(
        f"/training/applications/{app.pk}/assessment/", {"name": "Engine", "passed": "on", "kind": "practical"}
    )
    assert response.status_code == 302 and app.assessments.get().passed


def test_an_impossible_day_is_not_found(make_user: Any, login: Any) -> None:
    trainer = make_user("trainer")
    cohort = helpers.cohort(trainer)
    assert login(trainer).get(f"/training/cohorts/{cohort.pk}/attendance/2025-02-30/").status_code == 404


def test_session_days_name_the_weekday_not_mon_state(make_user: Any, login: Any) -> None:
    from django.utils import translation

    from sanctuary.people.models import Region

    trainer = make_user("trainer", language="my")
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 7)
    cohort = helpers.cohort(trainer, start=monday)
    page = login(trainer).get(f"/training/cohorts/{cohort.pk}/sessions/").content.decode()
    with translation.override("my"):
        weekday, state = str(translation.pgettext("weekday", "Mon")), str(Region.MON.label)
    assert weekday != "Mon" and f"{weekday} {monday:%Y-%m-%d}" in page
    assert state not in page
