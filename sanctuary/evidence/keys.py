"""The organisation's evidence keys, made on first use while the vault is unsealed.

* The **store key** (age X25519): every original is an age stream to its public half, so a
  file is written without needing the secret; the secret opens files for officers, for
  checking hashes and for packaging.
* The **signing key** (Ed25519): signs each package's tag manifest. Investigators check it
  with the public key we give them (``verify_package --signer``, or this installation's).

Both secrets are encrypted under the vault's ``evidence`` key scope, bound to their row and
field: the general data keys do not open them, and a seized database without the unseal
shares opens nothing.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from django.db import IntegrityError, transaction

from sanctuary.evidence.models import EvidenceKeys
from sanctuary.vault import crypto, state, streams

SCOPE = "evidence"


def _aad(field: str) -> bytes:
    return crypto.aad_for("evidence_evidencekeys", field, "1")


def _seal(field: str, secret: bytes) -> str:
    return state.scope_cipher(SCOPE).encrypt(secret, _aad(field))


def _open(field: str, stored: str) -> bytes:
    return state.scope_cipher(SCOPE).decrypt(stored, _aad(field))


def keys() -> EvidenceKeys:
    """The row, made the first time (needs the vault unsealed); a unique column keeps it one."""
    found = EvidenceKeys.objects.order_by("pk").first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return _make()
    except IntegrityError:  # another process made it first (the table holds one row, ever)
        return EvidenceKeys.objects.get()


def _make() -> EvidenceKeys:
    secret, public = streams.new_identity()
    signing = Ed25519PrivateKey.generate()
    raw = signing.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    row = EvidenceKeys(
        store_public=public,
        signing_public=signing.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex(),
    )
    row.store_secret = _seal("store_secret", secret.encode("ascii"))
    row.signing_secret = _seal("signing_secret", raw)
    row.save()
    return row


def store_recipient() -> Any:
    return streams.recipient(keys().store_public)


def store_identity() -> Any:
    return streams.identity(_open("store_secret", keys().store_secret).decode("ascii"))


def sign(data: bytes) -> bytes:
    private = Ed25519PrivateKey.from_private_bytes(_open("signing_secret", keys().signing_secret))
    return private.sign(data)


def signing_public_hex() -> str:
    return keys().signing_public


def public_key(hex_text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_text.strip()))
