"""The cash-list PDF is set in our bundled Noto fonts, never in whatever fonts the server has.

Burmese is shaped only by a font that knows the script; a server without one (or with a
different version of it) must still print the same list. So the test opens the font programs
embedded in a real PDF and compares their glyph outlines with the files in
`sanctuary/static/fonts/`, glyph by glyph. WeasyPrint subsets fonts keeping glyph ids, so
glyph n of an embedded font is glyph n of the file it came from.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from sanctuary.stipends import actions, exports
from sanctuary.stipends.models import Funder, StipendRule
from tests.shelter.helpers import accepted

pytestmark = pytest.mark.django_db
FONTS = Path(settings.BASE_DIR) / "sanctuary" / "static" / "fonts"
MYANMAR = "noto-sans-myanmar-myanmar-400-normal.woff2"
LATIN = "noto-sans-latin-400-normal.woff2"
THAI = "noto-sans-thai-thai-400-normal.woff2"
# A few glyphs of each script that the list below must print, taken from our own files' cmap.
SAMPLES = {MYANMAR: "ကအင", LATIN: "Ko0", THAI: "สม"}


def _cash_list(team_a: Any, make_user: Any) -> tuple[Any, list[Any]]:
    """A paid-out run for three people named in Burmese, Latin and Thai script."""
    officers = make_user("vetting_officer"), make_user("vetting_officer")
    drafter, approver = make_user("finance_officer"), make_user("finance_officer")
    funder = Funder.objects.create(name="Funder One")
    StipendRule.objects.create(funder=funder, effective_from=date(2026, 1, 1), single_amount=700, family_amount=1400)
    for alias in ("ကိုအောင် 0", "Ko Min 1", "สมชาย 2"):
        actions.do_enroll(drafter, accepted(team_a, officers, alias=alias), funder, date(2026, 10, 1))
    run = actions.do_draft_run(drafter, funder, date(2026, 11, 1))
    actions.do_approve_run(approver, run)
    actions.do_disburse_run(approver, run, "cash")
    return run, list(run.lines.select_related("person").order_by("person__case_code"))


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


def _embedded_fonts(pdf: bytes) -> list[tuple[str, Any]]:
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


def _outline(font: Any, gid: int) -> list[Any]:
    from fontTools.pens.recordingPen import DecomposingRecordingPen

    glyphs = font.getGlyphSet()
    pen = DecomposingRecordingPen(glyphs)
    glyphs[font.getGlyphOrder()[gid]].draw(pen)
    return list(pen.value)


def _drawn_glyphs(font: Any) -> dict[int, list[Any]]:
    """Glyph id → outline for every glyph of a subset that has one (the glyphs the PDF uses)."""
    drawn = {gid: _outline(font, gid) for gid in range(len(font.getGlyphOrder()))}
    return {gid: outline for gid, outline in drawn.items() if outline}


def _bundled(name: str) -> Any:
    from fontTools.ttLib import TTFont

    return TTFont(FONTS / name)  # WOFF2, decompressed by fontTools (brotli)


def test_cash_list_pdf_embeds_our_bundled_fonts(team_a: Any, make_user: Any) -> None:
    run, lines = _cash_list(team_a, make_user)
    with weasyprint_warnings() as warnings:
        pdf = exports.cash_list_pdf(run, lines, "my")
    assert not [m for m in warnings if "cannot be loaded" in m], warnings
    assert not [m for m in warnings if ".notdef" in m], warnings  # every character had a glyph

    ours = {path.name: _bundled(path.name) for path in sorted(FONTS.glob("*.woff2"))}
    embedded = _embedded_fonts(pdf)
    assert embedded
    sources: dict[str, Any] = {}
    for base_font, font in embedded:
        drawn = _drawn_glyphs(font)
        assert drawn, base_font
        # The one bundled file each of whose glyphs at these ids has exactly these outlines.
        matches = [
            name
            for name, bundled in ours.items()
            if max(drawn) < len(bundled.getGlyphOrder())
            and all(_outline(bundled, gid) == outline for gid, outline in drawn.items())
        ]
        assert len(matches) == 1, f"{base_font} is not one of our fonts: {matches}"
        sources[matches[0]] = font

    # Burmese, Latin and Thai came from our files, and carry the glyphs of our files.
    for name, characters in SAMPLES.items():
        assert name in sources, f"{name} not embedded; embedded: {sorted(sources)}"
        cmap = ours[name].getBestCmap()
        order = ours[name].getGlyphOrder()
        for character in characters:
            gid = order.index(cmap[ord(character)])
            outline = _outline(sources[name], gid)
            assert outline, f"{character!r} is not in the embedded {name}"
            assert outline == _outline(ours[name], gid), character


def test_the_fetcher_loads_nothing_but_our_font_files(tmp_path: Path) -> None:
    fetcher: Any = exports._local_fonts_only()
    font = FONTS / MYANMAR
    assert fetcher.fetch(font.as_uri()).read() == font.read_bytes()
    refused = [
        (FONTS / "README.md").as_uri(),
        (FONTS / ".." / "css" / "sanctuary.css").as_uri(),
        FONTS.as_uri() + "/../../settings.py",
        "file://elsewhere" + font.as_posix(),
        "https://example.org/font.woff2",
        "data:font/woff2;base64,AAAA",
    ]
    for url in refused:
        with pytest.raises(ValueError, match="only bundled fonts"):
            fetcher.fetch(url)
