"""The audit log's signing key: Ed25519, kept in the vault like the data keys.

Its private half is a random 32-byte key stored only wrapped under the key-encryption key
(a ``DataKey`` of purpose ``signing``, so a rekey carries it over and a rotation leaves it
alone); its public half is stored in clear (``VaultConfig.audit_public_key``), printed at
``vault_init`` and announced in the audit log itself. While the vault is unsealed the audit
app holds a :class:`VaultSigner` (``sanctuary.audit.checkpoints.set_signer``); at seal the
head is signed one last time and the signer is taken back.

A vault made before checkpoints existed has no signing key: it is made at the next unseal
(it needs the key-encryption key), and announced in the log then.
"""

from __future__ import annotations

import logging

from django.db import transaction

from sanctuary.audit import checkpoints
from sanctuary.audit.log import record
from sanctuary.audit.models import Action, CheckpointReason
from sanctuary.vault import crypto
from sanctuary.vault.models import DataKey, KeyPurpose, VaultConfig

log = logging.getLogger(__name__)


class VaultSigner:
    """Signs with the key in the unsealed keyring; refuses (VaultSealed) once sealed."""

    def __init__(self, public_key: bytes) -> None:
        self.public_key = public_key

    def sign(self, data: bytes) -> bytes:
        from sanctuary.vault import state

        return crypto.sign(state.signing_seed(), data)


def create_signing_key(kek: bytes) -> bytes:
    """Make the signing key (at ``vault_init``, or the first unseal of an older vault),
    store it wrapped, publish its public half; returns the private key. If another process
    made one meanwhile, that one is returned."""
    with transaction.atomic():
        existing = DataKey.objects.select_for_update().filter(purpose=KeyPurpose.SIGNING, version=1).first()
        if existing is not None:
            return crypto.unwrap(kek, bytes(existing.wrapped), existing.aad())
        key = DataKey(purpose=KeyPurpose.SIGNING, version=1)
        seed = crypto.random_key()
        key.wrapped = crypto.wrap(kek, seed, key.aad())
        key.save()
        public = crypto.signing_public_key(seed).hex()
        VaultConfig.objects.update(audit_public_key=public)
        record(None, Action.CHECKPOINT_KEY, object_type="vault", object_id=public, username="vault")
    log.info("audit signing key created")
    return seed


def start(seed: bytes) -> None:
    """At unseal: hand the audit app a signer for this key."""
    public = crypto.signing_public_key(seed)
    if VaultConfig.objects.exclude(audit_public_key=public.hex()).update(audit_public_key=public.hex()):
        # Only a database writer changes the stored public key: the vault's key is the truth.
        log.warning("stored audit public key did not match the vault's signing key: restored")
    checkpoints.set_signer(VaultSigner(public))


def stop() -> None:
    """At seal, while the key is still there: sign the head, then take the signer back."""
    try:
        if checkpoints.has_signer():
            checkpoints.sign_head(CheckpointReason.SEAL)
    finally:
        checkpoints.set_signer(None)


def latest_head() -> str:
    """The newest signed head, for key holders to keep outside the server ('' if none)."""
    checkpoint = checkpoints.latest()
    return checkpoint.head_text() if checkpoint else ""
