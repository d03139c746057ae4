"""Four-eyes vetting, risk flags, the admission rule in the model layer, and the watch list."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation

from sanctuary.people.actions import StatusRefused, do_change_status
from sanctuary.people.admission import NotAdmissible, admission_block, ensure_admissible
from sanctuary.people.models import ContactPoint, Person, Status
from sanctuary.vetting import actions
from sanctuary.vetting.models import (
    CheckOutcome,
    DecisionState,
    FlagKind,
    Outcome,
    VettingCheck,
    VettingDecision,
    WatchAlert,
)
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _confirm_all_checks(officer: Any, person: Person) -> None:
    for check in VettingCheck.objects.filter(active=True):
        actions.do_record_check(officer, person, check, CheckOutcome.CONFIRMED, "")


def accept(first: Any, second: Any, person: Person) -> VettingDecision:
    _confirm_all_checks(first, person)
    decision = actions.do_propose(first, person, Outcome.ACCEPTED, "referee confirmed")
    return actions.do_second(second, decision, True, "agree")


def test_a_vetting_officer_cannot_decide_alone(make_user: Any, person_a: Person) -> None:
    officer = make_user("vetting_officer")
    _confirm_all_checks(officer, person_a)
    decision = actions.do_propose(officer, person_a, Outcome.ACCEPTED, "looks fine")
    person_a.refresh_from_db()
    assert person_a.status == Status.VETTING  # proposing changes nothing yet
    with pytest.raises(actions.VettingRuleError) as error:
        actions.do_second(officer, decision, True, "me again")
    assert error.value.code == "same_officer"
    assert admission_block(person_a) == "not_accepted"


def test_the_database_refuses_a_decision_confirmed_by_its_proposer(make_user: Any, person_a: Person) -> None:
    officer = make_user("vetting_officer")
    decision = VettingDecision.objects.create(
        person=person_a, outcome="accepted", proposed_by=officer, proposed_reason="r"
    )
    decision.state = DecisionState.CONFIRMED
    decision.second_by = officer
    with pytest.raises(IntegrityError), transaction.atomic():
        decision.save()


def test_two_officers_accept_and_the_timeline_shows_it(make_user: Any, person_a: Person) -> None:
    first, second = make_user("vetting_officer"), make_user("vetting_officer")
    accept(first, second, person_a)
    person_a.refresh_from_db()
    assert person_a.status == Status.ACCEPTED
    step = person_a.events.select_related("person").get(kind="vetting", status_to=Status.ACCEPTED)
    with translation.override("en"):  # what happened, said in the reader's language
        assert step.lines == ["Vetting → Accepted", "Proposed by one vetting officer and confirmed by another"]
    assert admission_block(person_a) is None


def test_acceptance_needs_every_required_check(make_user: Any, person_a: Person) -> None:
    officer = make_user("vetting_officer")
    with pytest.raises(actions.VettingRuleError) as error:
        actions.do_propose(officer, person_a, Outcome.ACCEPTED, "r")
    assert error.value.code == "checks_missing"
    actions.do_propose(officer, person_a, Outcome.ON_HOLD, "waiting for a referee")  # holding needs no checks


def test_a_rejected_person_cannot_be_housed_or_paid(make_user: Any, person_a: Person) -> None:
    first, second = make_user("vetting_officer"), make_user("vetting_officer")
    decision = actions.do_propose(first, person_a, Outcome.REJECTED, "service number belongs to someone else")
    actions.do_second(second, decision, True, "agree")
    person_a.refresh_from_db()
    assert person_a.status == Status.REJECTED
    with pytest.raises(NotAdmissible) as error:
        ensure_admissible(person_a)
    assert error.value.code == "rejected"
    # The model itself refuses, whatever code path tries: saving them into a safe house.
    person_a.status = Status.IN_SHELTER
    with pytest.raises(NotAdmissible):
        person_a.save()
    person_a.refresh_from_db()
    assert person_a.status == Status.REJECTED
    with pytest.raises(StatusRefused):  # and no screen moves a rejected person on by hand
        do_change_status(first, person_a, Status.IN_SHELTER)
    with pytest.raises(NotAdmissible):
        Person(alias="New", status=Status.IN_SHELTER, team=person_a.team).save_with_case_code()


def test_a_flagged_person_cannot_be_housed_until_a_second_officer_clears_it(make_user: Any, person_a: Person) -> None:
    first, second = make_user("vetting_officer"), make_user("vetting_officer")
    accept(first, second, person_a)
    flag = actions.do_raise_flag(first, person_a, FlagKind.INFILTRATOR, "asked about other defectors' units")
    assert admission_block(person_a) == "flagged"
    person_a.refresh_from_db()
    person_a.status = Status.IN_SHELTER
    with pytest.raises(NotAdmissible):
        person_a.save()
    actions.do_clear_flag(second, flag, "referee explained it")  # asks; the flag still blocks
    assert admission_block(person_a) == "flagged"
    with pytest.raises(actions.VettingRuleError):
        actions.do_clear_flag(second, flag, "and I confirm it myself")  # not alone
    actions.do_clear_flag(first, flag, "agreed")
    assert admission_block(person_a) is None
    flag.refresh_from_db()
    flag.cleared_by = flag.clear_requested_by  # the database refuses one officer doing both
    with pytest.raises(IntegrityError), transaction.atomic():
        flag.save()
    person_a.refresh_from_db()
    person_a.status = Status.IN_SHELTER
    person_a.save()  # now allowed
    # "Dangerous to house with others" does not stop housing alone.
    actions.do_raise_flag(first, person_a, FlagKind.DANGEROUS, "violent when drunk")
    assert admission_block(person_a) is None


def test_accepted_cannot_be_set_by_hand(make_user: Any, person_a: Person) -> None:
    with pytest.raises(StatusRefused):
        do_change_status(make_user("case_worker"), person_a, Status.ACCEPTED)


def test_watch_list_alerts_on_a_new_person_sharing_a_phone_with_a_rejected_one(
    make_user: Any, login: Any, team_a: Any
) -> None:
    first, second = make_user("vetting_officer"), make_user("vetting_officer")
    spy = PersonFactory(team=team_a, alias="Ko Spy", true_name="")
    ContactPoint.objects.create(person=spy, kind="phone", value="+959420001111")
    from sanctuary.matching.actions import refresh_match_keys

    refresh_match_keys([spy])
    decision = actions.do_propose(first, spy, Outcome.REJECTED, "fake unit")
    actions.do_second(second, decision, True, "agree")
    intake = login(make_user("intake_officer"))
    data = {
        "alias": "Ko Newname",
        "sex": "male",
        "force": "army",
        "rank_group": "unknown",
        "region": "unknown",
        "team": team_a.pk,
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0",
        "contacts-0-kind": "phone",
        "contacts-0-value": "09 420 001 111",
        "household-TOTAL_FORMS": "0",
        "household-INITIAL_FORMS": "0",
        "confirm_new": "1",
    }
    response = intake.post("/people/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    newcomer = Person.objects.get(case_code__isnull=False, pk__gt=spy.pk)
    alert = WatchAlert.objects.get()
    assert (alert.watched_id, alert.person_id) == (spy.pk, newcomer.pk)
    assert "tel" in alert.rules
    page = login(first).get("/vetting/").content.decode()
    assert "Ko Newname" in page and "Ko Spy" in page


def test_vetting_pages_in_the_browserless_flow(make_user: Any, login: Any, person_a: Person) -> None:
    first, second = login(make_user("vetting_officer")), login(make_user("vetting_officer"))
    for check in VettingCheck.objects.all():
        response = first.post(f"/vetting/{person_a.pk}/check/{check.pk}/", {f"c{check.pk}-outcome": "confirmed"})
        assert response.status_code == 302
    referee = {"name": "U Referee", "relation": "platoon sergeant", "contacted_via": "signal", "outcome": "vouches"}
    assert first.post(f"/vetting/{person_a.pk}/referee/", referee).status_code == 302
    empty = first.post(f"/vetting/{person_a.pk}/decision/", {"outcome": "accepted", "reason": "   "})
    assert empty.status_code == 400
    assert first.post(f"/vetting/{person_a.pk}/decision/", {"outcome": "accepted", "reason": "ok"}).status_code == 302
    decision = VettingDecision.objects.get(person=person_a)
    own = first.post(f"/vetting/{person_a.pk}/decision/{decision.pk}/confirm/", {"reason": "me"}, follow=True)
    assert "second, different vetting officer" in own.content.decode()
    second.post(f"/vetting/{person_a.pk}/decision/{decision.pk}/confirm/", {"reason": "agree"})
    person_a.refresh_from_db()
    assert person_a.status == Status.ACCEPTED
    page = first.get(f"/vetting/{person_a.pk}/").content.decode()
    assert "U Referee" in page and 'id="admissible"' in page


def test_case_workers_do_not_see_vetting(make_user: Any, login: Any, person_a: Person) -> None:
    client: Client = login(make_user("case_worker"))
    assert client.get(f"/vetting/{person_a.pk}/").status_code == 403
