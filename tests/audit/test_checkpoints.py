"""Signed checkpoints: an attacker who owns the database can rehash the chain, cut its end off
or empty it, but cannot sign a head with the vault's key. Real keys, real database."""

from __future__ import annotations

import io

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client

from sanctuary.audit.log import record, verify_chain
from sanctuary.audit.models import GENESIS_HASH, Action, AuditEntry, Checkpoint, CheckpointReason
from sanctuary.vault import state
from sanctuary.vault.models import DataKey, KeyPurpose, VaultConfig
from tests.audit.test_verify_audit import tamper_allowed

pytestmark = pytest.mark.django_db

EVERY = 5


@pytest.fixture(autouse=True)
def _small_interval(settings: pytest.FixtureRequest) -> None:
    settings.AUDIT_CHECKPOINT_EVERY = EVERY  # type: ignore[attr-defined]


def _entries(n: int) -> list[AuditEntry]:
    return [record(None, Action.VIEW, object_type="people.person", object_id=i, fields=["alias"]) for i in range(n)]


def _verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        call_command("verify_audit", *args, stdout=io.StringIO())
    except SystemExit as exc:
        return int(exc.code or 0), capsys.readouterr().err
    return 0, capsys.readouterr().err


def _web_unseal(shares: list[str]) -> Client:
    state.seal()
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.post("/unseal/", {"share": shares[0]})
    page.post("/unseal/", {"share": shares[1]})
    assert not state.is_sealed()
    return page


def _rehash_from(seq: int) -> None:
    """The attacker recomputes every hash from ``seq`` on, so the chain verifies again."""
    previous = AuditEntry.objects.filter(seq=seq - 1).values_list("hash", flat=True).first() or GENESIS_HASH
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        entry.prev_hash = previous
        entry.hash = entry.compute_hash()
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=entry.prev_hash, hash=entry.hash)
        previous = entry.hash


def test_checkpoints_are_signed_while_unsealed_and_at_seal() -> None:
    """Every EVERY entries while unsealed, and once more at seal; none while sealed. Each
    signature verifies with the public key the vault stored and announced in the log."""
    _entries(12)  # entries 2..13 (entry 1 announces the signing key)
    state.seal()
    _entries(EVERY * 2)  # sealed: nothing can be signed
    checkpoints = list(Checkpoint.objects.order_by("seq"))
    assert [(c.entry_seq, c.reason) for c in checkpoints] == [
        (5, CheckpointReason.INTERVAL),
        (10, CheckpointReason.INTERVAL),
        (13, CheckpointReason.SEAL),
    ]
    public = VaultConfig.objects.get().audit_public_key
    assert AuditEntry.objects.get(seq=1).action == Action.CHECKPOINT_KEY
    assert AuditEntry.objects.get(seq=1).object_id == public
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))
    for checkpoint in checkpoints:
        key.verify(bytes.fromhex(checkpoint.signature), checkpoint.signed_bytes())  # raises if forged
    assert checkpoints[1].prev_hash == checkpoints[0].hash


def test_the_signing_key_is_kept_in_the_vault_wrapped() -> None:
    """Only the public half is in clear; the private half is a wrapped vault key."""
    signing = DataKey.objects.get(purpose=KeyPurpose.SIGNING)
    seed = state.signing_seed()
    assert seed not in bytes(signing.wrapped)
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    assert public.hex() == VaultConfig.objects.get().audit_public_key


def test_unseal_signs_the_head_and_shows_it_to_the_key_holder(vault_shares) -> None:  # type: ignore[no-untyped-def]
    """The unseal is signed at once, and the page shows that head to keep outside the server."""
    page = _web_unseal(vault_shares)
    unsealed = AuditEntry.objects.filter(action=Action.UNSEALED).latest("seq")
    newest = Checkpoint.objects.order_by("-seq").first()
    assert newest is not None and newest.entry_seq == unsealed.seq and newest.reason == CheckpointReason.UNSEAL
    assert newest.head_text() in page.get("/unseal/").content.decode()


