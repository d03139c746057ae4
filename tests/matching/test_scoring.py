"""Pairs queued outside a scan are scored like the scan's (issue 16: pairs made at person
creation showed "Match probability 0.00" though name, birth date, service number and phone
all agreed): one model, kept by the last scan, the engine's defaults before any scan."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from sanctuary.audit.models import AuditEntry
from sanctuary.linkage.compare import FIELD_NAMES
from sanctuary.matching import scoring
from sanctuary.matching.actions import candidates_for, do_queue_likely_duplicates, refresh_match_keys, start_scan
from sanctuary.matching.models import Decision, LinkageModel, MatchReview
from sanctuary.matching.records import record_for
from sanctuary.people.models import ContactPoint, Person
from tests.factories import PersonFactory
from tests.matching.test_review_queue import _create

pytestmark = pytest.mark.django_db

SAME = {"true_name": "Thura Aung", "birth_date": "1994-05-12", "service_number": "BC-123456"}


def test_the_issues_example_is_scored_high_at_creation(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    """Name, birth date, service number and phone agree: the pair made when the second one
    is saved is scored by the model (no scan yet: the defaults), with the scan's words."""
    client: Client = login(make_user("intake_officer", language="en"))
    first = _create(client, team_a.pk, alias="Ko Thura", **SAME)
    second = _create(client, team_a.pk, alias="Maung Thura", **{**SAME, "contacts-0-value": "+95 9 420 123 456"})
    review = MatchReview.objects.get()
    assert (review.person_a_id, review.person_b_id) == (first.pk, second.pk)
    assert review.score > 0.99
    for field in ("name", "birth_date", "service_number", "phone"):
        assert review.agreements[field] == "same"
    assert set(review.agreements) <= set(FIELD_NAMES)  # per field and level, as a scan says it
    assert AuditEntry.objects.filter(object_type="matching.matchreview", object_id=str(review.pk)).exists()
    page = login(make_user("vetting_officer", language="en")).get("/duplicates/").content.decode()
    assert "<strong>1.00</strong>" in page and "service number: same" in page and "0.00" not in page


def _register(team, rows: int = 800) -> dict[str, Person]:  # type: ignore[no-untyped-def]
    from tests.matching.register import load_register

    return load_register(team, rows)


