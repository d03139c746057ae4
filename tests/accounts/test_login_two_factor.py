"""Login is a password, then a TOTP code (or a single-use backup code). 2FA is mandatory."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanctuary.audit import anonymous
from sanctuary.audit.models import Action, AuditEntry
from tests.factories import PASSWORD, UserFactory, totp_device

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _password_step(client: Client, username: str, password: str = PASSWORD) -> object:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_password_then_totp_reaches_the_dashboard(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    device = totp_device(user)
    client = Client()
    response = _password_step(client, user.username)
    assert response["Location"] == "/accounts/2fa/"
    # Password alone gives nothing: every page sends the user back to the code.
    assert client.get("/people/")["Location"] == "/accounts/2fa/"
    response = client.post("/accounts/2fa/", {"token": _code(device)})
    assert response.status_code == 302
    assert client.get("/people/").status_code == 200
    assert AuditEntry.objects.filter(action=Action.LOGIN, actor_id=user.pk).exists()


def test_wrong_code_is_refused_and_audited(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    device = totp_device(user)
    client = Client()
    _password_step(client, user.username)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/2fa/", {"token": wrong})
    assert response.status_code == 400
    assert wrong.encode() in response.content  # what was typed is shown again
    assert client.get("/people/").status_code == 302
    assert AuditEntry.objects.filter(action=Action.OTP_FAILED, actor_id=user.pk).count() == 1


def test_enrolment_with_qr_code_then_backup_codes_work_once(make_user) -> None:  # type: ignore[no-untyped-def]
    """A new user must enrol: the QR is an inline SVG we render; backup codes are single-use."""
    user = UserFactory(roles=["case_worker"])
    client = Client()
    response = _password_step(client, user.username)
    response = client.get("/accounts/2fa/", follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/accounts/2fa/setup/"
    assert "<svg" in page and "otpauth" not in page.split("<svg")[0]
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post("/accounts/2fa/setup/", {"token": _code(device), "password": "not-it"})
    assert wrong.status_code == 400 and not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    response = client.post("/accounts/2fa/setup/", {"token": _code(device), "password": PASSWORD})
    assert response.status_code == 200
    codes = re.findall(r"<li>([a-z0-9]{8})</li>", response.content.decode())
    assert len(codes) == 10
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert AuditEntry.objects.filter(action=Action.OTP_ENROLLED, actor_id=user.pk).exists()

    for attempt in range(2):
        other = Client()
        _password_step(other, user.username)
        response = other.post("/accounts/2fa/", {"token": codes[0]})
        if attempt == 0:
            assert response.status_code == 302
            assert other.get("/people/").status_code == 200
        else:
            assert response.status_code == 400  # used up


def test_lockout_after_repeated_wrong_passwords(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _password_step(client, user.username, "wrong-password")
    assert response.status_code == 429
    # Even the right password is refused now.
    response = _password_step(client, user.username)
    assert response.status_code == 429
    # Nobody logged in: the first failure is recorded at once, the repeats as one count.
    failures = AuditEntry.objects.filter(action=Action.LOGIN_FAILED, object_id=str(user.pk))
    assert failures.count() == 1
    assert AuditEntry.objects.filter(action=Action.LOCKED_OUT).exists()
    anonymous.flush(everything=True)
    summary = failures.order_by("-seq").first()
    assert summary is not None and int(summary.fields[0].removeprefix("count:")) >= 4


def test_failed_login_with_unknown_username_keeps_no_trace_of_it() -> None:
    """People type passwords into the username box: an unknown username is not logged."""
    client = Client()
    _password_step(client, "my-secret-password-typed-here", "x")
    entry = AuditEntry.objects.get(action=Action.LOGIN_FAILED)
    assert entry.actor_username == ""
    assert b"my-secret-password" not in entry.canonical()


def test_session_cookie_flags_and_idle_timeout(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    client = Client()
    response = _password_step(client, user.username)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "Strict"
    assert settings.SESSION_COOKIE_AGE == settings.IDLE_TIMEOUT_MINUTES * 60 == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert 0 < client.session.get_expiry_age() <= 30 * 60


def test_idle_session_expires(make_user, login) -> None:  # type: ignore[no-untyped-def]
    """A session idle for longer than the timeout no longer opens any page."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = login(make_user("case_worker"))
    assert client.get("/people/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/people/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_first_login_with_temporary_password_must_change_it(make_user, login) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker", must_change_password=True)
    client = login(user)
    assert client.get("/people/")["Location"] == "/accounts/password/"
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-better-passphrase",
            "new_password2": "a-much-better-passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/people/").status_code == 200


def test_argon2_is_the_password_hasher(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = UserFactory()
    user.set_password("another-long-passphrase")
    assert user.password.startswith("argon2")
