"""A merge takes two people, and the second confirms on a page that says what the merge will
do: the person needing vetting again, grants ending. The confirmation binds to what that page
said; a merge never carries a grant onto a record nobody approved (issue 17, items 1 and 2)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sanctuary.audit.models import Action, AuditEntry
from sanctuary.matching.models import Decision, MatchReview
from sanctuary.people.identity import do_decide_identity, do_request_identity
from sanctuary.people.models import ContactPoint, IdentityRequest, Person
from sanctuary.vetting import actions as vetting
from sanctuary.vetting.models import CheckOutcome, DecisionState, FlagKind, Outcome, RiskFlag, VettingCheck
from sanctuary.vetting.rules import admission_block
from tests.factories import PersonFactory
from tests.shelter.helpers import accepted

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewers(make_user: Any) -> tuple[Any, Any]:
    return make_user("intake_officer"), make_user("vetting_officer")


def _pair(older: Person, newer: Person) -> MatchReview:
    low, high = sorted((older.pk, newer.pk))
    return MatchReview.objects.create(person_a_id=low, person_b_id=high, score=0.9, agreements={"phone": "same"})


def _propose(client: Client, review: MatchReview) -> None:
    assert client.post(f"/duplicates/{review.pk}/same/").status_code == 302
    assert MatchReview.objects.get(pk=review.pk).decision == Decision.PROPOSED


def _confirm_page(client: Client, review: MatchReview) -> tuple[str, str]:
    response = client.get(f"/duplicates/{review.pk}/confirm/")
    assert response.status_code == 200
    page = response.content.decode()
    seen = re.search(r'name="seen" value="(\w+)"', page)
    return page, seen[1] if seen else ""


def test_the_throwaway_records_grant_never_reaches_the_target(make_user, login, team_a, reviewers) -> None:  # type: ignore[no-untyped-def]
    """The attack: a throwaway record sharing the target's phone, a harmless-looking true-name
    request on the throwaway that a director approves, then "same person". The merge ends the
    grant; the requester never reads the target's true name."""
    attacker, second = reviewers
    target = PersonFactory(team=team_a, true_name="Target True Name")
    throwaway = PersonFactory(team=team_a, true_name="Nobody at all")
    Person.objects.filter(pk=target.pk).update(created_at=timezone.now() - timedelta(days=30))
    for person in (target, throwaway):
        ContactPoint.objects.create(person=person, kind="phone", value="+959420000077")
    request = do_request_identity(attacker, throwaway, "to call the family")
    IdentityRequest.objects.filter(pk=request.pk).update(created_at=timezone.now() - timedelta(days=2))
    director = make_user("director")
    director.approver_hold_until = None
    do_decide_identity(director, request, approve=True)
    assert IdentityRequest.objects.active_grant(attacker, throwaway) is not None

    review = _pair(target, throwaway)
    client = login(attacker)
    _propose(client, review)
    other = login(second)
    page, seen = _confirm_page(other, review)
    assert "True-name grants on either record end" in page
    assert other.post(f"/duplicates/{review.pk}/same/", {"seen": seen}).status_code == 302
    assert Person.objects.get(pk=throwaway.pk).merged_into_id == target.pk

    assert IdentityRequest.objects.active_grant(attacker, target) is None
    assert IdentityRequest.objects.active_grant(attacker, throwaway) is None
    shown = client.get(f"/people/{target.pk}/").content.decode()
    assert "Target True Name" not in shown and "Nobody at all" not in shown
    assert "Target True Name" not in client.get(f"/people/{target.pk}/edit/").content.decode()


def test_the_confirmation_page_says_the_person_needs_vetting_again(login, team_a, reviewers, make_user) -> None:  # type: ignore[no-untyped-def]
    """An accepted, newer record folded into a never-vetted one: said before confirming, and
    the merged record is not admissible (no bed, no stipend) until vetted again."""
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    never_vetted = PersonFactory(team=team_a)
    vetted = accepted(team_a, officers)
    Person.objects.filter(pk=never_vetted.pk).update(created_at=timezone.now() - timedelta(days=30))
    review = _pair(never_vetted, vetted)
    _propose(login(reviewers[0]), review)
    other = login(reviewers[1])
    page, seen = _confirm_page(other, review)
    assert "vetted differently" in page and "vetting officers have vetted it again" in page
    assert 'id="merge-effects"' in page
    other.post(f"/duplicates/{review.pk}/same/", {"seen": seen})
    kept = Person.objects.get(pk=never_vetted.pk)
    assert Person.objects.get(pk=vetted.pk).merged_into_id == kept.pk
    assert admission_block(kept) == "flagged"
    assert RiskFlag.objects.filter(person=kept, kind=FlagKind.MERGED, cleared_at__isnull=True).exists()


