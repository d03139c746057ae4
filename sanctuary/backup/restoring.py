"""Restoring a backup into an empty place: a database with no tables and an empty media folder.

Two passes over the file. The first decrypts everything, checks every hash against the
checksums, and checks the backup against the place (same kind of database, empty) and against
this deployment's vault (``keystate.check``) — all before anything is written, so a damaged
backup, a wrong identity or a backup of another vault writes nothing. The second pass writes:
the dump into the database (``databases.Loader``), the files into a folder beside the media
folder, renamed into place at the end. A failure in the second pass (the file changed in
between, a full disk) removes what it wrote.

Then a child process, with the restored database and var folder as its own, brings the
database up to this version's migrations and appends the restore to the restored audit log
(``sanctuary.backup.inside``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from sanctuary.backup import databases, keystate
from sanctuary.backup.archive import Backup, Reader, check_software
from sanctuary.backup.refusals import BackupRefused

RESULT_MARK = "SANCTUARY-BACKUP-RESULT "
VENDOR_NAMES = {databases.SQLITE: "SQLite", databases.POSTGRESQL: "PostgreSQL"}


@dataclass(frozen=True)
class Place:
    db: databases.Database
    var_dir: Path
    media_dir: Path


@dataclass
class Restored:
    backup: Backup
    notes: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)  # tables whose rows differ from the manifest
    files: int = 0


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() or p.is_symlink() for p in folder.rglob("*"))


def check_place(place: Place) -> None:
    found = databases.contents(place.db)
    if found == databases.DATA:
        raise BackupRefused("not_empty")
    if found == databases.TABLES:
        raise BackupRefused("has_tables")
    if _has_files(place.media_dir):
        raise BackupRefused("media_not_empty", path=str(place.media_dir))


class _Media:
    """Files go into a private folder beside the media folder, renamed into place at the end."""

    def __init__(self, target: Path) -> None:
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.staging = target.with_name(f".{target.name}.restoring-{secrets.token_hex(4)}")
        self.staging.mkdir(mode=0o700)
        self.count = 0

    def write(self, relative: str, chunks: Iterator[bytes]) -> None:
        path = self.staging / relative
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            for block in chunks:
                handle.write(block)
        self.count += 1

    def commit(self) -> None:
        if self.target.exists():
            if _has_files(self.target):  # filled since the first pass: never overwrite
                raise BackupRefused("media_not_empty", path=str(self.target))
            shutil.rmtree(self.target)
        os.replace(self.staging, self.target)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def restore(path: Path, identities: list[Any], place: Place, reference: keystate.KeyState | None) -> Restored:
    result: Restored | None = None

    def first_look(backup: Backup) -> None:
        nonlocal result
        if backup.vendor != place.db.vendor:
            raise BackupRefused(
                "vendor_mismatch", backup=VENDOR_NAMES[backup.vendor], target=VENDOR_NAMES[place.db.vendor]
            )
        check_software(backup)
        result = Restored(backup=backup, notes=keystate.check(backup.keys, reference))
        check_place(place)

    verified = Reader(on_manifest=first_look).run(path, identities)
    if result is None:
        raise BackupRefused("not_a_backup")

    def same_backup(backup: Backup) -> None:
        if backup.id != verified.id:
            raise BackupRefused("corrupted")

    loader = databases.Loader(place.db)
    media: _Media | None = None
    try:
        media = _Media(place.media_dir)
        written = Reader(on_manifest=same_backup, on_database=loader.write, on_media=media.write).run(path, identities)
        if written.checksums != verified.checksums:
            raise BackupRefused("corrupted")
        loader.finish()
        loader.commit()
        media.commit()
    except BaseException:
        loader.abort()
        if media is not None:
            media.abort()
        raise
    result.files = media.count
    result.mismatched = compare_counts(verified.counts, databases.counts(place.db))
    return result


def compare_counts(expected: dict[str, int], found: dict[str, int]) -> list[str]:
    return sorted(table for table in set(expected) | set(found) if expected.get(table) != found.get(table))


def run_inside(place: Place, task: str, args: list[str], stdin: str = "") -> dict[str, Any]:
    """Run ``sanctuary.backup.inside`` with ``place`` as its database and var folder; return
    the result it prints. Its keys (a drill unseals) live and die in that process."""
    env = {k: v for k, v in os.environ.items() if k not in ("SANCTUARY_DEMO_AUTO_UNSEAL",)}
    env.update(
        {
            "DATABASE_URL": place.db.url(),
            "SANCTUARY_VAR_DIR": str(place.var_dir),
            "DJANGO_SETTINGS_MODULE": "sanctuary.settings",
        }
    )
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "sanctuary.backup.inside", task, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        check=False,
    )
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return dict(json.loads(line[len(RESULT_MARK) :]))
    lines = [line for line in completed.stderr.strip().splitlines() if line.strip()]
    raise BackupRefused("finish_failed", detail=lines[-1][:300] if lines else f"exit {completed.returncode}")
