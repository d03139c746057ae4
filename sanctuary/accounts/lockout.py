"""django-axes, keeping no staff member's address or browser (issue 17, low).

Axes records each failed login with the client's IP address and user agent, and each
successful one in an access log, for ever. On a seized server that is a list of where each
member of staff logged in from. Here:

- the address is stored as a keyed hash, shaped as an IPv6 address in the unique-local range
  (``fd00::/8``) so it fits axes' ``GenericIPAddressField`` (PostgreSQL ``inet``): the same
  address gives the same value, so a burst from one place is still visible, but it names
  no one without the server's secret key;
- the user agent is a keyed hash too;
- successful logins are not logged (``AXES_DISABLE_ACCESS_LOG``), and failure records older
  than ``AXES_RETENTION_DAYS`` are deleted whenever a new failure is recorded.

Lockout itself counts per username (``AXES_LOCKOUT_PARAMETERS``), so nothing is lost by it.
Axes has no setting for the user agent, hence the handler subclass.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sanctuary.lib.ratelimit import client_address


def _keyed(purpose: str, value: str) -> bytes:
    return salted_hmac(f"sanctuary.accounts.lockout.{purpose}", value, algorithm="sha256").digest()


def hashed_address(request: HttpRequest) -> str:
    """``AXES_CLIENT_IP_CALLABLE``: the client's address as a keyed hash in ``fd00::/8``."""
    digest = _keyed("ip", client_address(request))
    return str(ipaddress.IPv6Address(b"\xfd" + digest[:15]))


def _scrub(request: HttpRequest | None) -> None:
    if request is None:
        return
    AxesProxyHandler.update_request(request)
    agent = request.META.get("HTTP_USER_AGENT", "")
    request.axes_user_agent = "ua:" + _keyed("ua", agent).hex()[:24]  # type: ignore[attr-defined]


class PrivateAxesHandler(AxesDatabaseHandler):  # type: ignore[misc]
    def user_login_failed(self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
        _scrub(request)
        super().user_login_failed(sender, credentials, request, **kwargs)
        cutoff = timezone.now() - timedelta(days=int(getattr(settings, "AXES_RETENTION_DAYS", 30)))
        AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
        AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        _scrub(request)
        super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        _scrub(request)
        super().user_logged_out(sender, request, user, **kwargs)
