"""Access matrix: evidence (screening records, items, packages, keys). Evidence officers only:
directors are not given the module."""

from __future__ import annotations

from typing import Any

from sanctuary.accounts.models import Role, User
from tests.access import ORG, TEAM, Url
from tests.evidence import helpers

OFFICERS = frozenset({Role.EVIDENCE_OFFICER})


def _pk(key: str) -> Any:
    return lambda o: {"pk": o[key]}


URLS = [
    Url("evidence:testimonies", "GET", OFFICERS),
    Url("evidence:keys", "GET", OFFICERS),
    Url("evidence:key_confirm", "POST", OFFICERS, ORG, _pk("evidence_key")),
    Url("evidence:key_retire", "POST", OFFICERS, ORG, _pk("evidence_key")),
    Url("evidence:testimony_new", "GET", OFFICERS, TEAM, lambda o: {"person_pk": o["person"].pk}),
    Url("evidence:testimony", "GET", OFFICERS, TEAM, _pk("testimony")),
    Url("evidence:testimony_state", "POST", OFFICERS, TEAM, _pk("testimony")),
    Url("evidence:item_add", "GET", OFFICERS, TEAM, _pk("testimony")),
    Url("evidence:package_new", "GET", OFFICERS, TEAM, _pk("testimony")),
    Url("evidence:item", "GET", OFFICERS, TEAM, _pk("evidence_item")),
    Url("evidence:item_check", "POST", OFFICERS, TEAM, _pk("evidence_item")),
    Url("evidence:item_download", "GET", OFFICERS, TEAM, _pk("evidence_item")),
    Url("evidence:item_copy", "GET", OFFICERS, TEAM, _pk("evidence_item")),
    Url("evidence:package", "GET", OFFICERS, TEAM, _pk("evidence_package")),
    Url("evidence:package_release", "POST", OFFICERS, TEAM, _pk("evidence_package")),
    Url("evidence:package_cancel", "POST", OFFICERS, TEAM, _pk("evidence_package")),
    Url("evidence:package_transferred", "POST", OFFICERS, TEAM, _pk("evidence_package")),
    Url("evidence:package_download", "GET", OFFICERS, TEAM, _pk("evidence_package")),
    Url("evidence:notice_sent", "POST", OFFICERS, TEAM, _pk("evidence_notice")),
]


def objects(world: Any) -> dict[str, Any]:
    """A ready testimony with one item, a key, testimony consent, a package proposed by a
    second officer (so the walking officer may release it) and one built and withdrawn (its
    notice listed)."""
    from sanctuary.consent.actions import do_withdraw_consent
    from sanctuary.evidence import actions

    officer = world.users[Role.EVIDENCE_OFFICER]
    proposer = User.objects.create_user(username=f"proposer-{world.team.pk}", password="x" * 16)
    proposer.role_grants.create(role=Role.EVIDENCE_OFFICER)
    proposer.teams.add(world.team)
    proposer = User.objects.get(pk=proposer.pk)
    found = helpers.testimony(officer, world.person)
    item = helpers.item(officer, found)
    key, _secret = helpers.key(proposer)
    consent = helpers.testimony_consent(world.users[Role.DIRECTOR], world.person, key.recipient)
    built = actions.do_propose_package(proposer, found, key, [item])
    actions.do_release_package(officer, built)
    actions.do_download_package(officer, built)  # it may have left: a withdrawal lists a notice
    do_withdraw_consent(world.users[Role.DIRECTOR], consent, withdrawn_on=consent.given_on)
    helpers.testimony_consent(world.users[Role.DIRECTOR], world.person, key.recipient)
    waiting = actions.do_propose_package(proposer, found, key, [item])
    return {
        "testimony": found.pk,
        "evidence_item": item.pk,
        "evidence_key": key.pk,
        "evidence_package": waiting.pk,
        "evidence_notice": built.withdrawal_notices.get().pk,
    }
