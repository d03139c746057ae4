"""A photo too large is refused as too large, never as "wrong type" (issue 17, low)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from sanctuary.vault import files


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")  # a few kilobytes: all one colour
    return out.getvalue()


@pytest.mark.parametrize("size", [(8000, 6000), (10000, 10000), (15000, 15000)])
def test_a_huge_photo_is_refused_as_too_large(size: tuple[int, int]) -> None:
    data = _png(*size)
    assert len(data) < files.MAX_BYTES
    with pytest.raises(files.FileRejected) as refused:
        files.clean_upload(data)
    assert refused.value.code == "too_many_pixels"
    assert "40 megapixels" in refused.value.message


def test_not_an_image_is_still_the_wrong_type() -> None:
    with pytest.raises(files.FileRejected) as refused:
        files.clean_upload(b"GIF89a this is not a picture")
    assert refused.value.code == "wrong_type"
