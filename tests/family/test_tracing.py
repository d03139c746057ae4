"""Searches for missing relatives: open → tracing → located → verified → closed, enforced in
the actions; opening needs the person's consent for tracing, and each step asked of a partner
needs consent for that partner (the refusal says why); the matcher compares the sought
relative with our own records inside the vault, shown by case code only."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.html import escape

from sanctuary.audit.models import AuditEntry
from sanctuary.consent import actions as consent_actions
from sanctuary.consent.rules import ConsentRefused
from sanctuary.family import actions
from sanctuary.family.actions import FamilyRuleError
from sanctuary.family.models import ActionKind, ContactRule, Outcome, TracingAction, TracingRequest, TracingState
from sanctuary.family.search import likely_people
from sanctuary.matching.actions import refresh_match_keys
from sanctuary.people.contact import How, Means
from sanctuary.people.identity import do_decide_identity, do_request_identity
from sanctuary.vault import state
from tests.consent import helpers as consent_helpers
from tests.factories import PersonFactory
from tests.family import helpers

pytestmark = pytest.mark.django_db

EMERGENCY = Means(how=How.DIRECT, emergency=True, reason="missing since the raid")


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user("case_worker")


@pytest.fixture
def person(team_a: Any) -> Any:
    return PersonFactory(team=team_a)


@pytest.fixture
def brother(worker: Any, person: Any) -> Any:
    return helpers.relative(worker, person, ContactRule.EMERGENCY, relation="brother", name="Ko Aung Min")


def test_opening_needs_tracing_consent_and_says_why(worker: Any, person: Any, brother: Any, login: Any) -> None:
    with pytest.raises(ConsentRefused) as refused:
        actions.do_open_tracing(worker, brother)
    assert refused.value.code == "none"
    response = login(worker).post(f"/family/relatives/{brother.pk}/tracing/", {"note": "last seen in Pakokku"})
    assert response.status_code == 400
    assert (
        escape(refused.value.message) in response.content.decode()
        and "last seen in Pakokku" in response.content.decode()
    )
    assert not TracingRequest.objects.exists()
    helpers.tracing_consent(worker, person)
    tracing = actions.do_open_tracing(worker, brother, "last seen in Pakokku")
    assert tracing.state == TracingState.OPEN and tracing.consent.purpose == "tracing"
    with pytest.raises(FamilyRuleError) as twice:
        actions.do_open_tracing(worker, brother)
    assert twice.value.code == "tracing_open"


def test_each_step_needs_consent_for_that_partner(worker: Any, person: Any, brother: Any) -> None:
    helpers.tracing_consent(worker, person)
    tracing = actions.do_open_tracing(worker, brother)
    partner = helpers.red_cross()
    with pytest.raises(ConsentRefused) as refused:
        actions.do_trace(worker, tracing, ActionKind.RED_CROSS, partner, EMERGENCY)
    assert refused.value.code == "none" and not TracingAction.objects.exists()
    record = consent_helpers.given(worker, person, "tracing", recipient=partner)
    step = actions.do_trace(worker, tracing, ActionKind.RED_CROSS, partner, EMERGENCY, "his photo and last address")
    assert step.consent == record and step.outcome == Outcome.WAITING
    tracing.refresh_from_db()
    assert tracing.state == TracingState.TRACING  # the first step starts the search
    consent_actions.do_withdraw_consent(worker, record, withdrawn_on=record.given_on, reason="afraid")
    with pytest.raises(ConsentRefused) as withdrawn:
        actions.do_trace(worker, tracing, ActionKind.PARTNER, partner, EMERGENCY)
    assert withdrawn.value.code == "withdrawn"
    assert TracingAction.objects.count() == 1


def test_states_move_only_forward_as_allowed(worker: Any, person: Any, brother: Any) -> None:
    helpers.tracing_consent(worker, person)
    tracing = actions.do_open_tracing(worker, brother)
    with pytest.raises(FamilyRuleError) as skipped:
        actions.do_change_tracing(worker, tracing, TracingState.VERIFIED)
    assert skipped.value.code == "transition"
    for state_ in (TracingState.TRACING, TracingState.LOCATED, TracingState.TRACING, TracingState.LOCATED):
        actions.do_change_tracing(worker, tracing, state_)
    actions.do_change_tracing(worker, tracing, TracingState.VERIFIED)
    actions.do_change_tracing(worker, tracing, TracingState.CLOSED)
    tracing.refresh_from_db()
    assert tracing.state == TracingState.CLOSED
    with pytest.raises(FamilyRuleError):
        actions.do_change_tracing(worker, tracing, TracingState.OPEN)
    with pytest.raises(FamilyRuleError) as closed:
        actions.do_trace(worker, tracing, ActionKind.PARTNER, helpers.red_cross(), EMERGENCY)
    assert closed.value.code == "tracing_closed"
    # Closed, a new search may be opened.
    assert actions.do_open_tracing(worker, brother).state == TracingState.OPEN


def test_the_outcome_of_a_step_is_recorded_once(worker: Any, person: Any, brother: Any, login: Any) -> None:
    partner = helpers.red_cross()
    helpers.tracing_consent(worker, person, partner)
    tracing = actions.do_open_tracing(worker, brother)
    step = actions.do_trace(worker, tracing, ActionKind.PEER_NETWORK, partner, EMERGENCY)
    client = login(worker)
    client.post(f"/family/steps/{step.pk}/outcome/", {"outcome": "found", "note": "alive in Mae Sot"})
    step.refresh_from_db()
    assert step.outcome == Outcome.FOUND and step.outcome_note == "alive in Mae Sot"
    with pytest.raises(FamilyRuleError):
        actions.do_record_outcome(worker, step, Outcome.NO_NEWS)
    assert "Mae Sot" not in str(list(AuditEntry.objects.values_list("fields", flat=True)))


def test_the_page_refuses_a_step_the_rule_forbids_keeping_what_was_typed(worker: Any, person: Any, login: Any) -> None:
    sister = helpers.relative(worker, person, ContactRule.NEVER, relation="sister")
    partner = helpers.red_cross()
    helpers.tracing_consent(worker, person, partner)
    tracing = actions.do_open_tracing(worker, sister)
    response = login(worker).post(
        f"/family/tracing/{tracing.pk}/ask/",
        {
            "kind": "red_cross",
            "recipient": partner.pk,
            "how": "direct",
            "asked": "her school",
            "asked_on": "2025-01-02",
        },
    )
    assert response.status_code == 400
    assert "her school" in response.content.decode() and not TracingAction.objects.exists()


def test_the_matcher_finds_the_relative_among_our_records_by_case_code_only(
    worker: Any, person: Any, team_a: Any, team_b: Any, login: Any, make_user: Any
) -> None:
    """Shown only under the grant (the matcher reads the relative's name), only for people the
    user may see, by case code; nothing but field names in the audit."""
    mine = PersonFactory(team=team_a, alias="Ko Min", true_name="Aung Min", hometown="Kan Gyi")
    theirs = PersonFactory(team=team_b, alias="Ko Min Min", true_name="Aung Min", hometown="Kan Gyi")
    PersonFactory(team=team_a, alias="Other", true_name="Zaw Zaw", hometown="Kan Gyi")
    refresh_match_keys([mine, theirs])
    brother = helpers.relative(worker, person, ContactRule.EMERGENCY, name="အောင်မင်း", village="Kan Gyi")
    helpers.tracing_consent(worker, person)
    tracing = actions.do_open_tracing(worker, brother)
    director = make_user("director")
    do_decide_identity(director, do_request_identity(worker, mine, "is it him?"), approve=True)
    matches = likely_people(worker, brother)
    assert matches is not None and [p.pk for p in matches.shown] == [mine.pk]
    client = login(worker)
    assert mine.case_code not in client.get(f"/family/tracing/{tracing.pk}/").content.decode()
    do_decide_identity(director, do_request_identity(worker, person, "tracing"), approve=True)
    page = client.get(f"/family/tracing/{tracing.pk}/").content.decode()
    assert mine.case_code in page and theirs.case_code not in page and "Aung Min" not in page
    assert ["name", "village"] in list(AuditEntry.objects.filter(action="search").values_list("fields", flat=True))
    state.seal()
    assert likely_people(worker, brother) is None
