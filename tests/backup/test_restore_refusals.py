"""A restore writes nothing when it says no: a database or media folder that is not empty, a
damaged file, a wrong identity, a backup of another vault, or one whose data key a rotation
destroyed since. Each refusal says why, and what would be needed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sanctuary.backup import databases
from sanctuary.vault import keys, state
from sanctuary.vault.models import DataKey, VaultConfig
from tests.backup.conftest import backup, people_with_documents, run_in

pytestmark = pytest.mark.django_db(transaction=True)


def restore(path: Path, identity: Path, target: databases.Database, var_dir: Path) -> None:
    call_command("restore", str(path), identity=str(identity), into=target.url(), var_dir=str(var_dir))


def assert_nothing_written(target: databases.Database, var_dir: Path) -> None:
    assert databases.contents(target) == databases.EMPTY
    if target.vendor == "sqlite":
        assert not Path(target.name).exists()
        assert not list(Path(target.name).parent.glob("*.restoring*"))
    assert not var_dir.exists() or not [p for p in var_dir.rglob("*") if p.is_file()]


@pytest.fixture
def nightly(backup_keys, team_a, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    people_with_documents(team_a, count=3)
    out = tmp_path / "nightly.age"
    backup(out)
    return out


def test_a_database_that_holds_data_is_never_overwritten(nightly, backup_keys, make_target) -> None:  # type: ignore[no-untyped-def]
    target, var_dir = make_target()
    restore(nightly, backup_keys.identity_file, target, var_dir)
    before = databases.counts(target)
    with pytest.raises(CommandError, match="holds data: a restore never overwrites"):
        restore(nightly, backup_keys.identity_file, target, var_dir.parent / "second-var")
    assert databases.counts(target) == before
    assert not (var_dir.parent / "second-var").exists()


def test_a_migrated_database_is_refused_as_it_has_tables(nightly, backup_keys, make_target) -> None:  # type: ignore[no-untyped-def]
    target, var_dir = make_target()
    migrated = run_in(
        target, var_dir, "from django.core.management import call_command\ncall_command('migrate', verbosity=0)"
    )
    assert migrated.returncode == 0, migrated.stderr
    assert databases.contents(target) == databases.TABLES
    with pytest.raises(CommandError, match="has tables already"):
        restore(nightly, backup_keys.identity_file, target, var_dir.parent / "other-var")
    assert databases.contents(target) == databases.TABLES


def test_a_media_folder_with_files_is_refused(nightly, backup_keys, make_target) -> None:  # type: ignore[no-untyped-def]
    target, var_dir = make_target()
    (var_dir / "media").mkdir(parents=True)
    (var_dir / "media" / "keep.bin").write_bytes(b"someone else's file")
    with pytest.raises(CommandError, match="holds files: a restore never overwrites"):
        restore(nightly, backup_keys.identity_file, target, var_dir)
    assert databases.contents(target) == databases.EMPTY
    assert [p.name for p in (var_dir / "media").rglob("*")] == ["keep.bin"]


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: _flip(data, len(data) // 2), "This backup is damaged"),
        (lambda data: _flip(data, len(data) - 20), "This backup is damaged"),
        (lambda data: data[:-1000], "This backup is damaged"),
        (lambda data: data[: len(data) // 3], "This backup is damaged"),
        (lambda data: _flip(data, 40), "does not open with this identity"),
        (lambda data: b"not an age file at all\n" * 100, "not a Sanctuary backup"),
        (lambda data: b"", "not a Sanctuary backup"),
    ],
    ids=["byte-flipped", "last-chunk-flipped", "cut-short", "cut-to-a-third", "header-flipped", "not-age", "empty"],
)
def test_a_damaged_backup_is_refused_and_writes_nothing(nightly, backup_keys, make_target, damage, message) -> None:  # type: ignore[no-untyped-def]
    nightly.write_bytes(damage(nightly.read_bytes()))
    target, var_dir = make_target()
    with pytest.raises(CommandError, match=message):
        restore(nightly, backup_keys.identity_file, target, var_dir)
    assert_nothing_written(target, var_dir)


def test_a_wrong_identity_is_refused(nightly, other_identity, make_target) -> None:  # type: ignore[no-untyped-def]
    target, var_dir = make_target()
    with pytest.raises(CommandError, match="does not open with this identity"):
        restore(nightly, other_identity, target, var_dir)
    assert_nothing_written(target, var_dir)


def test_an_identity_file_that_holds_no_identity_is_refused(nightly, make_target, tmp_path) -> None:  # type: ignore[no-untyped-def]
    junk = tmp_path / "junk.txt"
    junk.write_text("age1notasecretkey\n", encoding="utf-8")
    target, var_dir = make_target()
    with pytest.raises(CommandError, match="The identity could not be read"):
        restore(nightly, junk, target, var_dir)
    assert_nothing_written(target, var_dir)


def test_a_backup_of_another_vault_is_refused(nightly, backup_keys, make_target) -> None:  # type: ignore[no-untyped-def]
    state.seal()
    DataKey.objects.all().delete()
    VaultConfig.objects.all().delete()
    state.initialise(3, 2)  # this deployment now has another vault
    target, var_dir = make_target()
    with pytest.raises(CommandError, match="This backup is of another vault"):
        restore(nightly, backup_keys.identity_file, target, var_dir)
    assert_nothing_written(target, var_dir)


def test_a_backup_from_before_a_rotation_is_refused_naming_what_it_needs(nightly, backup_keys, make_target) -> None:  # type: ignore[no-untyped-def]
    prefix = keys_prefix()
    keys.rotate()  # data key 1 is destroyed
    cfg = VaultConfig.objects.get()
    assert cfg.key_epoch > 1 and not DataKey.objects.filter(purpose="data", version=1).exists()
    target, var_dir = make_target()
    with pytest.raises(CommandError) as refused:
        restore(nightly, backup_keys.identity_file, target, var_dir)
    message = str(refused.value)
    assert "made at key epoch 1, under data key version 1" in message
    assert f"key epoch {cfg.key_epoch}, data key version 2" in message
    assert f"shares of generation 1 (shares that begin {prefix})" in message
    assert_nothing_written(target, var_dir)


def keys_prefix() -> str:
    from sanctuary.backup.keystate import share_prefix

    return share_prefix(bytes(VaultConfig.objects.get().tag))


def test_after_a_rekey_the_backup_restores_and_says_which_shares_open_it(  # type: ignore[no-untyped-def]
    nightly, backup_keys, make_target, vault_shares, capsys
) -> None:
    prefix = keys_prefix()
    keys.confirm_rekey(keys.start_rekey(vault_shares[:2], holders=3, threshold=2)[:2])
    assert keys_prefix() != prefix
    target, var_dir = make_target()
    restore(nightly, backup_keys.identity_file, target, var_dir)
    printed = capsys.readouterr().out
    assert f"needs the shares of generation 1 (they begin {prefix}): a rekey has replaced them" in printed
    assert databases.contents(target) == databases.DATA


def test_backup_refuses_to_overwrite_and_without_recipients(backup_keys, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    existing = tmp_path / "kept.age"
    existing.write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="already exists: a backup never overwrites"):
        call_command("backup", str(existing))
    assert existing.read_bytes() == b"an older backup"
    settings.BACKUP_RECIPIENTS = []
    with pytest.raises(CommandError, match="No backup recipients are configured"):
        call_command("backup", str(tmp_path / "new.age"))
    settings.BACKUP_RECIPIENTS = ["age1nothing"]
    with pytest.raises(CommandError, match="Backup recipient 1 is not an age public key"):
        call_command("backup", str(tmp_path / "new.age"))
    assert sorted(os.listdir(tmp_path)) == sorted(["backup-identity.txt", "kept.age"])


def test_recipients_can_come_from_a_file(backup_keys, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.BACKUP_RECIPIENTS = []
    listed = tmp_path / "recipients.txt"
    listed.write_text(f"# the director's offline key\n{backup_keys.public}\n", encoding="utf-8")
    settings.BACKUP_RECIPIENTS_FILE = listed
    backup(tmp_path / "from-file.age")
    assert (tmp_path / "from-file.age").read_bytes().startswith(b"age-encryption.org/v1\n")
