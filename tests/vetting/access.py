"""Access matrix: vetting."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from sanctuary.people.actions import do_add_document
from sanctuary.vetting.models import DecisionState, Referee, RiskFlag, VettingCheck, VettingDecision, WatchAlert
from tests.access import DIRECTOR, ORG, TEAM, Url
from tests.factories import PersonFactory
from tests.vault.images import tiny_png

VETTING = frozenset({"director", "vetting_officer"})


def _person(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["person"].pk}


URLS = [
    Url("vetting:queue", "GET", VETTING),
    Url("vetting:checklist", "GET", DIRECTOR),
    Url("vetting:checklist_edit", "GET", DIRECTOR, ORG, lambda o: {"check_id": o["check"]}),
    Url("vetting:resolve_alert", "POST", VETTING, TEAM, lambda o: {"alert_id": o["alert"]}),
    Url("vetting:person", "GET", VETTING, TEAM, _person),
    Url("vetting:check", "POST", VETTING, TEAM, lambda o: {"pk": o["person"].pk, "check_id": o["check"]}),
    Url("vetting:referee", "POST", VETTING, TEAM, _person),
    Url("vetting:referee_update", "POST", VETTING, TEAM, lambda o: {"pk": o["person"].pk, "referee_id": o["referee"]}),
    Url("vetting:flag", "POST", VETTING, TEAM, _person),
    Url("vetting:flag_clear", "POST", VETTING, TEAM, lambda o: {"pk": o["person"].pk, "flag_id": o["flag"]}),
    Url("vetting:note", "POST", VETTING, TEAM, _person),
    Url("vetting:proof", "POST", VETTING, TEAM, _person),
    Url("vetting:proof_view", "GET", VETTING, TEAM, lambda o: {"pk": o["person"].pk, "document_id": o["proof"]}),
    Url("vetting:propose", "POST", VETTING, TEAM, _person),
    Url(
        "vetting:second",
        "POST",
        VETTING,
        TEAM,
        lambda o: {"pk": o["person"].pk, "decision_id": o["decision"], "answer": "withdraw"},
    ),
]


def objects(world: Any) -> dict[str, Any]:
    """The person accepted by two officers (journeys and stays need it), a pending decision,
    a referee, a flag, a proof and a watch-list alert about the team's people."""
    vetting, director = world.users["vetting_officer"], world.users["director"]
    VettingDecision.objects.create(
        person=world.person,
        outcome="accepted",
        state=DecisionState.CONFIRMED,
        proposed_by=vetting,
        proposed_reason="r",
        second_by=director,
        second_reason="r",
        second_at=timezone.now(),
    )
    return {
        "check": VettingCheck.objects.first().pk,  # type: ignore[union-attr]
        "referee": Referee.objects.create(person=world.person, name="n", recorded_by=vetting).pk,
        "flag": RiskFlag.objects.create(person=world.person, kind="dangerous", reason="r", raised_by=vetting).pk,
        "proof": do_add_document(vetting, world.person, tiny_png(), "", "proof").pk,
        "decision": VettingDecision.objects.create(
            person=world.person, outcome="rejected", proposed_by=vetting, proposed_reason="r"
        ).pk,
        "alert": WatchAlert.objects.create(
            watched=world.person, person=PersonFactory(team=world.team), rules=["tel"]
        ).pk,
    }
