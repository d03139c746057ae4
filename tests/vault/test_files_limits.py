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


def _hostile_pdf() -> bytes:
    """A one-page PDF with every way to act on opening we know of: an open action, a bookmark
    running JavaScript, a link annotation to a tracking address, a launch action, an embedded
    file in the names tree, and document information naming its author."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    js = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x')")))
    pdf.Root.OpenAction = js
    outline_item = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("Read me"), A=js))
    pdf.Root.Outlines = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Outlines, First=outline_item, Last=outline_item, Count=1)
    )
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=[0, 0, 100, 100],
        A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://tracker.example/?id=42")),
    )
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(link)]))
    pdf.pages[0].obj.AA = pikepdf.Dictionary(O=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe")))
    attached = pdf.make_stream(b"secret attachment")
    attached.Type = pikepdf.Name.EmbeddedFile
    spec = pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F=pikepdf.String("a.txt"), EF=pikepdf.Dictionary(F=attached))
    pdf.Root.Names = pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(Names=[pikepdf.String("a.txt"), spec]))
    pdf.docinfo["/Author"] = "Captain Real Name"
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def test_a_hostile_pdf_keeps_nothing_that_acts_or_tracks() -> None:
    data = _hostile_pdf()
    for needle in (b"/JavaScript", b"tracker.example", b"/Launch", b"secret attachment", b"Captain Real Name"):
        assert needle in data  # the test file really carries each
    cleaned, content_type = files.clean_upload(data)
    assert content_type == "application/pdf"
    for needle in (
        b"/JavaScript",
        b"/JS",
        b"tracker.example",
        b"/URI",
        b"/Launch",
        b"/EmbeddedFile",
        b"secret attachment",
        b"Captain Real Name",
        b"/Outlines",
        b"/OpenAction",
    ):
        assert needle not in _plain(cleaned), needle


def _plain(pdf_bytes: bytes) -> bytes:
    """The PDF with its streams uncompressed (a needle could hide in a compressed object stream)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        out = io.BytesIO()
        pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
        return out.getvalue()