def test_an_intact_log_passes_with_its_key_and_a_head_kept_elsewhere(capsys, vault_shares) -> None:  # type: ignore[no-untyped-def]
    _web_unseal(vault_shares)
    head = Checkpoint.objects.order_by("-seq").first().head_text()  # type: ignore[union-attr]
    _entries(12)
    public = VaultConfig.objects.get().audit_public_key
    out = io.StringIO()
    call_command("verify_audit", "--public-key", public, "--head", head, stdout=out)
    assert "signed checkpoints verify" in out.getvalue()


def test_a_rewritten_and_rehashed_chain_fails(capsys) -> None:  # type: ignore[no-untyped-def]
    """Edit an entry and recompute every hash after it: the chain alone verifies again, but
    the entries no longer are the ones the checkpoints signed."""
    entries = _entries(12)
    with tamper_allowed():
        AuditEntry.objects.filter(pk=entries[1].pk).update(actor_username="nobody")
        _rehash_from(entries[1].seq)
    assert verify_chain()[1] is None  # what verify_audit checked before checkpoints
    code, err = _verify(capsys)
    assert code == 1
    assert "audit entry #5 is not the entry checkpoint #1 signed (the chain was rewritten)" in err


def test_a_truncated_tail_fails(capsys) -> None:  # type: ignore[no-untyped-def]
    """Delete the newest entries (past a signed checkpoint): the chain is still a chain."""
    _entries(12)
    with tamper_allowed():
        AuditEntry.objects.filter(seq__gte=9).delete()
    assert verify_chain()[1] is None
    code, err = _verify(capsys)
    assert code == 1
    assert "the log ends at entry #8, but checkpoint #2 signed entry #10" in err


def test_an_emptied_log_fails(capsys) -> None:  # type: ignore[no-untyped-def]
    _entries(12)
    with tamper_allowed():
        AuditEntry.objects.all().delete()
    assert verify_chain() == (0, None)
    code, err = _verify(capsys)
    assert code == 1
    assert "the audit log is empty, but checkpoint #1 signed entry #5 (log emptied)" in err


def test_a_deleted_checkpoint_fails(capsys) -> None:  # type: ignore[no-untyped-def]
    """One from the middle: a gap in the checkpoints' own sequence."""
    _entries(16)
    with tamper_allowed():
        Checkpoint.objects.filter(seq=2).delete()
    code, err = _verify(capsys)
    assert code == 1
    assert "checkpoint #2 is missing" in err


def test_deleting_the_newest_checkpoints_fails(capsys) -> None:  # type: ignore[no-untyped-def]
    """The newest ones: the entries after the last checkpoint left are more than an unsealed
    server leaves unsigned."""
    _entries(16)
    with tamper_allowed():
        Checkpoint.objects.filter(seq__gte=2).delete()
    code, err = _verify(capsys)
    assert code == 1
    assert "entries after checkpoint #1 are not signed" in err


def test_emptying_the_checkpoints_fails(capsys, vault_shares) -> None:  # type: ignore[no-untyped-def]
    """All of them: the log says the vault was unsealed, and every unseal is signed."""
    _web_unseal(vault_shares)
    with tamper_allowed():
        Checkpoint.objects.all().delete()
    code, err = _verify(capsys)
    assert code == 1
    assert "(vault unsealed) has no signed checkpoint: checkpoints are missing" in err


def test_a_forged_signature_fails(capsys) -> None:  # type: ignore[no-untyped-def]
    """A checkpoint whose signature was replaced (and whose hash and the next link were
    recomputed to match) does not verify under the vault's key."""
    _entries(12)
    forged = Checkpoint.objects.get(seq=2)
    forged.signature = Ed25519PrivateKey.generate().sign(forged.signed_bytes()).hex()
    forged.hash = forged.compute_hash()
    with tamper_allowed():
        Checkpoint.objects.filter(pk=forged.pk).update(signature=forged.signature, hash=forged.hash)
    code, err = _verify(capsys)
    assert code == 1
    assert "checkpoint #2: the signature does not verify (forged)" in err


