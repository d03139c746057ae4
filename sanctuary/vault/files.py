"""Encrypted files: photos and documents are AES-256-GCM blobs on disk.

The file name is random (never a person's name), the content is bound to its database row
and purpose through the associated data, and images are re-encoded before encryption so
EXIF and other metadata (GPS position, camera, owner name) never reach the disk at all.
"""

from __future__ import annotations

import io
import os
import secrets
import warnings
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageOps

from sanctuary.vault import state

MAX_BYTES = 10 * 1024 * 1024
Image.MAX_IMAGE_PIXELS = 40_000_000  # about 6300 x 6300: more than any phone photo
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
PDF_TYPE = "application/pdf"


class FileRejected(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def storage_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "vault"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def clean_upload(data: bytes) -> tuple[bytes, str]:
    """Return (clean bytes, content type): images re-encoded without metadata, PDFs as they are."""
    if len(data) > MAX_BYTES:
        raise FileRejected("too_large")
    if data.startswith(b"%PDF-"):
        return data, PDF_TYPE
    try:
        with warnings.catch_warnings():
            # An image that decodes to a huge bitmap (a "decompression bomb") is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _reencode(data)
    except FileRejected:
        raise
    except Exception:  # noqa: BLE001 - any decoder error means "not an image we accept"
        raise FileRejected("wrong_type") from None


def _reencode(data: bytes) -> tuple[bytes, str]:
    with Image.open(io.BytesIO(data)) as image:
        image_format = image.format or ""
        image.load()
        upright = ImageOps.exif_transpose(image) or image
        content_type = Image.MIME.get(image_format, "")
        if content_type not in IMAGE_TYPES:
            raise FileRejected("wrong_type")
        out = io.BytesIO()
        clean = upright.convert("RGB") if IMAGE_TYPES[content_type] == "JPEG" else upright
        # A new image from the pixels only: no EXIF, XMP, ICC comments or thumbnails.
        bare = Image.frombytes(clean.mode, clean.size, clean.tobytes())
        bare.save(out, format=IMAGE_TYPES[content_type])
        return out.getvalue(), content_type


def write_encrypted(data: bytes, aad: bytes, version: int | None = None) -> str:
    """Encrypt and write; returns the random file name."""
    ring = state.keyring()
    name = secrets.token_hex(16) + ".bin"
    blob = ring.cipher.encrypt(data, aad, version).encode("ascii")
    path = storage_dir() / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(blob)
    return name


def read_decrypted(name: str, aad: bytes) -> bytes:
    path = storage_dir() / Path(name).name
    return state.keyring().decrypt(path.read_text(encoding="ascii"), aad)


def delete(name: str) -> None:
    (storage_dir() / Path(name).name).unlink(missing_ok=True)
