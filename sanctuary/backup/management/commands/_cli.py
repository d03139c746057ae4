"""What the backup commands share: the operator's language and the deployment's own place."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.db import connection

from sanctuary.backup import databases
from sanctuary.backup.restoring import Place


def language() -> str:
    """Messages in the operator's language, as the vault commands (English unless set)."""
    return os.environ.get("SANCTUARY_CLI_LANGUAGE", "en")


def live_database() -> databases.Database:
    return databases.Database.from_settings(connection.settings_dict)


def live_place() -> Place:
    return Place(db=live_database(), var_dir=Path(settings.VAR_DIR), media_dir=Path(settings.MEDIA_ROOT))


def size_text(size: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)
