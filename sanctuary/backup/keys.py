"""The age keys of backups: the recipients a backup is encrypted to (public, configured on
the server) and the identities that open one (secret, kept away from the server and given to
``restore`` and ``restore_drill`` only when they run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from django.conf import settings

from sanctuary.backup.refusals import BackupRefused
from sanctuary.vault import streams


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def recipients() -> list[Any]:
    """``SANCTUARY_BACKUP_RECIPIENTS`` and the lines of ``SANCTUARY_BACKUP_RECIPIENTS_FILE``."""
    keys = list(getattr(settings, "BACKUP_RECIPIENTS", []))
    path = Path(getattr(settings, "BACKUP_RECIPIENTS_FILE", ""))
    if str(path) and path.is_file():
        keys += _lines(path.read_text(encoding="utf-8"))
    if not keys:
        raise BackupRefused("no_recipients")
    found = []
    for number, key in enumerate(keys, start=1):
        try:
            found.append(streams.recipient(key))
        except ValueError:
            raise BackupRefused("bad_recipient", number=number) from None
    return found


def identities(given: str, stdin: TextIO) -> list[Any]:
    """The identities in the file ``given`` (``-``: standard input), as ``age-keygen`` writes
    them (``AGE-SECRET-KEY-1…`` lines, ``#`` comments)."""
    try:
        text = stdin.read() if given == "-" else Path(given).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise BackupRefused("identity_file") from None
    lines = _lines(text)
    if not lines:
        raise BackupRefused("identity_file")
    try:
        return [streams.identity(line) for line in lines]
    except ValueError:
        raise BackupRefused("identity_file") from None
