"""The check before the person form saves is not an "is this person on file?" oracle (issue 17,
item 3): nothing about other teams' people, no identity key named without a grant, every
check audited as a search, a per-user limit, and an alert for directors when someone checks
much and saves little."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanctuary.accounts.models import AccountAlert, AccountChange
from sanctuary.audit.models import Action, AuditEntry
from sanctuary.matching.models import MatchReview
from sanctuary.people.identity import do_decide_identity, do_request_identity
from sanctuary.people.models import IdentityRequest, Person, PresaveCheck
from tests.people.test_person_pages import person_data

pytestmark = pytest.mark.django_db

NRC = "12/MaYaKa(N)123456"


def _create(client: Client, team_id: int, **overrides: str) -> Person:
    data = person_data(team_id, **overrides)
    data["confirm_new"] = "1"
    response = client.post("/people/new/", data)
    assert response.status_code == 302, response.status_code
    return Person.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))


_probes = itertools.count(1)


def _probe(client: Client, team_id: int, **typed: str) -> Any:
    """What a user learns from typing values and pressing save, without confirming. Each
    probe is otherwise unlike any other record (name, unit, town, birth year), so only what
    the test types can match."""
    n = next(_probes)
    data = person_data(
        team_id,
        alias=f"Probe {n}",
        true_name=f"Someone Else {n}",
        father_name=f"U Other {n}",
        unit=f"Column {n}",
        hometown=f"Village {n}",
        birth_date=str(1940 + n % 50),
        **typed,
    )
    data.setdefault("contacts-0-value", f"09 455 {n:03d} 001")
    return client.post("/people/new/", data)


def test_another_teams_person_is_never_revealed(make_user, login, team_a, team_b) -> None:  # type: ignore[no-untyped-def]
    theirs = login(make_user("intake_officer", teams=[team_b]))
    target = _create(theirs, team_b.pk, alias="Ko Target", nrc_number=NRC, **{"contacts-0-value": "09 420 777 777"})
    mine = login(make_user("intake_officer"))
    known = _probe(mine, team_a.pk, nrc_number=NRC, **{"contacts-0-value": "09 420 777 777"})
    unknown = _probe(mine, team_a.pk, nrc_number="9/MaNaNa(N)000001", **{"contacts-0-value": "09 455 111 222"})
    # The same answer whether the register holds them or not: saved, nothing said.
    assert known.status_code == unknown.status_code == 302
    page = mine.get(known["Location"]).content.decode()
    assert "other team" not in page and "Ko Target" not in page and target.case_code not in page
    assert "review queue" not in page
    # The pair went to the review queue, for reviewers who may see both (a director).
    new = Person.objects.get(pk=int(known["Location"].strip("/").split("/")[-1]))
    assert MatchReview.objects.filter(person_a__in=[new, target], person_b__in=[new, target]).exists()
    assert "Ko Target" not in mine.get("/duplicates/").content.decode()
    assert "Ko Target" in login(make_user("director")).get("/duplicates/").content.decode()


def test_a_visible_person_matched_on_identity_keys_is_not_named_without_a_grant(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("intake_officer")
    client = login(worker)
    known = _create(client, team_a.pk, alias="Ko Known", nrc_number=NRC, **{"contacts-0-value": "09 420 111 111"})
    # Only the NRC in common: telling would confirm Ko Known's NRC to someone without a grant.
    response = _probe(client, team_a.pk, nrc_number=NRC)
    assert response.status_code == 302
    assert "Ko Known" not in client.get(response["Location"]).content.decode()
    # With a grant for Ko Known, the same check names them, and on what.
    request = do_request_identity(worker, known, "visit")
    IdentityRequest.objects.filter(pk=request.pk).update(created_at=timezone.now() - timedelta(days=2))
    director = make_user("director")
    director.approver_hold_until = None
    do_decide_identity(director, request, approve=True)
    granted = _probe(client, team_a.pk, nrc_number=NRC, **{"contacts-0-value": "09 455 000 009"})
    assert granted.status_code == 409
    assert "Ko Known" in granted.content.decode() and "NRC" in granted.content.decode()


def test_a_phone_match_names_the_phone_only(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user("intake_officer"))
    _create(client, team_a.pk, alias="Ko Phone", nrc_number=NRC, **{"contacts-0-value": "09 420 222 222"})
    response = _probe(client, team_a.pk, nrc_number=NRC, **{"contacts-0-value": "09 420 222 222"})
    assert response.status_code == 409
    page = response.content.decode()
    section = page[page.index("possible-matches") : page.index("</section>", page.index("possible-matches"))]
    assert "Ko Phone" in section and "phone" in section
    assert "NRC" not in section  # the shared NRC is not confirmed
    assert "Someone Else" in page  # nothing typed is lost


def test_every_check_is_audited_as_a_search_without_what_was_typed(make_user, login, team_a, team_b) -> None:  # type: ignore[no-untyped-def]
    theirs = login(make_user("intake_officer", teams=[team_b]))
    _create(theirs, team_b.pk, alias="Ko Far", nrc_number=NRC, **{"contacts-0-value": "09 420 333 333"})
    user = make_user("intake_officer")
    client = login(user)
    before = AuditEntry.objects.filter(actor_id=user.pk, action=Action.SEARCH).count()
    _probe(client, team_a.pk, nrc_number=NRC, **{"contacts-0-value": "09 420 333 333"})
    entries = AuditEntry.objects.filter(actor_id=user.pk, action=Action.SEARCH).order_by("seq")
    assert entries.count() == before + 1
    entry = entries.last()
    assert entry is not None and "presave" in entry.fields and "matches_withheld" in entry.fields
    assert not [f for f in entry.fields if "420" in f or "MaYaKa" in f or "Someone" in f]
    assert PresaveCheck.objects.get(user=user).withheld == 1


def test_checks_are_limited_per_user_and_the_form_keeps_what_was_typed(make_user, login, team_a, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRESAVE_CHECKS_PER_HOUR = 3
    user = make_user("intake_officer")
    client = login(user)
    for n in range(3):
        assert _probe(client, team_a.pk, **{"contacts-0-value": f"09 455 000 10{n}"}).status_code == 302
    refused = _probe(client, team_a.pk, **{"contacts-0-value": "09 455 000 109"})
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many checks" in page and "Someone Else" in page and "09 455 000 109" in page
    assert Person.objects.count() == 3  # the fourth was not saved
    assert AccountAlert.objects.filter(user=user, change=AccountChange.PROBING).count() == 1
    # Another user is not limited by this one's checks.
    assert _probe(login(make_user("intake_officer")), team_a.pk).status_code == 302


def test_many_checks_and_few_saves_alert_the_directors_once(make_user, login, team_a, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRESAVE_PROBE_CHECKS = 5
    client = login(make_user("intake_officer"))
    known = _create(client, team_a.pk, alias="Ko Seen", **{"contacts-0-value": "09 420 444 444"})
    prober = make_user("intake_officer")
    probing = login(prober)
    for _ in range(8):  # each answered "may be someone already registered", never saved
        assert _probe(probing, team_a.pk, **{"contacts-0-value": "09 420 444 444"}).status_code == 409
    alerts = AccountAlert.objects.filter(user=prober, change=AccountChange.PROBING)
    assert alerts.count() == 1
    director_page = login(make_user("director")).get("/").content.decode()
    assert prober.username in director_page
    # Someone who saves what they check is not probing.
    honest = make_user("intake_officer")
    saving = login(honest)
    for n in range(6):
        _create(saving, team_a.pk, alias=f"New {n}", **{"contacts-0-value": f"09 455 200 00{n}"})
    assert not AccountAlert.objects.filter(user=honest, change=AccountChange.PROBING).exists()
    assert known.pk


def test_triage_names_no_other_team_and_no_identity_key(make_user, login, team_a, team_b) -> None:  # type: ignore[no-untyped-def]
    """A contact sent through the public form carrying a target's phone must not tell the
    intake officer that someone in another team has it."""
    from sanctuary.intake import actions as intake

    theirs = login(make_user("intake_officer", teams=[team_b]))
    _create(theirs, team_b.pk, alias="Ko Elsewhere", **{"contacts-0-value": "09 420 555 555"})
    receipt = intake.do_receive({"story": "help", "handle": "09 420 555 555"}, [], intake.new_form_token())
    officer = login(make_user("intake_officer"))
    page = officer.get(reverse("intake:detail", args=[receipt.submission.pk])).content.decode()
    assert "Ko Elsewhere" not in page and "another team" not in page and "other teams" not in page
