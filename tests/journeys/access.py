"""Access matrix: journeys (seen by their coordinator and directors only)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from sanctuary.journeys.models import CheckIn, Journey, Stage
from tests.access import TEAM, Url

JOURNEYS = frozenset({"director", "case_worker"})


def _journey(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["journey"]}


URLS = [
    Url("journeys:list", "GET", JOURNEYS),
    Url("journeys:create", "GET", JOURNEYS, TEAM, lambda o: {"person_pk": o["person"].pk}),
    Url("journeys:detail", "GET", JOURNEYS, TEAM, _journey),
    Url("journeys:edit", "GET", JOURNEYS, TEAM, _journey),
    Url("journeys:status", "POST", JOURNEYS, TEAM, _journey),
    Url("journeys:stage_reached", "POST", JOURNEYS, TEAM, lambda o: {"pk": o["journey"], "stage_id": o["stage"]}),
    Url("journeys:check_in_add", "POST", JOURNEYS, TEAM, _journey),
    Url(
        "journeys:check_in_received",
        "POST",
        JOURNEYS,
        TEAM,
        lambda o: {"pk": o["journey"], "check_in_id": o["check_in"]},
    ),
]


def objects(world: Any) -> dict[str, Any]:
    """A journey coordinated by the first team's case worker (needs vetting's acceptance)."""
    journey = Journey.objects.create(
        person=world.person, coordinator=world.users["case_worker"], created_by=world.users["director"]
    )
    return {
        "journey": journey.pk,
        "stage": Stage.objects.create(journey=journey, place="p").pk,
        "check_in": CheckIn.objects.create(journey=journey, due_at=timezone.now()).pk,
    }
