"""Merging two records of one person: consents and care rows follow the kept record, still
readable (counselling notes are encrypted again for it); two open plans refuse the merge."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sanctuary.care import actions, notes
from sanctuary.care.models import CarePlan, CounsellingNote, Need, Referral
from sanctuary.consent.models import ConsentRecord, Purpose
from sanctuary.people.merge import MergeRefused, do_merge
from tests.consent import helpers
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_care_and_consent_follow_the_kept_record(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    director, counsellor = make_user("director"), make_user("counsellor")
    kept, folded = PersonFactory(team=team_a), PersonFactory(team=team_a)
    clinic = helpers.partner()
    for person in (kept, folded):
        helpers.given(director, person, Purpose.CARE)
    helpers.given(director, folded, Purpose.SHARING, recipient=clinic, expires_in=None)
    today = timezone.localdate()
    actions.do_create_plan(director, kept, template=None, arrived_on=today)
    plan = actions.do_create_plan(director, folded, template=None, arrived_on=today)
    actions.do_add_need(director, plan, area="medical", description="tooth ache", goals="see a dentist", due_on=None)
    actions.do_refer(director, folded, recipient=clinic, area="medical", shared=["alias"], summary="dentist")
    actions.do_record_session(counsellor, folded, kind="individual", held_on=today, minutes=50, note="sleeps badly")

    with pytest.raises(MergeRefused) as refused:
        do_merge(director, kept, folded)
    assert "open care plan" in " ".join(refused.value.blockers)
    assert CarePlan.objects.filter(person=folded).count() == 1  # nothing changed

    actions.do_close_plan(director, CarePlan.objects.get(person=kept))
    do_merge(director, kept, folded)
    assert ConsentRecord.objects.filter(person=kept).count() == 3
    assert Need.objects.get().description == "tooth ache"
    assert Referral.objects.get().person == kept and Referral.objects.get().summary == "dentist"
    note = CounsellingNote.objects.get()
    assert note.person == kept and notes.read(counsellor, note) == "sleeps badly"
