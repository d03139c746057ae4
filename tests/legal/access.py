"""Access matrix: legal (papers, the work-permit clock, detention, requests, the settings)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from sanctuary.legal import actions
from sanctuary.legal.models import HandlerKind
from tests.access import ORG, TEAM, Url
from tests.legal import helpers

LEGAL = frozenset({"director", "case_worker"})
CONFIG = frozenset({"director"})


def _person(o: dict[str, Any]) -> dict[str, Any]:
    return {"person_pk": o["person"].pk}


URLS = [
    Url("legal:alerts", "GET", LEGAL),
    Url("legal:paper_add", "GET", LEGAL, TEAM, _person),
    Url("legal:detention_add", "GET", LEGAL, TEAM, _person),
    Url("legal:request_add", "GET", LEGAL, TEAM, _person),
    Url("legal:paper", "GET", LEGAL, TEAM, lambda o: {"pk": o["paper"]}),
    Url("legal:paper_status", "POST", LEGAL, TEAM, lambda o: {"pk": o["paper"]}),
    Url("legal:clock_resolve", "POST", LEGAL, TEAM, lambda o: {"pk": o["clock"]}),
    Url("legal:detention", "GET", LEGAL, TEAM, lambda o: {"pk": o["detention"]}),
    Url("legal:detention_status", "POST", LEGAL, TEAM, lambda o: {"pk": o["detention"]}),
    Url("legal:call_tick", "POST", LEGAL, TEAM, lambda o: {"pk": o["call"]}),
    Url("legal:request", "GET", LEGAL, TEAM, lambda o: {"pk": o["request"]}),
    Url("legal:settings", "GET", CONFIG),
    Url("legal:type_new", "GET", CONFIG),
    Url("legal:type_edit", "GET", CONFIG, ORG, lambda o: {"pk": o["doc_type"]}),
]


def objects(world: Any) -> dict[str, Any]:
    """A work permit whose job ended (an open clock), an open detention with its checklist and
    a request handled by a lawyer, for the team's person (accepted by vetting's ``objects``)."""
    director = world.users["director"]
    today = timezone.localdate()
    with helpers.employers(("employer:1", "Farm A")):
        permit = helpers.paper(
            director,
            world.person,
            "work_permit",
            issued_on=today - timedelta(days=30),
            expires_on=today + timedelta(days=20),
            employer="employer:1",
        )
    (clock,) = actions.start_permit_clocks(
        person=world.person, employer_ref="employer:1", ended_on=today, user=director
    )
    detention = actions.do_record_detention(director, world.person, today, "immigration", "IDC", "")
    request = actions.do_save_request(
        director,
        world.person,
        {
            "doc_type": helpers.doc_type("pink_card"),
            "handler_kind": HandlerKind.LAWYER,
            "handler_name": "Khun Lawyer",
            "cost": Decimal(500),
        },
    )
    return {
        "paper": permit.pk,
        "clock": clock.pk,
        "detention": detention.pk,
        "call": detention.calls.first().pk,  # type: ignore[union-attr]
        "request": request.pk,
        "doc_type": helpers.doc_type("unhcr").pk,
    }
