"""The files of an approved release: CSV with HXL hashtags, XLSX and a one-page PDF.

Every file is made from the release's frozen output (never from the data as it is now), with
labels in the reader's language (Burmese, English or Thai). Staff names are never printed:
a file carries the release number, its dates and the SHA-256 of the output.

The CSV is "long" (one line per cell, margins included), for the Humanitarian Exchange
Language: a header row in the reader's language, then the hashtag row. The tags follow the HXL
standard's conventions: ``#adm1+name`` for the home region (Myanmar's states and regions are
its first administrative level), ``#date+start`` and ``#date+end`` for the period,
``#affected+num`` for the number of people, and ``#meta+…`` for our own categories (force,
rank group, sex) and the note on each line (total, suppressed).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from sanctuary.lib import cells
from sanctuary.lib.figures import BAR, FigureData
from sanctuary.stats import charts, disclosure, tables
from sanctuary.stats.models import TIME_DIMENSIONS, Counted, CountPolicy, Dimension, Mechanism, Release, title_in

HXL = {
    Dimension.FORCE: "#meta+force",
    Dimension.RANK_GROUP: "#meta+rank_group",
    Dimension.REGION: "#adm1+name",
    Dimension.SEX: "#meta+sex",
}
SUPPRESSED = "–"


def period_dates(dimension: str, code: str) -> tuple[date, date]:
    """The first and last day of a period code (2024-Q3, 2024-H2, 2024)."""
    year = int(code[:4])
    if dimension == Dimension.QUARTER:
        first_month, months = (int(code[-1]) - 1) * 3 + 1, 3
    elif dimension == Dimension.HALF:
        first_month, months = (int(code[-1]) - 1) * 6 + 1, 6
    else:
        first_month, months = 1, 12
    end_month = first_month + months
    end = date(year + (end_month > 12), (end_month - 1) % 12 + 1, 1)
    return date(year, first_month, 1), end - date.resolution


def title(release: Release) -> str:
    return title_in(release.table, get_language())


def _dimension_label(dimension: str) -> str:
    return str(Dimension(dimension).label) if dimension else ""


def _values(data: dict[str, Any], side: str) -> list[tuple[int, str]]:
    """(index, code) of a side's values, then the total (index ``TOTAL``)."""
    return [*enumerate(data[side]["codes"]), (disclosure.TOTAL, "")]


