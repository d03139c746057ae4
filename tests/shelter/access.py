"""Access matrix: safe houses and stays."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from sanctuary.shelter.models import Bed, Extension, Room, SafeHouse, Stay
from tests.access import ORG, TEAM, Url

SHELTER = frozenset({"director", "shelter_manager"})


def _stay(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["stay"]}


URLS = [
    Url("shelter:board", "GET", SHELTER),
    Url("shelter:place", "GET", SHELTER, TEAM, lambda o: {"person_pk": o["person"].pk}),
    Url("shelter:stay", "GET", SHELTER, TEAM, _stay),
    Url("shelter:extend", "POST", SHELTER, TEAM, _stay),
    Url(
        "shelter:decide",
        "POST",
        SHELTER,
        TEAM,
        lambda o: {"pk": o["stay"], "extension_id": o["extension"], "answer": "refuse"},
    ),
    Url("shelter:move_out", "POST", SHELTER, TEAM, _stay),
    Url("shelter:houses", "GET", SHELTER),
    Url("shelter:house", "GET", SHELTER, ORG, lambda o: {"pk": o["house"]}),
]


def objects(world: Any) -> dict[str, Any]:
    """A house of the organisation, and a stay of the team's person (needs vetting's acceptance)."""
    director = world.users["director"]
    house = SafeHouse.objects.create(name=f"House {world.team.pk}")
    bed = Bed.objects.create(room=Room.objects.create(house=house, name="R1"), label="1")
    today = timezone.localdate()
    stay = Stay.objects.create(person=world.person, bed=bed, start=today, planned_end=today, placed_by=director)
    extension = Extension.objects.create(stay=stay, requested_end=today, reason="r", requested_by=director)
    return {"house": house.pk, "stay": stay.pk, "extension": extension.pk}
