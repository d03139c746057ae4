"""Access matrix: family (relatives, what happened to them, contacts, tracing)."""

from __future__ import annotations

from typing import Any

from sanctuary.family import actions
from sanctuary.family.models import ActionKind, ContactRule
from sanctuary.people.contact import How, Means
from tests.access import TEAM, Url
from tests.family import helpers

FAMILY = frozenset({"director", "case_worker"})


def _relative(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["relative"]}


URLS = [
    Url("family:tracing_list", "GET", FAMILY),
    Url("family:relative_add", "GET", FAMILY, TEAM, lambda o: {"person_pk": o["family_person"]}),
    Url("family:relative", "GET", FAMILY, TEAM, _relative),
    Url("family:event_add", "GET", FAMILY, TEAM, _relative),
    Url("family:contact_add", "GET", FAMILY, TEAM, _relative),
    Url("family:tracing_open", "POST", FAMILY, TEAM, _relative),
    Url("family:tracing", "GET", FAMILY, TEAM, lambda o: {"pk": o["tracing"]}),
    Url("family:trace", "POST", FAMILY, TEAM, lambda o: {"pk": o["tracing"]}),
    Url("family:tracing_state", "POST", FAMILY, TEAM, lambda o: {"pk": o["tracing"]}),
    Url("family:outcome", "POST", FAMILY, TEAM, lambda o: {"pk": o["tracing_step"]}),
]


def objects(world: Any) -> dict[str, Any]:
    """A relative reachable through an intermediary, with an open search and one step asked
    of the Red Cross (with the person's tracing consent), for the team's person."""
    director = world.users["director"]
    relative = helpers.relative(director, world.person, ContactRule.INTERMEDIARY)
    partner = helpers.red_cross()
    helpers.tracing_consent(director, world.person, partner)
    tracing = actions.do_open_tracing(director, relative)
    step = actions.do_trace(
        director,
        tracing,
        ActionKind.RED_CROSS,
        partner,
        Means(how=How.INTERMEDIARY),
    )
    return {"family_person": world.person.pk, "relative": relative.pk, "tracing": tracing.pk, "tracing_step": step.pk}
