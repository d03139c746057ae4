"""Events nobody logged in causes (failed logins, lockouts, refused unseal shares), recorded
without letting a flood fill the audit log.

The first event of a kind in a window (``AUDIT_ANONYMOUS_WINDOW`` seconds, default 60) is
recorded at once, as any entry. Repeats of the same kind (same action, object and account)
in that window are only counted, in this process's memory (the server runs one worker
process, as for ``sanctuary.lib.ratelimit``), and one summary entry with ``count:<n>`` (every
event of the window, the first included) is written when the window has closed: at the
next anonymous event of any kind, or by :func:`flush`. A flood of any size writes at most two
entries per kind and window. Events of a logged-in user never come here: they are recorded
one by one, as always.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings

from sanctuary.audit.log import record

Key = tuple[str, str, str, str]  # action, object type, object id, username


@dataclass
class _Window:
    started: float
    count: int


_lock = threading.Lock()
_open: dict[Key, _Window] = {}


def _seconds() -> float:
    return float(getattr(settings, "AUDIT_ANONYMOUS_WINDOW", 60))


def _summary(key: Key, window: _Window) -> None:
    action, object_type, object_id, username = key
    record(
        None, action, object_type=object_type, object_id=object_id, username=username, fields=[f"count:{window.count}"]
    )


def flush(everything: bool = False) -> int:
    """Write the summary of every window that has closed (of every open window with
    ``everything``); returns how many summaries were written. A window of a single event
    needs none: its entry is already there."""
    now = time.monotonic()
    with _lock:
        closed = [key for key, w in _open.items() if everything or now - w.started >= _seconds()]
        done = [(key, _open.pop(key)) for key in closed]
    written = 0
    for key, window in done:
        if window.count > 1:
            _summary(key, window)
            written += 1
    return written


def record_anonymous(action: str, *, object_type: str = "", object_id: str | int = "", username: str = "") -> bool:
    """Record an anonymous event, aggregated; True when it was written at once (the first of
    its window), False when it was counted for the window's summary."""
    flush()
    key: Key = (str(action), object_type, str(object_id), username[:150])
    with _lock:
        window = _open.get(key)
        if window is not None:
            window.count += 1
            return False
        _open[key] = _Window(time.monotonic(), 1)
    record(None, action, object_type=object_type, object_id=object_id, username=username)
    return True


def reset() -> None:
    """Forget every open window without writing it (tests)."""
    with _lock:
        _open.clear()
