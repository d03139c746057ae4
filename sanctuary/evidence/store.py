"""Where evidence files live: age streams to the organisation's store key, under random
names in the vault's folder. Written as they arrive (the hashes are taken on the same
pass), read back only through :func:`reading`, which checks nothing itself: callers that
let a file leave (a download, a package) check the hashes on the same pass."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sanctuary.evidence import keys
from sanctuary.lib.refusal import Refusal
from sanctuary.vault import files, streams

CHUNK = 1024 * 1024


class StoreRefused(Refusal):
    messages = {
        "too_large": _("The file is larger than the limit for evidence files."),
        "empty": _("The file is empty."),
    }


def path_of(name: str) -> Path:
    return files.storage_dir() / Path(name).name


def max_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", 4 * 1024**3))


@dataclass(frozen=True)
class Stored:
    """A file written to the store: its random name, size and hashes at receipt."""

    name: str
    size: int
    sha256: str
    sha512: str


class Writer:
    """Write a file in pieces (an upload's chunks); ``finish`` returns what was stored,
    ``abort`` removes what was written. Hashes are of the bytes as received."""

    def __init__(self) -> None:
        self.name = "ev-" + secrets.token_hex(16) + ".age"
        self.size = 0
        self._sha256, self._sha512 = hashlib.sha256(), hashlib.sha512()
        self._stack = ExitStack()
        recipient = keys.store_recipient()  # first: a sealed vault leaves no empty file behind
        fd = os.open(path_of(self.name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        dest = self._stack.enter_context(os.fdopen(fd, "wb"))
        self._sink = self._stack.enter_context(streams.encrypting(dest, [recipient]))

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > max_bytes():
            self.abort()
            raise StoreRefused("too_large")
        self._sha256.update(chunk)
        self._sha512.update(chunk)
        self._sink.write(chunk)

    def finish(self) -> Stored:
        self._stack.close()
        if self.size == 0:
            delete(self.name)
            raise StoreRefused("empty")
        return Stored(self.name, self.size, self._sha256.hexdigest(), self._sha512.hexdigest())

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # the file goes anyway
            self._stack.close()
        delete(self.name)


def write_stream(source: BinaryIO) -> Stored:
    writer = Writer()
    try:
        while chunk := source.read(CHUNK):
            writer.write(chunk)
    except BaseException:
        writer.abort()
        raise
    return writer.finish()


def write_bytes(data: bytes) -> Stored:
    return write_stream(io.BytesIO(data))


class ShortFile(Exception):
    """The stored file ended before the size recorded at receipt."""


class HashingReader:
    """Reads through, hashing what passes (for tar, which reads exactly ``size`` bytes).
    With ``expected``, a file that ends early raises :class:`ShortFile`."""

    def __init__(self, source: BinaryIO, expected: int | None = None) -> None:
        self._source = source
        self._expected = expected
        self.sha256, self.sha512 = hashlib.sha256(), hashlib.sha512()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._source.read(n)
        if self._expected is not None and n > 0 and len(data) < n and self.size + len(data) < self._expected:
            raise ShortFile  # a buffered read is short only at the end of the file
        self.sha256.update(data)
        self.sha512.update(data)
        self.size += len(data)
        return data

    def matches(self, item: Any) -> bool:
        return (
            self.size == item.size
            and self.sha256.hexdigest() == str(item.sha256)
            and self.sha512.hexdigest() == str(item.sha512)
        )


@contextmanager
def reading(name: str) -> Iterator[BinaryIO]:
    """The plaintext of a stored file, as a stream. A file altered on disk raises
    ``streams.StreamError`` (age authenticates every chunk)."""
    with open(path_of(name), "rb") as source, streams.decrypting(source, [keys.store_identity()]) as plain:
        yield plain


def check(item: Any) -> bool:
    """Read the whole file and compare its size and both hashes with those at receipt."""
    try:
        with reading(item.stored_name) as plain:
            reader = HashingReader(plain)
            while reader.read(CHUNK):
                pass
    except (OSError, streams.StreamError):
        return False
    return reader.matches(item)


def delete(name: str) -> None:
    if name:
        path_of(name).unlink(missing_ok=True)


def sweep(older_than_hours: float = 24) -> int:
    """Remove evidence files that no row names, older than ``older_than_hours``: what a process
    killed mid-upload or mid-build left (ciphertext to our keys, but nobody's). Files younger
    than that may be an upload or a build still running, and are kept."""
    import time

    from sanctuary.evidence.models import Item, Package

    cutoff = time.time() - older_than_hours * 3600
    known = set(Item.objects.values_list("stored_name", flat=True))
    known |= set(Package.objects.exclude(stored_name="").values_list("stored_name", flat=True))
    removed = 0
    for pattern in ("ev-*.age", "pk-*.age"):
        for path in files.storage_dir().glob(pattern):
            if path.name not in known and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
