"""A 2FA reset, a password reset, a role change and a deactivation end every open session of
that user (issue 17, item 6): an open session could otherwise enrol a new authenticator
without the password, or keep what the old roles allowed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sanctuary.accounts import actions
from sanctuary.accounts.forms import StaffUserForm
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def _alive(client: Client) -> bool:
    return client.get("/people/").status_code == 200


def test_a_two_factor_reset_ends_the_sessions_and_enrolling_needs_the_password(make_user: Any) -> None:
    director, worker = make_user("director", username="boss"), make_user("case_worker", username="w")
    session = verified_client(worker)
    assert _alive(session)
    actions.do_reset_two_factor(director, worker)
    assert not _alive(session)
    assert session.post("/accounts/2fa/setup/", {"token": "123456"}).status_code in (302, 403)


def test_a_password_reset_ends_the_sessions(make_user: Any) -> None:
    director, worker = make_user("director", username="boss"), make_user("case_worker", username="w")
    session = verified_client(worker)
    actions.do_reset_password(director, worker)
    assert not _alive(session)


@pytest.mark.parametrize("change", ["roles", "deactivate"])
def test_a_role_change_or_a_deactivation_ends_the_sessions(change: str, make_user: Any, team_a: Any) -> None:
    director, worker = make_user("director", username="boss"), make_user("case_worker", username="w")
    session = verified_client(worker)
    other = verified_client(make_user("case_worker", username="bystander"))
    data = {
        "username": worker.username,
        "display_name": "",
        "language": "my",
        "teams": [team_a.pk],
        "roles": ["trainer"] if change == "roles" else ["case_worker"],
        "identity_approver": "",
    }
    if change == "roles":
        data["is_active"] = "on"
    form = StaffUserForm(data, instance=worker)
    assert form.is_valid(), form.errors
    actions.do_save_staff_user(director, form)
    assert not _alive(session)
    assert _alive(other)  # only that user's sessions


def test_an_unchanged_save_keeps_the_session(make_user: Any, team_a: Any) -> None:
    director, worker = make_user("director", username="boss"), make_user("case_worker", username="w")
    session = verified_client(worker)
    data = {
        "username": "w",
        "display_name": "Ko W",
        "language": "my",
        "teams": [team_a.pk],
        "roles": ["case_worker"],
        "is_active": "on",
    }
    form = StaffUserForm(data, instance=worker)
    assert form.is_valid(), form.errors
    actions.do_save_staff_user(director, form)
    assert _alive(session)
