"""Access matrix: project pages, accounts, the audit log and the vault."""

from __future__ import annotations

from typing import Any

from tests.access import ALL, DIRECTOR, NOBODY, ORG, PUBLIC, Url

AUDIT = frozenset({"director", "auditor"})

URLS = [
    Url("dashboard", "GET", ALL),
    Url("healthz", "GET", ALL, PUBLIC),
    Url("set_language", "POST", ALL, PUBLIC),
    Url("accounts:login", "GET", ALL, PUBLIC),
    Url("accounts:logout", "GET", ALL),
    Url("accounts:two_factor", "GET", ALL),
    Url("accounts:two_factor_setup", "GET", ALL),
    Url("accounts:backup_codes", "POST", ALL),
    Url("accounts:password_change", "GET", ALL),
    Url("accounts:account", "GET", ALL),
    Url("accounts:staff_list", "GET", DIRECTOR),
    Url("accounts:staff_create", "GET", DIRECTOR),
    Url("accounts:staff_edit", "GET", DIRECTOR, ORG, lambda o: {"pk": o["user"].pk}),
    Url("accounts:staff_action", "POST", DIRECTOR, ORG, lambda o: {"pk": o["user"].pk, "action": "unlock"}),
    Url("accounts:promotion_decide", "POST", DIRECTOR, ORG, lambda o: {"pk": o["promotion"].pk, "decision": "cancel"}),
    Url("accounts:alert_acknowledge", "POST", DIRECTOR, ORG, lambda o: {"pk": o["account_alert"].pk}),
    Url("accounts:team_create", "GET", DIRECTOR),
    Url("accounts:team_edit", "GET", DIRECTOR, ORG, lambda o: {"pk": o["team"].pk}),
    # Sealing ends every session: tested in tests/vault/test_shares_and_unseal.py.
    Url("accounts:seal", "POST", DIRECTOR, walk=False),
    Url("audit:list", "GET", AUDIT),
    Url("vault:unseal", "GET", ALL, PUBLIC),
    # The command endpoints need the control token from var/ (loopback alone is not enough).
    Url("vault:unseal_api", "POST", NOBODY, PUBLIC),
    Url("vault:seal_api", "POST", NOBODY, PUBLIC),
]


def objects(world: Any) -> dict[str, Any]:
    from sanctuary.accounts.models import AccountAlert, AccountChange, DirectorPromotion
    from tests.factories import UserFactory

    proposer, candidate = UserFactory(roles=["director"]), UserFactory(roles=["case_worker"])
    promotion = DirectorPromotion.objects.create(user=candidate, proposed_by=proposer)
    alert = AccountAlert.objects.create(user=candidate, change=AccountChange.CREATED, actor=proposer)
    return {"user": world.users["case_worker"], "team": world.team, "promotion": promotion, "account_alert": alert}
