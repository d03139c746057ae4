"""Duplicates in the product: shown before saving, found by scans, decided once, merged
without losing any history."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sanctuary.audit.models import Action, AuditEntry
from sanctuary.matching.actions import start_scan
from sanctuary.matching.models import Decision, MatchReview
from sanctuary.people.actions import do_add_document
from sanctuary.people.models import ContactPoint, EventKind, Person, PersonEvent
from tests.people.test_person_pages import person_data
from tests.vault.images import tiny_png

pytestmark = pytest.mark.django_db


def _create(client: Client, team_id: int, **overrides: str) -> Person:
    data = person_data(team_id, **overrides)
    data["confirm_new"] = "1"
    response = client.post("/people/new/", data)
    assert response.status_code == 302, response.status_code
    return Person.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))


def test_a_likely_match_is_shown_before_saving(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    client: Client = login(make_user("intake_officer"))
    first = _create(client, team_a.pk, alias="Ko Thura", nrc_number="12/MaYaKa(N)123456")
    data = person_data(team_a.pk, alias="Maung Thura", nrc_number="၁၂/မရက(နိုင်)၁၂၃၄၅၆")
    response = client.post("/people/new/", data)
    assert response.status_code == 409
    page = response.content.decode()
    assert first.case_code in page and "Ko Thura" in page
    assert "Maung Thura" in page  # nothing typed is lost
    assert Person.objects.count() == 1
    data["confirm_new"] = "1"
    assert client.post("/people/new/", data).status_code == 302
    assert Person.objects.count() == 2
    review = MatchReview.objects.get()
    assert {review.person_a_id, review.person_b_id} == set(Person.objects.values_list("pk", flat=True))


def test_scan_fills_the_queue_and_decisions_are_remembered(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    client: Client = login(make_user("intake_officer"))
    a = _create(client, team_a.pk, alias="Ko A", true_name="Aung Kyaw Min", father_name="U Tin Maung")
    b = _create(client, team_a.pk, alias="Ko B", true_name="ေအာင္ေက်ာ္မင္း", father_name="U Tin Maung")
    for i in range(30):
        _create(
            client,
            team_a.pk,
            alias=f"Other {i}",
            true_name=f"Other Person {i}",
            father_name=f"U Father {i}",
            birth_date=str(1970 + i),
            **{"contacts-0-value": f"09 42{i % 10} {100 + i} {200 + i}"},
        )
    MatchReview.objects.all().delete()
    job = start_scan(None)
    job.refresh_from_db()
    assert job.state == "done" and job.stage == "done" and job.total == 32
    pair = MatchReview.objects.get(person_a=min(a.pk, b.pk), person_b=max(a.pk, b.pk))
    assert pair.score > 0.5 and pair.agreements
    assert "Aung" not in str(pair.agreements)  # explanations name fields, never values
    reviewer: Client = login(make_user("vetting_officer"))
    assert reviewer.post(f"/duplicates/{pair.pk}/different/").status_code == 302
    start_scan(None)
    assert MatchReview.objects.get(pk=pair.pk).decision == Decision.DIFFERENT


def test_merging_keeps_both_histories(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("intake_officer")
    client: Client = login(worker)
    a = _create(client, team_a.pk, alias="Ko Older")
    b = _create(client, team_a.pk, alias="Ko Newer", **{"contacts-0-value": "09 440 111 222"})
    client.post(f"/people/{b.pk}/status/", {"status": "vetting", "note": "referee called"})
    do_add_document(worker, b, tiny_png(), "photo", "photo")
    review = MatchReview.objects.filter(
        person_a=min(a.pk, b.pk), person_b=max(a.pk, b.pk)
    ).first() or MatchReview.objects.create(person_a_id=min(a.pk, b.pk), person_b_id=max(a.pk, b.pk), score=0.9)
    events_before = PersonEvent.objects.filter(person__in=[a, b]).count()
    assert client.post(f"/duplicates/{review.pk}/same/").status_code == 302
    assert MatchReview.objects.get(pk=review.pk).decision == Decision.PROPOSED  # one reviewer: nothing merged
    assert Person.objects.get(pk=b.pk).merged_into_id is None
    page = client.post(f"/duplicates/{review.pk}/same/", follow=True).content.decode()
    assert "second reviewer must confirm" in page and Person.objects.get(pk=b.pk).merged_into_id is None
    second: Client = login(make_user("vetting_officer"))
    # The confirmation is given on the page that says what the merge will do.
    assert second.post(f"/duplicates/{review.pk}/same/")["Location"] == f"/duplicates/{review.pk}/confirm/"
    assert Person.objects.get(pk=b.pk).merged_into_id is None
    seen = re.search(r'name="seen" value="(\w+)"', second.get(f"/duplicates/{review.pk}/confirm/").content.decode())
    assert seen is not None
    assert second.post(f"/duplicates/{review.pk}/same/", {"seen": seen[1]}).status_code == 302
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    assert PersonEvent.objects.filter(person=a).count() == events_before + 1  # + the merge note
    assert PersonEvent.objects.filter(person=a, kind=EventKind.STATUS).exists()
    assert a.documents.count() == 1
    assert "+959440111222" in [str(c.value) for c in ContactPoint.objects.filter(person=a)]
    listing = client.get("/people/").content.decode()
    assert "Ko Newer" not in listing and "Ko Older" in listing
    assert AuditEntry.objects.filter(action=Action.MERGE).count() == 2


def test_other_teams_pairs_are_not_shown(make_user, login, team_a, team_b) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import PersonFactory

    a = PersonFactory(team=team_a)
    b = PersonFactory(team=team_b)
    review = MatchReview.objects.create(person_a_id=min(a.pk, b.pk), person_b_id=max(a.pk, b.pk), score=0.9)
    vetting: Client = login(make_user("vetting_officer", teams=[team_a]))
    assert str(b.alias) not in vetting.get("/duplicates/").content.decode()
    assert vetting.post(f"/duplicates/{review.pk}/same/").status_code == 404
    assert login(make_user("trainer")).get("/duplicates/").status_code == 403


def test_scan_on_a_real_register_finds_its_duplicates(team_a) -> None:  # type: ignore[no-untyped-def]
    """1,500 rows of the shared synthetic register, stored encrypted: the scan's queue
    matches the truth file closely (the full figures are in make bench)."""
    from tests.matching.register import duplicate_pairs, load_register

    people = load_register(team_a, 1500)
    want = {tuple(sorted((people[a].pk, people[b].pk))) for a, b in duplicate_pairs(set(people))}
    job = start_scan(None)
    job.refresh_from_db()
    found = set(MatchReview.objects.values_list("person_a_id", "person_b_id"))
    assert job.counts["found"] == len(found)
    assert len(found & want) / len(want) >= 0.9
    assert len(found & want) / len(found) >= 0.9


def test_an_edit_that_makes_a_likely_match_asks_first(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    client: Client = login(make_user("intake_officer"))
    first = _create(client, team_a.pk, alias="Ko First", nrc_number="12/MaYaKa(N)654321")
    second = _create(client, team_a.pk, alias="Ko Second", **{"contacts-0-value": "09 440 555 666"})
    MatchReview.objects.all().delete()
    data = person_data(team_a.pk, alias="Ko Second", nrc_number="12/MaYaKa(N)654321")
    data.update({"contacts-TOTAL_FORMS": "0", "household-TOTAL_FORMS": "0"})
    response = client.post(f"/people/{second.pk}/edit/", data)
    assert response.status_code == 409 and first.case_code in response.content.decode()
    data["confirm_new"] = "1"
    assert client.post(f"/people/{second.pk}/edit/", data).status_code == 302
    assert MatchReview.objects.filter(person_a=min(first.pk, second.pk), person_b=max(first.pk, second.pk)).exists()
    data.pop("confirm_new")
    data["skills"] = "cooking"
    assert client.post(f"/people/{second.pk}/edit/", data).status_code == 302  # known pair: not asked again


def test_a_small_register_still_queues_shared_identifiers(team_a) -> None:  # type: ignore[no-untyped-def]
    """Three people: too few for the model, but two share a phone, so the pair is queued."""
    from sanctuary.matching.actions import refresh_match_keys
    from tests.factories import PersonFactory

    a, b, c = PersonFactory.create_batch(3, team=team_a)
    ContactPoint.objects.create(person=a, kind="phone", value="+959420123456")
    ContactPoint.objects.create(person=b, kind="phone", value="+959420123456")
    ContactPoint.objects.create(person=c, kind="phone", value="+959440111222")
    refresh_match_keys(Person.objects.all())
    start_scan(None)
    review = MatchReview.objects.get()
    assert (review.person_a_id, review.person_b_id) == (min(a.pk, b.pk), max(a.pk, b.pk))
    assert review.agreements == {"phone": "same"}
