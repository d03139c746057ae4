"""A random secret kept in a file that only the service user can read (mode 0600).

Used for the Django secret key and the vault's control token. No Django imports: the
settings module uses it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def read_or_create_secret(path: Path, nbytes: int = 48) -> str:
    """Return the secret in ``path``, creating it first if missing.

    O_EXCL: two processes starting at once never overwrite each other's secret.
    """
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(nbytes))
    return path.read_text(encoding="ascii").strip()
