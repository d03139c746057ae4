"""restore_drill proves a backup is usable: scratch restore, verify_audit, unseal with the
shares on stdin (in a child process, never this one nor a server), sample decryption, counts
against the manifest, a report in the operator's language, and a wiped scratch database. Each
check can fail, and the scratch database is wiped whatever happened."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from sanctuary.audit.models import Action, AuditEntry
from sanctuary.backup.databases import Database
from sanctuary.vault import keys, state
from sanctuary.vault.models import VaultConfig
from sanctuary.vault.shares import decode_share, encode_share
from tests.backup.conftest import backup, people_with_documents

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scratch_tmp(tmp_path, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    """The drill's temporary folder goes here, to see that it is gone afterwards."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return folder


@pytest.fixture
def nightly(backup_keys, team_a, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    people_with_documents(team_a, count=6)
    out = tmp_path / "nightly.age"
    backup(out)
    return out


def drill(path: Path, identity: Path, shares: list[str], capsys) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    try:
        call_command("restore_drill", str(path), identity=str(identity), stdin=io.StringIO("\n".join(shares) + "\n"))
        code = 0
    except SystemExit as stop:
        code = int(stop.code or 0)
    return code, capsys.readouterr().out


def assert_wiped(scratch_tmp: Path) -> None:
    assert list(scratch_tmp.iterdir()) == []
    if connection.vendor == "postgresql":
        live = Database.from_settings(connection.settings_dict)
        conn = live.connect_pg(autocommit=True)
        try:
            left = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'sanctuary_drill_%'").fetchall()
        finally:
            conn.close()
        assert left == []


def last_drill() -> AuditEntry:
    return AuditEntry.objects.filter(action=Action.RESTORE_DRILL).latest("seq")


def test_a_good_backup_passes_the_drill_and_the_scratch_is_wiped(  # type: ignore[no-untyped-def]
    nightly, backup_keys, vault_shares, scratch_tmp, capsys
) -> None:
    epoch = VaultConfig.objects.get().key_epoch
    code, report = drill(nightly, backup_keys.identity_file, vault_shares[1:3], capsys)
    assert code == 0, report
    lines = report.splitlines()
    assert lines[0].startswith("Restore drill of backup ")
    assert "[OK] Row counts match the manifest" in report
    assert "[OK] Audit log (verify_audit): OK: " in report
    assert "[OK] Unsealed with 2 shares, without the server." in report
    decrypted = next(line for line in lines if "encrypted values" in line)
    assert decrypted.startswith("[OK] Sampled ") and "; 0 could not be decrypted." in decrypted
    assert int(decrypted.split()[2]) >= 6 * 3  # aliases, true names and titles at least
    assert "[OK] Files: 6 named by the records, 0 missing; 6 sampled, 0 could not be decrypted." in report
    assert "[OK] Scratch database wiped." in report
    assert lines[-1] == "The backup is usable."
    assert "Ko Backup" not in report and "Backupname" not in report  # counts, never values
    assert_wiped(scratch_tmp)
    entry = last_drill()
    assert entry.fields == sorted(["passed", f"key_epoch:{epoch}"])
    # This process's keys and the live vault were never touched.
    assert not state.is_sealed() and VaultConfig.objects.get().key_epoch == epoch


def test_the_report_is_in_the_operators_language(
    nightly, backup_keys, vault_shares, scratch_tmp, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SANCTUARY_CLI_LANGUAGE", "my")
    code, report = drill(nightly, backup_keys.identity_file, vault_shares[:2], capsys)
    assert code == 0, report
    assert "Row counts" not in report and "The backup is usable" not in report
    assert sum("\u1000" <= char <= "\u109f" for char in report) > 100  # Burmese script
    monkeypatch.setenv("SANCTUARY_CLI_LANGUAGE", "th")
    code, report = drill(nightly, backup_keys.identity_file, vault_shares[:2], capsys)
    assert code == 0 and sum("\u0e00" <= char <= "\u0e7f" for char in report) > 100  # Thai script


def test_shares_of_other_keys_fail_the_drill_naming_the_right_ones(  # type: ignore[no-untyped-def]
    nightly, backup_keys, vault_shares, scratch_tmp, capsys
) -> None:
    from sanctuary.backup.keystate import share_prefix

    prefix = share_prefix(bytes(VaultConfig.objects.get().tag))
    new_shares = keys.start_rekey(vault_shares[:2], holders=3, threshold=2)
    keys.confirm_rekey(new_shares[:2])
    code, report = drill(nightly, backup_keys.identity_file, new_shares[:2], capsys)
    assert code == 1
    assert "[FAILED] These shares do not belong to this backup's keys: it needs the shares of generation 1 " in report
    assert f"(shares that begin {prefix})" in report
    assert f"needs the shares of generation 1 (they begin {prefix}): a rekey has replaced them" in report
    assert report.splitlines()[-1] == "The backup is NOT usable: see what failed above."
    assert "[OK] Scratch database wiped." in report
    assert_wiped(scratch_tmp)
    assert "failed:unseal" in last_drill().fields
    code, report = drill(nightly, backup_keys.identity_file, vault_shares[:2], capsys)  # the old ones open it
    assert code == 0, report


def test_too_few_or_mistyped_shares_fail_the_drill(nightly, backup_keys, vault_shares, scratch_tmp, capsys) -> None:  # type: ignore[no-untyped-def]
    code, report = drill(nightly, backup_keys.identity_file, vault_shares[:1], capsys)
    assert code == 1 and "[FAILED] The backup's vault did not unseal with these shares: Not enough shares" in report
    typo = vault_shares[0][:-1] + ("0" if vault_shares[0][-1] != "0" else "1")
    code, report = drill(nightly, backup_keys.identity_file, [typo, vault_shares[1]], capsys)
    assert code == 1 and "share 1: This share has a typing mistake" in report
    with pytest.raises(CommandError, match="No shares on standard input"):
        drill(nightly, backup_keys.identity_file, [], capsys)
    assert_wiped(scratch_tmp)


def test_a_broken_audit_chain_fails_the_drill(backup_keys, team_a, vault_shares, scratch_tmp, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    people_with_documents(team_a, count=2)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # past the append-only trigger, as only a raw writer could
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_auditentry SET object_id = 'edited' WHERE seq = 1")
    out = tmp_path / "b.age"
    backup(out)
    code, report = drill(out, backup_keys.identity_file, vault_shares[:2], capsys)
    assert code == 1
    assert "[FAILED] Audit log (verify_audit): BROKEN: audit entry #1" in report
    assert "failed:audit" in last_drill().fields
    assert_wiped(scratch_tmp)


def test_a_value_that_does_not_decrypt_fails_the_drill(
    backup_keys, team_a, vault_shares, scratch_tmp, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    first, second = people_with_documents(team_a, count=2)
    with connection.cursor() as cursor:  # two people's aliases swapped by a database writer
        cursor.execute("SELECT alias FROM people_person WHERE id = %s", [first.pk])
        alias_of_first = cursor.fetchone()[0]
        cursor.execute("SELECT alias FROM people_person WHERE id = %s", [second.pk])
        alias_of_second = cursor.fetchone()[0]
        cursor.execute("UPDATE people_person SET alias = %s WHERE id = %s", [alias_of_second, first.pk])
        cursor.execute("UPDATE people_person SET alias = %s WHERE id = %s", [alias_of_first, second.pk])
    out = tmp_path / "b.age"
    backup(out)
    code, report = drill(out, backup_keys.identity_file, vault_shares[:2], capsys)
    assert code == 1
    assert "; 2 could not be decrypted." in next(line for line in report.splitlines() if "encrypted values" in line)
    assert "[FAILED] Sampled" in report


def test_a_missing_file_fails_the_drill(backup_keys, team_a, vault_shares, scratch_tmp, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.people.models import PersonDocument
    from sanctuary.vault import files

    people_with_documents(team_a, count=3)
    files.delete(PersonDocument.objects.first().stored_name)  # type: ignore[union-attr]
    out = tmp_path / "b.age"
    call_command("backup", str(out), allow_missing_files=True)
    code, report = drill(out, backup_keys.identity_file, vault_shares[:2], capsys)
    assert code == 1
    assert "[FAILED] Files: 3 named by the records, 1 missing; 3 sampled, 1 could not be decrypted." in report


def test_a_damaged_backup_or_a_wrong_identity_is_refused_and_leaves_nothing(  # type: ignore[no-untyped-def]
    nightly, backup_keys, other_identity, vault_shares, scratch_tmp, capsys
) -> None:
    with pytest.raises(CommandError, match="does not open with this identity"):
        drill(nightly, other_identity, vault_shares[:2], capsys)
    data = nightly.read_bytes()
    nightly.write_bytes(data[: len(data) // 2] + bytes([data[len(data) // 2] ^ 0x80]) + data[len(data) // 2 + 1 :])
    with pytest.raises(CommandError, match="This backup is damaged"):
        drill(nightly, backup_keys.identity_file, vault_shares[:2], capsys)
    assert_wiped(scratch_tmp)
    assert "failed:corrupted" in last_drill().fields


def test_a_backup_from_before_a_rotation_is_refused_by_the_drill(
    nightly, backup_keys, vault_shares, scratch_tmp, capsys
) -> None:  # type: ignore[no-untyped-def]
    keys.rotate()
    with pytest.raises(CommandError, match="has since rotated its data key"):
        drill(nightly, backup_keys.identity_file, vault_shares[:2], capsys)
    assert_wiped(scratch_tmp)
    assert "failed:key_destroyed" in last_drill().fields


def test_foreign_shares_are_refused_by_index_and_tag(nightly, backup_keys, vault_shares, scratch_tmp, capsys) -> None:  # type: ignore[no-untyped-def]
    """A share of another vault (its tag differs) is named as such, not counted."""
    share = decode_share(vault_shares[0])
    other_tag = bytes([share.vault_tag[0] ^ 0xFF, share.vault_tag[1]])
    code, report = drill(
        nightly, backup_keys.identity_file, [encode_share(other_tag, 1, share.value), vault_shares[1]], capsys
    )
    assert code == 1 and "These shares do not belong to this backup's keys" in report
