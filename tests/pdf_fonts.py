"""Checking that a PDF is set in our bundled Noto fonts, never in whatever fonts the server has.

The checks open the font programs embedded in a real PDF and compare their glyph outlines with
the files in `sanctuary/static/fonts/`, glyph by glyph. WeasyPrint subsets fonts keeping glyph
ids, so glyph n of an embedded font is glyph n of the file it came from.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings

FONTS = Path(settings.BASE_DIR) / "sanctuary" / "static" / "fonts"
MYANMAR = "noto-sans-myanmar-myanmar-400-normal.woff2"
LATIN = "noto-sans-latin-400-normal.woff2"
THAI = "noto-sans-thai-thai-400-normal.woff2"
MYANMAR_BOLD = "noto-sans-myanmar-myanmar-700-normal.woff2"
THAI_BOLD = "noto-sans-thai-thai-700-normal.woff2"
LATIN_BOLD = "noto-sans-latin-700-normal.woff2"


@contextmanager
def weasyprint_warnings() -> Iterator[list[str]]:
    """Every warning WeasyPrint logs while the block runs (its own logger, whatever propagates)."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("weasyprint")
    handler = Collect(level=logging.WARNING)
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


def assert_no_font_warnings(warnings: list[str]) -> None:
    assert not [m for m in warnings if "cannot be loaded" in m], warnings
    assert not [m for m in warnings if ".notdef" in m], warnings  # every character had a glyph


def embedded_fonts(pdf: bytes) -> list[tuple[str, Any]]:
    """(BaseFont, fontTools font) of every font program embedded in the PDF."""
    import pikepdf
    from fontTools.ttLib import TTFont

    found = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for obj in document.objects:
            if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font" or "/DescendantFonts" not in obj:
                continue
            descriptor = obj.DescendantFonts[0].FontDescriptor
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            assert program is not None, f"{obj.BaseFont} is not embedded"
            found.append((str(obj.BaseFont), TTFont(io.BytesIO(program.read_bytes()))))
    return found


def outline(font: Any, gid: int) -> list[Any]:
    from fontTools.pens.recordingPen import DecomposingRecordingPen

    glyphs = font.getGlyphSet()
    pen = DecomposingRecordingPen(glyphs)
    glyphs[font.getGlyphOrder()[gid]].draw(pen)
    return list(pen.value)


def drawn_glyphs(font: Any) -> dict[int, list[Any]]:
    """Glyph id → outline for every glyph of a subset that has one (the glyphs the PDF uses)."""
    drawn = {gid: outline(font, gid) for gid in range(len(font.getGlyphOrder()))}
    return {gid: shape for gid, shape in drawn.items() if shape}


def bundled(name: str) -> Any:
    from fontTools.ttLib import TTFont

    return TTFont(FONTS / name)  # WOFF2, decompressed by fontTools (brotli)


def assert_set_in_bundled_fonts(pdf: bytes, samples: Mapping[str, str]) -> None:
    """Every embedded font is one of our files, and each of ``samples`` (bundled file name →
    characters the PDF prints) came from that file, with that file's glyphs."""
    ours = {path.name: bundled(path.name) for path in sorted(FONTS.glob("*.woff2"))}
    embedded = embedded_fonts(pdf)
    assert embedded
    sources: dict[str, Any] = {}
    for base_font, font in embedded:
        drawn = drawn_glyphs(font)
        assert drawn, base_font
        # The one bundled file each of whose glyphs at these ids has exactly these outlines.
        matches = [
            name
            for name, file in ours.items()
            if max(drawn) < len(file.getGlyphOrder())
            and all(outline(file, gid) == shape for gid, shape in drawn.items())
        ]
        assert len(matches) == 1, f"{base_font} is not one of our fonts: {matches}"
        sources[matches[0]] = font

    for name, characters in samples.items():
        assert name in sources, f"{name} not embedded; embedded: {sorted(sources)}"
        cmap = ours[name].getBestCmap()
        order = ours[name].getGlyphOrder()
        for character in characters:
            gid = order.index(cmap[ord(character)])
            shape = outline(sources[name], gid)
            assert shape, f"{character!r} is not in the embedded {name}"
            assert shape == outline(ours[name], gid), character
