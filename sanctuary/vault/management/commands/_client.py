"""Talking to the running server from management commands (loopback only)."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any, TextIO

from django.conf import settings


def post(path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 - the URL is our own server, from settings
        settings.SANCTUARY_URL.rstrip("/") + path,
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            # Messages from the server in the operator's language (English unless set).
            "Accept-Language": os.environ.get("SANCTUARY_CLI_LANGUAGE", "en"),
            **(headers or {}),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def get(path: str) -> dict[str, Any]:
    with urllib.request.urlopen(settings.SANCTUARY_URL.rstrip("/") + path, timeout=10) as response:  # noqa: S310
        return dict(json.loads(response.read()))


def read_shares(stream: TextIO | None = None) -> list[str]:
    """Shares from standard input (or ``stream``), one per line; blank lines ignored."""
    text = (stream or sys.stdin).read()
    return [line.strip() for line in text.splitlines() if line.strip()]
