"""backup → restore → verify_audit gives the same rows and the same decrypted values and files,
on the suite's database (SQLite, and PostgreSQL when the suite runs there)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from sanctuary.audit.models import Action, AuditEntry
from sanctuary.backup import databases
from sanctuary.backup.archive import peek
from sanctuary.backup.keys import identities
from sanctuary.people.models import Person
from sanctuary.vault.models import VaultConfig
from tests.backup.conftest import READ_BACK, backup, decrypted_here, live_db, media_root, people_with_documents, run_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_restore_verify_gives_identical_counts_values_and_files(
    backup_keys, make_target, team_a, vault_shares, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    people_with_documents(team_a)
    expected = decrypted_here()
    assert len(expected["people"]) == 6 and len(expected["documents"]) == 6
    out = tmp_path / "nightly.age"
    backup(out)
    printed = capsys.readouterr().out
    made = peek(out, identities(str(backup_keys.identity_file), io.StringIO()))
    assert f"Backup {made.id} written" in printed
    assert made.vendor == live_db().vendor
    assert made.counts["people_person"] == 6 and made.counts["people_persondocument"] == 6
    assert made.keys.key_epoch == VaultConfig.objects.get().key_epoch
    assert made.manifest["software"]["version"] and "audit" in made.manifest["software"]["migrations"]
    audit_rows_at_backup = made.counts["audit_auditentry"]

    target, var_dir = make_target()
    call_command("restore", str(out), identity=str(backup_keys.identity_file), into=target.url(), var_dir=str(var_dir))
    printed = capsys.readouterr().out
    assert "Row counts match the manifest." in printed
    restored_counts = databases.counts(target)
    for table, rows in made.counts.items():
        if table != "audit_auditentry":
            assert restored_counts[table] == rows, table
    # The restore is appended to the restored audit log, which still verifies.
    assert restored_counts["audit_auditentry"] == audit_rows_at_backup + 1
    verified = run_in(target, var_dir, "from django.core.management import call_command\ncall_command('verify_audit')")
    assert verified.returncode == 0, verified.stderr
    assert "entries intact" in verified.stdout
    last = run_in(
        target,
        var_dir,
        "from sanctuary.audit.models import AuditEntry\ne = AuditEntry.objects.order_by('-seq').first()\n"
        "print(e.action, e.object_id, e.fields)",
    )
    assert last.stdout.split()[:2] == [Action.RESTORED.value, made.id]

    # Decrypted with the shares: the same names, titles and file contents.
    read = run_in(target, var_dir, READ_BACK, stdin="\n".join(vault_shares[:2]))
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout.strip().splitlines()[-1]) == expected
    restored_files = {p.relative_to(var_dir / "media") for p in (var_dir / "media").rglob("*") if p.is_file()}
    live_files = {p.relative_to(media_root()) for p in media_root().rglob("*") if p.is_file()}
    assert restored_files == live_files and len(live_files) == 6
    # The live database saw the backup and the restore elsewhere, without a value in either entry.
    entries = list(AuditEntry.objects.filter(action__in=[Action.BACKUP, Action.RESTORED]).order_by("seq"))
    assert [(e.action, e.object_id) for e in entries] == [(Action.BACKUP, made.id), (Action.RESTORED, made.id)]
    for entry in entries:
        assert "Backup" not in json.dumps([entry.object_type, entry.object_id, entry.fields])


def test_sessions_are_not_in_a_backup(backup_keys, make_target, team_a, make_user, login, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A session key is a bearer token of the live server: backups leave them out."""
    login(make_user("case_worker")).get("/")
    from django.contrib.sessions.models import Session

    assert Session.objects.exists()
    out = tmp_path / "b.age"
    backup(out)
    made = peek(out, identities(str(backup_keys.identity_file), io.StringIO()))
    assert made.counts["django_session"] == 0
    target, var_dir = make_target()
    call_command("restore", str(out), identity=str(backup_keys.identity_file), into=target.url(), var_dir=str(var_dir))
    assert databases.counts(target)["django_session"] == 0
    assert Person.objects.count() == 0  # nothing else was made here


def test_the_identity_can_come_on_standard_input(backup_keys, make_target, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "b.age"
    backup(out)
    target, var_dir = make_target()
    call_command(
        "restore",
        str(out),
        identity="-",
        into=target.url(),
        var_dir=str(var_dir),
        stdin=io.StringIO(backup_keys.identity_file.read_text()),
    )
    assert "Row counts match the manifest." in capsys.readouterr().out
    assert databases.contents(target) == databases.DATA


def test_backup_to_standard_output_is_the_same_format(backup_keys, make_target, tmp_path, capfdbinary) -> None:  # type: ignore[no-untyped-def]
    call_command("backup", "-")
    captured = capfdbinary.readouterr()
    assert captured.out.startswith(b"age-encryption.org/v1\n")
    path = tmp_path / "piped.age"
    path.write_bytes(captured.out)
    target, var_dir = make_target()
    call_command("restore", str(path), identity=str(backup_keys.identity_file), into=target.url(), var_dir=str(var_dir))
    assert databases.contents(target) == databases.DATA
    assert Path(var_dir / "media").is_dir()
