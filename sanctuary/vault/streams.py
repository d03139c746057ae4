"""Streaming encryption to age (X25519) recipients, for files too large to hold in memory:
evidence originals at rest, and referral packages encrypted to an investigator.

The other vault files are whole-value AES-GCM (``vault.files``), which needs the whole file
in memory. age (through ``pyrage``) is a streaming format with authenticated 64 KiB chunks,
a well-reviewed specification and a library we do not have to write. ``pyrage`` pulls from
a reader and pushes to a writer; where our side pushes (an upload arriving chunk by chunk, a
tar stream being written), a pipe and a thread join the two, so memory stays a few chunks
whatever the file's size, and plaintext never touches the disk.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, BinaryIO

import pyrage
from pyrage import x25519


class StreamError(Exception):
    """The stream could not be encrypted or decrypted (wrong key, altered or cut file)."""


def new_identity() -> tuple[str, str]:
    """A new age X25519 key pair: (secret identity ``AGE-SECRET-KEY-1…``, public ``age1…``)."""
    identity = x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def recipient(public: str) -> Any:
    """An age recipient from its public key, or ``ValueError`` if it is not one."""
    try:
        return x25519.Recipient.from_str(public.strip())
    except Exception as error:
        raise ValueError("not an age X25519 public key") from error


def identity(secret: str) -> Any:
    try:
        return x25519.Identity.from_str(secret.strip())
    except Exception as error:
        raise ValueError("not an age X25519 identity") from error


def _run(target: Any, errors: list[BaseException], *closing: BinaryIO) -> threading.Thread:
    def work() -> None:
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            errors.append(error)
        finally:
            for handle in closing:
                # The other side may have stopped reading first (a reader that refused the
                # stream early): the pipe is then broken, which is no error of this thread.
                with suppress(BrokenPipeError):
                    handle.close()

    thread = threading.Thread(target=work, name="age-stream", daemon=True)
    thread.start()
    return thread


class _Cuttable:
    """The destination, which refuses every write once the writer gave up: the encryptor then
    never writes age's final chunk, so a stream cut short never decrypts as if it were whole."""

    def __init__(self, dest: BinaryIO) -> None:
        self._dest, self.cut = dest, False

    def write(self, data: bytes) -> int:
        if self.cut:
            raise OSError("stream abandoned")
        return self._dest.write(data)

    def flush(self) -> None:
        if not self.cut:
            self._dest.flush()


@contextmanager
def encrypting(dest: BinaryIO, recipients: Sequence[Any]) -> Iterator[BinaryIO]:
    """A writer: what is written to it is encrypted to ``recipients`` into ``dest``. The
    ciphertext is complete when the block ends. An exception inside leaves it cut, never a
    valid stream of part of the data (the caller deletes it); a failure of the encryption
    itself (a full disk) is raised as :class:`StreamError` with its cause."""
    read_fd, write_fd = os.pipe()
    reader, writer = os.fdopen(read_fd, "rb"), os.fdopen(write_fd, "wb")
    errors: list[BaseException] = []
    target = _Cuttable(dest)
    thread = _run(lambda: pyrage.encrypt_io(reader, target, list(recipients)), errors, reader)
    try:
        yield writer
    except BaseException as failure:
        target.cut = True
        with suppress(OSError):
            writer.close()
        thread.join()
        if errors and isinstance(failure, BrokenPipeError):  # the encryption stopped first
            raise StreamError("encryption failed") from errors[0]
        raise
    with suppress(BrokenPipeError):
        writer.close()
    thread.join()
    if errors:
        raise StreamError("encryption failed") from errors[0]


@contextmanager
def decrypting(source: BinaryIO, identities: Sequence[Any]) -> Iterator[BinaryIO]:
    """A reader of the plaintext of the age stream ``source``. A wrong key, or a file altered
    or cut, raises :class:`StreamError` when the block ends (after a short read)."""
    read_fd, write_fd = os.pipe()
    reader, writer = os.fdopen(read_fd, "rb"), os.fdopen(write_fd, "wb")
    errors: list[BaseException] = []
    thread = _run(lambda: pyrage.decrypt_io(source, writer, list(identities)), errors, writer)
    try:
        yield reader
    except BaseException:
        reader.close()
        thread.join()
        if errors:  # the reader saw a short stream because decryption failed: say that
            raise StreamError(str(errors[0]) or "decryption failed") from errors[0]
        raise
    reader.close()  # a reader that stopped early ends the decryption (a broken pipe)
    thread.join()
    if errors and not isinstance(errors[0], BrokenPipeError):
        raise StreamError(str(errors[0]) or "decryption failed") from errors[0]