def test_a_log_resigned_with_another_key_fails(capsys) -> None:  # type: ignore[no-untyped-def]
    """The attacker rewrites the chain and signs new checkpoints with a key of their own,
    announced in the rewritten log: only the key printed at vault_init tells."""
    real_key = VaultConfig.objects.get().audit_public_key
    _entries(7)
    other = Ed25519PrivateKey.generate()
    other_public = other.public_key().public_bytes_raw().hex()
    with tamper_allowed():
        AuditEntry.objects.filter(seq=1).update(object_id=other_public)
        _rehash_from(1)
        checkpoints = list(Checkpoint.objects.order_by("seq"))
        previous = GENESIS_HASH
        for checkpoint in checkpoints:
            checkpoint.entry_hash = AuditEntry.objects.get(seq=checkpoint.entry_seq).hash
            checkpoint.prev_hash, checkpoint.public_key = previous, other_public
            checkpoint.signature = other.sign(checkpoint.signed_bytes()).hex()
            checkpoint.hash = checkpoint.compute_hash()
            checkpoint.save()
            previous = checkpoint.hash
    assert _verify(capsys)[0] == 0  # consistent with itself
    code, err = _verify(capsys, "--public-key", real_key)
    assert code == 1
    assert "announces a signing key that is not the one given" in err


def test_a_head_kept_elsewhere_catches_a_log_cut_back_to_an_older_checkpoint(capsys) -> None:  # type: ignore[no-untyped-def]
    """Entries and checkpoints both cut back to an earlier, consistent point: only the head
    a key holder kept outside the server shows it."""
    _entries(12)
    head = Checkpoint.objects.order_by("-seq").first().head_text()  # type: ignore[union-attr]
    with tamper_allowed():
        Checkpoint.objects.filter(seq__gte=2).delete()
        AuditEntry.objects.filter(seq__gt=7).delete()
    assert _verify(capsys)[0] == 0
    code, err = _verify(capsys, "--head", head)
    assert code == 1
    assert "checkpoint #2, kept outside the server, is not in the log" in err


def test_a_vault_made_before_checkpoints_gets_a_signing_key_at_its_next_unseal(capsys, vault_shares) -> None:  # type: ignore[no-untyped-def]
    """No signing key (an older vault): the next unseal makes one, announces it in the log,
    and signs from then on."""
    state.seal()
    DataKey.objects.filter(purpose=KeyPurpose.SIGNING).delete()
    VaultConfig.objects.update(audit_public_key="")
    with tamper_allowed():
        AuditEntry.objects.all().delete()
        Checkpoint.objects.all().delete()
    _entries(3)  # an older log, written before checkpoints existed
    _web_unseal(vault_shares)
    public = VaultConfig.objects.get().audit_public_key
    assert len(public) == 64
    assert AuditEntry.objects.filter(action=Action.CHECKPOINT_KEY, object_id=public).count() == 1
    assert Checkpoint.objects.filter(public_key=public, reason=CheckpointReason.UNSEAL).exists()
    assert _verify(capsys, "--public-key", public)[0] == 0


def test_truncate_is_refused_on_postgresql() -> None:
    """On PostgreSQL, TRUNCATE of the entries or the checkpoints is refused by the database
    (this test's PostgreSQL pass). SQLite has no TRUNCATE; no trigger is added there."""
    _entries(EVERY)
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'audit_%'")
            assert cursor.fetchall() == []
        return
    for table in ("audit_auditentry", "audit_checkpoint"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEntry.objects.count() >= EVERY and Checkpoint.objects.exists()
    checkpoint = Checkpoint.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Checkpoint.objects.filter(pk=checkpoint.pk).update(reason="seal")  # type: ignore[union-attr]
