"""On a phone a responsive table shows each cell under its column's name (``data-label``,
``sanctuary.css``): a cell without one is a number with no label (issue 16: the stipend
reports, the ledger, the checklist). Cells that are only a link, a button or a form (row
actions) and cells spanning the row need none."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "sanctuary" / "templates"
TABLE = re.compile(r'<table[^>]*class="[^"]*responsive[^"]*"[^>]*>(.*?)</table>', re.S)
UNLABELLED = re.compile(r"<td(?![^>]*(?:data-label|colspan))[^>]*>(.{0,40})", re.S)


def test_every_cell_of_a_responsive_table_is_labelled() -> None:
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for table in TABLE.finditer(path.read_text(encoding="utf-8")):
            for cell in UNLABELLED.finditer(table.group(1)):
                inner = cell.group(1).lstrip()
                if not inner.startswith(("<a ", "<form", "<button", "{% if")):
                    missing.append(f"{path.relative_to(TEMPLATES)}: {inner[:30]!r}")
    assert missing == []
