"""The vault's cryptography, all from the ``cryptography`` library.

- Values: AES-256-GCM, 96-bit random nonce, associated data binding the value to its table,
  row and field (``aad_for``), so a ciphertext copied elsewhere fails to decrypt.
- Keys: the 128-bit unseal key (split with Shamir) derives, through HKDF-SHA256, a key
  encryption key and a verifier. Data keys are random and stored only wrapped (AES-GCM)
  under the key encryption key.
- Blind indexes: HMAC-SHA256 under a separate random key, truncated to 128 bits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
PREFIX = "s1"  # format version of stored values: "s1.<key version>.<base64url(nonce|ct|tag)>"
# The same, for a value whose associated data also names its parent row (a person's phone,
# document or vetting note is bound to that person: moved to another one, it no longer opens).
# Values stored before parents were bound keep "s1" until they are next saved or rotated;
# relabelling an "s2" value "s1" does not help a forger: the associated data then differs.
BOUND_PREFIX = "s2"
PREFIXES = (PREFIX, BOUND_PREFIX)


class DecryptError(Exception):
    """A stored value that does not decrypt: tampered, moved to another row, or another key."""


def random_key(size: int = 32) -> bytes:
    return os.urandom(size)


def hkdf(secret: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)


def derive_kek(unseal_key: bytes, salt: bytes) -> bytes:
    return hkdf(unseal_key, salt, b"sanctuary kek v1")


def verifier(unseal_key: bytes, salt: bytes) -> str:
    """Stored to recognise the right unseal key; reveals nothing usable about it."""
    key = hkdf(unseal_key, salt, b"sanctuary verifier v1")
    return hmac.new(key, b"sanctuary-verifier", hashlib.sha256).hexdigest()


def share_verifier(salt: bytes, index: int, value: bytes) -> str:
    """Stored for each share at ``vault_init``, so a junk share is refused on its own, before
    it is combined with anything. A share is a 128-bit random value: the hash (keyed with the
    vault's salt, and naming the share's index) cannot be searched back to it."""
    return hmac.new(salt, b"sanctuary share verifier v1|" + bytes([index]) + value, hashlib.sha256).hexdigest()


def wrap(kek: bytes, key: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, key, aad)


def unwrap(kek: bytes, blob: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(kek).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag:
        raise DecryptError("wrapped key does not open") from None


def aad_for(table: str, field: str, row_uid: str, parent_uid: str = "") -> bytes:
    """Associated data binding a value to its table, field and row (and parent row, if any)."""
    bound = f"|parent:{parent_uid}" if parent_uid else ""
    return f"{table}|{field}|{row_uid}{bound}".encode()


class Cipher:
    """AES-256-GCM over text values, tagged with the data-key version."""

    def __init__(self, keys: dict[int, bytes], current: int) -> None:
        self._aead = {version: AESGCM(key) for version, key in keys.items()}
        self.current = current

    def encrypt(self, plaintext: bytes, aad: bytes, version: int | None = None, prefix: str = PREFIX) -> str:
        version = self.current if version is None else version
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[version].encrypt(nonce, plaintext, aad)
        return f"{prefix}.{version}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii').rstrip('=')}"

    def decrypt(self, stored: str, aad: bytes) -> bytes:
        _prefix, version, blob = parse_stored(stored)
        aead = self._aead.get(version)
        if aead is None:
            raise DecryptError(f"no data key version {version}")
        try:
            return aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
        except InvalidTag:
            raise DecryptError("value does not match its place or was altered") from None


class IdentityCipher(Cipher):
    """No encryption at all: only for `make bench`, to measure what encryption costs."""

    def encrypt(self, plaintext: bytes, aad: bytes, version: int | None = None, prefix: str = PREFIX) -> str:
        return f"{prefix}.0.{plaintext.decode('utf-8')}"

    def decrypt(self, stored: str, aad: bytes) -> bytes:
        return stored.split(".", 2)[2].encode("utf-8")


def parse_stored(stored: str) -> tuple[str, int, bytes]:
    try:
        prefix, version, body = stored.split(".", 2)
        if prefix not in PREFIXES:
            raise ValueError(prefix)
        return prefix, int(version), base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError):
        raise DecryptError("not a stored ciphertext") from None


def stored_version(stored: str) -> int:
    return parse_stored(stored)[1]


def is_bound(stored: str) -> bool:
    """Whether a stored value was encrypted with its parent row in the associated data."""
    return stored.startswith(BOUND_PREFIX + ".")


def blind_index(key: bytes, purpose: str, value: str) -> str:
    """Keyed HMAC of a normalised value: equal values give equal indexes, nothing more."""
    mac = hmac.new(key, purpose.encode() + b"\x00" + value.encode("utf-8"), hashlib.sha256)
    return mac.hexdigest()[:32]


# --- Sealed boxes: encryption to a public key, for data that arrives while sealed ----------
#
# The public intake form must encrypt a submission at once, before any key holder has
# unsealed the server. It encrypts to an X25519 public key whose private half is stored
# only as a vault-encrypted value (``sanctuary.intake.models.IntakeKey``). The construction
# is ECIES as in libsodium's sealed boxes and HPKE's base mode: a fresh ephemeral key per
# message, X25519, HKDF-SHA256 over the shared secret and both public keys, AES-256-GCM.
# ``cryptography`` offers the primitives but no sealed box, hence these few lines.

SEALED_PREFIX = "x1"


def _sealed_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return hkdf(shared, ephemeral_public + recipient_public, b"sanctuary sealed box v1")


def seal_to(recipient_public: bytes, plaintext: bytes, aad: bytes) -> str:
    """Encrypt ``plaintext`` so that only the holder of the private key can read it."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    key = _sealed_key(shared, ephemeral_public, recipient_public)
    nonce = os.urandom(NONCE_BYTES)
    body = ephemeral_public + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)
    return f"{SEALED_PREFIX}.{base64.urlsafe_b64encode(body).decode('ascii').rstrip('=')}"


def open_sealed(recipient_private: bytes, stored: str, aad: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

    try:
        prefix, text = stored.split(".", 1)
        if prefix != SEALED_PREFIX:
            raise ValueError(prefix)
        body = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise DecryptError("not a sealed box") from None
    ephemeral_public, nonce, sealed = body[:32], body[32 : 32 + NONCE_BYTES], body[32 + NONCE_BYTES :]
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        key = _sealed_key(shared, ephemeral_public, private.public_key().public_bytes_raw())
        return AESGCM(key).decrypt(nonce, sealed, aad)
    except (InvalidTag, ValueError):
        raise DecryptError("sealed box does not open") from None


def new_keypair() -> tuple[bytes, bytes]:
    """(private, public) raw X25519 keys."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    private = X25519PrivateKey.generate()
    return private.private_bytes_raw(), private.public_key().public_bytes_raw()


def signing_public_key(seed: bytes) -> bytes:
    """The raw Ed25519 public key of a 32-byte private key (the audit signing key)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def sign(seed: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(seed).sign(data)
