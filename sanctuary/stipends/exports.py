"""Cash lists (PDF, XLSX), the bank / reconciliation CSV, and reading it back.

People appear by case code and alias only: a cash list is handed around a distribution and
may be lost. The PDF embeds our own Noto fonts (Burmese and Thai shape correctly whatever
fonts the server has), rendered by WeasyPrint through ``sanctuary.lib.pdf``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from sanctuary.lib import cells, pdf
from sanctuary.lib.bounds import MESSAGE, STIPEND_MONTH, limits_shown
from sanctuary.lib.dates import read_date
from sanctuary.lib.text import ascii_digits, normalise
from sanctuary.stipends.actions import Mark
from sanctuary.stipends.models import LineStatus, PaymentLine, PaymentRun

if TYPE_CHECKING:
    from collections.abc import Iterable

CSV_COLUMNS = ["line", "case_code", "amount", "currency", "status", "receipt", "paid_on"]
MAX_CSV_BYTES = 2 * 1024 * 1024


def cash_list_pdf(run: PaymentRun, lines: Iterable[PaymentLine], language: str) -> bytes:
    html = render_to_string(
        "stipends/cash_list_pdf.html",
        {"run": run, "lines": list(lines), "fonts": pdf.fonts_uri(), "LANGUAGE_CODE": language},
    )
    return pdf.render_pdf(html)


def cash_list_xlsx(run: PaymentRun, lines: Iterable[PaymentLine]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has one sheet
    sheet.title = f"{run.month:%Y-%m}"
    headers = [_("No."), _("Case code"), _("Alias"), _("Amount"), _("Currency"), _("Signature"), _("Thumbprint")]
    cells.append_row(sheet, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, line in enumerate(lines, start=1):
        row = [number, line.person.case_code, str(line.person.alias), float(line.amount), line.currency, "", ""]
        cells.append_row(sheet, row)
    for column, width in zip("ABCDEFG", (6, 12, 28, 12, 9, 22, 16), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_csv(lines: Iterable[PaymentLine]) -> str:
    """The bank-transfer file, which is also the reconciliation template."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        status = "" if line.status == LineStatus.PENDING else line.status
        writer.writerow(
            cells.safe_row(
                [line.pk, line.person.case_code, f"{line.amount:.2f}", line.currency, status, line.receipt, ""]
            )
        )
    return out.getvalue()


@dataclass
class CsvReport:
    marks: list[Mark] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, message)


_STATUS_WORDS = {
    "paid": LineStatus.PAID,
    "not_collected": LineStatus.NOT_COLLECTED,
    "not collected": LineStatus.NOT_COLLECTED,
    "returned": LineStatus.RETURNED,
}


def _amount(text: str) -> Decimal | None:
    cleaned = re.sub(r"[^\d.\-]", "", ascii_digits(text).replace(",", ""))
    try:
        return Decimal(cleaned) if cleaned else None
    except InvalidOperation:
        return None


def parse_day(text: str) -> date | None:
    """A payment date as people and spreadsheets write it, read by the one date reader
    (``sanctuary.lib.dates``: 2026-11-05, 5/11/2026 day first, 5.11.2026, an Excel serial);
    None when empty, ValueError when it is not a whole, existing day."""
    reading = read_date(text)
    if not reading.date and not reading.problem:
        return None
    day = reading.date.as_date()
    if reading.problem or day is None:
        raise ValueError(text)
    return day


def read_reconciliation(run: PaymentRun, data: bytes, visible_line_ids: set[int]) -> CsvReport:
    """Check every row; the caller applies the marks only when there is no error at all."""
    report = CsvReport()
    if len(data) > MAX_CSV_BYTES:
        report.errors.append((0, _("The file is larger than 2 MB.")))
        return report
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append((0, _("The file is not UTF-8 text. Save it as CSV UTF-8.")))
        return report
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("line", "case_code", "amount", "status") if c not in (reader.fieldnames or [])]
    if missing:
        report.errors.append((1, _("Missing columns: %(cols)s") % {"cols": ", ".join(missing)}))
        return report
    lines: dict[int, PaymentLine] = {
        line.pk: line
        for line in run.lines.select_related("person", "merged_from").only(
            "id", "amount", "status", "person__case_code", "merged_from__case_code"
        )
    }
    seen: dict[int, int] = {}
    for row_number, row in enumerate(reader, start=2):
        values = {k: normalise(v or "").text.strip() for k, v in row.items() if k}
        if not any(values.values()):
            continue
        raw_id = ascii_digits(values.get("line", "")).split(".")[0]
        line = lines.get(int(raw_id)) if raw_id.isdigit() else None
        if line is None or line.pk not in visible_line_ids:
            report.errors.append(
                (row_number, _("Line %(line)s is not in this run.") % {"line": values.get("line", "")})
            )
            continue
        if line.pk in seen:
            report.errors.append(
                (
                    row_number,
                    _("Line %(line)s appears twice (also row %(other)s).") % {"line": line.pk, "other": seen[line.pk]},
                )
            )
            continue
        seen[line.pk] = row_number
        codes = {line.person.case_code.upper()} | ({line.merged_from.case_code.upper()} if line.merged_from else set())
        if values.get("case_code", "").upper() not in codes:  # a merged record's old code still counts
            report.errors.append(
                (row_number, _("The case code does not match line %(line)s: unknown person.") % {"line": line.pk})
            )
            continue
        amount = _amount(values.get("amount", ""))
        if amount is None or amount != line.amount:
            report.errors.append(
                (
                    row_number,
                    _("Amount %(got)s differs from the run's %(want)s.")
                    % {"got": values.get("amount", "") or "—", "want": f"{line.amount:.2f}"},
                )
            )
            continue
        status = _STATUS_WORDS.get(values.get("status", "").lower().replace("-", "_"))
        if status is None:
            report.errors.append(
                (
                    row_number,
                    _("Status must be paid, not_collected or returned, not %(got)r.")
                    % {"got": values.get("status", "")},
                )
            )
            continue
        try:
            paid_on = parse_day(values.get("paid_on", ""))
        except ValueError:
            far = read_date(values.get("paid_on", "")).problem == "year_range"  # year 9999: say which days may be
            report.errors.append(
                (row_number, str(MESSAGE % limits_shown(STIPEND_MONTH)))
                if far
                else (row_number, _("The date %(got)r cannot be read.") % {"got": values.get("paid_on", "")})
            )
            continue
        if paid_on is not None and not STIPEND_MONTH.holds(paid_on):
            report.errors.append((row_number, str(MESSAGE % limits_shown(STIPEND_MONTH))))
            continue
        receipt = cells.unescape(values.get("receipt", ""))[:64]
        if status == LineStatus.PAID and not receipt:
            report.errors.append((row_number, _("A paid line needs a receipt reference.")))
            continue
        report.marks.append(Mark(line.pk, status, receipt))
    if not report.marks and not report.errors:
        report.errors.append((0, _("The file has no rows.")))
    return report


def funder_export(lines: Iterable[PaymentLine]) -> str:
    """For the funder: case codes and aliases, never true names."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["month", "case_code", "alias", "amount", "currency", "status"])
    for line in lines:
        writer.writerow(
            cells.safe_row(
                [
                    f"{line.month:%Y-%m}",
                    line.person.case_code,
                    str(line.person.alias),
                    f"{line.amount:.2f}",
                    line.currency,
                    line.status,
                ]
            )
        )
    return out.getvalue()
