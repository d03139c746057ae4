"""Rekey gives new shares for the same data; rotation re-encrypts everything and survives kill -9."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from sanctuary.people.models import Person
from sanctuary.vault import keys, state
from sanctuary.vault.crypto import stored_version
from sanctuary.vault.models import DataKey, KeyPurpose, RotationJob, VaultConfig
from tests.factories import PersonFactory

ROOT = Path(__file__).resolve().parents[2]


def _versions() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT alias FROM people_person")
        return {stored_version(row[0]) for row in cursor.fetchall()}


@pytest.mark.django_db
def test_rekey_is_two_phase_and_old_shares_work_until_confirmed(vault_shares, team_a) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team_a, alias="Ko Rekey")
    new_shares = keys.start_rekey(vault_shares[:2], holders=5, threshold=3)
    assert len(new_shares) == 5
    state.seal()
    state.unseal_with_shares(vault_shares[1:3])  # old shares still open the vault
    with pytest.raises(state.UnsealError):
        keys.confirm_rekey(new_shares[:2])  # below the new threshold
    keys.confirm_rekey(new_shares[2:5])
    assert VaultConfig.objects.get().generation == 2
    state.seal()
    with pytest.raises(state.UnsealError) as error:
        state.unseal_with_shares(vault_shares[:2])
    assert error.value.code == "foreign"  # old shares are now from another vault
    state.unseal_with_shares([new_shares[0], new_shares[3], new_shares[4]])
    assert Person.objects.get(pk=person.pk).alias == "Ko Rekey"


@pytest.mark.django_db
def test_rekey_gives_the_new_shares_their_verifiers(vault_shares) -> None:  # type: ignore[no-untyped-def]
    """New shares get verifiers too: junk with a new share's index is refused at once."""
    from sanctuary.vault.shares import decode_share, encode_share

    new_shares = keys.start_rekey(vault_shares[:2], holders=4, threshold=2)
    keys.confirm_rekey(new_shares[:2])
    assert sorted(VaultConfig.objects.get().share_verifiers) == ["1", "2", "3", "4"]
    state.seal()
    junk = encode_share(decode_share(new_shares[0]).vault_tag, 4, bytes(16))
    with pytest.raises(state.UnsealError) as error:
        state.submit_share(junk)
    assert error.value.code == "wrong_share"
    state.submit_share(new_shares[3])
    state.submit_share(new_shares[1])
    assert not state.is_sealed()


@pytest.mark.django_db
def test_rotation_reencrypts_every_value_and_destroys_the_old_key(team_a) -> None:  # type: ignore[no-untyped-def]
    people = PersonFactory.create_batch(7, team=team_a)
    assert _versions() == {1}
    job = keys.rotate(batch_size=3)
    # Seven people, and the intake private key created on the first unseal.
    assert (job.from_version, job.to_version, job.done) == (1, 2, 8)
    assert _versions() == {2}
    assert not DataKey.objects.filter(purpose=KeyPurpose.DATA, version=1).exists()
    assert [Person.objects.get(pk=p.pk).alias for p in people] == [p.alias for p in people]


