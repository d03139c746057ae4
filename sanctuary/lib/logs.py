"""Secrets that travel in a path never reach a log.

A printed certificate's address is ``/c/<code>``, and the code opens the sealed statement
(the name as printed). A seized log plus a seized database must not say who holds a
certificate, so every path under a prefix a stage declares (``Stage.redacted_paths``) is
logged as the prefix and "…": in gunicorn's access log (``gunicorn.conf.py``) and in
Django's request log (the ``RedactPaths`` filter on every handler, ``settings.LOGGING``).
"""

from __future__ import annotations

import logging

from sanctuary.lib import stages


def redact(path: str) -> str:
    for prefix in stages.redacted_paths():
        if path.startswith(prefix) and len(path) > len(prefix):
            return prefix + "…"
    return path


class RedactPaths(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = " ".join(redact(word) for word in record.msg.split(" "))
        return True