def to_csv(release: Release) -> bytes:
    data = release.output
    published = disclosure.Published.from_json(data["table"])
    dims = [data["rows"]["dimension"], data["columns"]["dimension"]]
    header: list[str] = []
    tags: list[str] = []
    for dimension in (d for d in dims if d):
        if dimension in TIME_DIMENSIONS:
            header += [_("Period"), _("From"), _("Until")]
            tags += ["#date+period", "#date+start", "#date+end"]
        else:
            header.append(_dimension_label(dimension))
            tags.append(HXL[dimension])
    header += [_("Number of people"), _("Note")]
    tags += ["#affected+num", "#meta+note"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(cells.safe_row(header))
    writer.writerow(cells.safe_row(tags))
    first, last = date.fromisoformat(data["first"]), date.fromisoformat(data["last"])
    columns = _values(data, "columns") if dims[1] else [(0, "")]
    for i, row_code in _values(data, "rows"):
        for j, column_code in columns:
            line: list[str] = []
            is_total = i == disclosure.TOTAL or (dims[1] != "" and j == disclosure.TOTAL)
            for dimension, index, code in ((dims[0], i, row_code), (dims[1], j, column_code)):
                if not dimension:
                    continue
                if index == disclosure.TOTAL:
                    line += (
                        [_("Total"), first.isoformat(), last.isoformat()]
                        if dimension in TIME_DIMENSIONS
                        else [_("Total")]
                    )
                elif dimension in TIME_DIMENSIONS:
                    start, end = period_dates(dimension, code)
                    line += [code, start.isoformat(), end.isoformat()]
                else:
                    line.append(tables.label(dimension, code))
            value = published.entry((i, j if dims[1] else disclosure.TOTAL if i == disclosure.TOTAL else 0))
            notes = [_("total")] if is_total else []
            if value is None:
                notes.append(_("suppressed"))
            line += ["" if value is None else str(value), ", ".join(notes)]
            writer.writerow(cells.safe_row(line))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the mark makes Excel read UTF-8


def wide(release: Release) -> dict[str, Any]:
    """The table as rows of labels and shown values, for the XLSX, the PDF and the page."""
    data = release.output
    published = disclosure.Published.from_json(data["table"])
    rows_dim, columns_dim = data["rows"]["dimension"], data["columns"]["dimension"]
    column_labels = [tables.label(columns_dim, c) for c in data["columns"]["codes"]] if columns_dim else []
    body = []
    for i, code in enumerate(data["rows"]["codes"]):
        values = published.cells[i] if columns_dim else []
        body.append({"label": tables.label(rows_dim, code), "values": values, "total": published.row_totals[i]})
    footer = {"label": _("Total"), "values": published.column_totals if columns_dim else [], "total": published.total}
    return {
        "corner": _dimension_label(rows_dim),
        "columns_label": _dimension_label(columns_dim),
        "columns": column_labels,
        "rows": body,
        "footer": footer,
    }


def facts(release: Release) -> list[tuple[str, str]]:
    """What the release is, in words: counted whom, when, under which rules."""
    data = release.output
    rules = data["rules"]
    first, last = date.fromisoformat(data["first"]), date.fromisoformat(data["last"])
    noise = (
        _("differential privacy, %(mechanism)s noise, epsilon %(epsilon)s")
        % {"mechanism": Mechanism(rules["mechanism"]).label, "epsilon": rules["epsilon"]}
        if rules.get("epsilon")
        else _("no noise added")
    )
    return [
        (_("Counted"), str(Counted(data["counted"]).label)),
        (_("Period"), f"{formats.date_format(first)} – {formats.date_format(last)}"),
        (_("Whom it counts"), str(CountPolicy(data["policy"]).label)),
        (
            pgettext("disclosure", "Rules"),
            _(
                "cells under %(threshold)s suppressed, with the cells that would reveal them; "
                "zeros %(zeros)s; every number rounded to a multiple of %(rounding)s; %(noise)s"
            )
            % {
                "threshold": rules["threshold"],
                "zeros": _("suppressed") if rules["zeros_disclosive"] else _("shown"),
                "rounding": rules["rounding"],
                "noise": noise,
            },
        ),
        (_("Release"), f"#{release.pk}"),
        (_("Approved on"), formats.date_format(release.approved_at) if release.approved_at else "—"),
        ("SHA-256", release.sha256),
    ]


def to_xlsx(release: Release) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    table = wide(release)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Table")[:31]
    cells.append_row(sheet, [title(release)])
    sheet["A1"].font = Font(bold=True, size=13)
    cells.append_row(sheet, [])
    if table["columns"]:
        cells.append_row(sheet, [table["corner"], *table["columns"], _("Total")])
    else:
        cells.append_row(sheet, [table["corner"], _("Number of people")])
    for row in [*table["rows"], table["footer"]]:
        values = row["values"] if table["columns"] else []
        cells.append_row(sheet, [row["label"], *(SUPPRESSED if v is None else v for v in [*values, row["total"]])])
    cells.append_row(sheet, [])
    cells.append_row(
        sheet, [f"{SUPPRESSED} {_('suppressed: too few people to show, or showing it would reveal a hidden cell')}"]
    )
    about = book.create_sheet(_("About")[:31])
    for name, value in facts(release):
        about.append([name, value])
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def chart_data(release: Release) -> FigureData:
    """The table as a chart: a bar per row value, a series per column value (the published
    numbers only; a suppressed cell has no bar)."""
    table = wide(release)
    if table["columns"]:
        series = [(label, [row["values"][n] for row in table["rows"]]) for n, label in enumerate(table["columns"])]
    else:
        series = [(_("Number of people"), [row["total"] for row in table["rows"]])]
    return FigureData(x_labels=[row["label"] for row in table["rows"]], series=series, kind=BAR)


def to_pdf(release: Release, others: list[Any]) -> bytes:
    from sanctuary.lib.pdf import FONT_FAMILY, render_pdf

    html = render_to_string(
        "stats/release_pdf.html",
        {
            "release": release,
            "title": title(release),
            "table": wide(release),
            "facts": facts(release),
            "chart": charts.render(chart_data(release), width=700, height=300, fonts=FONT_FAMILY),
            "others": others,
            "suppressed": SUPPRESSED,
        },
    )
    return render_pdf(html)
