"""Requests for papers: who handles them (an agent or lawyer by name, or a staff member),
the cost, the dates in order, what was handed in; only for people vetting admitted."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from sanctuary.legal.actions import LegalRuleError
from sanctuary.legal.models import DocumentRequest, RequestState
from sanctuary.people.admission import NotAdmissible
from tests.factories import PersonFactory
from tests.legal import helpers
from tests.shelter.helpers import accepted

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user("case_worker")


@pytest.fixture
def person(team_a: Any, make_user: Any) -> Any:
    return accepted(team_a, (make_user("vetting_officer"), make_user("vetting_officer")))


def _data(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data = {
        "doc_type": str(helpers.doc_type("work_permit").pk),
        "handler_kind": "agent",
        "handler_name": "Ko Agent Mae Sot",
        "cost": "2500.00",
        "submitted_on": helpers.iso(today - timedelta(days=3)),
        "expected_on": helpers.iso(today + timedelta(days=27)),
        "state": "submitted",
        "submitted_what": "Two photos and the employer's letter",
    }
    data.update(overrides)
    return data


def test_a_request_through_an_agent_is_saved_and_edited(worker: Any, person: Any, login: Any) -> None:
    client = login(worker)
    response = client.post(f"/papers/people/{person.pk}/request/", _data())
    row = DocumentRequest.objects.get()
    assert response["Location"] == f"/papers/requests/{row.pk}/"
    assert row.handler_name == "Ko Agent Mae Sot" and row.cost == Decimal("2500.00")
    assert row.submitted_what == "Two photos and the employer's letter" and row.state == RequestState.SUBMITTED
    done = helpers.iso(timezone.localdate())
    edited = client.post(f"/papers/requests/{row.pk}/", _data(state="issued", done_on=done))
    assert edited.status_code == 302
    row.refresh_from_db()
    assert row.state == RequestState.ISSUED and row.done_on == timezone.localdate()
    page = client.get(f"/papers/requests/{row.pk}/").content.decode()
    assert f"/papers/people/{person.pk}/paper/?type={row.doc_type_id}" in page


def test_dates_out_of_order_are_refused_on_their_field(worker: Any, person: Any, login: Any) -> None:
    today = timezone.localdate()
    response = login(worker).post(
        f"/papers/people/{person.pk}/request/",
        _data(expected_on=helpers.iso(today - timedelta(days=5)), done_on=helpers.iso(today - timedelta(days=4))),
    )
    page = response.content.decode()
    assert response.status_code == 400 and not DocumentRequest.objects.exists()
    assert LegalRuleError("expected_before_submitted").message in page
    assert LegalRuleError("done_before_submitted").message.replace("'", "&#x27;") in page
    assert "Ko Agent Mae Sot" in page and "Two photos" in page


def test_staff_handling_needs_a_staff_member_and_a_name_is_not_kept(worker: Any, person: Any, login: Any) -> None:
    client = login(worker)
    refused = client.post(f"/papers/people/{person.pk}/request/", _data(handler_kind="staff"))
    assert refused.status_code == 400 and LegalRuleError("handler_user").message in refused.content.decode()
    saved = client.post(f"/papers/people/{person.pk}/request/", _data(handler_kind="staff", handler_user=worker.pk))
    assert saved.status_code == 302
    row = DocumentRequest.objects.get()
    assert row.handler_user == worker and row.handler_name == ""
    nameless = client.post(f"/papers/people/{person.pk}/request/", _data(handler_kind="lawyer", handler_name=""))
    assert nameless.status_code == 400 and LegalRuleError("handler_name").message in nameless.content.decode()


def test_a_negative_cost_is_refused(worker: Any, person: Any, login: Any) -> None:
    response = login(worker).post(f"/papers/people/{person.pk}/request/", _data(cost="-1"))
    assert response.status_code == 400 and not DocumentRequest.objects.exists()
    assert "Ko Agent Mae Sot" in response.content.decode()


def test_the_embassy_route_needs_the_risk_explained_for_a_request_too(worker: Any, person: Any, login: Any) -> None:
    client = login(worker)
    data = _data(doc_type=str(helpers.doc_type("ci_passport").pk))
    refused = client.post(f"/papers/people/{person.pk}/request/", data)
    assert refused.status_code == 400 and "Myanmar embassy" in refused.content.decode()
    assert client.post(f"/papers/people/{person.pk}/request/", {**data, "risk_explained": "on"}).status_code == 302
    assert DocumentRequest.objects.get().risk_explained_by == worker


def test_no_request_for_someone_vetting_did_not_admit(worker: Any, team_a: Any, login: Any) -> None:
    person = PersonFactory(team=team_a)
    response = login(worker).post(f"/papers/people/{person.pk}/request/", _data())
    assert response.status_code == 400 and not DocumentRequest.objects.exists()
    assert NotAdmissible("not_accepted").message in response.content.decode()
