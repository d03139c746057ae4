"""Directors manage staff, roles and teams in the app; every change is audited."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanctuary.accounts.models import Role, Team, User
from sanctuary.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db


def test_director_adds_a_user_with_roles_and_teams(make_user, login, team_a, team_b) -> None:  # type: ignore[no-untyped-def]
    director = make_user(Role.DIRECTOR)
    client: Client = login(director)
    response = client.post(
        "/accounts/staff/new/",
        {
            "username": "newvetter",
            "display_name": "New",
            "language": "my",
            "roles": [Role.VETTING_OFFICER, Role.COUNSELLOR],
            "teams": [team_b.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    password = re.search(r'class="secret">([a-z0-9-]+)<', response.content.decode())
    assert password is not None
    user = User.objects.get(username="newvetter")
    assert user.roles == {Role.VETTING_OFFICER, Role.COUNSELLOR}
    assert list(user.teams.all()) == [team_b]
    assert user.must_change_password
    assert user.check_password(password.group(1))
    entry = AuditEntry.objects.get(action=Action.CREATE, object_type="accounts.user", object_id=str(user.pk))
    assert "roles" in entry.fields and password.group(1) not in str(entry.canonical())


def test_invalid_user_form_keeps_what_was_typed(make_user, login) -> None:  # type: ignore[no-untyped-def]
    client: Client = login(make_user(Role.DIRECTOR))
    response = client.post("/accounts/staff/new/", {"username": "bad name!", "display_name": "Typed Display"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Typed Display" in page and "bad name!" in page


def test_director_changes_roles_and_resets_two_factor(make_user, login) -> None:  # type: ignore[no-untyped-def]
    client: Client = login(make_user(Role.DIRECTOR))
    worker = make_user(Role.CASE_WORKER)
    response = client.post(
        f"/accounts/staff/{worker.pk}/",
        {
            "username": worker.username,
            "language": "en",
            "roles": [Role.SHELTER_MANAGER],
            "teams": [t.pk for t in worker.teams.all()],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert User.objects.get(pk=worker.pk).roles == {Role.SHELTER_MANAGER}
    # One click asks first, naming the account; nothing is reset until confirmed.
    asked = client.post(f"/accounts/staff/{worker.pk}/reset-2fa/")
    assert asked.status_code == 200 and worker.username in asked.content.decode()
    assert TOTPDevice.objects.filter(user=worker).exists()
    assert client.post(f"/accounts/staff/{worker.pk}/reset-2fa/", {"confirm": "someone-else"}).status_code == 200
    assert TOTPDevice.objects.filter(user=worker).exists()
    assert client.post(f"/accounts/staff/{worker.pk}/reset-2fa/", {"confirm": worker.username}).status_code == 302
    assert not TOTPDevice.objects.filter(user=worker).exists()
    assert AuditEntry.objects.filter(action=Action.OTP_RESET, object_id=str(worker.pk)).exists()


def test_a_new_password_is_given_only_once_confirmed(make_user, login) -> None:  # type: ignore[no-untyped-def]
    worker = make_user(Role.CASE_WORKER)
    before = User.objects.get(pk=worker.pk).password
    client: Client = login(make_user(Role.DIRECTOR))
    asked = client.post(f"/accounts/staff/{worker.pk}/reset-password/").content.decode()
    assert worker.username in asked and User.objects.get(pk=worker.pk).password == before
    done = client.post(f"/accounts/staff/{worker.pk}/reset-password/", {"confirm": worker.username})
    assert done.status_code == 200 and User.objects.get(pk=worker.pk).password != before


def test_director_creates_a_team(make_user, login) -> None:  # type: ignore[no-untyped-def]
    client: Client = login(make_user(Role.DIRECTOR))
    assert client.post("/accounts/teams/new/", {"name": "Chiang Mai office"}).status_code == 302
    team = Team.objects.get(name="Chiang Mai office")
    assert AuditEntry.objects.filter(action=Action.CREATE, object_type="accounts.team", object_id=str(team.pk)).exists()


def test_non_directors_cannot_manage_staff(make_user, login) -> None:  # type: ignore[no-untyped-def]
    client: Client = login(make_user(Role.CASE_WORKER, Role.AUDITOR))
    assert client.post("/accounts/staff/new/", {"username": "sneaky", "roles": [Role.DIRECTOR]}).status_code == 403
    assert not User.objects.filter(username="sneaky").exists()


def test_language_is_remembered_per_user(make_user, login) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.CASE_WORKER)
    client: Client = login(user)
    response = client.post("/lang/", {"language": "th", "next": "/people/"})
    assert response["Location"] == "/people/"
    user.refresh_from_db()
    assert user.language == "th"
    other_device = login(user)  # a second browser, no cookie
    assert other_device.get("/people/")["Content-Language"] == "th"
    assert client.post("/lang/", {"language": "xx", "next": "https://evil.example/"})["Location"] == "/"


def test_create_director_command() -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("create_director", "alice", stdout=out)
    password = out.getvalue().rsplit(": ", 1)[1].strip()
    user = User.objects.get(username="alice")
    assert user.roles == {Role.DIRECTOR}
    assert user.must_change_password and user.check_password(password)
