"""What the family stage tells whom, and how a search follows the person's consent.

- Nothing about the family goes on the person's shared timeline (shelter managers, trainers …
  read it); the family card is the place for it, and names shown there under the grant are
  audited as ``identity_viewed``.
- The matcher shows a candidate by case code only under the user's grant on that candidate;
  the others are counted.
- A withdrawal of tracing consent closes the search; no step, move or outcome without it, and
  no outcome on a closed search.
"""

from __future__ import annotations

from typing import Any

import pytest

from sanctuary.audit.models import AuditEntry
from sanctuary.consent.actions import do_withdraw_consent
from sanctuary.family import actions
from sanctuary.family.actions import FamilyRuleError
from sanctuary.family.models import ActionKind, ContactRule, TracingState
from sanctuary.family.search import likely_people
from sanctuary.lib.stages import timeline_kinds
from sanctuary.matching.actions import refresh_match_keys
from sanctuary.people.contact import How, Means
from sanctuary.people.identity import do_decide_identity, do_request_identity
from sanctuary.people.models import PersonEvent
from tests.consent import helpers as consent_helpers
from tests.factories import PersonFactory
from tests.family import helpers

pytestmark = pytest.mark.django_db

EMERGENCY = Means(how=How.DIRECT, emergency=True, reason="r")


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user("case_worker")


@pytest.fixture
def person(team_a: Any) -> Any:
    return PersonFactory(team=team_a)


def _grant(worker: Any, person: Any, make_user: Any) -> None:
    do_decide_identity(make_user("director"), do_request_identity(worker, person, "family"), approve=True)


def test_nothing_about_the_family_reaches_the_shared_timeline(
    worker: Any, person: Any, login: Any, make_user: Any
) -> None:
    relative = helpers.relative(worker, person, ContactRule.EMERGENCY)
    actions.do_record_event(worker, relative, {"kind": "detained", "on": "2025", "source": "media"})
    partner = helpers.red_cross()
    helpers.tracing_consent(worker, person, partner)
    tracing = actions.do_open_tracing(worker, relative)
    actions.do_trace(worker, tracing, ActionKind.RED_CROSS, partner, EMERGENCY)
    actions.do_change_tracing(worker, tracing, TracingState.LOCATED)
    assert not PersonEvent.objects.filter(person=person, kind="family").exists()
    assert "family" not in [kind.code for kind in timeline_kinds()]
    for role in ("shelter_manager", "trainer"):
        client = login(make_user(role))
        body = client.get(f"/people/{person.pk}/").content.decode()
        assert client.get(f"/people/{person.pk}/").status_code == 200
        assert "Detained" not in body and "search for a missing relative" not in body
        assert "Family at home" not in client.get("/").content.decode()


def test_names_shown_under_the_grant_are_audited_as_identity_viewed(
    worker: Any, person: Any, login: Any, make_user: Any
) -> None:
    relative = helpers.relative(worker, person, ContactRule.EMERGENCY)
    helpers.tracing_consent(worker, person)
    tracing = actions.do_open_tracing(worker, relative)
    client = login(worker)
    client.get(f"/people/{person.pk}/")
    client.get(f"/family/tracing/{tracing.pk}/")
    viewed = AuditEntry.objects.filter(action="identity_viewed", object_id=str(person.pk), fields=["relatives"])
    assert not viewed.exists()  # no grant, no names, nothing to audit
    _grant(worker, person, make_user)
    assert "Daw Khin Myint" in client.get(f"/people/{person.pk}/").content.decode()
    assert viewed.count() == 1
    assert "Daw Khin Myint" in client.get(f"/family/tracing/{tracing.pk}/").content.decode()
    assert viewed.count() == 2


def test_the_matcher_shows_only_candidates_under_the_users_grant(
    worker: Any, person: Any, team_a: Any, login: Any, make_user: Any
) -> None:
    other = PersonFactory(team=team_a, alias="Ko Min", true_name="Aung Min", hometown="Kan Gyi")
    refresh_match_keys([other])
    brother = helpers.relative(worker, person, ContactRule.EMERGENCY, name="Aung Min", village="Kan Gyi")
    helpers.tracing_consent(worker, person)
    tracing = actions.do_open_tracing(worker, brother)
    _grant(worker, person, make_user)
    client = login(worker)
    page = client.get(f"/family/tracing/{tracing.pk}/").content.decode()
    assert other.case_code not in page and "1 possible match" in page
    assert not AuditEntry.objects.filter(action="identity_viewed", object_id=str(other.pk)).exists()
    _grant(worker, other, make_user)
    page = client.get(f"/family/tracing/{tracing.pk}/").content.decode()
    assert other.case_code in page and "possible match" not in page
    seen = AuditEntry.objects.filter(action="identity_viewed", object_id=str(other.pk))
    assert [entry.fields for entry in seen] == [["hometown", "true_name"]]


