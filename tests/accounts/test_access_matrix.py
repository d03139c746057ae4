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
INTAKE = frozenset({Role.DIRECTOR, Role.INTAKE_OFFICER})
INTAKE_LOG = frozenset({Role.DIRECTOR, Role.INTAKE_OFFICER, Role.VETTING_OFFICER, Role.CASE_WORKER})
VETTING = frozenset({Role.DIRECTOR, Role.VETTING_OFFICER})
JOURNEYS = frozenset({Role.DIRECTOR, Role.CASE_WORKER})
SHELTER = frozenset({Role.DIRECTOR, Role.SHELTER_MANAGER})
STIPENDS = frozenset({Role.DIRECTOR, Role.FINANCE_OFFICER})
# Public pages: no login at all.
PUBLIC = {
    "healthz",
    "set_language",
    "accounts:login",
    "vault:unseal",
    "vault:unseal_api",
    "vault:seal_api",
    "intake_public:form",
    "intake_public:form_lang",
    "intake_public:status",
    "intake_public:status_lang",
}

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
    "intake_public:form": ("GET", ALL, ""),
    "intake_public:form_lang": ("GET", ALL, "lang"),
    "intake_public:status": ("GET", ALL, ""),
    "intake_public:status_lang": ("GET", ALL, "lang"),
    "intake:queue": ("GET", INTAKE, ""),
    "intake:log": ("GET", INTAKE_LOG, ""),
    "intake:detail": ("GET", INTAKE, "submission"),
    "intake:attachment": ("GET", INTAKE, "attachment"),
    "intake:action": ("POST", INTAKE, "submission_action"),
    "vetting:queue": ("GET", VETTING, ""),
    "vetting:checklist": ("GET", DIRECTOR, ""),
    "vetting:checklist_edit": ("GET", DIRECTOR, "check"),
    "vetting:resolve_alert": ("POST", VETTING, "alert"),
    "vetting:person": ("GET", VETTING, "person"),
    "vetting:check": ("POST", VETTING, "person_check"),
    "vetting:referee": ("POST", VETTING, "person"),
    "vetting:referee_update": ("POST", VETTING, "referee"),
    "vetting:flag": ("POST", VETTING, "person"),
    "vetting:flag_clear": ("POST", VETTING, "flag"),
    "vetting:note": ("POST", VETTING, "person"),
    "vetting:proof": ("POST", VETTING, "person"),
    "vetting:proof_view": ("GET", VETTING, "proof"),
    "vetting:propose": ("POST", VETTING, "person"),
    "vetting:second": ("POST", VETTING, "decision"),
    "journeys:list": ("GET", JOURNEYS, ""),
    "journeys:create": ("GET", JOURNEYS, "person_pk"),
    "journeys:detail": ("GET", JOURNEYS, "journey"),
    "journeys:edit": ("GET", JOURNEYS, "journey"),
    "journeys:status": ("POST", JOURNEYS, "journey"),
    "journeys:stage_reached": ("POST", JOURNEYS, "stage"),
    "journeys:check_in_add": ("POST", JOURNEYS, "journey"),
    "journeys:check_in_received": ("POST", JOURNEYS, "check_in"),
    "shelter:board": ("GET", SHELTER, ""),
    "shelter:place": ("GET", SHELTER, "person_pk"),
    "shelter:stay": ("GET", SHELTER, "stay"),
    "shelter:extend": ("POST", SHELTER, "stay"),
    "shelter:decide": ("POST", SHELTER, "extension"),
    "shelter:move_out": ("POST", SHELTER, "stay"),
    "shelter:houses": ("GET", SHELTER, ""),
    "shelter:house": ("GET", SHELTER, "house"),
    "stipends:runs": ("GET", STIPENDS, ""),
    "stipends:funders": ("GET", STIPENDS, ""),
    "stipends:funder": ("GET", STIPENDS, "funder"),
    "stipends:run": ("GET", STIPENDS, "payrun"),
    "stipends:approve": ("POST", STIPENDS, "payrun"),
    "stipends:disburse": ("POST", STIPENDS, "payrun"),
    "stipends:reconcile": ("POST", STIPENDS, "payrun"),
    "stipends:upload": ("POST", STIPENDS, "payrun"),
    "stipends:download": ("GET", STIPENDS, "download"),
    "stipends:ledger": ("GET", STIPENDS, "ledger"),
    "stipends:reports": ("GET", STIPENDS, ""),
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
        "lang": {"lang": "en"},
        "submission": {"pk": ctx.get("submission", 0)},
        "attachment": {"pk": ctx.get("submission", 0), "attachment_id": ctx.get("attachment", 0)},
        "submission_action": {"pk": ctx.get("submission", 0), "action": "public_status"},
        "check": {"check_id": ctx.get("check", 0)},
        "alert": {"alert_id": ctx.get("alert", 0)},
        "person_check": {"pk": ctx["person"].pk, "check_id": ctx.get("check", 0)},
        "referee": {"pk": ctx["person"].pk, "referee_id": ctx.get("referee", 0)},
        "flag": {"pk": ctx["person"].pk, "flag_id": ctx.get("flag", 0)},
        "proof": {"pk": ctx["person"].pk, "document_id": ctx.get("proof", 0)},
        "decision": {"pk": ctx["person"].pk, "decision_id": ctx.get("decision", 0), "answer": "withdraw"},
        "person_pk": {"person_pk": ctx["person"].pk},
        "journey": {"pk": ctx.get("journey", 0)},
        "stage": {"pk": ctx.get("journey", 0), "stage_id": ctx.get("stage", 0)},
        "check_in": {"pk": ctx.get("journey", 0), "check_in_id": ctx.get("check_in", 0)},
        "stay": {"pk": ctx.get("stay", 0)},
        "extension": {"pk": ctx.get("stay", 0), "extension_id": ctx.get("extension", 0), "answer": "refuse"},
        "house": {"pk": ctx.get("house", 0)},
        "funder": {"pk": ctx.get("funder", 0)},
        "payrun": {"pk": ctx.get("payrun", 0)},
        "download": {"pk": ctx.get("payrun", 0), "kind": "csv"},
        "ledger": {"person_pk": ctx["person"].pk},
    }[kind]