def test_a_confirmation_binds_to_what_the_page_said(login, team_a, reviewers, make_user) -> None:  # type: ignore[no-untyped-def]
    """The page said nothing special (neither record vetted); meanwhile one record is
    accepted. The old click merges nothing and says to look again; the new page's works."""
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    older, newer = PersonFactory(team=team_a), PersonFactory(team=team_a)
    Person.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=30))
    review = _pair(older, newer)
    _propose(login(reviewers[0]), review)
    other = login(reviewers[1])
    page, stale = _confirm_page(other, review)
    assert "vetted differently" not in page

    for check in VettingCheck.objects.filter(active=True):
        vetting.do_record_check(officers[0], newer, check, CheckOutcome.CONFIRMED, "")
    decision = vetting.do_propose(officers[0], newer, Outcome.ACCEPTED, "checked")
    vetting.do_second(officers[1], decision, True, "agreed")

    answer = other.post(f"/duplicates/{review.pk}/same/", {"seen": stale}, follow=True).content.decode()
    assert "changed after you looked" in answer
    assert Person.objects.get(pk=newer.pk).merged_into_id is None
    assert MatchReview.objects.get(pk=review.pk).decision == Decision.PROPOSED  # the confirmation undone too
    page, fresh = _confirm_page(other, review)
    assert fresh != stale and "vetted differently" in page
    other.post(f"/duplicates/{review.pk}/same/", {"seen": fresh})
    assert Person.objects.get(pk=newer.pk).merged_into_id == older.pk


def test_a_confirmation_without_the_page_is_sent_to_it(login, team_a, reviewers) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.matching.actions import MatchRefused, do_decide

    older, newer = PersonFactory(team=team_a), PersonFactory(team=team_a)
    review = _pair(older, newer)
    _propose(login(reviewers[0]), review)
    response = login(reviewers[1]).post(f"/duplicates/{review.pk}/same/")
    assert response["Location"] == f"/duplicates/{review.pk}/confirm/"
    with pytest.raises(MatchRefused) as refused:  # the action too: no confirmation without what was seen
        do_decide(reviewers[1], review, Decision.SAME)
    assert refused.value.code == "look_first"
    assert not Person.objects.filter(merged_into__isnull=False).exists()


def test_the_proposer_and_outsiders_get_no_confirmation_page(login, team_a, team_b, reviewers, make_user) -> None:  # type: ignore[no-untyped-def]
    older, newer = PersonFactory(team=team_a), PersonFactory(team=team_a)
    review = _pair(older, newer)
    proposer = login(reviewers[0])
    _propose(proposer, review)
    assert proposer.get(f"/duplicates/{review.pk}/confirm/")["Location"] == "/duplicates/"
    other_team = make_user("vetting_officer", teams=[team_b])
    assert login(other_team).get(f"/duplicates/{review.pk}/confirm/").status_code == 404
    assert login(make_user("case_worker")).get(f"/duplicates/{review.pk}/confirm/").status_code in (403, 404)
    assert Client().get(f"/duplicates/{review.pk}/confirm/").status_code == 302


def test_a_merge_is_audited_with_both_ids(login, team_a, reviewers) -> None:  # type: ignore[no-untyped-def]
    older, newer = PersonFactory(team=team_a), PersonFactory(team=team_a)
    Person.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=30))
    review = _pair(older, newer)
    _propose(login(reviewers[0]), review)
    other = login(reviewers[1])
    _page, seen = _confirm_page(other, review)
    other.post(f"/duplicates/{review.pk}/same/", {"seen": seen})
    entries = {e.object_id: e for e in AuditEntry.objects.filter(action=Action.MERGE)}
    assert f"merged_from:{newer.pk}" in entries[str(older.pk)].fields
    assert f"merged_into:{older.pk}" in entries[str(newer.pk)].fields
    assert all(older.alias not in str(e.fields) and newer.alias not in str(e.fields) for e in entries.values())
    assert entries[str(older.pk)].actor_id == reviewers[1].pk


def test_two_people_vetted_through_every_step_merge_through_the_pages(login, team_a, reviewers, make_user) -> None:  # type: ignore[no-untyped-def]
    """Both records vetted for real: checks on the same items (one says more against the
    person), referees, notes, a flag raised and cleared by two officers, a decision each.
    The merge goes through the pages without a 500 and the stricter check holds."""
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    checks = [*VettingCheck.objects.filter(active=True), VettingCheck.objects.create(label_en="Unit", required=True)]
    people = [PersonFactory(team=team_a), PersonFactory(team=team_a)]
    Person.objects.filter(pk=people[0].pk).update(created_at=timezone.now() - timedelta(days=30))
    for n, person in enumerate(people):
        for check in checks:
            vetting.do_record_check(officers[0], person, check, CheckOutcome.CONFIRMED, "ok")
        vetting.do_add_referee(officers[0], person, name=f"Referee {n}", relation="brother")
        vetting.do_add_note(officers[0], person, "called the unit")
        flag = vetting.do_raise_flag(officers[0], person, FlagKind.UNVERIFIABLE, "dates do not fit")
        vetting.do_clear_flag(officers[0], flag, "explained")
        vetting.do_clear_flag(officers[1], flag, "agreed")
        decision = vetting.do_propose(officers[0], person, Outcome.ACCEPTED, "all checked")
        vetting.do_second(officers[1], decision, True, "agreed")
    # The newer record's last check later raised a concern (after its acceptance).
    vetting.do_record_check(officers[0], people[1], checks[-1], CheckOutcome.CONCERN, "unit denies it")
    review = _pair(*people)
    _propose(login(reviewers[0]), review)
    other = login(reviewers[1])
    page, seen = _confirm_page(other, review)
    assert "vetted differently" in page
    response = other.post(f"/duplicates/{review.pk}/same/", {"seen": seen}, follow=True)
    assert response.status_code == 200
    kept = Person.objects.get(pk=people[0].pk)
    assert Person.objects.get(pk=people[1].pk).merged_into_id == kept.pk
    assert admission_block(kept) == "flagged"
    assert kept.vetting_decisions.filter(state=DecisionState.CONFIRMED).count() == 2
