"""Jobs: employers and their flags, placements through every state, the refusals, matching by
training history, the follow-ups, the work history on the person page, and the core hearing
that a job ended."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from sanctuary.jobs import actions
from sanctuary.jobs.actions import JobsError
from sanctuary.jobs.models import FollowUp, Placement, PlacementState
from sanctuary.people import work
from sanctuary.people.admission import NotAdmissible
from sanctuary.training import actions as training
from sanctuary.training.models import AppState
from tests.factories import PersonFactory
from tests.jobs import helpers
from tests.shelter.helpers import accepted
from tests.training import helpers as training_helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def officers(make_user: Any) -> tuple[Any, Any]:
    return make_user("vetting_officer"), make_user("vetting_officer")


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user("case_worker")


def test_every_state_of_a_placement(worker, team_a, officers) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    opening = helpers.opening(worker)
    placement = actions.do_propose(worker, person, opening, "good with engines")
    assert placement.state == PlacementState.PROPOSED
    assert actions.do_advance(worker, placement).state == PlacementState.INTERVIEW
    assert actions.do_advance(worker, placement).state == PlacementState.OFFERED
    with pytest.raises(JobsError):
        actions.do_advance(worker, placement)
    started_on = timezone.localdate() - timedelta(days=40)
    placement = actions.do_start(worker, placement, started_on=started_on, wage=Decimal(450), wage_unit="day")
    assert placement.state == PlacementState.STARTED
    assert list(placement.follow_ups.values_list("months", flat=True)) == [1, 3, 6]
    assert FollowUp.objects.visible_to(worker).due().count() == 1  # one month has passed
    heard: list[dict[str, Any]] = []
    listener = lambda **kw: heard.append(kw)  # noqa: E731 - the core's public hook
    work.on_employment_ended(listener)
    try:
        with pytest.raises(JobsError) as error:
            actions.do_end(worker, placement, ended_on=started_on - timedelta(days=1), reason="quit")
        assert error.value.code == "end_before_start"
        ended = actions.do_end(worker, placement, ended_on=timezone.localdate(), reason="dismissed", note="no pay")
    finally:
        work._ended.remove(listener)
    assert ended.state == PlacementState.ENDED and ended.end_note == "no pay"
    assert heard == [
        {"person": person, "employer_ref": opening.employer.ref, "ended_on": timezone.localdate(), "user": worker}
    ]
    assert [e.code_name for e in work.employers_of(person.pk)] == [opening.employer.code_name]
    steps = person.events.select_related("person").filter(kind="jobs").order_by("at", "id")
    with translation.override("en"):  # what happened, said in the reader's language
        said = [line for step in steps for line in step.lines]
        trade = opening.get_trade_display()
    assert said == [f"Proposed for a job: {trade}", f"Started work: {trade}", f"Job ended ({trade}): Dismissed"]


def test_declined_and_withdrawn_before_the_start(worker, team_a, officers) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    first = actions.do_propose(worker, person, helpers.opening(worker))
    assert actions.do_close_before_start(worker, first, outcome="declined").state == "declined"
    second = actions.do_propose(worker, person, helpers.opening(worker, helpers.employer(worker, "Shop 2")))
    assert actions.do_close_before_start(worker, second, outcome="withdrawn").state == "withdrawn"
    with pytest.raises(JobsError):
        actions.do_close_before_start(worker, second, outcome="declined")


def test_someone_not_admissible_is_refused(worker, team_a) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team_a)  # not accepted in vetting
    with pytest.raises(NotAdmissible):
        actions.do_propose(worker, person, helpers.opening(worker))
    assert not Placement.objects.exists()


def test_a_flagged_employer_gets_no_one(worker, team_a, officers) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    opening = helpers.opening(worker)
    proposed = actions.do_propose(worker, person, opening)
    with pytest.raises(JobsError) as error:
        actions.do_flag_employer(worker, opening.employer, "reports", "")
    assert error.value.code == "flag_reason"
    actions.do_flag_employer(worker, opening.employer, "reports", "Called the police on a worker")
    with pytest.raises(JobsError) as error:
        actions.do_advance(worker, proposed)
    assert error.value.code == "flagged"
    with pytest.raises(JobsError):
        actions.do_propose(worker, accepted(team_a, officers), opening)
    assert actions.candidates(worker, opening) == [] or opening.employer.flag


def test_one_job_at_a_time(worker, team_a, officers) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    helpers.working(worker, person, helpers.opening(worker))
    second = actions.do_propose(worker, person, helpers.opening(worker, helpers.employer(worker, "Farm 9")))
    actions.do_advance(worker, second)
    actions.do_advance(worker, second)
    with pytest.raises(JobsError) as error:
        actions.do_start(worker, second, started_on=timezone.localdate(), wage=Decimal(1), wage_unit="day")
    assert error.value.code == "working" and "Garage M3" in error.value.message


def test_matching_ranks_a_graduate_above_an_applicant(worker, team_a, officers, make_user) -> None:  # type: ignore[no-untyped-def]
    trainer = make_user("trainer")
    graduate, applicant, stranger = (accepted(team_a, officers) for _ in range(3))
    done, (app,) = training_helpers.seated(trainer, [graduate], days_ago=20)
    app.state = AppState.GRADUATED
    app.save(update_fields=["state"])
    later = training_helpers.cohort(trainer, start=timezone.localdate() + timedelta(days=5))
    training.do_apply(trainer, applicant, later, "wants to")
    opening = helpers.opening(worker, trade=done.course.trade)
    found = actions.candidates(worker, opening)
    assert [c.person for c in found] == [graduate, applicant]
    assert found[0].skill.level == work.SkillLevel.GRADUATED
    assert stranger not in [c.person for c in found]
    assert [o for o, _skill in actions.openings_for(graduate)] == [opening]


def test_follow_ups_are_recorded_once(worker, team_a, officers) -> None:  # type: ignore[no-untyped-def]
    placement = helpers.working(worker, accepted(team_a, officers), helpers.opening(worker), days_ago=100)
    first = placement.follow_ups.get(months=1)
    actions.do_record_follow_up(worker, first, still_employed=True, wage=Decimal(480))
    with pytest.raises(JobsError):
        actions.do_record_follow_up(worker, first, still_employed=False, wage=None)


def test_the_person_page_shows_the_work_history(worker, team_a, officers, login) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    helpers.working(worker, person, helpers.opening(worker))
    page = login(worker).get(f"/people/{person.pk}/").content.decode()
    assert 'id="work-history"' in page and "Garage M3" in page


def test_end_form_keeps_what_was_typed_in_burmese(worker, team_a, officers, login) -> None:  # type: ignore[no-untyped-def]
    worker.language = "my"
    worker.save(update_fields=["language"])
    placement = helpers.working(worker, accepted(team_a, officers), helpers.opening(worker), days_ago=5)
    before = (timezone.localdate() - timedelta(days=10)).isoformat()
    response = login(worker).post(
        f"/jobs/placements/{placement.pk}/end/", {"ended_on": before, "reason": "quit", "note": "left for Bangkok"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "left for Bangkok" in page
    with translation.override("my"):
        assert translation.gettext("The last day is before the first day (%(start)s).").split("(")[0] in page
    placement.refresh_from_db()
    assert placement.state == PlacementState.STARTED


def test_propose_refusal_for_someone_not_admissible_is_shown(worker, team_a, login) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team_a)
    opening = helpers.opening(worker)
    response = login(worker).post(f"/jobs/person/{person.pk}/propose/", {"opening": opening.pk, "note": "keen"})
    assert response.status_code == 400 and "keen" in response.content.decode()
    assert not Placement.objects.exists()


def test_list_pages_do_not_grow_in_queries(worker, login, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = login(worker)
    for n in range(30):
        helpers.opening(worker, helpers.employer(worker, f"E{n}"))
    with django_assert_max_num_queries(20):
        assert client.get("/jobs/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/jobs/employers/").status_code == 200


def test_a_merge_moves_placements_and_refuses_two_jobs(worker, team_a, officers, make_user) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.people.merge import MergeRefused, do_merge

    director = make_user("director")
    kept, folded = accepted(team_a, officers), accepted(team_a, officers)
    first = helpers.working(worker, kept, helpers.opening(worker))
    helpers.working(worker, folded, helpers.opening(worker, helpers.employer(worker, "Shop 3")))
    with pytest.raises(MergeRefused):
        do_merge(director, kept, folded)
    actions.do_end(worker, first, ended_on=timezone.localdate(), reason="finished")
    do_merge(director, kept, folded)
    assert Placement.objects.filter(person=kept).count() == 2
