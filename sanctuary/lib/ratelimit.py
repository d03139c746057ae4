"""Sliding-window rate limits kept in this process's memory only.

Public pages (the unseal page, the intake form) must slow down floods without storing who
sent what: client addresses are keyed with a random per-process HMAC key before they are
used as dictionary keys, and everything is forgotten when the window passes or the process
restarts. (django-axes covers logins; nothing in our stack limits anonymous forms, and the
server runs one worker process, so memory is the one shared place.)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time

from django.conf import settings
from django.http import HttpRequest

_PROCESS_KEY = os.urandom(32)


def client_address(request: HttpRequest) -> str:
    """The client's address for rate limits only (never stored). Behind a proxy every
    request comes from the proxy: set ``CLIENT_IP_HEADER`` (e.g. ``HTTP_X_REAL_IP``) to the
    header the proxy sets, and make sure the proxy overwrites it."""
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    forwarded = request.META.get(header, "") if header else ""
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "")


def client_key(address: str) -> str:
    return hmac.new(_PROCESS_KEY, address.encode(), hashlib.sha256).hexdigest()[:24]


class SlidingWindow:
    """At most ``limit`` events per key in any ``seconds``-long window."""

    def __init__(self, limit: int, seconds: float, max_keys: int = 5000) -> None:
        self.limit = limit
        self.seconds = seconds
        self.max_keys = max_keys
        self._events: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def over(self, key: str = "") -> bool:
        """Whether ``key`` is at its limit now, without counting anything (for limits that
        count only what succeeded: see :meth:`hit`)."""
        now = time.monotonic()
        with self._lock:
            return len([t for t in self._events.get(key, []) if now - t < self.seconds]) >= self.limit

    def hit(self, key: str = "") -> bool:
        """Count one event; True when it goes over the limit (then it is not counted)."""
        now = time.monotonic()
        with self._lock:
            times = [t for t in self._events.get(key, []) if now - t < self.seconds]
            over = len(times) >= self.limit
            if not over:
                times.append(now)
            self._events[key] = times
            if len(self._events) > self.max_keys:  # forget keys that went quiet
                for stale in [k for k, v in self._events.items() if not v or now - v[-1] >= self.seconds]:
                    del self._events[stale]
            return over

    def reset(self) -> None:
        with self._lock:
            self._events.clear()