def workflow_objects(users_by_role: dict[str, Any], person: Any, team: Any) -> dict[str, Any]:
    """One of each intake, vetting and journey object, for the walk."""
    from django.utils import timezone

    from sanctuary.intake import actions as intake
    from sanctuary.journeys.models import CheckIn, Journey, Stage
    from sanctuary.people.actions import do_add_document
    from sanctuary.vetting.models import (
        DecisionState,
        Referee,
        RiskFlag,
        VettingCheck,
        VettingDecision,
        WatchAlert,
    )
    from tests.vault.images import tiny_png

    vetting, director = users_by_role[Role.VETTING_OFFICER], users_by_role[Role.DIRECTOR]
    receipt = intake.receive({"story": "s", "handle": "h"}, intake.clean_uploads([tiny_png()]), intake.new_form_token())
    VettingDecision.objects.create(
        person=person,
        outcome="accepted",
        state=DecisionState.CONFIRMED,
        proposed_by=vetting,
        proposed_reason="r",
        second_by=director,
        second_reason="r",
        second_at=timezone.now(),
    )
    journey = Journey.objects.create(person=person, coordinator=users_by_role[Role.CASE_WORKER], created_by=director)
    other = PersonFactory(team=team)
    from datetime import date

    from sanctuary.shelter.models import Bed, Extension, Room, SafeHouse, Stay
    from sanctuary.stipends.models import Funder, PaymentRun, StipendRule

    home = SafeHouse.objects.create(name="House M")
    bed = Bed.objects.create(room=Room.objects.create(house=home, name="R1"), label="1")
    today = timezone.localdate()
    stay = Stay.objects.create(person=person, bed=bed, start=today, planned_end=today, placed_by=director)
    funder = Funder.objects.create(name="Funder M")
    StipendRule.objects.create(funder=funder, effective_from=date(2026, 1, 1), single_amount=700, family_amount=1400)
    finance = users_by_role[Role.FINANCE_OFFICER]
    return {
        "house": home.pk,
        "stay": stay.pk,
        "extension": Extension.objects.create(stay=stay, requested_end=today, reason="r", requested_by=director).pk,
        "funder": funder.pk,
        "payrun": PaymentRun.objects.create(
            funder=funder, month=date(2026, 11, 1), drafted_by=finance, drafted_at=timezone.now()
        ).pk,
        "submission": receipt.submission.pk,
        "attachment": receipt.submission.attachments.get().pk,
        "check": VettingCheck.objects.first().pk,  # type: ignore[union-attr]
        "referee": Referee.objects.create(person=person, name="n", recorded_by=vetting).pk,
        "flag": RiskFlag.objects.create(person=person, kind="dangerous", reason="r", raised_by=vetting).pk,
        "proof": do_add_document(vetting, person, tiny_png(), "", "proof").pk,
        "decision": VettingDecision.objects.create(
            person=person, outcome="rejected", proposed_by=vetting, proposed_reason="r"
        ).pk,
        "alert": WatchAlert.objects.create(watched=person, person=other, rules=["tel"]).pk,
        "journey": journey.pk,
        "stage": Stage.objects.create(journey=journey, place="p").pk,
        "check_in": CheckIn.objects.create(journey=journey, due_at=timezone.now()).pk,
    }


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
        **workflow_objects(users_by_role, person_a, team_a),
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
        if name in PUBLIC:
            continue
        url = reverse(name, kwargs=_kwargs(kind, {"user": person_a, "team": person_a.team, "person": person_a}))
        response = client.post(url) if method == "POST" else client.get(url)
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].startswith("/accounts/login/")
