"""Backups in tests: a backup identity whose public key is the configured recipient, an empty
place to restore into (a SQLite file, or a new PostgreSQL database beside the test one when
the suite runs on PostgreSQL), and a way to look inside a restored database from a child
process whose settings name it (as the commands do)."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from pyrage import x25519

from sanctuary.backup.databases import Database, drop_scratch_pg
from sanctuary.people.models import Person, PersonDocument
from tests.factories import PersonFactory

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + b"backup test image bytes " * 40


@dataclass
class Keys:
    identity_file: Path
    public: str


@pytest.fixture
def backup_keys(tmp_path: Path, settings: Any) -> Keys:
    identity = x25519.Identity.generate()
    path = tmp_path / "backup-identity.txt"
    path.write_text(f"# created by the test\n# public key: {identity.to_public()}\n{identity}\n", encoding="utf-8")
    settings.BACKUP_RECIPIENTS = [str(identity.to_public())]
    settings.BACKUP_RECIPIENTS_FILE = tmp_path / "no-such-recipients-file"
    return Keys(identity_file=path, public=str(identity.to_public()))


@pytest.fixture
def other_identity(tmp_path: Path) -> Path:
    path = tmp_path / "other-identity.txt"
    path.write_text(f"{x25519.Identity.generate()}\n", encoding="utf-8")
    return path


def live_db() -> Database:
    return Database.from_settings(connection.settings_dict)


@pytest.fixture
def make_target(tmp_path: Path) -> Iterator[Any]:
    """``make_target()`` gives an empty database of the suite's kind, and a var folder."""
    made: list[Database] = []

    def make(name: str = "restored") -> tuple[Database, Path]:
        live = live_db()
        var_dir = tmp_path / f"{name}-var"
        if live.vendor == "sqlite":
            return Database(vendor="sqlite", name=str(tmp_path / f"{name}.sqlite3")), var_dir
        target_name = f"{live.name}_{name}_{secrets.token_hex(3)}"[:63]
        conn = live.connect_pg(autocommit=True)
        try:
            conn.execute(f'CREATE DATABASE "{target_name}"')
        finally:
            conn.close()
        target = Database(**{**live.__dict__, "name": target_name})
        made.append(target)
        return target, var_dir

    yield make
    for target in made:
        drop_scratch_pg(live_db(), target)


def people_with_documents(team: Any, count: int = 6) -> list[Person]:
    people = []
    for i in range(count):
        person = PersonFactory(team=team, alias=f"Ko Backup{i}", true_name=f"Aung Backupname{i} Kyaw")
        document = PersonDocument(person=person, title=f"passport of Backupname{i}", content_type="image/png")
        data = PNG + str(i).encode()
        document.size = len(data)
        document.stored_name = document.write_file(data)
        document.save()
        people.append(person)
    return people


def backup(path: Path) -> str:
    call_command("backup", str(path))
    return str(path)


def run_in(target: Database, var_dir: Path, code: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run Python ``code`` with Django set up on ``target`` (its own settings, like the commands' child)."""
    env = {**os.environ, "DATABASE_URL": target.url(), "SANCTUARY_VAR_DIR": str(var_dir)}
    env["DJANGO_SETTINGS_MODULE"] = "sanctuary.settings"
    prelude = "import django\ndjango.setup()\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


READ_BACK = """
import hashlib, json, sys
from sanctuary.vault import state
state.unseal_with_shares(sys.stdin.read().split())
from sanctuary.people.models import Person, PersonDocument
people = sorted([p.case_code, p.alias, p.true_name] for p in Person.objects.all())
documents = sorted(
    [d.stored_name, d.title, hashlib.sha256(d.read_file()).hexdigest()] for d in PersonDocument.objects.all()
)
print(json.dumps({"people": people, "documents": documents}))
"""


def decrypted_here() -> dict[str, Any]:
    """The same values, read in this process from the live database."""
    people = sorted([p.case_code, p.alias, p.true_name] for p in Person.objects.all())
    documents = sorted(
        [d.stored_name, d.title, hashlib.sha256(d.read_file()).hexdigest()] for d in PersonDocument.objects.all()
    )
    return json.loads(json.dumps({"people": people, "documents": documents}))


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)
