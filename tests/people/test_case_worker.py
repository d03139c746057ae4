"""A named case worker per person (issue 16): chosen among the active case workers of the
person's team, audited, "my people" in the person list, and case loads on the staff page."""

from __future__ import annotations

import pytest

from sanctuary.audit.models import Action, AuditEntry
from sanctuary.people.actions import CaseWorkerRefused, do_assign_case_worker
from sanctuary.people.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_case_worker_is_named_and_finds_their_people(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    mine, other = PersonFactory(team=team_a, alias="Ko Mine"), PersonFactory(team=team_a, alias="Ko Other")
    worker = make_user("case_worker")
    intake = make_user("intake_officer")
    client = login(intake)
    page = client.get(f"/people/{mine.pk}/").content.decode()
    assert f'<option value="{worker.pk}"' in page
    assert client.post(f"/people/{mine.pk}/case-worker/", {"case_worker": worker.pk}).status_code == 302
    assert Person.objects.get(pk=mine.pk).case_worker_id == worker.pk
    entry = AuditEntry.objects.filter(action=Action.UPDATE, object_id=str(mine.pk)).latest("seq")
    assert "case_worker" in entry.fields and f"case_worker:{worker.pk}" in entry.fields
    listing = login(worker).post("/people/", {"mine": "on"}).content.decode()
    assert "Ko Mine" in listing and "Ko Other" not in listing
    staff = login(make_user("director")).get("/accounts/staff/").content.decode()
    row = staff[staff.index(f">{worker.username}<") :]
    assert row[row.index('class="case-load"') :].split(">")[1].startswith("1")
    # Reassigned to nobody: the load goes back to zero.
    client.post(f"/people/{mine.pk}/case-worker/", {"case_worker": ""})
    assert Person.objects.get(pk=mine.pk).case_worker_id is None
    assert other.case_worker_id is None


def test_only_an_active_case_worker_of_the_persons_team(make_user, login, team_a, team_b) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team_a)
    elsewhere = make_user("case_worker", teams=[team_b])
    not_a_case_worker = make_user("shelter_manager")
    gone = make_user("case_worker", is_active=False)
    director = make_user("director")
    for user in (elsewhere, not_a_case_worker, gone):
        with pytest.raises(CaseWorkerRefused):
            do_assign_case_worker(director, person, user)
    client = login(make_user("intake_officer"))
    client.post(f"/people/{person.pk}/case-worker/", {"case_worker": elsewhere.pk})
    assert Person.objects.get(pk=person.pk).case_worker_id is None
    # Another team's intake officer cannot reach the person at all.
    other = login(make_user("intake_officer", teams=[team_b]))
    assert other.post(f"/people/{person.pk}/case-worker/", {"case_worker": ""}).status_code == 404
