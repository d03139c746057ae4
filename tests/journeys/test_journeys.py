"""Journeys: only for accepted people, seen by their coordinator and directors only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from sanctuary.journeys import actions
from sanctuary.journeys.models import CheckIn, Journey, JourneyStatus
from sanctuary.people.admission import NotAdmissible
from sanctuary.people.models import Person, Status
from tests.vetting.test_vetting import accept

pytestmark = pytest.mark.django_db


def _plan(client: Client, person: Person, coordinator: Any) -> Any:
    data = {
        "coordinator": coordinator.pk,
        "depart_from": "2026-12-01",
        "depart_until": "2026-12-03",
        "meeting_point": "Tea shop by the bus station",
        "contact_person": "Ko Driver +66811112222",
        "transport_cost": "1500",
        "currency": "THB",
        "notes": "",
        "stages-TOTAL_FORMS": "4",
        "stages-INITIAL_FORMS": "0",
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "12",
        "stages-0-place": "Base",
        "stages-1-place": "Town",
        "stages-2-place": "Border",
        "stages-3-place": "Safe zone",
    }
    return client.post(f"/journeys/new/{person.pk}/", data)


def test_only_accepted_people_get_a_journey(make_user: Any, login: Any, person_a: Person) -> None:
    worker = make_user("case_worker")
    client = login(worker)
    response = client.get(f"/journeys/new/{person_a.pk}/", follow=True)
    assert "not been accepted" in response.content.decode()
    with pytest.raises(NotAdmissible):
        Journey.objects.create(person=person_a, coordinator=worker, created_by=worker)


def test_journey_details_are_hidden_from_other_case_workers(make_user: Any, login: Any, person_a: Person) -> None:
    accept(make_user("vetting_officer"), make_user("vetting_officer"), person_a)
    coordinator, colleague = make_user("case_worker"), make_user("case_worker")
    assert _plan(login(coordinator), person_a, coordinator).status_code == 302
    journey = Journey.objects.get()
    other = login(colleague)
    assert other.get(f"/journeys/{journey.pk}/").status_code == 404
    assert "Tea shop" not in other.get("/journeys/").content.decode()
    assert "Tea shop" not in other.get(f"/people/{person_a.pk}/").content.decode()
    assert login(make_user("director")).get(f"/journeys/{journey.pk}/").status_code == 200
    page = login(coordinator).get(f"/journeys/{journey.pk}/").content.decode()
    assert "Tea shop by the bus station" in page and "Safe zone" in page


def test_status_moves_the_pipeline_and_missed_check_ins_alert(make_user: Any, login: Any, person_a: Person) -> None:
    accept(make_user("vetting_officer"), make_user("vetting_officer"), person_a)
    coordinator = make_user("case_worker")
    client = login(coordinator)
    _plan(client, person_a, coordinator)
    journey = Journey.objects.get()
    first_stage = journey.stages.first()
    client.post(f"/journeys/{journey.pk}/stages/{first_stage.pk}/reached/")
    person_a.refresh_from_db()
    assert person_a.status == Status.IN_TRANSIT
    CheckIn.objects.create(journey=journey, due_at=timezone.now() - timedelta(hours=2))
    dashboard = client.get("/").content.decode()
    assert 'id="dashboard-missed"' in dashboard and person_a.case_code in dashboard
    client.post(f"/journeys/{journey.pk}/status/", {"status": JourneyStatus.ARRIVED})
    person_a.refresh_from_db()
    assert person_a.status == Status.ARRIVED
    assert list(person_a.events.filter(kind="journey").values_list("status_to", flat=True)) == [
        Status.ARRIVED,
        Status.IN_TRANSIT,
    ]
    with translation.override("en"):  # what happened, said in the reader's language
        said = [step.lines for step in person_a.events.select_related("person").filter(kind="journey")]
    assert said == [
        ["In transit → Arrived", "Journey status: Arrived"],
        ["Accepted → In transit", "Journey status: Under way"],
    ]
    assert 'id="dashboard-missed"' not in client.get("/").content.decode()  # an ended journey alerts no more
    with pytest.raises(actions.JourneyRuleError):
        actions.do_set_status(coordinator, journey, JourneyStatus.UNDER_WAY)


def test_bad_journey_input_is_refused_and_kept(make_user: Any, login: Any, person_a: Person) -> None:
    accept(make_user("vetting_officer"), make_user("vetting_officer"), person_a)
    coordinator = make_user("case_worker")
    client = login(coordinator)
    data = {
        "coordinator": coordinator.pk,
        "depart_from": "2026-12-05",
        "depart_until": "2026-12-01",
        "meeting_point": "Pagoda gate",
        "transport_cost": "-5",
        "currency": "THB",
        "stages-TOTAL_FORMS": "0",
        "stages-INITIAL_FORMS": "0",
    }
    response = client.post(f"/journeys/new/{person_a.pk}/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Pagoda gate" in page and "cannot be before" in page
    assert Journey.objects.count() == 0
