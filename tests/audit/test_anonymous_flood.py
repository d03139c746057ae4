"""Anonymous requests cannot flood the audit log: the first event of a kind is recorded at
once, the repeats of the same kind within the window become one entry with a count
(issue 17, low). A logged-in user's events are recorded one by one, as always."""

from __future__ import annotations

from typing import Any

from django.test import Client

from sanctuary.audit import anonymous
from sanctuary.audit.log import verify_chain
from sanctuary.audit.models import Action, AuditEntry
from tests.accounts.test_login_two_factor import _code
from tests.factories import PASSWORD, totp_device


def test_two_hundred_failed_logins_write_two_entries_that_count_them_all(db: None) -> None:
    """200 failed logins (each a different guessed username, so no lockout stops them) leave
    one entry at once and, once the window is summed up, one entry saying 200."""
    client = Client()
    for n in range(200):
        response = client.post("/accounts/login/", {"username": f"guess{n}", "password": "x"})
        assert response.status_code == 200
    failures = AuditEntry.objects.filter(action=Action.LOGIN_FAILED)
    assert failures.count() == 1  # the first, at once
    assert failures.get().fields == []
    assert anonymous.flush(everything=True) == 1
    assert failures.count() == 2
    assert failures.order_by("-seq").first().fields == ["count:200"]  # type: ignore[union-attr]
    assert AuditEntry.objects.count() <= 3
    assert verify_chain() == (AuditEntry.objects.count(), None)


def test_a_new_window_records_its_first_event_at_once(db: None, settings: Any) -> None:
    """When the window has passed, the next event is recorded at once (a real first event is
    never held back), after the summary of the window before."""
    settings.AUDIT_ANONYMOUS_WINDOW = 0
    for _ in range(3):
        assert anonymous.record_anonymous(Action.UNSEAL_REFUSED, object_type="vault", object_id="malformed")
    assert AuditEntry.objects.filter(action=Action.UNSEAL_REFUSED).count() == 3


def test_a_logged_in_users_failures_are_never_aggregated(make_user: Any) -> None:
    """Wrong two-factor codes after a right password: the user is known, each is recorded."""
    user = make_user("case_worker")
    device = totp_device(user)
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    for _ in range(3):
        assert client.post("/accounts/2fa/", {"token": wrong}).status_code == 400
    assert AuditEntry.objects.filter(action=Action.OTP_FAILED, actor_id=user.pk).count() == 3
    assert anonymous.flush(everything=True) == 0