def test_withdrawing_tracing_consent_closes_the_search_and_stops_every_step(
    worker: Any, person: Any, make_user: Any
) -> None:
    brother = helpers.relative(worker, person, ContactRule.EMERGENCY, name="Aung Min", village="Kan Gyi")
    partner = helpers.red_cross()
    internal = consent_helpers.given(worker, person, "tracing", category="internal")
    consent_helpers.given(worker, person, "tracing", recipient=partner)
    tracing = actions.do_open_tracing(worker, brother)
    step = actions.do_trace(worker, tracing, ActionKind.RED_CROSS, partner, EMERGENCY)
    do_withdraw_consent(worker, internal, withdrawn_on=internal.given_on, reason="afraid")
    tracing.refresh_from_db()
    assert tracing.state == TracingState.CLOSED
    closing = (
        AuditEntry.objects.filter(action="status", object_type="family.tracingrequest", object_id=str(tracing.pk))
        .order_by("seq")
        .last()
    )
    assert closing is not None and closing.fields == ["closed:consent_withdrawn", "state"]
    with pytest.raises(FamilyRuleError) as outcome:
        actions.do_record_outcome(worker, step, "found", "alive in Mae Sot")
    assert outcome.value.code in ("tracing_closed", "no_consent")
    _grant(worker, person, make_user)
    assert likely_people(worker, brother) is None


def test_moves_and_outcomes_need_the_consent_still_in_force(worker: Any, person: Any) -> None:
    """Consent withdrawn for the partner only: the search stays open, but no outcome of a step
    asked of that partner is recorded; closing a search needs no consent."""
    brother = helpers.relative(worker, person, ContactRule.EMERGENCY)
    partner = helpers.red_cross()
    consent_helpers.given(worker, person, "tracing", category="internal")
    external = consent_helpers.given(worker, person, "tracing", recipient=partner)
    tracing = actions.do_open_tracing(worker, brother)
    step = actions.do_trace(worker, tracing, ActionKind.RED_CROSS, partner, EMERGENCY)
    do_withdraw_consent(worker, external, withdrawn_on=external.given_on)
    tracing.refresh_from_db()
    assert tracing.state == TracingState.TRACING
    with pytest.raises(FamilyRuleError) as refused:
        actions.do_record_outcome(worker, step, "found")
    assert refused.value.code == "no_consent"
    actions.do_change_tracing(worker, tracing, TracingState.LOCATED)
    actions.do_change_tracing(worker, tracing, TracingState.CLOSED)


def test_no_outcome_on_a_closed_search(worker: Any, person: Any) -> None:
    brother = helpers.relative(worker, person, ContactRule.EMERGENCY)
    partner = helpers.red_cross()
    helpers.tracing_consent(worker, person, partner)
    tracing = actions.do_open_tracing(worker, brother)
    step = actions.do_trace(worker, tracing, ActionKind.RED_CROSS, partner, EMERGENCY)
    actions.do_change_tracing(worker, tracing, TracingState.CLOSED)
    with pytest.raises(FamilyRuleError) as refused:
        actions.do_record_outcome(worker, step, "found", "x")
    assert refused.value.code == "tracing_closed"
    step.refresh_from_db()
    assert step.outcome == "waiting"


def test_the_family_steps_written_before_leave_the_timeline(person: Any) -> None:
    """The data migration removes the family steps earlier versions wrote, and only them."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("sanctuary.family.migrations.0002_remove_family_steps_from_person_timeline")
    PersonEvent.objects.create(person=person, kind="family", note="Family at home: Detained.")
    kept = PersonEvent.objects.create(person=person, kind="note", note="Asked about work")
    migration.remove_family_steps(apps, None)
    assert list(PersonEvent.objects.filter(person=person).values_list("pk", flat=True)) == [kept.pk]
