"""Houses and accepted people for shelter and stipend tests."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from sanctuary.people.models import HouseholdMember, Person, Sex, Status
from sanctuary.shelter.models import Bed, Room, RoomKind, SafeHouse
from sanctuary.vetting.models import DecisionState, VettingDecision
from tests.factories import PersonFactory


def house(
    name: str = "House A",
    rooms: int = 1,
    beds: int = 2,
    kind: str = RoomKind.SHARED,
    women_only: bool = False,
    **kwargs: Any,
) -> SafeHouse:
    home = SafeHouse.objects.create(name=name, **kwargs)
    for r in range(rooms):
        room = Room.objects.create(house=home, name=f"R{r + 1}", kind=kind, women_only=women_only)
        for b in range(beds):
            Bed.objects.create(room=room, label=str(b + 1))
    return home


def household(person: Person, *members: tuple[str, str, str]) -> list[HouseholdMember]:
    """Members of the person's household, each (relation, sex, birth date), named in secret."""
    return [
        HouseholdMember.objects.create(person=person, relation=relation, sex=sex, birth_date=born, name=f"Secret {n}")
        for n, (relation, sex, born) in enumerate(members)
    ]


def accepted(team: Any, officers: tuple[Any, Any], **kwargs: Any) -> Person:
    """A person two officers accepted (the decision made directly: vetting is tested apart)."""
    kwargs.setdefault("sex", Sex.MALE)
    kwargs.setdefault("status", Status.ACCEPTED)
    person = PersonFactory(team=team, **kwargs)
    VettingDecision.objects.create(
        person=person,
        outcome="accepted",
        state=DecisionState.CONFIRMED,
        proposed_by=officers[0],
        proposed_reason="r",
        second_by=officers[1],
        second_reason="r",
        second_at=timezone.now(),
    )
    return person
