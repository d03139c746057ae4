"""Signed checkpoints of the audit chain, and their verification.

The hash chain shows an edit, but not a rewrite: whoever can write the table can recompute
every hash, cut off the newest entries, or empty it. So, while the vault is unsealed, the
chain's head is signed with an Ed25519 key whose private half is kept in the vault (wrapped
under the master key, like the data keys). An attacker with the database but not the keys
cannot sign a rewritten head.

When: a checkpoint is written as an entry is appended (in the same transaction, holding
the chain lock) once ``AUDIT_CHECKPOINT_EVERY`` entries or ``AUDIT_CHECKPOINT_MINUTES``
have passed since the last one, at every unseal (the head key holders are shown) and at
every seal (before the keys are forgotten). Signing on write costs nothing while the server
is idle and needs no scheduler; a periodic job would sign the same head over and over, and
could only run while unsealed anyway. While sealed, nothing can be signed: entries written
then (logins, refused shares) are covered by the checkpoint of the next unseal.

The audit app knows nothing of the vault: the vault hands it a signer (``set_signer``) when
it is unsealed and takes it back when sealed. Verifying needs only the public key.

Anchoring outside the server: the newest head (``Checkpoint.head_text``) is shown to key
holders at each unseal, to keep somewhere else (paper, their phone); ``verify_audit --head``
checks the log against it, and ``--public-key`` against the key printed at ``vault_init``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sanctuary.audit.models import GENESIS_HASH, Action, AuditEntry, Checkpoint, CheckpointReason

log = logging.getLogger(__name__)


class Signer(Protocol):
    public_key: bytes  # raw Ed25519 public key, 32 bytes

    def sign(self, data: bytes) -> bytes: ...


@dataclass
class _State:
    signer: Signer | None = None
    last_entry_seq: int = 0  # the entry the last checkpoint (known to this process) signed
    last_at: float = 0.0  # time.monotonic() of that checkpoint


_state = _State()
_lock = threading.Lock()


def every() -> int:
    return max(1, int(getattr(settings, "AUDIT_CHECKPOINT_EVERY", 100)))


def _minutes() -> float:
    return float(getattr(settings, "AUDIT_CHECKPOINT_MINUTES", 15))


def set_signer(signer: Signer | None) -> None:
    """The vault: a signer at unseal, None at seal."""
    last = Checkpoint.objects.order_by("-seq").only("entry_seq").first() if signer is not None else None
    with _lock:
        _state.signer = signer
        _state.last_entry_seq = int(last.entry_seq) if last else 0
        _state.last_at = time.monotonic()


def has_signer() -> bool:
    return _state.signer is not None


def after_append(entry: AuditEntry) -> None:
    """Called by ``record`` inside its transaction, chain lock held: sign if one is due."""
    with _lock:
        signer = _state.signer
        if signer is None:
            return
        if entry.action == Action.UNSEALED:
            reason = CheckpointReason.UNSEAL
        elif entry.seq - _state.last_entry_seq >= every() or time.monotonic() - _state.last_at >= _minutes() * 60:
            reason = CheckpointReason.INTERVAL
        else:
            return
    _write(signer, entry, reason)


def sign_head(reason: str = CheckpointReason.SEAL) -> Checkpoint | None:
    """Sign the current head now (the vault calls this just before it seals)."""
    from sanctuary.audit.log import lock_chain

    signer = _state.signer
    if signer is None:
        return None
    with transaction.atomic():
        lock_chain()
        head = AuditEntry.objects.order_by("-seq").only("seq", "hash", "action").first()
        if head is None:
            return None
        return _write(signer, head, reason)


def _write(signer: Signer, entry: AuditEntry, reason: str) -> Checkpoint | None:
    """Append a checkpoint signing ``entry``. A failure is logged, never raised: the entry
    being recorded must not be lost because a checkpoint could not be signed (the seal
    raced it, say); the next due checkpoint covers it."""
    try:
        with transaction.atomic():
            last = Checkpoint.objects.order_by("-seq").first()
            checkpoint = Checkpoint(
                seq=(last.seq + 1) if last else 1,
                at=timezone.now(),
                entry_seq=entry.seq,
                entry_hash=entry.hash,
                prev_hash=last.hash if last else GENESIS_HASH,
                reason=reason,
                public_key=signer.public_key.hex(),
            )
            checkpoint.signature = signer.sign(checkpoint.signed_bytes()).hex()
            checkpoint.hash = checkpoint.compute_hash()
            checkpoint.save(force_insert=True)
    except Exception as error:  # noqa: BLE001 - see the docstring
        log.warning("audit checkpoint not written: %s", type(error).__name__)
        return None
    with _lock:
        _state.last_entry_seq = int(entry.seq)
        _state.last_at = time.monotonic()
    return checkpoint


def latest() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-seq").first()


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointProblem:
    reason: str

    def __str__(self) -> str:
        return self.reason


def parse_head(text: str) -> tuple[int, int, str]:
    """``"<checkpoint>:<entry>:<hash>"`` as printed at unseal; raises ValueError."""
    seq, entry_seq, digest = text.strip().split(":")
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("hash")
    return int(seq), int(entry_seq), digest


def _verifies(checkpoint: Checkpoint) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(checkpoint.public_key))
        key.verify(bytes.fromhex(checkpoint.signature), checkpoint.signed_bytes())
    except (InvalidSignature, ValueError):
        return False
    return True


def _checkpoints(batch_size: int = 5000) -> Iterator[Checkpoint]:
    last = 0
    while True:
        batch = list(Checkpoint.objects.filter(seq__gt=last).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def verify_checkpoints(
    public_key: str | None = None, head: tuple[int, int, str] | None = None
) -> tuple[int, CheckpointProblem | None]:
    """Check every checkpoint against the chain (which ``verify_chain`` found intact).

    Returns (checkpoints checked, first problem or None). Reported: a checkpoint missing
    (a gap, one that does not follow the previous one, or none where an unseal or the interval
    says there must be one), edited, signed by another key than the log announced (or than
    ``public_key``) or not signed at all (forged), a chain that ends before the last signed
    checkpoint (truncated tail, or emptied), a chain whose entries differ from what was signed
    (rewritten), and a ``head`` kept elsewhere that the log no longer holds.
    """
    tip = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
    tip_seq = int(tip.seq) if tip else 0
    # The keys the log announced (the vault records its public key when it makes it).
    announced = list(
        AuditEntry.objects.filter(action=Action.CHECKPOINT_KEY).order_by("seq").values_list("seq", "object_id")
    )
    if public_key is not None:
        for seq, key in announced:
            if key != public_key:
                return 0, CheckpointProblem(f"audit entry #{seq} announces a signing key that is not the one given")
    expected_seq, prev_hash = 1, GENESIS_HASH
    last: Checkpoint | None = None
    checked = 0
    for checkpoint in _checkpoints():
        name = f"checkpoint #{checkpoint.seq}"
        if checkpoint.seq != expected_seq:
            return checked, CheckpointProblem(f"checkpoint #{expected_seq} is missing (deleted?)")
        if checkpoint.prev_hash != prev_hash:
            return checked, CheckpointProblem(f"{name} does not follow the previous checkpoint (deleted or replaced)")
        if checkpoint.compute_hash() != checkpoint.hash:
            return checked, CheckpointProblem(f"{name}: content does not match its hash (edited)")
        if not _verifies(checkpoint):
            return checked, CheckpointProblem(f"{name}: the signature does not verify (forged)")
        if last is not None and checkpoint.entry_seq < last.entry_seq:
            return checked, CheckpointProblem(f"{name} signs an older entry than the checkpoint before it")
        if checkpoint.entry_seq > tip_seq:
            if tip is None:
                return checked, CheckpointProblem(
                    f"the audit log is empty, but {name} signed entry #{checkpoint.entry_seq} (log emptied)"
                )
            return checked, CheckpointProblem(
                f"the log ends at entry #{tip_seq}, but {name} signed entry #{checkpoint.entry_seq} "
                "(entries deleted from the end)"
            )
        keys = [key for seq, key in announced if seq <= checkpoint.entry_seq]
        expected_key = public_key or (keys[-1] if keys else None)
        if expected_key is None or checkpoint.public_key != expected_key:
            return checked, CheckpointProblem(f"{name} is signed by a key the log did not announce (forged?)")
        signed = AuditEntry.objects.filter(seq=checkpoint.entry_seq).values_list("hash", flat=True).first()
        if signed != checkpoint.entry_hash:
            return checked, CheckpointProblem(
                f"audit entry #{checkpoint.entry_seq} is not the entry {name} signed (the chain was rewritten)"
            )
        expected_seq, prev_hash, last = expected_seq + 1, checkpoint.hash, checkpoint
        checked += 1
    problem = _missing_at_the_end(last, tip_seq, announced)
    if problem is None and head is not None:
        problem = _check_head(head, last)
    return checked, problem


def _missing_at_the_end(
    last: Checkpoint | None, tip_seq: int, announced: list[tuple[int, str]]
) -> CheckpointProblem | None:
    """Checkpoints deleted from the end, or all of them: every unseal is signed at once, and
    an unsealed server signs at least every ``AUDIT_CHECKPOINT_EVERY`` entries."""
    signed_up_to = int(last.entry_seq) if last else 0
    if last is None and not announced:
        return None  # no signing key yet: a log from before checkpoints existed
    since = announced[0][0] if last is None else signed_up_to
    unsealed = (
        AuditEntry.objects.filter(action=Action.UNSEALED, seq__gt=since).order_by("seq").values_list("seq", flat=True)
    )
    first_unsigned = unsealed.first()
    if first_unsigned is not None:
        return CheckpointProblem(
            f"audit entry #{first_unsigned} (vault unsealed) has no signed checkpoint: checkpoints are missing"
        )
    if last is not None and last.reason != CheckpointReason.SEAL and tip_seq - signed_up_to > every():
        return CheckpointProblem(
            f"{tip_seq - signed_up_to} entries after checkpoint #{last.seq} are not signed: checkpoints are "
            "missing, or the server stopped without sealing (unsealing signs the head again)"
        )
    return None


def _check_head(head: tuple[int, int, str], last: Checkpoint | None) -> CheckpointProblem | None:
    seq, entry_seq, digest = head
    kept = Checkpoint.objects.filter(seq=seq).first()
    if kept is None:
        newest = f"the newest is #{last.seq}" if last else "there are none"
        return CheckpointProblem(f"checkpoint #{seq}, kept outside the server, is not in the log ({newest})")
    if kept.entry_seq != entry_seq or kept.hash != digest:
        return CheckpointProblem(f"checkpoint #{seq} differs from the one kept outside the server (rewritten)")
    return None
