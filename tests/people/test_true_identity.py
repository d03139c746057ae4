"""The two-person rule: a true name needs a reason, a second person's approval, and expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sanctuary.audit.models import Action, AuditEntry
from sanctuary.people.identity import IdentityRuleError, do_decide_identity, do_request_identity
from sanctuary.people.models import IdentityRequest

pytestmark = pytest.mark.django_db


def test_alias_everywhere_true_name_only_after_approval(make_user, login, person_a) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("case_worker")
    director = make_user("director")
    worker_client: Client = login(worker)
    page = worker_client.get(f"/people/{person_a.pk}/").content.decode()
    assert "Ko Thiha" in page and "Aung Thiha Kyaw" not in page
    worker_client.post(f"/people/{person_a.pk}/identity/", {"reason": "passport application"})
    assert "Aung Thiha Kyaw" not in worker_client.get(f"/people/{person_a.pk}/").content.decode()
    director_client: Client = login(director)
    queue = director_client.get("/people/identity-requests/").content.decode()
    assert "passport application" in queue and "Aung Thiha Kyaw" not in queue
    request = IdentityRequest.objects.get()
    director_client.post(f"/people/identity-requests/{request.pk}/approve/")
    assert "Aung Thiha Kyaw" in worker_client.get(f"/people/{person_a.pk}/").content.decode()
    # The approval is for the requester only, not for the approver nor anyone else.
    assert "Aung Thiha Kyaw" not in director_client.get(f"/people/{person_a.pk}/").content.decode()
    for action in (Action.IDENTITY_REQUESTED, Action.IDENTITY_APPROVED, Action.IDENTITY_VIEWED):
        assert AuditEntry.objects.filter(action=action).exists()


def test_the_grant_expires(make_user, login, person_a) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("case_worker")
    request = do_request_identity(worker, person_a, "family tracing")
    do_decide_identity(make_user("director"), request, approve=True)
    client: Client = login(worker)
    assert "Aung Thiha Kyaw" in client.get(f"/people/{person_a.pk}/").content.decode()
    IdentityRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "Aung Thiha Kyaw" not in client.get(f"/people/{person_a.pk}/").content.decode()


def test_nobody_approves_their_own_request(make_user, person_a) -> None:  # type: ignore[no-untyped-def]
    director = make_user("director")
    request = do_request_identity(director, person_a, "checking")
    with pytest.raises(IdentityRuleError):
        do_decide_identity(director, request, approve=True)
    with pytest.raises(IdentityRuleError):
        do_decide_identity(make_user("case_worker"), request, approve=True)
    delegate = make_user("counsellor", identity_approver=True)
    do_decide_identity(delegate, request, approve=True)
    assert IdentityRequest.objects.active_grant(director, person_a) is not None


def test_refused_request_shows_nothing(make_user, login, person_a) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("case_worker")
    do_decide_identity(make_user("director"), do_request_identity(worker, person_a, "curious"), approve=False)
    assert "Aung Thiha Kyaw" not in login(worker).get(f"/people/{person_a.pk}/").content.decode()
    assert AuditEntry.objects.filter(action=Action.IDENTITY_REFUSED).exists()


def test_a_new_or_reset_approver_waits_a_day(make_user, login, person_a) -> None:  # type: ignore[no-untyped-def]
    """One director cannot make a second approver and approve alone at once."""
    from sanctuary.accounts.models import User

    director: Client = login(make_user("director"))
    director.post(
        "/accounts/staff/new/",
        {
            "username": "sockpuppet",
            "language": "en",
            "roles": ["counsellor"],
            "identity_approver": "on",
            "is_active": "on",
        },
    )
    puppet = User.objects.get(username="sockpuppet")
    request = do_request_identity(make_user("case_worker"), person_a, "x")
    with pytest.raises(IdentityRuleError):
        do_decide_identity(puppet, request, approve=True)
    User.objects.filter(pk=puppet.pk).update(approver_hold_until=timezone.now() - timedelta(seconds=1))
    puppet.refresh_from_db()
    do_decide_identity(puppet, request, approve=True)


def test_identifier_search_is_for_directors_and_audited(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import PersonFactory

    target = PersonFactory(team=team_a, alias="Ko Numbered", nrc_number="12/MaYaKa(N)123456")
    trainer: Client = login(make_user("trainer"))
    page = trainer.post("/people/", {"q": "12/mayaka(n)123456", "identifier": "on"}).content.decode()
    assert "Ko Numbered" not in page
    director: Client = login(make_user("director"))
    page = director.post("/people/", {"q": "12/MAYAKA(N) 123456", "identifier": "on"}).content.decode()
    assert "Ko Numbered" in page
    assert target.nrc_index
    searches = AuditEntry.objects.filter(action=Action.SEARCH)
    assert searches.count() == 2
    assert b"123456" not in b"".join(e.canonical() for e in searches)


def test_opening_the_edit_form_is_audited(make_user, login, person_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    login(user).get(f"/people/{person_a.pk}/edit/")
    assert AuditEntry.objects.filter(action=Action.VIEW, object_id=str(person_a.pk), actor_id=user.pk).exists()
