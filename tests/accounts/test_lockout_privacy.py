"""Failed logins keep no staff member's address or browser, successful ones are not logged,
old records are purged, and lockout still works (issue 17, low)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessLog
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.23"
BROWSER = "Mozilla/5.0 (Linux; Android 10; SM-A105F) Chrome/118"


def _client() -> Client:
    return Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=BROWSER)


def test_failures_are_kept_as_keyed_hashes_and_successes_not_at_all(make_user: Any) -> None:
    user = make_user("case_worker", username="ko")
    for _ in range(2):
        _client().post("/accounts/login/", {"username": "ko", "password": "wrong"})
    attempt = AccessAttempt.objects.get(username="ko")
    assert attempt.failures_since_start == 2  # one row: the same hashes each time
    assert attempt.ip_address.startswith("fd") and ADDRESS not in attempt.ip_address
    assert attempt.user_agent.startswith("ua:") and "Android" not in attempt.user_agent
    other = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT=BROWSER)
    other.post("/accounts/login/", {"username": "ko", "password": "wrong"})
    assert AccessAttempt.objects.filter(username="ko").values("ip_address").distinct().count() == 2
    _client().post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert not AccessLog.objects.exists()


def test_old_failures_are_purged(make_user: Any) -> None:
    make_user("case_worker", username="ko")
    _client().post("/accounts/login/", {"username": "ko", "password": "wrong"})
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(days=31))
    _client().post("/accounts/login/", {"username": "someone-else", "password": "wrong"})
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["someone-else"]


def test_lockout_still_counts_per_username(make_user: Any, settings: Any) -> None:
    make_user("case_worker", username="ko")
    for n in range(settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR=f"203.0.113.{n}", HTTP_USER_AGENT=f"agent {n}").post(
            "/accounts/login/", {"username": "ko", "password": "wrong"}
        )
    response = _client().post("/accounts/login/", {"username": "ko", "password": PASSWORD})
    assert response.status_code in (403, 429) or b"locked" in response.content.lower()
