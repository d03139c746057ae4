"""Every URL, walked with every role: allowed or denied (403/404), never a 500, never
another team's data. A URL added without an entry here fails the test."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sanctuary.accounts.models import Role
from sanctuary.matching.models import MatchReview, PartnerMatch, PartnerRun, ScanJob
from tests.conftest import verified_client
from tests.factories import PersonFactory

ALL = frozenset(Role.values)
PEOPLE_READERS = ALL - {Role.AUDITOR}
PEOPLE_WRITERS = frozenset({Role.DIRECTOR, Role.INTAKE_OFFICER, Role.CASE_WORKER})
DIRECTOR = frozenset({Role.DIRECTOR})
AUDIT = frozenset({Role.DIRECTOR, Role.AUDITOR})
DUPLICATES = frozenset({Role.DIRECTOR, Role.INTAKE_OFFICER, Role.VETTING_OFFICER})

# url name -> (method, roles allowed, kwargs kind). Public and login pages are covered by
# their own tests; they are listed so the walk knows every URL.
MATRIX: dict[str, tuple[str, frozenset[str], str]] = {
    "dashboard": ("GET", ALL, ""),
    "healthz": ("GET", ALL, ""),
    "set_language": ("POST", ALL, ""),
    "accounts:login": ("GET", ALL, ""),
    "accounts:logout": ("GET", ALL, ""),
    "accounts:two_factor": ("GET", ALL, ""),
    "accounts:two_factor_setup": ("GET", ALL, ""),
    "accounts:backup_codes": ("POST", ALL, ""),
    "accounts:password_change": ("GET", ALL, ""),
    "accounts:account": ("GET", ALL, ""),
    "accounts:staff_list": ("GET", DIRECTOR, ""),
    "accounts:staff_create": ("GET", DIRECTOR, ""),
    "accounts:staff_edit": ("GET", DIRECTOR, "user"),
    "accounts:staff_action": ("POST", DIRECTOR, "user_action"),
    "accounts:team_create": ("GET", DIRECTOR, ""),
    "accounts:team_edit": ("GET", DIRECTOR, "team"),
    "people:list": ("GET", PEOPLE_READERS, ""),
    "people:create": ("GET", PEOPLE_WRITERS, ""),
    "people:detail": ("GET", PEOPLE_READERS, "person"),
    "people:edit": ("GET", PEOPLE_WRITERS, "person"),
    "people:status": ("POST", PEOPLE_WRITERS, "person"),
    "people:identity_request": ("POST", PEOPLE_READERS, "person"),
    "people:document_add": ("POST", PEOPLE_WRITERS, "person"),
    "people:document_view": ("GET", PEOPLE_READERS, "document"),
    "people:identity_queue": ("GET", DIRECTOR, ""),
    "people:identity_decide": ("POST", DIRECTOR, "identity"),
    "audit:list": ("GET", AUDIT, ""),
    "matching:queue": ("GET", DUPLICATES, ""),
    "matching:scan": ("POST", DUPLICATES, ""),
    "matching:scan_progress": ("GET", DUPLICATES, "scan"),
    "matching:decide": ("POST", DUPLICATES, "review"),
    "matching:partners": ("GET", DIRECTOR, ""),
    "matching:partner_export": ("POST", DIRECTOR, ""),
    "matching:partner_run": ("GET", DIRECTOR, "run"),
    "matching:partner_import": ("POST", DIRECTOR, "run"),
    "matching:partner_decide": ("POST", DIRECTOR, "partner_match"),
    "vault:unseal": ("GET", ALL, ""),
    "vault:unseal_api": ("POST", ALL, ""),
    "vault:seal_api": ("POST", frozenset(), ""),
    "vault:seal": ("POST", DIRECTOR, ""),
}


def _names(resolver: URLResolver, namespace: str = "") -> list[str]:
    names: list[str] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += _names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(namespace + pattern.name)
    return names


def test_matrix_covers_every_url() -> None:
    assert sorted(_names(get_resolver())) == sorted(MATRIX)


def _kwargs(kind: str, ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "": {},
        "user": {"pk": ctx["user"].pk},
        "user_action": {"pk": ctx["user"].pk, "action": "unlock"},
        "team": {"pk": ctx["team"].pk},
        "person": {"pk": ctx["person"].pk},
        "identity": {"request_id": ctx.get("identity", 0), "decision": "refuse"},
        "document": {"pk": ctx["person"].pk, "document_id": ctx.get("document", 0)},
        "scan": {"pk": ctx.get("scan", 0)},
        "review": {"pk": ctx.get("review", 0), "decision": "unsure"},
        "run": {"pk": ctx.get("run", 0)},
        "partner_match": {"pk": ctx.get("partner_match", 0), "decision": "unsure"},
    }[kind]


@pytest.mark.django_db
def test_every_role_on_every_url(users_by_role, person_a, person_b, team_a) -> None:  # type: ignore[no-untyped-def]
    """Own-team objects: allowed roles get a page, others 403/404. Nobody gets a 500."""
    from sanctuary.people.models import IdentityRequest

    identity = IdentityRequest.objects.create(person=person_a, requester=users_by_role[Role.CASE_WORKER], reason="r")
    from sanctuary.people.actions import do_add_document
    from tests.vault.images import tiny_png

    document = do_add_document(users_by_role[Role.CASE_WORKER], person_a, tiny_png(), "", "photo")
    ctx = {
        "user": users_by_role[Role.CASE_WORKER],
        "team": team_a,
        "person": person_a,
        "identity": identity.pk,
        "document": document.pk,
        "scan": ScanJob.objects.create(stage="done").pk,
        "run": (run := PartnerRun.objects.create(partner="P", key_fingerprint="f")).pk,
        "partner_match": PartnerMatch.objects.create(run=run, person=person_a, partner_ref="x", score=0.9).pk,
        "review": MatchReview.objects.create(person_a=person_a, person_b=PersonFactory(team=team_a), score=0.5).pk,
    }
    failures = []
    for role, user in users_by_role.items():
        client = verified_client(user)
        for name, (method, allowed, kind) in MATRIX.items():
            if name == "vault:seal" and role in allowed:
                continue  # sealing ends every session: tested in tests/vault/test_seal_unseal.py
            url = reverse(name, kwargs=_kwargs(kind, ctx))
            response = client.post(url, {}) if method == "POST" else client.get(url)
            status = response.status_code
            ok = status < 400 or (method == "POST" and status == 400) if role in allowed else status in (403, 404)
            if not ok or status >= 500:
                failures.append(f"{role} {method} {url} -> {status}")
    assert failures == []


@pytest.mark.django_db
def test_other_teams_people_are_invisible(users_by_role, person_a, person_b) -> None:  # type: ignore[no-untyped-def]
    """Outside their teams, users get 404 on a person and never see them in lists; directors see all."""
    for role, user in users_by_role.items():
        client = verified_client(user)
        for name in ("people:detail", "people:edit"):
            response = client.get(reverse(name, kwargs={"pk": person_b.pk}))
            if role == Role.DIRECTOR:
                assert response.status_code == 200
                continue
            assert response.status_code in (403, 404), (role, name, response.status_code)
            assert person_b.alias not in response.content.decode()
        listing = client.get(reverse("people:list")).content.decode()
        dashboard = client.get(reverse("dashboard")).content.decode()
        if role == Role.DIRECTOR:
            assert person_b.alias in listing
        else:
            assert person_b.alias not in listing
            assert person_b.alias not in dashboard
        if role == Role.AUDITOR:
            assert person_a.alias not in listing + dashboard


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(person_a) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    for name, (method, _allowed, kind) in MATRIX.items():
        if name in {"healthz", "set_language", "accounts:login", "vault:unseal", "vault:unseal_api", "vault:seal_api"}:
            continue
        url = reverse(name, kwargs=_kwargs(kind, {"user": person_a, "team": person_a.team, "person": person_a}))
        response = client.post(url) if method == "POST" else client.get(url)
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].startswith("/accounts/login/")
