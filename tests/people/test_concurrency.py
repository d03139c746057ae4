"""Many people writing about one person at the same moment (issue 17, item 10): on PostgreSQL
48 simultaneous status changes and true-name requests deadlocked 21 times and answered 500.
Every writer now locks the person first, once, before any other row and the audit chain; what
still conflicts is retried a bounded number of times, then answered "busy" (503), never 500.

These run on both databases (CI runs the suite on PostgreSQL too), each thread in its own
connection, through the real views and actions."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.utils import timezone

from sanctuary.lib import db
from sanctuary.matching.actions import MatchRefused, confirmation, do_decide
from sanctuary.matching.models import Decision, MatchReview
from sanctuary.people.merge import MergeRefused
from sanctuary.people.models import IdentityRequest, Person, PersonEvent
from sanctuary.shelter import actions as shelter
from sanctuary.shelter.models import Bed, Stay
from sanctuary.vetting import actions as vetting
from sanctuary.vetting.models import DecisionState, Outcome, VettingDecision
from tests.conftest import verified_client
from tests.factories import PersonFactory
from tests.shelter.helpers import accepted, house
from tests.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_48_status_changes_and_true_name_requests_to_one_person(make_user: Any, team_a: Any) -> None:
    person = PersonFactory(team=team_a, status="vetting")
    editors = [verified_client(make_user("intake_officer")) for _ in range(24)]
    askers = [verified_client(make_user("case_worker")) for _ in range(24)]

    def status(client: Client, n: int) -> Callable[[], object]:
        data = {"status": "vetting" if n % 2 else "first_contact", "note": f"call {n}"}
        return lambda: client.post(f"/people/{person.pk}/status/", data).status_code

    def ask(client: Client) -> Callable[[], object]:
        return lambda: client.post(f"/people/{person.pk}/identity/", {"reason": "to visit the family"}).status_code

    outcomes = at_once([status(c, n) for n, c in enumerate(editors)] + [ask(c) for c in askers])
    assert Counter(outcomes) == {302: 48}, Counter(outcomes)
    assert IdentityRequest.objects.filter(person=person).count() == 24
    assert PersonEvent.objects.filter(person=person).exclude(note="").count() == 24  # every note kept
    # The last event says where the person is now: nothing was lost between two writers.
    last = PersonEvent.objects.filter(person=person).order_by("-at", "-id").first()
    assert last is not None and Person.objects.get(pk=person.pk).status == last.status_to


def test_merges_of_overlapping_pairsat_once(make_user: Any, team_a: Any) -> None:
    """A=B, B=C, A=C and C=D confirmed together: each completes or is refused in words; no
    record ends up merged into a merged record, none merged twice."""
    people = [PersonFactory(team=team_a) for _ in range(4)]
    for n, person in enumerate(people):
        Person.objects.filter(pk=person.pk).update(created_at=timezone.now() - timedelta(days=10 - n))
    proposer, confirmer = make_user("intake_officer"), make_user("vetting_officer")
    reviews = []
    for a, b in ((0, 1), (1, 2), (0, 2), (2, 3)):
        review = MatchReview.objects.create(person_a=people[a], person_b=people[b], score=0.9)
        do_decide(proposer, review, Decision.SAME)
        reviews.append((review, confirmation(confirmer, review).fingerprint))

    def confirm(review: MatchReview, seen: str) -> Callable[[], object]:
        def run() -> object:
            try:
                do_decide(confirmer, review, Decision.SAME, seen=seen)
            except (MergeRefused, MatchRefused) as refused:
                return refused.code
            return "merged"

        return run

    outcomes = at_once([confirm(review, seen) for review, seen in reviews])
    assert "merged" in outcomes and all(o in {"merged", "already_merged", "changed", "gone"} for o in outcomes), (
        outcomes
    )
    merged = dict(Person.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into"))
    assert len(merged) == outcomes.count("merged")
    assert not set(merged.values()) & set(merged)  # never into a record that was itself folded


def test_placements_status_changes_and_vetting_of_one_personat_once(make_user: Any, team_a: Any) -> None:
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    manager = make_user("shelter_manager")
    person = accepted(team_a, officers)
    beds = list(Bed.objects.filter(room__house=house(rooms=2, beds=2)))
    decision = VettingDecision.objects.create(
        person=person, outcome=Outcome.ACCEPTED, proposed_by=officers[0], proposed_reason="again"
    )
    editor = verified_client(make_user("intake_officer"))
    asker = verified_client(make_user("case_worker"))

    def place(bed: Bed) -> Callable[[], object]:
        def run() -> object:
            try:
                shelter.do_place(manager, person, bed, timezone.localdate())
            except shelter.ShelterRuleError as error:
                return error.code
            return "placed"

        return run

    jobs: list[Callable[[], object]] = [place(bed) for bed in beds]
    jobs += [lambda: editor.post(f"/people/{person.pk}/status/", {"status": "accepted", "note": "n"}).status_code]
    jobs += [lambda: asker.post(f"/people/{person.pk}/identity/", {"reason": "visit"}).status_code] * 2
    jobs += [lambda: vetting.do_second(officers[1], decision, True, "agreed").state]
    outcomes = at_once(jobs)
    assert outcomes.count("placed") == 1 and outcomes.count("already_housed") == 3, outcomes
    assert not [o for o in outcomes if o not in {"placed", "already_housed", 302, 400, DecisionState.CONFIRMED}]
    assert Stay.objects.filter(person=person, ended_on__isnull=True).count() == 1


def test_a_real_deadlock_is_retried_until_both_writers_succeed(team_a: Any) -> None:
    """Two writers taking the same two rows in opposite orders. On PostgreSQL both hold their
    first row before taking the second: one is chosen as the deadlock victim and run again.
    SQLite takes its write lock at the start of each transaction, so they simply queue."""
    first, second = PersonFactory(team=team_a), PersonFactory(team=team_a)
    crossing = connection.vendor == "postgresql"
    barrier = threading.Barrier(2)
    attempts: list[int] = []

    def writer(a: Person, b: Person) -> Callable[[], object]:
        @db.atomic
        def run() -> object:
            attempts.append(1)
            Person.objects.lock_row(a.pk)
            if crossing and len(attempts) <= 2:
                barrier.wait(timeout=10)
            Person.objects.lock_row(b.pk)
            Person.objects.filter(pk=b.pk).update(updated_at=timezone.now())
            return "done"

        return run

    outcomes = at_once([writer(first, second), writer(second, first)])
    assert outcomes == ["done", "done"], outcomes
    assert len(attempts) >= 3 if crossing else len(attempts) == 2  # on PostgreSQL the victim ran again


def test_what_still_conflicts_is_answered_busy_never_500() -> None:
    """After its retries a conflict is "busy, nothing was saved" in the user's language (503
    with Retry-After); any other error is left to the usual handling."""
    from django.contrib.auth.models import AnonymousUser
    from django.utils import translation

    from sanctuary.lib.middleware import BusyMiddleware

    middleware = BusyMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    request = RequestFactory().post("/people/1/status/")
    request.user = AnonymousUser()
    with translation.override("my"):
        response = middleware.process_exception(request, db.Busy("busy"))
    assert response is not None and response.status_code == 503 and response["Retry-After"] == "5"
    with translation.override("en"):
        english = middleware.process_exception(request, db.Busy("busy"))
    assert english is not None and "Nothing you sent was saved" in english.content.decode()
    assert response.content != english.content  # Burmese, not English
    assert middleware.process_exception(request, ValueError("x")) is None


def test_an_inner_block_is_not_retried_on_its_own(team_a: Any) -> None:
    """Inside an outer transaction the wrapper is a plain atomic block: the outer one retries."""
    calls: list[int] = []

    @db.atomic
    def inner() -> None:
        calls.append(1)

    with transaction.atomic():
        inner()
    assert calls == [1]
