"""The cash-list PDF is set in our bundled Noto fonts, never in whatever fonts the server has.

Burmese is shaped only by a font that knows the script; a server without one (or with a
different version of it) must still print the same list. So the test opens the font programs
embedded in a real PDF and compares their glyph outlines with the files in
`sanctuary/static/fonts/`, glyph by glyph (``tests/pdf_fonts.py``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sanctuary.lib import pdf
from sanctuary.stipends import actions, exports
from sanctuary.stipends.models import Funder, StipendRule
from tests.pdf_fonts import (
    FONTS,
    LATIN,
    MYANMAR,
    THAI,
    assert_no_font_warnings,
    assert_set_in_bundled_fonts,
    weasyprint_warnings,
)
from tests.shelter.helpers import accepted

pytestmark = pytest.mark.django_db
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
    actions.do_approve_run(approver, run, seen=actions.run_fingerprint(run))
    actions.do_disburse_run(approver, run, "cash")
    return run, list(run.lines.select_related("person").order_by("person__case_code"))


def test_cash_list_pdf_embeds_our_bundled_fonts(team_a: Any, make_user: Any) -> None:
    run, lines = _cash_list(team_a, make_user)
    with weasyprint_warnings() as warnings:
        document = exports.cash_list_pdf(run, lines, "my")
    assert_no_font_warnings(warnings)
    # Burmese, Latin and Thai came from our files, and carry the glyphs of our files.
    assert_set_in_bundled_fonts(document, SAMPLES)


def test_the_fetcher_loads_nothing_but_our_font_files(tmp_path: Path) -> None:
    fetcher: Any = pdf.local_fonts_only()
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
