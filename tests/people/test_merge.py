"""Merging two records of one person either completes in one transaction or is refused with
every reason, never half done and never a 500. Each module's merge step knows its own rows:
stays, payments for the same month, enrolments, vetting decisions, journeys, first contacts
and documents (encrypted again for the record kept)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone, translation

from sanctuary.intake import actions as intake
from sanctuary.journeys.models import Journey, JourneyStatus
from sanctuary.lib import stages
from sanctuary.matching.models import Decision, MatchReview
from sanctuary.people.actions import do_add_document
from sanctuary.people.merge import MergeRefused, do_merge
from sanctuary.people.models import ContactPoint, Person, PersonDocument, PersonEvent
from sanctuary.shelter import actions as shelter
from sanctuary.shelter.models import Stay
from sanctuary.stipends import actions as stipends
from sanctuary.stipends.models import Enrollment, Funder, PaymentLine, StipendRule
from sanctuary.vault import files
from sanctuary.vault.fields import UNREADABLE
from sanctuary.vetting.models import DecisionState, FlagKind, Outcome, RiskFlag, VettingDecision
from sanctuary.vetting.rules import admission_block
from tests.conftest import verified_client
from tests.shelter.helpers import accepted, house
from tests.vault.images import tiny_png

pytestmark = pytest.mark.django_db(transaction=True)
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture
def staff(make_user: Any) -> dict[str, Any]:
    return {
        "vetting": (make_user("vetting_officer"), make_user("vetting_officer")),
        "finance": (make_user("finance_officer"), make_user("finance_officer")),
        "shelter": make_user("shelter_manager"),
        "case": make_user("case_worker"),
        "intake": make_user("intake_officer"),
        "director": make_user("director"),
    }


def _record(team: Any, staff: dict[str, Any], funder: Funder, bed: Any, phone: str) -> Person:
    """A person with everything: a stay, an enrolment, a paid month, a journey, a first
    contact, a document and a phone."""
    person = accepted(team, staff["vetting"])
    ContactPoint.objects.create(person=person, kind="phone", value=phone)
    shelter.do_place(staff["shelter"], person, bed, timezone.localdate() - timedelta(days=3))
    stipends.do_enroll(staff["finance"][0], person, funder, OCT)
    journey = Journey.objects.create(person=person, coordinator=staff["case"], created_by=staff["case"])
    Journey.objects.filter(pk=journey.pk).update(status=JourneyStatus.ARRIVED)
    receipt = intake.do_receive({"story": "help", "handle": phone}, [], intake.new_form_token())
    intake.do_link(staff["intake"], receipt.submission, person)
    do_add_document(staff["intake"], person, tiny_png(), "card", "document")
    return person


@pytest.fixture
def pair(team_a: Any, staff: dict[str, Any]) -> tuple[Person, Person, Funder]:
    funder = Funder.objects.create(name="Funder One")
    StipendRule.objects.create(funder=funder, effective_from=date(2026, 1, 1), single_amount=700, family_amount=1400)
    home = house(beds=4)
    beds = list(home.rooms.get().beds.all())
    first = _record(team_a, staff, funder, beds[0], "+959420000001")
    second = _record(team_a, staff, funder, beds[1], "+959420000002")
    for month in (OCT, NOV):  # both paid, twice each: October and November
        run = stipends.do_draft_run(staff["finance"][0], funder, month)
        stipends.do_approve_run(staff["finance"][1], run, seen=stipends.run_fingerprint(run))
    return first, second, funder


def _row_counts(person: Person) -> dict[str, int]:
    return {
        "stays": Stay.objects.filter(person=person).count(),
        "payments": PaymentLine.objects.filter(person=person).count(),
        "enrolments": Enrollment.objects.filter(person=person).count(),
        "decisions": VettingDecision.objects.filter(person=person).count(),
        "journeys": Journey.objects.filter(person=person).count(),
        "submissions": person.intake_submissions.count(),
        "documents": PersonDocument.objects.filter(person=person).count(),
        "contacts": ContactPoint.objects.filter(person=person).count(),
    }


def test_two_open_stays_refuse_the_merge_naming_them_and_change_nothing(pair, staff) -> None:  # type: ignore[no-untyped-def]
    first, second, _funder = pair
    before = (_row_counts(first), _row_counts(second))
    with pytest.raises(MergeRefused) as refused:
        do_merge(staff["director"], first, second)
    assert any("House A" in reason and second.case_code in reason for reason in refused.value.blockers)
    assert (_row_counts(first), _row_counts(second)) == before
    assert Person.objects.get(pk=second.pk).merged_into_id is None


def test_the_review_queue_shows_the_refusal_instead_of_a_500(pair, staff) -> None:  # type: ignore[no-untyped-def]
    first, second, _funder = pair
    review = MatchReview.objects.create(person_a=first, person_b=second, score=0.9)
    verified_client(staff["intake"]).post(f"/duplicates/{review.pk}/same/")  # the first reviewer proposes
    client = verified_client(staff["director"])  # the second confirms: the merge is attempted
    response = client.post(f"/duplicates/{review.pk}/same/", follow=True)
    assert response.status_code == 200
    assert "cannot be merged yet" in response.content.decode()
    review.refresh_from_db()
    assert review.decision == Decision.PROPOSED  # the confirmation is undone with the merge


def test_a_merge_moves_every_row_and_keeps_both_payments_for_review(pair, staff) -> None:  # type: ignore[no-untyped-def]
    first, second, funder = pair
    stay = Stay.objects.open().get(person=second)
    shelter.do_move_out(staff["shelter"], stay, timezone.localdate(), "other_house")
    old_files = set(PersonDocument.objects.filter(person=second).values_list("stored_name", flat=True))
    expected = {
        key: a + b for (key, a), b in zip(_row_counts(first).items(), _row_counts(second).values(), strict=True)
    }

    merge = do_merge(staff["director"], first, second)

    assert _row_counts(first) == expected
    assert set(_row_counts(second).values()) == {0}
    assert Person.objects.get(pk=second.pk).merged_into_id == first.pk
    # Both payments of each month stay, as history; the moved ones name their record, and all
    # four wait for finance, who cannot pay out a run with lines to review.
    lines = PaymentLine.objects.filter(person=first)
    assert lines.count() == 4 and lines.filter(needs_review=True).count() == 4
    assert set(lines.filter(merged_from=second).values_list("month", flat=True)) == {OCT, NOV}
    run = lines.first().run  # type: ignore[union-attr]
    with pytest.raises(stipends.RunError) as refused:
        stipends.do_disburse_run(staff["finance"][1], run, "cash")
    assert refused.value.code == "lines_to_review"
    for line in run.lines.filter(needs_review=True):
        stipends.do_review_line(staff["finance"][1], line)
    assert stipends.do_disburse_run(staff["finance"][1], run, "cash").state == "disbursed"
    # One place on the funder's list: the moved one was closed.
    assert Enrollment.objects.filter(person=first, funder=funder, end__isnull=True).count() == 1
    # Values and files were encrypted again for the record kept, and read back.
    phones = sorted(str(c.value) for c in ContactPoint.objects.filter(person=first))
    assert phones == ["+959420000001", "+959420000002"]
    for document in PersonDocument.objects.filter(person=first):
        assert document.read_file().startswith(b"\x89PNG")
        assert str(document.title) == "card"
    assert old_files.isdisjoint(PersonDocument.objects.values_list("stored_name", flat=True))
    assert not any((files.storage_dir() / name).exists() for name in old_files)  # removed after commit
    step = PersonEvent.objects.select_related("person").get(person=first, kind="merged")
    with translation.override("en"):  # what the merge did, said in the reader's language
        assert step.lines == [
            f"Merged with {second.case_code}",
            "2 months were paid on both records: flagged for finance review.",
        ]
        assert PersonEvent.objects.select_related("person").get(person=second, kind="merged").lines == [
            f"Merged into {first.case_code}"
        ]
    assert merge.moved["people.PersonDocument"] == 1


def test_the_stricter_vetting_outcome_wins(pair, staff) -> None:  # type: ignore[no-untyped-def]
    first, second, _funder = pair
    shelter.do_move_out(staff["shelter"], Stay.objects.open().get(person=second), timezone.localdate(), "job")
    VettingDecision.objects.create(
        person=second,
        outcome=Outcome.REJECTED,
        state=DecisionState.CONFIRMED,
        proposed_by=staff["vetting"][0],
        proposed_reason="a spy",
        second_by=staff["vetting"][1],
        second_reason="agreed",
        second_at=timezone.now(),  # the second record's latest word: rejected
    )
    do_merge(staff["director"], first, second)
    first.refresh_from_db()
    assert first.status == "rejected"
    assert admission_block(first) == "rejected"
    assert RiskFlag.objects.filter(person=first, kind=FlagKind.MERGED, cleared_at__isnull=True).exists()
    assert VettingDecision.objects.filter(person=first).count() == 3  # every decision kept
    with translation.override("en"):
        said = [
            line
            for step in first.events.select_related("person").filter(kind__in=["merged", "vetting"])
            for line in step.lines
        ]
    assert "Vetting differed between the records (Accept, Reject): the stricter outcome holds." in said
    assert "One of the merged records was rejected at vetting" in said


def test_two_pending_decisions_refuse_the_merge(pair, staff) -> None:  # type: ignore[no-untyped-def]
    first, second, _funder = pair
    shelter.do_move_out(staff["shelter"], Stay.objects.open().get(person=second), timezone.localdate(), "job")
    for person in (first, second):
        VettingDecision.objects.create(
            person=person, outcome="on_hold", proposed_by=staff["vetting"][0], proposed_reason="r"
        )
    with pytest.raises(MergeRefused) as refused:
        do_merge(staff["director"], first, second)
    assert any("waiting" in reason for reason in refused.value.blockers)


def test_rows_no_step_claims_block_the_merge(pair, staff) -> None:  # type: ignore[no-untyped-def]
    """A module without a merge step cannot have its rows moved blindly: the merge is refused."""
    first, second, _funder = pair
    shelter.do_move_out(staff["shelter"], Stay.objects.open().get(person=second), timezone.localdate(), "job")
    saved = stages.snapshot()
    try:
        journeys = stages.get("journeys")
        assert journeys is not None
        stages.register(stages.Stage(app="journeys", access=journeys.access))
        with pytest.raises(MergeRefused) as refused:
            do_merge(staff["director"], first, second)
    finally:
        stages.restore(saved)
    assert any("journeys" in reason and "no merge step" in reason for reason in refused.value.blockers)
    assert Journey.objects.filter(person=second).count() == 1


def test_a_row_pointed_at_another_person_no_longer_decrypts(pair) -> None:  # type: ignore[no-untyped-def]
    """Child rows are bound to their person: a database writer who moves a phone or a
    document to someone else gets a value, and a file, that do not open."""
    first, second, _funder = pair
    contact = ContactPoint.objects.get(person=second)
    document = PersonDocument.objects.get(person=second)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_contactpoint SET person_id = %s WHERE id = %s", [first.pk, contact.pk])
        cursor.execute("UPDATE people_persondocument SET person_id = %s WHERE id = %s", [first.pk, document.pk])
    assert ContactPoint.objects.get(pk=contact.pk).value is UNREADABLE
    moved = PersonDocument.objects.get(pk=document.pk)
    assert moved.title is UNREADABLE
    from sanctuary.vault.crypto import DecryptError

    with pytest.raises(DecryptError):
        moved.read_file()


def test_two_opposite_merges_at_once_fold_one_record_only(team_a, staff) -> None:  # type: ignore[no-untyped-def]
    """Two reviewers at once, one merging A into B and the other B into A, each in its own
    connection: one merge completes, the other is refused; never a record merged both ways."""
    import threading

    first, second = accepted(team_a, staff["vetting"]), accepted(team_a, staff["vetting"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def merge(kept: Person, folded: Person) -> None:
        try:
            barrier.wait()
            do_merge(staff["director"], kept, folded)
            outcomes.append("merged")
        except MergeRefused as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=merge, args=pair) for pair in ((first, second), (second, first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_merged", "merged"]
    merged = list(Person.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into"))
    assert len(merged) == 1 and merged[0][0] != merged[0][1]


def test_an_acceptance_does_not_pass_to_an_identity_nobody_vetted(team_a, staff) -> None:  # type: ignore[no-untyped-def]
    """The kept record was never vetted, the folded one was accepted: the merged record is
    blocked (a "merged" flag two officers clear) until it is vetted itself."""
    from tests.factories import PersonFactory

    unvetted = PersonFactory(team=team_a)  # older: kept
    vetted = accepted(team_a, staff["vetting"])
    VettingDecision.objects.create(
        person=vetted, outcome="on_hold", proposed_by=staff["vetting"][0], proposed_reason="r"
    )
    do_merge(staff["director"], unvetted, vetted)
    assert admission_block(Person.objects.get(pk=unvetted.pk)) == "flagged"
    assert RiskFlag.objects.filter(person=unvetted, kind=FlagKind.MERGED, cleared_at__isnull=True).exists()
    assert not VettingDecision.objects.filter(person=unvetted, state=DecisionState.PENDING).exists()  # lapsed


def test_a_true_name_grant_does_not_carry_over(pair, staff) -> None:  # type: ignore[no-untyped-def]
    """A grant to see the kept record's identity ends with the merge: the folded record's
    family and papers were never approved for anyone."""
    from sanctuary.people.identity import do_decide_identity, do_request_identity
    from sanctuary.people.models import IdentityRequest

    first, second, _funder = pair
    shelter.do_move_out(staff["shelter"], Stay.objects.open().get(person=second), timezone.localdate(), "job")
    request = do_request_identity(staff["case"], first, "visit")
    IdentityRequest.objects.filter(pk=request.pk).update(created_at=timezone.now() - timedelta(days=2))
    staff["director"].approver_hold_until = None
    do_decide_identity(staff["director"], request, approve=True)
    assert IdentityRequest.objects.active_grant(staff["case"], first) is not None
    do_merge(staff["director"], first, second)
    assert IdentityRequest.objects.active_grant(staff["case"], first) is None


def test_records_of_two_teams_are_not_merged(team_a, team_b, staff) -> None:  # type: ignore[no-untyped-def]
    """A coordinator would lose sight of a journey, a team of its people: refused, named."""
    kept, other = accepted(team_a, staff["vetting"]), accepted(team_b, staff["vetting"])
    with pytest.raises(MergeRefused) as refused:
        do_merge(staff["director"], kept, other)
    assert any("different teams" in reason for reason in refused.value.blockers)


def test_both_records_matched_to_one_partner_record_merge_without_a_500(team_a, staff) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.matching.models import PartnerMatch, PartnerRun

    kept, other = accepted(team_a, staff["vetting"]), accepted(team_a, staff["vetting"])
    run = PartnerRun.objects.create(partner="P", key_fingerprint="f")
    for person in (kept, other):
        PartnerMatch.objects.create(run=run, person=person, partner_ref="X1", score=0.9)
    do_merge(staff["director"], kept, other)
    assert PartnerMatch.objects.filter(person=kept).count() == 1
    assert PartnerMatch.objects.filter(person=other).count() == 1  # kept with its record, as history


def test_one_reviewer_cannot_merge_alone(team_a, staff) -> None:  # type: ignore[no-untyped-def]
    """Four eyes on a merge, in code and in the database."""
    from django.db import IntegrityError, transaction

    from sanctuary.matching.actions import MatchRefused, do_decide

    kept, other = accepted(team_a, staff["vetting"]), accepted(team_a, staff["vetting"])
    review = MatchReview.objects.create(person_a=kept, person_b=other, score=0.9)
    do_decide(staff["intake"], review, Decision.SAME)
    with pytest.raises(MatchRefused):
        do_decide(staff["intake"], review, Decision.SAME)
    assert Person.objects.get(pk=other.pk).merged_into_id is None
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchReview.objects.filter(pk=review.pk).update(decision=Decision.SAME, decided_by=staff["intake"])
    do_decide(staff["director"], review, Decision.DIFFERENT)  # a second reviewer disagrees: settled
    with pytest.raises(MatchRefused):
        do_decide(staff["vetting"][0], review, Decision.SAME)
