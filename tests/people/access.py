"""Access matrix: the person record."""

from __future__ import annotations

from typing import Any

from sanctuary.accounts.models import Role, Team
from sanctuary.people.actions import do_add_document
from sanctuary.people.models import IdentityRequest, Transfer
from tests.access import DIRECTOR, PEOPLE_READERS, PEOPLE_WRITERS, TEAM, Url
from tests.vault.images import tiny_png

# Roles that hand people over (and accept hand-overs): the ``transfer`` module.
TRANSFERRERS = frozenset(
    {Role.DIRECTOR, Role.INTAKE_OFFICER, Role.VETTING_OFFICER, Role.CASE_WORKER, Role.SHELTER_MANAGER}
)


def _person(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["person"].pk}


URLS = [
    Url("people:list", "GET", PEOPLE_READERS),
    Url("people:create", "GET", PEOPLE_WRITERS),
    Url("people:detail", "GET", PEOPLE_READERS, TEAM, _person),
    Url("people:edit", "GET", PEOPLE_WRITERS, TEAM, _person),
    Url("people:status", "POST", PEOPLE_WRITERS, TEAM, _person),
    Url("people:case_worker", "POST", PEOPLE_WRITERS, TEAM, _person),
    Url("people:identity_request", "POST", PEOPLE_READERS, TEAM, _person),
    Url("people:document_add", "POST", PEOPLE_WRITERS, TEAM, _person),
    Url(
        "people:document_view",
        "GET",
        PEOPLE_READERS,
        TEAM,
        lambda o: {"pk": o["person"].pk, "document_id": o["document"]},
    ),
    Url("people:transfer_request", "POST", TRANSFERRERS, TEAM, _person),
    Url("people:transfers", "GET", TRANSFERRERS),
    Url("people:transfer_policy", "GET", DIRECTOR),
    Url("people:transfer_withdraw", "POST", TRANSFERRERS, TEAM, lambda o: {"transfer_id": o["transfer"]}),
    Url(
        "people:transfer_decide",
        "POST",
        TRANSFERRERS,
        TEAM,
        lambda o: {"transfer_id": o["transfer"], "decision": "refuse"},
    ),
    Url("people:identity_queue", "GET", DIRECTOR),
    Url(
        "people:identity_decide",
        "POST",
        DIRECTOR,
        TEAM,
        lambda o: {"request_id": o["identity"], "decision": "refuse"},
    ),
]


def objects(world: Any) -> dict[str, Any]:
    requester = world.users["case_worker"]
    return {
        "person": world.person,
        "identity": IdentityRequest.objects.create(person=world.person, requester=requester, reason="r").pk,
        "document": do_add_document(requester, world.person, tiny_png(), "", "photo").pk,
        # A hand-over of the team's other person to a team nobody of the walk is in.
        "transfer": Transfer.objects.create(
            person=world.other,
            from_team=world.team,
            to_team=Team.objects.get_or_create(name="Elsewhere")[0],
            reason="r",
            requested_by=requester,
        ).pk,
    }
