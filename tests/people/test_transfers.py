"""Hand-overs between teams (issue 16): a person created at intake stays in the intake team, so
the shelter manager could not see them and placing gave a bare 404. A hand-over names the
receiving team and a reason, is accepted per the organisation's policy, is audited, and leaves
the previous team read-only access for the policy's days; the team changes through it alone.
A page that needs a person the user cannot see says who can hand them over."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from sanctuary.audit.models import Action, AuditEntry
from sanctuary.people import transfers
from sanctuary.people.models import (
    EventKind,
    Person,
    PersonEvent,
    Transfer,
    TransferApproval,
    TransferSettings,
    TransferState,
)
from sanctuary.people.transfers import TransferRefused
from tests.factories import PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelter_team() -> Any:
    return TeamFactory(name="Safe house north")


def _policy(approval: str = TransferApproval.RECEIVING, days: int = 30) -> None:
    TransferSettings.objects.all().delete()
    TransferSettings.objects.create(approval=approval, previous_team_reads_days=days)


def _ask(client: Any, person: Person, team: Any, reason: str = "Accepted at vetting: needs a bed") -> Any:
    return client.post(f"/people/{person.pk}/hand-over/", {"to_team": team.pk, "reason": reason})


def test_intake_hands_over_and_the_shelter_accepts(make_user, login, team_a, shelter_team) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team_a, alias="Ko Handed", status="accepted")
    intake = login(make_user("intake_officer"))
    manager_user = make_user("shelter_manager", teams=[shelter_team])
    manager = login(manager_user)
    # Before: the shelter manager cannot place them, and is told who can hand them over.
    before = manager.get(f"/shelter/place/{person.pk}/")
    assert before.status_code == 404
    page = before.content.decode()
    assert team_a.name in page and "Ko Handed" not in page and person.case_code not in page
    # The intake officer asks; nothing moves until the receiving team accepts.
    assert _ask(intake, person, shelter_team).status_code == 302
    transfer = Transfer.objects.get(person=person)
    assert transfer.state == TransferState.PENDING and Person.objects.get(pk=person.pk).team_id == team_a.pk
    assert "Accepted at vetting" not in str(AuditEntry.objects.filter(object_id=str(transfer.pk)).values())
    waiting = manager.get("/people/hand-overs/").content.decode()
    assert "Ko Handed" in waiting and "Accepted at vetting: needs a bed" in waiting
    assert manager.post(f"/people/hand-overs/{transfer.pk}/accept/", {"note": "bed 3 free"}).status_code == 302
    person.refresh_from_db()
    transfer.refresh_from_db()
    assert person.team_id == shelter_team.pk and transfer.state == TransferState.DONE
    assert transfer.decided_by == manager_user and transfer.read_until is not None
    assert manager.get(f"/shelter/place/{person.pk}/").status_code == 200
    # Audited with ids, never the reason; on the timeline.
    entry = AuditEntry.objects.filter(action=Action.TRANSFER, object_id=str(person.pk)).get()
    assert f"from_team:{team_a.pk}" in entry.fields and f"to_team:{shelter_team.pk}" in entry.fields
    event = PersonEvent.objects.get(person=person, kind=EventKind.TRANSFERRED)
    page = manager.get(f"/people/{person.pk}/").content.decode()
    assert f"“{team_a.name}”" in page and f"“{shelter_team.name}”" in page and event.pk


def test_the_previous_team_reads_and_changes_nothing(make_user, login, team_a, shelter_team) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team_a, alias="Ko Reader", status="accepted")
    asker = make_user("intake_officer")
    transfer = transfers.do_request_transfer(asker, person, shelter_team, "to the house")
    transfers.do_decide_transfer(make_user("shelter_manager", teams=[shelter_team]), transfer, accept=True)
    client = login(asker)
    page = client.get(f"/people/{person.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ko Reader" in text and 'id="handed-over"' in text
    assert "/edit/" not in text and 'action="/people/' not in text  # no form to change anything
    views = AuditEntry.objects.filter(action=Action.VIEW, object_id=str(person.pk), actor_id=asker.pk)
    assert ["handed_over"] in [entry.fields for entry in views]
    # Every write, and every stage page, still asks visible_to: refused.
    assert client.get(f"/people/{person.pk}/edit/").status_code == 404
    assert client.post(f"/people/{person.pk}/status/", {"status": "vetting"}).status_code == 404
    assert client.post(f"/people/{person.pk}/hand-over/", {"to_team": team_a.pk, "reason": "back"}).status_code == 404
    assert client.get(f"/consent/person/{person.pk}/").status_code == 404
    assert "Ko Reader" not in client.get("/people/").content.decode()
    # When the period ends, the page closes too.
    Transfer.objects.filter(pk=transfer.pk).update(read_until=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/people/{person.pk}/").status_code == 404


def test_no_read_period_means_access_ends_at_once(make_user, login, team_a, shelter_team) -> None:  # type: ignore[no-untyped-def]
    _policy(days=0)
    person = PersonFactory(team=team_a)
    asker = make_user("intake_officer")
    transfer = transfers.do_request_transfer(asker, person, shelter_team, "to the house")
    transfers.do_decide_transfer(make_user("shelter_manager", teams=[shelter_team]), transfer, accept=True)
    assert Transfer.objects.get(pk=transfer.pk).read_until is None
    assert login(asker).get(f"/people/{person.pk}/").status_code == 404


def test_nobody_accepts_their_own_and_only_the_receiving_team(make_user, team_a, team_b, shelter_team) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team_a)
    asker = make_user("case_worker", teams=[team_a, shelter_team])  # in both teams
    transfer = transfers.do_request_transfer(asker, person, shelter_team, "moving")
    with pytest.raises(TransferRefused) as own:
        transfers.do_decide_transfer(asker, transfer, accept=True)
    assert own.value.code == "own_request"
    for outsider in (make_user("shelter_manager", teams=[team_b]), make_user("intake_officer", teams=[team_a])):
        with pytest.raises(TransferRefused) as refused:
            transfers.do_decide_transfer(outsider, transfer, accept=True)
        assert refused.value.code == "receiving_only"
    assert Person.objects.get(pk=person.pk).team_id == team_a.pk
    # The database keeps the four-eyes rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).update(state=TransferState.DONE, decided_by=asker)
    # A director may accept for any team.
    transfers.do_decide_transfer(make_user("director"), transfer, accept=True)
    assert Person.objects.get(pk=person.pk).team_id == shelter_team.pk


def test_director_approval_policy(make_user, team_a, shelter_team) -> None:  # type: ignore[no-untyped-def]
    _policy(TransferApproval.DIRECTOR)
    person = PersonFactory(team=team_a)
    transfer = transfers.do_request_transfer(make_user("intake_officer"), person, shelter_team, "moving")
    with pytest.raises(TransferRefused) as refused:
        transfers.do_decide_transfer(make_user("shelter_manager", teams=[shelter_team]), transfer, accept=True)
    assert refused.value.code == "director_only"
    transfers.do_decide_transfer(make_user("director"), transfer, accept=False, note="not yet")
    transfer.refresh_from_db()
    assert transfer.state == TransferState.REFUSED and Person.objects.get(pk=person.pk).team_id == team_a.pk


def test_no_approval_policy_hands_over_at_once(make_user, login, team_a, shelter_team) -> None:  # type: ignore[no-untyped-def]
    _policy(TransferApproval.NONE)
    person = PersonFactory(team=team_a)
    response = _ask(login(make_user("vetting_officer")), person, shelter_team)
    assert response.status_code == 302
    transfer = Transfer.objects.get(person=person)
    assert transfer.state == TransferState.DONE and transfer.decided_by is None
    assert Person.objects.get(pk=person.pk).team_id == shelter_team.pk


def test_an_approver_still_waiting_after_a_reset_cannot_accept(make_user, team_a, shelter_team) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team_a)
    transfer = transfers.do_request_transfer(make_user("intake_officer"), person, shelter_team, "moving")
    fresh = make_user("shelter_manager", teams=[shelter_team], approver_hold_until=timezone.now() + timedelta(hours=1))
    with pytest.raises(TransferRefused) as refused:
        transfers.do_decide_transfer(fresh, transfer, accept=True)
    assert refused.value.code == "on_hold"


def test_an_approval_after_the_person_moved_changes_nothing(make_user, team_a, team_b, shelter_team) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team_a)
    transfer = transfers.do_request_transfer(make_user("intake_officer"), person, shelter_team, "moving")
    Person.objects.filter(pk=person.pk).update(team=team_b)  # moved by other means meanwhile
    with pytest.raises(TransferRefused) as refused:
        transfers.do_decide_transfer(make_user("shelter_manager", teams=[shelter_team]), transfer, accept=True)
    assert refused.value.code == "moved"
    assert Person.objects.get(pk=person.pk).team_id == team_b.pk


def test_one_waiting_hand_over_per_person_and_a_reason(make_user, login, team_a, team_b, shelter_team) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team_a)
    asker = make_user("intake_officer")
    transfers.do_request_transfer(asker, person, shelter_team, "moving")
    with pytest.raises(TransferRefused) as again:
        transfers.do_request_transfer(asker, person, team_b, "elsewhere")
    assert again.value.code == "pending"
    other = PersonFactory(team=team_a)
    refused = _ask(login(asker), other, team_a, reason="")
    assert refused.status_code == 400
    assert not Transfer.objects.filter(person=other).exists()


def test_the_edit_form_no_longer_moves_a_person(make_user, login, team_a, team_b) -> None:  # type: ignore[no-untyped-def]
    """The side door: a director (who may assign any team) posting team= on the edit form."""
    person = PersonFactory(team=team_a, alias="Ko Stays")
    client = login(make_user("director"))
    form = client.get(f"/people/{person.pk}/edit/").content.decode()
    assert 'name="team"' not in form
    data = {
        "alias": "Ko Stays",
        "sex": "male",
        "force": "army",
        "rank_group": "other",
        "region": "unknown",
        "team": team_b.pk,
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "household-TOTAL_FORMS": "0",
        "household-INITIAL_FORMS": "0",
        "confirm_new": "1",
    }
    client.post(f"/people/{person.pk}/edit/", data)
    assert Person.objects.get(pk=person.pk).team_id == team_a.pk


def test_a_case_worker_of_the_old_team_stops_being_theirs(make_user, team_a, shelter_team) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("case_worker")
    person = PersonFactory(team=team_a, case_worker=worker)
    transfer = transfers.do_request_transfer(worker, person, shelter_team, "moving")
    transfers.do_decide_transfer(make_user("shelter_manager", teams=[shelter_team]), transfer, accept=True)
    assert Person.objects.get(pk=person.pk).case_worker_id is None
    entry = AuditEntry.objects.filter(action=Action.TRANSFER, object_id=str(person.pk)).get()
    assert "case_worker" in entry.fields


def test_withdrawing_and_who_may(make_user, login, team_a, team_b, shelter_team) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team_a)
    transfer = transfers.do_request_transfer(make_user("intake_officer"), person, shelter_team, "moving")
    with pytest.raises(TransferRefused):
        transfers.do_withdraw_transfer(make_user("shelter_manager", teams=[team_b]), transfer)
    colleague = login(make_user("case_worker"))
    assert colleague.post(f"/people/hand-overs/{transfer.pk}/withdraw/").status_code == 302
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.WITHDRAWN
    # Decided: accepting it now is refused, with a message, not a 404 or a 500.
    manager = login(make_user("shelter_manager", teams=[shelter_team]))
    assert manager.post(f"/people/hand-overs/{transfer.pk}/accept/").status_code == 302
    assert Person.objects.get(pk=person.pk).team_id == team_a.pk


def test_out_of_reach_says_who_can_hand_over_and_is_audited(make_user, login, team_a, team_b) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team_a)
    make_user("intake_officer", username="ko_intake", display_name="Ko Intake")
    make_user("trainer", username="ma_trainer")  # in the team, but may not hand people over
    make_user("director", username="daw_director", teams=[])
    manager = make_user("shelter_manager", teams=[team_b])
    page = login(manager).get(f"/shelter/place/{person.pk}/")
    assert page.status_code == 404
    text = page.content.decode()
    assert "Ko Intake" in text and "daw_director" in text.lower() and "ma_trainer" not in text.lower()
    assert team_b.name in text  # the teams to hand them over to
    entry = AuditEntry.objects.filter(actor_id=manager.pk, object_type="people.person", object_id=str(person.pk)).get()
    assert entry.fields == ["out_of_reach"]
    # A record that does not exist: the plain 404, nothing named.
    missing = login(manager).get("/shelter/place/999999/")
    assert missing.status_code == 404 and "Ko Intake" not in missing.content.decode()
    # Someone who works with no people (an auditor): the plain 404 as well.
    auditor = login(make_user("auditor", teams=[team_b])).get(f"/people/{person.pk}/")
    assert auditor.status_code in (403, 404) and "Ko Intake" not in auditor.content.decode()


def test_a_merge_withdraws_the_folded_records_hand_over(make_user, team_a, shelter_team) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.people.merge import do_merge

    kept, folded = PersonFactory(team=team_a), PersonFactory(team=team_a)
    transfer = transfers.do_request_transfer(make_user("intake_officer"), folded, shelter_team, "moving")
    do_merge(make_user("director"), kept, folded)
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.WITHDRAWN


@pytest.mark.django_db(transaction=True)
def test_four_accepts_at_once_hand_over_once(make_user, team_a, shelter_team) -> None:  # type: ignore[no-untyped-def]
    from tests.threads import at_once

    person = PersonFactory(team=team_a)
    transfer = transfers.do_request_transfer(make_user("intake_officer"), person, shelter_team, "moving")
    managers = [make_user("shelter_manager", teams=[shelter_team]) for _ in range(4)]

    def accept(user: Any) -> Any:
        def job() -> object:
            try:
                transfers.do_decide_transfer(user, Transfer.objects.get(pk=transfer.pk), accept=True)
            except TransferRefused as refused:
                return refused.code
            return "done"

        return job

    assert sorted(map(str, at_once([accept(m) for m in managers]))) == ["decided", "decided", "decided", "done"]
    assert AuditEntry.objects.filter(action=Action.TRANSFER, object_id=str(person.pk)).count() == 1
    assert PersonEvent.objects.filter(person=person, kind=EventKind.TRANSFERRED).count() == 1


def test_a_case_code_out_of_reach_says_who_can_hand_over(make_user, login, team_a, team_b) -> None:  # type: ignore[no-untyped-def]
    """The same for forms that take a case code: a finance officer enrolling someone of
    another team for a stipend is told whose team they are in and whom to ask."""
    from sanctuary.stipends.models import Enrollment, Funder

    person = PersonFactory(team=team_a, status="accepted")
    make_user("case_worker", display_name="Ma Case")
    funder = Funder.objects.create(name="Community Fund")
    officer = make_user("finance_officer", teams=[team_b])
    data = {"enroll": "1", "case_code": person.case_code, "start": timezone.localdate().isoformat()}
    page = login(officer).post(f"/stipends/funders/{funder.pk}/", data).content.decode()
    assert "Ma Case" in page and team_a.name in page
    assert not Enrollment.objects.filter(person=person).exists()
    entry = AuditEntry.objects.filter(actor_id=officer.pk, object_type="people.person", object_id=str(person.pk)).get()
    assert entry.fields == ["out_of_reach"]
    # A code that is nobody's: nothing named.
    data["case_code"] = "2026-9999"
    assert "Ma Case" not in login(officer).post(f"/stipends/funders/{funder.pk}/", data).content.decode()
