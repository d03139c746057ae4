"""The intake key pair: created on the first unseal, used to seal every submission."""

from __future__ import annotations

import logging

from django.db import transaction

from sanctuary.intake.models import IntakeKey
from sanctuary.vault import crypto
from sanctuary.vault.fields import is_placeholder

log = logging.getLogger(__name__)


class IntakeUnavailable(Exception):
    """No intake key yet: the vault was never unsealed since it was created."""


def ensure_intake_key() -> IntakeKey:
    """The current key, created (the vault must be unsealed) when there is none, or when
    the newest one does not verify: a public key row written while the server was off
    (seized and returned) must not receive submissions."""
    key = IntakeKey.objects.first()
    if key is not None and _verifies(key):
        return key
    if key is not None:
        log.warning("intake key %s does not match its private key: replaced", key.pk)
        from sanctuary.audit.log import record
        from sanctuary.audit.models import Action

        record(None, Action.UPDATE, key, fields=["replaced_unverified_key"], username="vault")
    with transaction.atomic():
        private, public = crypto.new_keypair()
        key = IntakeKey(public_key=public, private_key=private.hex())
        key.save()
    log.info("intake key %s created", key.pk)
    return key


def _verifies(key: IntakeKey) -> bool:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    private_hex = key.private_key
    if is_placeholder(private_hex):
        return False
    try:
        private = X25519PrivateKey.from_private_bytes(bytes.fromhex(str(private_hex)))
    except ValueError:
        return False
    return private.public_key().public_bytes_raw() == bytes(key.public_key)


def current_key() -> IntakeKey:
    """The key new submissions are sealed to; works while sealed (only the public half)."""
    key = IntakeKey.objects.defer("private_key").first()
    if key is None:
        raise IntakeUnavailable
    return key


def seal(key: IntakeKey, data: bytes, aad: bytes) -> str:
    return crypto.seal_to(bytes(key.public_key), data, aad)


def open_for(key: IntakeKey, stored: str, aad: bytes) -> bytes:
    """Open a sealed value (raises VaultSealed while sealed). Fetch rows with
    ``select_related("key")`` so a page of submissions reads its key once per row, not
    with a query per row."""
    private_hex = key.private_key
    if is_placeholder(private_hex):
        from sanctuary.vault import state

        if state.is_sealed():
            raise state.VaultSealed
        raise crypto.DecryptError("intake key does not open")
    return crypto.open_sealed(bytes.fromhex(str(private_hex)), stored, aad)
