"""A household member who had a bed in a safe house cannot be deleted from the person form:
their stays keep the shelter's history (``on_delete=PROTECT``). The form says so and keeps
everything; before, the save raised ProtectedError and answered 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sanctuary.people.forms import HouseholdFormSet
from sanctuary.people.models import HouseholdMember
from sanctuary.shelter import actions as shelter
from sanctuary.shelter.models import Bed, RoomKind
from tests.shelter.helpers import accepted, house, household

pytestmark = pytest.mark.django_db


def test_a_member_with_a_stay_is_kept_with_a_message(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, (make_user("vetting_officer"), make_user("vetting_officer")))
    spouse, child = household(person, ("spouse", "female", "1990"), ("child", "female", "2019"))
    house(name="Family house", beds=3, kind=RoomKind.FAMILY)
    manager = make_user("shelter_manager")
    beds = list(Bed.objects.order_by("pk"))
    stay = shelter.do_place(manager, person, beds[0], timezone.localdate())
    member_stay = shelter.do_place(manager, person, beds[1], timezone.localdate(), occupant=spouse)
    shelter.do_move_out(manager, stay, timezone.localdate() + timedelta(days=1), "independent")
    assert member_stay.pk
    data = {
        "household-TOTAL_FORMS": "2",
        "household-INITIAL_FORMS": "2",
        "household-MIN_NUM_FORMS": "0",
        "household-MAX_NUM_FORMS": "30",
    }
    for n, member in enumerate((spouse, child)):
        data |= {
            f"household-{n}-id": str(member.pk),
            f"household-{n}-relation": member.relation,
            f"household-{n}-name": f"Secret {n}",
            f"household-{n}-sex": member.sex,
            f"household-{n}-birth_date": str(member.birth_date),
            f"household-{n}-DELETE": "on",
        }
    formset = HouseholdFormSet(data, instance=person, prefix="household")
    assert not formset.is_valid()
    assert "cannot be removed" in str(formset.forms[0].non_field_errors())
    assert not formset.forms[1].errors  # the child never had a bed: removable
    assert HouseholdMember.objects.filter(pk=spouse.pk).exists()