def test_creation_and_scan_give_a_pair_the_same_score(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    """With the model a scan kept, the creation path scores a pair exactly as the scan did."""
    _register(team_a)
    start_scan(None)
    kept = LinkageModel.objects.get()
    assert kept.learned and kept.engine == "sanctuary.linkage/1" and kept.records == 800
    reviews = list(MatchReview.objects.filter(score__gt=0.5))
    seen: dict[int, int] = {}
    for review in reviews:
        for pk in (review.person_a_id, review.person_b_id):
            seen[pk] = seen.get(pk, 0) + 1
    # Pairs of people in no other pair: a scan scores those on their own evidence alone
    # (inside a bigger group, the group's evidence may raise it).
    alone = [r for r in reviews if seen[r.person_a_id] == seen[r.person_b_id] == 1][:5]
    assert len(alone) >= 3
    for review in alone:
        scan_score, scan_agreements = review.score, review.agreements
        review.delete()
        newer = Person.objects.prefetch_related("contacts").get(pk=review.person_b_id)
        do_queue_likely_duplicates(make_user("intake_officer"), newer, candidates_for(record_for(newer), newer.pk))
        again = MatchReview.objects.get(person_a_id=review.person_a_id, person_b_id=review.person_b_id)
        assert again.score == pytest.approx(scan_score, rel=1e-9)
        assert again.agreements == scan_agreements


def test_a_scan_rescores_the_pairs_still_waiting(team_a) -> None:  # type: ignore[no-untyped-def]
    """Pairs queued before (at creation, or by an older model) take the new model's scores
    once it is kept; decided and proposed pairs keep the score their reviewers saw."""
    from sanctuary.accounts.models import User

    people = _register(team_a, 400)
    by_pk = sorted(people.values(), key=lambda p: p.pk)
    old = {"svc": "same key"}
    waiting = MatchReview.objects.create(person_a=by_pk[0], person_b=by_pk[1], score=0.0, agreements=old)
    unsure = MatchReview.objects.create(
        person_a=by_pk[2], person_b=by_pk[3], score=0.0, agreements=old, decision=Decision.UNSURE
    )
    proposer = User.objects.create(username="proposer")
    proposed = MatchReview.objects.create(
        person_a=by_pk[4],
        person_b=by_pk[5],
        score=0.0,
        agreements=old,
        decision=Decision.PROPOSED,
        proposed_by=proposer,
    )
    decided = MatchReview.objects.create(
        person_a=by_pk[6], person_b=by_pk[7], score=0.0, agreements=old, decision=Decision.DIFFERENT
    )
    job = start_scan(None)
    job.refresh_from_db()
    assert job.counts["rescored"] >= 2
    model = scoring.current()
    records = {p.pk: record_for(p) for p in Person.objects.filter(pk__in=[p.pk for p in by_pk[:4]])}
    want = scoring.score_pairs(model, [(by_pk[0].pk, by_pk[1].pk), (by_pk[2].pk, by_pk[3].pk)], records)
    for review in (waiting, unsure):
        review.refresh_from_db()
        pair = want[(review.person_a_id, review.person_b_id)]
        assert review.score == pytest.approx(pair.score, rel=1e-9) and review.score > 0
        assert review.agreements == (pair.agreements or old)
    for review in (proposed, decided):
        review.refresh_from_db()
        assert review.score == 0.0 and review.agreements == old


def test_pairs_sharing_an_identifier_are_scored(team_a) -> None:  # type: ignore[no-untyped-def]
    """Two people who share only a phone are queued by the scan with the model's score (a
    small register: the defaults), not 0.0, and what agreed is said as for any pair."""
    people = PersonFactory.create_batch(12, team=team_a)
    a, b = people[0], people[1]
    for person, phone in ((a, "+959420123456"), (b, "09 420 123 456")):
        ContactPoint.objects.create(person=person, kind="phone", value=phone)
    refresh_match_keys(Person.objects.prefetch_related("contacts"))
    start_scan(None)
    review = MatchReview.objects.get()
    assert (review.person_a_id, review.person_b_id) == (a.pk, b.pk)
    assert not LinkageModel.objects.get().learned  # too few people to learn from: the defaults
    records = {p.pk: record_for(p) for p in Person.objects.filter(pk__in=[a.pk, b.pk]).prefetch_related("contacts")}
    pair = scoring.score_pairs(scoring.current(), [(a.pk, b.pk)], records)[(a.pk, b.pk)]
    assert review.score == pytest.approx(pair.score, rel=1e-9) and review.score > 0.0
    assert review.agreements["phone"] == "same"


def test_the_kept_model_holds_no_personal_data(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    """Names, birth dates, towns, phones and numbers of the register are nowhere in the kept
    model, not even normalised: its term frequencies are keyed by blind index."""
    people = _register(team_a, 400)
    start_scan(None)
    text = json.dumps(LinkageModel.objects.get().parameters, ensure_ascii=False)
    from sanctuary.linkage.compare import TF_FIELDS, tf_value
    from sanctuary.linkage.records import prepare

    values: set[str] = set()
    for person in Person.objects.filter(pk__in=[p.pk for p in people.values()]).prefetch_related("contacts"):
        record = record_for(person)
        values |= {str(person.alias), record.name, record.father_name, record.birth_date, record.hometown}
        values |= {record.phone, record.nrc, record.service_number, record.unit}
        values |= {tf_value(prepare(record), name) for name in TF_FIELDS}
    leaked = [v for v in values if len(v) >= 4 and not v.isdigit() and v in text]
    assert not leaked, leaked[:5]
    shared = json.loads(text)["frequencies"]["hometown"]["shared"]
    assert shared and all(len(token) == 32 for token in shared)  # kept, but blind


def test_the_queue_says_where_its_probabilities_come_from(  # type: ignore[no-untyped-def]
    make_user, login, team_a, django_assert_max_num_queries
) -> None:
    """The queue says which model its probabilities come from, in a fixed number of queries
    however many pairs it lists."""
    from sanctuary.linkage.stored import default, to_json

    people = PersonFactory.create_batch(30, team=team_a)
    for a, b in zip(people[::2], people[1::2], strict=True):
        MatchReview.objects.create(person_a=a, person_b=b, score=0.5, agreements={"phone": "same"})
    client = login(make_user("vetting_officer", language="en"))
    with django_assert_max_num_queries(20):
        page = client.get("/duplicates/").content.decode()
    assert page.count('class="card review"') == 15
    assert "default model until a scan" in page
    LinkageModel.objects.create(engine="sanctuary.linkage/1", parameters=to_json(default(30)))
    assert "too few duplicates to learn from" in client.get("/duplicates/").content.decode()
    LinkageModel.objects.create(engine="sanctuary.linkage/1", learned=True, parameters=to_json(default(30)))
    assert "a model learned from this register" in client.get("/duplicates/").content.decode()