@pytest.mark.django_db
def test_interrupted_rotation_leaves_everything_readable_and_resumes(team_a) -> None:  # type: ignore[no-untyped-def]
    people = PersonFactory.create_batch(9, team=team_a)

    class Crash(Exception):
        pass

    def crash_after_first_batch(job: RotationJob) -> None:
        raise Crash

    with pytest.raises(Crash):
        keys.rotate(batch_size=4, on_batch=crash_after_first_batch)
    assert _versions() == {1, 2}  # half old, half new
    assert [Person.objects.get(pk=p.pk).alias for p in people] == [p.alias for p in people]
    keys.rotate(batch_size=4)
    assert _versions() == {2}
    assert RotationJob.objects.get().finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_kill_9_during_rotation_then_rerun(vault_shares, team_a, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A real process killed with SIGKILL mid-rotation; every value still reads; a rerun finishes."""
    people = PersonFactory.create_batch(40, team=team_a)
    env = {**os.environ, "SANCTUARY_ROTATE_BATCH_DELAY": "0.4", "DJANGO_ALLOW_ASYNC_UNSAFE": ""}
    env.update(_child_database_env())
    child = subprocess.Popen(
        [sys.executable, "manage.py", "vault_rotate", "--batch-size", "5"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert child.stdin is not None
    child.stdin.write(("\n".join(vault_shares[:2]) + "\n").encode())
    child.stdin.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = RotationJob.objects.filter(finished_at__isnull=True).first()
        if job is not None and 10 <= job.done < 40:
            break
        time.sleep(0.05)
    else:
        child.kill()
        pytest.fail(f"rotation did not progress: {child.stderr.read().decode() if child.stderr else ''}")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert _versions() == {1, 2}
    state.reload_keys()
    assert [Person.objects.get(pk=p.pk).alias for p in people] == [p.alias for p in people]
    call_command("vault_rotate", stdin=io.StringIO("\n".join(vault_shares[:2])), batch_size=7, stdout=io.StringIO())
    assert _versions() == {2}
    assert [Person.objects.get(pk=p.pk).alias for p in people] == [p.alias for p in people]


def _child_database_env() -> dict[str, str]:
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings_dict.get("USER") or "postgres"
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return {"DATABASE_URL": f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"}
    return {"DATABASE_URL": f"sqlite:///{settings_dict['NAME']}"}


@pytest.mark.django_db
def test_rotation_covers_encrypted_files(make_user, person_a) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.people.actions import do_add_document
    from sanctuary.vault import files
    from tests.vault.images import tiny_png

    document = do_add_document(make_user("case_worker"), person_a, tiny_png(), "scan", "document")
    old_name = document.stored_name
    keys.rotate()
    document.refresh_from_db()
    assert document.stored_name != old_name
    assert not (files.storage_dir() / old_name).exists()
    assert files.read_decrypted(document.stored_name, document.file_aad()).startswith(b"\x89PNG")


@pytest.mark.django_db
def test_a_running_server_follows_a_rotation_and_seals_after_a_rekey(vault_shares, make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    """Another process rotates: this process (the server) switches to the new key at its next
    request. After a rekey its key-encryption key is stale, so it seals itself."""
    client = login(make_user("case_worker"))
    person = PersonFactory(team=team_a, alias="Ko Follow")
    # Simulate another process: add key version 2 and bump the epoch, as _begin_rotation does.
    keys._begin_rotation()
    assert client.get(f"/people/{person.pk}/").status_code == 200
    assert state.keyring().cipher.current == 2
    created = PersonFactory(team=team_a, alias="Ko After")
    with connection.cursor() as cursor:
        cursor.execute("SELECT alias FROM people_person WHERE id = %s", [created.pk])
        assert stored_version(cursor.fetchone()[0]) == 2
    keys.start_rekey(vault_shares[:2], holders=3, threshold=2)
    new = keys.start_rekey(vault_shares[:2], holders=3, threshold=2)
    keys.confirm_rekey(new[:2])
    client.get("/")
    assert state.is_sealed()


@pytest.mark.django_db
def test_values_stored_before_parents_were_bound_still_open_and_rotation_binds_them(person_a) -> None:  # type: ignore[no-untyped-def]
    """A phone written in the old format (bound to its row only, "s1") is still read; a
    rotation writes it again bound to its person ("s2"), after which moving it breaks it."""
    from sanctuary.people.models import ContactPoint
    from sanctuary.vault import crypto
    from sanctuary.vault.fields import UNREADABLE

    contact = ContactPoint.objects.create(person=person_a, kind="phone", value="+959420000009")
    legacy = state.keyring().cipher.encrypt(
        b"+959420000009", crypto.aad_for("people_contactpoint", "value", str(contact.uid)), prefix=crypto.PREFIX
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_contactpoint SET value = %s WHERE id = %s", [legacy, contact.pk])
    assert ContactPoint.objects.get(pk=contact.pk).value == "+959420000009"
    keys.rotate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM people_contactpoint WHERE id = %s", [contact.pk])
        stored = cursor.fetchone()[0]
    assert crypto.is_bound(stored)
    assert ContactPoint.objects.get(pk=contact.pk).value == "+959420000009"
    other = PersonFactory(team=person_a.team)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_contactpoint SET person_id = %s WHERE id = %s", [other.pk, contact.pk])
    assert ContactPoint.objects.get(pk=contact.pk).value is UNREADABLE
