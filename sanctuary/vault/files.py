"""Encrypted files: photos and documents are AES-256-GCM blobs on disk.

The file name is random (never a person's name), the content is bound to its database row
and purpose through the associated data, and images are re-encoded before encryption so
EXIF and other metadata (GPS position, camera, owner name) never reach the disk at all.
"""

from __future__ import annotations

import io
import os
import secrets
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from sanctuary.lib.refusal import Refusal
from sanctuary.vault import crypto, state

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 7300 x 5500: more than most phone photos; refused before decoding
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
PDF_TYPE = "application/pdf"


class FileRejected(Refusal, ValueError):
    messages = {
        "too_large": _("The file is larger than 10 MB."),
        "too_many_pixels": _("The photo is too large (more than %(megapixels)d megapixels): send a smaller one."),
        "wrong_type": _("Only photos (JPEG, PNG, WebP) and PDF documents are accepted."),
    }


def storage_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "vault"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def clean_upload(data: bytes) -> tuple[bytes, str]:
    """Return (clean bytes, content type): images re-encoded without metadata, PDFs as they are."""
    if len(data) > MAX_BYTES:
        raise FileRejected("too_large")
    if data.startswith(b"%PDF-"):
        return _strip_pdf(data), PDF_TYPE
    try:
        with warnings.catch_warnings():
            # An image that decodes to a huge bitmap (a "decompression bomb") is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _reencode(data)
    except FileRejected:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise FileRejected("too_many_pixels", megapixels=MAX_PIXELS // 1_000_000) from None
    except Exception:  # noqa: BLE001 - any decoder error means "not an image we accept"
        raise FileRejected("wrong_type") from None


# Keys that make a PDF act when opened (scripts, links that fetch, launches, forms that
# submit) or carry hidden content (attached files, comments with their authors).
_ACTIVE_ROOT_KEYS = (
    "/OpenAction",
    "/AA",
    "/Names",
    "/AcroForm",
    "/Metadata",
    "/PieceInfo",
    "/URI",
    "/Outlines",  # bookmarks carry actions (JavaScript, links out): dropped with them
    "/Threads",
)
# Keys that make any object act (an action, additional actions, a script), wherever it hangs.
_ACTION_KEYS = ("/A", "/AA", "/JS", "/OpenAction", "/URI", "/Launch")
_ACTIVE_PAGE_KEYS = ("/AA", "/Annots", "/Metadata", "/PieceInfo")


def _strip_pdf(data: bytes) -> bytes:
    """A PDF without its document information (author, producer, dates), XMP metadata,
    scripts, automatic actions, links, comments and attached files, rewritten by qpdf
    (pikepdf) with a fresh random id. A file qpdf cannot read is refused.

    Images inside a PDF are kept as they are (their own EXIF included): PDFs are offered
    only as downloads, and a photo should be sent as a photo, which is re-encoded.
    """
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            for key in _ACTIVE_ROOT_KEYS:
                if key in pdf.Root:
                    del pdf.Root[key]
            for page in pdf.pages:
                for key in _ACTIVE_PAGE_KEYS:
                    if key in page.obj:
                        del page.obj[key]
            for obj in pdf.objects:  # whatever is still reachable from elsewhere (a form, a widget)
                if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                    for key in _ACTION_KEYS:
                        if key in obj:
                            del obj[key]
                for _name, image in page.images.items():
                    if "/Metadata" in image:
                        del image["/Metadata"]
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            out = io.BytesIO()
            pdf.save(out, deterministic_id=False, fix_metadata_version=False)
    except (pikepdf.PdfError, KeyError, ValueError):
        raise FileRejected("wrong_type") from None
    if len(out.getvalue()) > MAX_BYTES:
        raise FileRejected("too_large")
    return out.getvalue()


# Decoding a photo takes memory (a 24-megapixel image is about 72 MB as RGB, a few copies
# during re-encoding): at most two at a time, so a burst of uploads cannot exhaust the one
# server process that holds the unsealed keys.
_decoding = threading.BoundedSemaphore(2)


def _reencode(data: bytes) -> tuple[bytes, str]:
    with _decoding, Image.open(io.BytesIO(data)) as image:
        image_format = image.format or ""
        content_type = Image.MIME.get(image_format, "")
        if content_type not in IMAGE_TYPES:
            raise FileRejected("wrong_type")
        if image.width * image.height > MAX_PIXELS:
            raise FileRejected("too_many_pixels", megapixels=MAX_PIXELS // 1_000_000)
        image.load()
        upright = ImageOps.exif_transpose(image) or image
        out = io.BytesIO()
        if IMAGE_TYPES[content_type] == "JPEG" or upright.mode not in {"RGB", "RGBA", "L", "LA"}:
            # Palette and other modes become plain pixels (a palette would be lost below).
            upright = upright.convert("RGB" if IMAGE_TYPES[content_type] == "JPEG" else "RGBA")
        # A new image from the pixels only: no EXIF, XMP, ICC comments or thumbnails.
        bare = Image.frombytes(upright.mode, upright.size, upright.tobytes())
        bare.save(out, format=IMAGE_TYPES[content_type])
        return out.getvalue(), content_type


def write_encrypted(data: bytes, aad: bytes, version: int | None = None, prefix: str = crypto.PREFIX) -> str:
    """Encrypt and write; returns the random file name."""
    ring = state.keyring()
    return write_blob(ring.cipher.encrypt(data, aad, version, prefix=prefix))


def write_blob(text: str) -> str:
    """Write an already encrypted value (ASCII) under a new random name; returns the name."""
    name = secrets.token_hex(16) + ".bin"
    path = storage_dir() / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(text.encode("ascii"))
    return name


def read_blob(name: str) -> str:
    return (storage_dir() / Path(name).name).read_text(encoding="ascii")


def read_decrypted(name: str, aad: bytes | Callable[[str], bytes]) -> bytes:
    """Read and decrypt a file; ``aad`` may depend on the stored value's format (a row's
    ``file_aad``)."""
    stored = read_blob(name)
    return state.keyring().decrypt(stored, aad(stored) if callable(aad) else aad)


def delete(name: str) -> None:
    (storage_dir() / Path(name).name).unlink(missing_ok=True)
