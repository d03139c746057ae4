"""Nothing is written in clear while a backup runs, nor left after: no dump, no tar, no
manifest, no name on disk anywhere but inside the age-encrypted output (the seizure test's
way, tests/vault/test_seizure.py: read every file and look for what must not be there)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from sanctuary.backup import archive, keys
from sanctuary.backup.databases import Database
from tests.backup.conftest import backup, people_with_documents

pytestmark = pytest.mark.django_db(transaction=True)

# What a dump or an archive in clear would hold: the formats' own signatures, our manifest.
STRUCTURE = [b"SQLite format 3\x00", b"PGDMP", b"ustar", b'"key_epoch"', b"manifest.json", b"CREATE TABLE"]


def _live_database_files() -> set[Path]:
    """The live database itself (SQLite): it is the thing being backed up, not a copy."""
    if connection.vendor != "sqlite":
        return set()
    name = Path(connection.settings_dict["NAME"])
    return {name, *(Path(f"{name}{suffix}") for suffix in ("-wal", "-shm", "-journal"))}


def _leaks(roots: list[Path], needles: list[bytes], skip: set[Path]) -> list[str]:
    found = []
    for root in roots:
        for path in root.rglob("*"):
            # Other test databases and the demo database sit in var/: they are databases, not copies.
            if not path.is_file() or path in skip or path.name.startswith(("test-sanctuary-", "sanctuary.sqlite3")):
                continue
            content = path.read_bytes()
            found += [f"{needle!r} in {path}" for needle in needles if needle in content]
    return found


class _Watching:
    """The output file, which looks at every file on disk while the backup is being written."""

    def __init__(self, dest: Any, check: Any) -> None:
        self.dest, self.check, self.writes = dest, check, 0

    def write(self, data: bytes) -> int:
        self.writes += 1
        if self.writes % 3 == 1:
            self.check()
        return int(self.dest.write(data))

    def flush(self) -> None:
        self.dest.flush()


def test_no_clear_text_on_disk_while_or_after_backing_up(backup_keys, team_a, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    people = people_with_documents(team_a, count=8)
    needles = [*STRUCTURE]
    for person in people:
        needles += [person.alias.encode(), person.true_name.encode()]
    needles += [b"passport of Backupname"]
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    roots = [scratch, out_dir, Path(settings.VAR_DIR), Path(settings.MEDIA_ROOT), Path(tempfile.gettempdir())]
    skip = _live_database_files()
    checks: list[list[str]] = []

    def check() -> None:
        checks.append(_leaks(roots, needles, skip))

    with open(out_dir / "watched.age", "wb") as handle:
        sink = _Watching(handle, check)
        archive.write(
            sink,  # type: ignore[arg-type]
            keys.recipients(),
            Database.from_settings(connection.settings_dict),
            Path(settings.MEDIA_ROOT),
        )
    assert len(checks) > 3  # looked while the stream was being written
    assert all(found == [] for found in checks), [c for c in checks if c]

    backup(out_dir / "nightly.age")
    assert _leaks(roots, needles, skip) == []
    for written in out_dir.iterdir():
        data = written.read_bytes()
        assert data.startswith(b"age-encryption.org/v1\n") and len(data) > 100_000
    assert sorted(p.name for p in out_dir.iterdir()) == ["nightly.age", "watched.age"]  # no partial left
    assert [p for p in scratch.rglob("*")] == []


def test_a_failed_backup_leaves_no_file(backup_keys, team_a, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A file the rows name is missing: the backup stops, and its partial output is removed."""
    from sanctuary.people.models import PersonDocument
    from sanctuary.vault import files

    people_with_documents(team_a, count=2)
    files.delete(PersonDocument.objects.first().stored_name)  # type: ignore[union-attr]
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="1 files that the database names are missing"):
        call_command("backup", str(tmp_path / "b.age"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup-identity.txt"]
    call_command("backup", str(tmp_path / "b.age"), allow_missing_files=True)
    assert (tmp_path / "b.age").exists()
