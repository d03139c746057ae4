"""Small real images for tests, made with Pillow (with EXIF that must be stripped)."""

from __future__ import annotations

import io

from PIL import Image


def tiny_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_exif(text: str) -> bytes:
    """A JPEG whose EXIF 'Artist' and 'ImageDescription' carry ``text``."""
    image = Image.new("RGB", (16, 16), (20, 90, 160))
    exif = Image.Exif()
    exif[0x013B] = text  # Artist
    exif[0x010E] = text  # ImageDescription
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()
