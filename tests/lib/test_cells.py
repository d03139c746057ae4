"""No text we write to a CSV or an XLSX file is a formula (sanctuary.lib.cells)."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from sanctuary.lib import cells


@given(st.text(min_size=1))
def test_no_text_starts_as_a_formula_and_it_reads_back(text: str) -> None:
    written = cells.safe_text(text)
    if written != text:
        assert written == "'" + text and text[0] in cells.FORMULA_START
        assert cells.unescape(written) == text
    elif text[0] in cells.FORMULA_START:
        assert cells.safe_text(text) == text and text.lstrip("+-").replace(".", "", 1).isdigit()


def test_numbers_stay_numbers() -> None:
    assert cells.safe_row([1, 2.5, "-12.50", "+3", "700.00", None]) == [1, 2.5, "-12.50", "+3", "700.00", None]
    assert cells.safe_row(["=1+1", "-1+1", "@x", "\tx"]) == ["'=1+1", "'-1+1", "'@x", "'\tx"]


def test_xlsx_text_is_stored_as_text() -> None:
    book = Workbook()
    sheet = book.active
    cells.append_row(sheet, ['=HYPERLINK("http://x")', 5, "plain"])
    out = io.BytesIO()
    book.save(out)
    back = load_workbook(io.BytesIO(out.getvalue())).active
    assert back.cell(row=1, column=1).value == '=HYPERLINK("http://x")'
    assert back.cell(row=1, column=1).data_type == "s" and back.cell(row=1, column=2).value == 5
