"""The nightly duplicate scan, in the server process.

A scan reads decrypted names and computes blind indexes, so it must run where the unsealed
keys are: in the one gunicorn worker (``sanctuary/gunicorn.conf.py``), never in a separate
task worker that would need keys of its own. django-tasks has no periodic scheduling, so a
daemon thread waits for the configured hour (``MATCHING_NIGHTLY_HOUR``, local time) and
starts the same scan job as the "Scan now" button (``sanctuary.background``), when the vault is
unsealed and no scan is already running. A sealed server skips the night and tries again the
next.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

log = logging.getLogger(__name__)
_started = threading.Event()


def seconds_until(hour: int, now: datetime | None = None) -> float:
    now = now or timezone.localtime()
    target = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    return (target - now).total_seconds()


def run_if_due() -> bool:
    """Start a scan unless sealed or one is running (started in the last 6 hours)."""
    from sanctuary.background.models import Job, JobState
    from sanctuary.matching.actions import SCAN, start_scan
    from sanctuary.vault import state

    if state.is_sealed():
        log.info("nightly duplicate scan skipped: the vault is sealed")
        return False
    if Job.objects.filter(kind=SCAN, state__in=[JobState.QUEUED, JobState.RUNNING]).exists():
        return False
    start_scan(None)
    return True


def _loop(hour: int) -> None:
    while True:
        time.sleep(seconds_until(hour))
        try:
            run_if_due()
        except Exception:  # the next night tries again; the traceback holds no values
            log.exception("nightly duplicate scan failed to start")
        finally:
            close_old_connections()


def start() -> None:
    """Called once per server process (gunicorn's post_worker_init)."""
    hour = getattr(settings, "MATCHING_NIGHTLY_HOUR", None)
    if hour is None or _started.is_set():
        return
    _started.set()
    threading.Thread(target=_loop, args=(hour,), name="nightly-scan", daemon=True).start()
