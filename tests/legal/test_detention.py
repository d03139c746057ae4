"""Arrests and detention by Thai authorities: the page shows the person's papers as they
stand and the organisation's call checklist, each call ticked with who and when; the
detention is an alert until the person is released or deported."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from sanctuary.audit.models import AuditEntry
from sanctuary.legal import actions
from sanctuary.legal.actions import LegalRuleError
from sanctuary.legal.models import Detention, DetentionCall, LegalSettings
from sanctuary.lib import bounds
from sanctuary.people.models import PersonEvent
from tests.factories import PersonFactory
from tests.legal import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user("case_worker")


@pytest.fixture
def person(team_a: Any) -> Any:
    return PersonFactory(team=team_a)


def test_recording_a_detention_copies_the_call_checklist(worker: Any, person: Any, login: Any) -> None:
    client = login(worker)
    today = timezone.localdate()
    response = client.post(
        f"/papers/people/{person.pk}/detention/",
        {"occurred_on": helpers.iso(today), "authority": "immigration", "place": "Mae Sot IDC", "note": "At dawn"},
    )
    detention = Detention.objects.get()
    assert response["Location"] == f"/papers/detentions/{detention.pk}/"
    assert detention.place == "Mae Sot IDC" and detention.is_open
    labels = list(detention.calls.values_list("label_en", flat=True))
    assert labels == [
        "The organisation's lawyer",
        "The partner legal-aid organisation",
        "UNHCR / protection partner",
        "The director on duty",
        "The person's case worker",
    ]
    step = PersonEvent.objects.select_related("person").get(person=person, kind="legal")
    with translation.override("en"):  # what happened, said in the reader's language
        assert step.lines == [f"Arrested or detained (Thai immigration) on {today.isoformat()}."]
    assert "Mae Sot IDC" not in str(list(AuditEntry.objects.values_list("fields", flat=True)))


def test_the_page_shows_the_persons_papers_as_they_stand(worker: Any, person: Any, login: Any) -> None:
    today = timezone.localdate()
    helpers.paper(
        worker, person, "pink_card", issued_on=today - timedelta(days=300), expires_on=today + timedelta(days=500)
    )
    helpers.paper(worker, person, "unhcr", issued_on=today - timedelta(days=300), expires_on=today + timedelta(days=10))
    seized = helpers.paper(worker, person, "thai_authority", issued_on=today - timedelta(days=3))
    actions.do_change_paper_status(worker, seized, "seized", today)
    detention = actions.do_record_detention(worker, person, today, "police")
    page = login(worker).get(f"/papers/detentions/{detention.pk}/").content.decode()
    assert ">valid</span>" in page and ">expiring soon</span>" in page and ">missing (lost or seized)</span>" in page
    assert "No valid paper on record." not in page
    actions.do_change_paper_status(worker, helpers_paper(person, "pink_card"), "lost", today)
    actions.do_change_paper_status(worker, helpers_paper(person, "unhcr"), "expired", today)
    again = login(worker).get(f"/papers/detentions/{detention.pk}/").content.decode()
    assert "No valid paper on record." in again


def helpers_paper(person: Any, code: str) -> Any:
    return person.papers.get(doc_type__code=code)


def test_each_call_is_ticked_with_who_and_when(worker: Any, person: Any, login: Any) -> None:
    detention = actions.do_record_detention(worker, person, timezone.localdate(), "army")
    call = detention.calls.first()
    assert call is not None
    client = login(worker)
    assert client.post(f"/papers/calls/{call.pk}/", {"done": "1"}).status_code == 302
    call.refresh_from_db()
    assert call.done_by == worker and call.done_at is not None
    page = client.get(f"/papers/detentions/{detention.pk}/").content.decode()
    assert f"<s>{call.label_en}</s>".replace("'", "&#x27;") in page and worker.username in page
    client.post(f"/papers/calls/{call.pk}/", {"done": "0"})
    call.refresh_from_db()
    assert call.done_by is None and call.done_at is None
    assert AuditEntry.objects.filter(object_type="legal.detentioncall", object_id=str(call.pk)).count() == 2


def test_an_edited_checklist_does_not_change_a_recorded_detention(worker: Any, person: Any) -> None:
    first = actions.do_record_detention(worker, person, timezone.localdate(), "police")
    row = LegalSettings.current()
    row.checklist_en, row.checklist_my, row.checklist_th = "Lawyer\nUNHCR", "ရှေ့နေ", ""
    actions.do_save_settings(worker, row)
    second = actions.do_record_detention(worker, person, timezone.localdate(), "police")
    assert first.calls.count() == 5
    assert list(second.calls.values_list("label_my", "label_en")) == [("ရှေ့နေ", "Lawyer"), ("", "UNHCR")]


def test_release_or_deportation_closes_it_and_the_alert_goes(worker: Any, person: Any, login: Any) -> None:
    today = timezone.localdate()
    detention = actions.do_record_detention(worker, person, today - timedelta(days=5), "immigration", "IDC")
    client = login(worker)
    assert f"/papers/detentions/{detention.pk}/" in client.get("/papers/").content.decode()
    moved = client.post(
        f"/papers/detentions/{detention.pk}/status/",
        {"status": "transferred", "on": helpers.iso(today - timedelta(days=2)), "place": "Bangkok IDC"},
    )
    assert moved.status_code == 302
    detention.refresh_from_db()
    assert detention.is_open and detention.place == "Bangkok IDC"
    early = client.post(
        f"/papers/detentions/{detention.pk}/status/",
        {"status": "released", "on": helpers.iso(today - timedelta(days=9)), "place": ""},
    )
    assert early.status_code == 400
    assert LegalRuleError("before_arrest", day=detention.occurred_on).message in early.content.decode()
    assert (
        client.post(
            f"/papers/detentions/{detention.pk}/status/", {"status": "released", "on": helpers.iso(today)}
        ).status_code
        == 302
    )
    detention.refresh_from_db()
    assert not detention.is_open and detention.status == "released"
    assert f"/papers/detentions/{detention.pk}/" not in client.get("/papers/").content.decode()
    with pytest.raises(LegalRuleError) as closed:
        actions.do_change_detention(worker, detention, "detained", today)
    assert closed.value.code == "closed"
    assert list(detention.changes.order_by("id").values_list("status", flat=True)) == [
        "detained",
        "transferred",
        "released",
    ]


def test_an_arrest_in_the_future_is_refused_keeping_what_was_typed(worker: Any, person: Any, login: Any) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = login(worker).post(
        f"/papers/people/{person.pk}/detention/",
        {"occurred_on": helpers.iso(tomorrow), "authority": "police", "place": "Phop Phra station"},
    )
    assert response.status_code == 400 and not Detention.objects.exists() and not DetentionCall.objects.exists()
    page = response.content.decode()
    assert str(bounds.MESSAGE % bounds.limits_shown(bounds.EVENT_SINCE_1988)) in page and "Phop Phra station" in page
