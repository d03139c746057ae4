"""Unseal shares a person can copy by hand and type back.

A share is 22 bytes: format version (1), vault tag (2: which vault it belongs to), share
index (1), the Shamir share of the 128-bit unseal key (16), and a 2-byte checksum
(SHA-256 of the rest). It is written in Crockford's base32 — digits and capitals without
I, L, O, U, so 0/O and 1/I/L typed either way read the same — in groups of four:

    1K7M-9QRT-4XZA-...

A typo fails the checksum at once; a share of another vault fails the tag. Neither counts
against anything: the person simply types it again.

Crockford's base32 is written here because the standard library's base32 uses another
alphabet with ambiguous letters; it is a few lines with no crypto in them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

VERSION = 1
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {c: i for i, c in enumerate(_ALPHABET)} | {"O": 0, "I": 1, "L": 1}
SHARE_BYTES = 16
_BODY = 1 + 2 + 1 + SHARE_BYTES
_TOTAL = _BODY + 2


class ShareError(ValueError):
    """A share that cannot be used; ``code`` says why, for a message in the user's language."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Share:
    vault_tag: bytes
    index: int
    value: bytes


def _b32encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    length = (len(data) * 8 + 4) // 5
    return "".join(_ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(length)))


def _b32decode(text: str, size: int) -> bytes:
    number = 0
    for char in text:
        if char not in _DECODE:
            raise ShareError("bad_character")
        number = (number << 5) | _DECODE[char]
    if number >> (size * 8):
        raise ShareError("checksum")
    return number.to_bytes(size, "big")


def _checksum(body: bytes) -> bytes:
    return hashlib.sha256(b"sanctuary-share" + body).digest()[:2]


def encode_share(vault_tag: bytes, index: int, value: bytes) -> str:
    body = bytes([VERSION]) + vault_tag + bytes([index]) + value
    text = _b32encode(body + _checksum(body))
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def decode_share(text: str) -> Share:
    """Parse a typed share; raise ShareError('checksum' | 'length' | 'bad_character' | 'version')."""
    cleaned = "".join(text.split()).replace("-", "").upper()
    if len(cleaned) != (_TOTAL * 8 + 4) // 5:
        raise ShareError("length")
    raw = _b32decode(cleaned, _TOTAL)
    body, check = raw[:_BODY], raw[_BODY:]
    if _checksum(body) != check:
        raise ShareError("checksum")
    if body[0] != VERSION:
        raise ShareError("version")
    return Share(vault_tag=body[1:3], index=body[3], value=body[4:])
