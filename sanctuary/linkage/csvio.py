"""Reading registration CSVs as they really arrive, and writing matched pairs.

Files come from many offices: UTF-8 with or without a byte-order mark, UTF-16 from Excel,
legacy Windows code pages line by line, gzip-compressed, with extra columns, blank lines and
the odd absurdly long cell. Reading never guesses silently: what was skipped is counted and
reported, and a file without the needed columns is refused with their names.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sanctuary.linkage.finder import Pair
from sanctuary.linkage.records import RECORD_FIELDS, Record

MAX_CELL_CHARS = 1000  # cells are cut here on reading; normalisers cut again at 200
_CSV_FIELD_LIMIT = 16 * 1024 * 1024  # let the csv module read (then cut) cells up to 16 MB
_GZIP_MAGIC = b"\x1f\x8b"
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_FALLBACK_ENCODING = "cp1252"  # the usual non-UTF-8 Latin export; latin-1 never fails after it
OUTPUT_COLUMNS = ("record_id_a", "record_id_b", "score")


class InputError(ValueError):
    """The input cannot be read as a registration CSV (missing columns, no header, ...)."""


@dataclass
class ReadReport:
    """What happened while reading: counts of rows kept and skipped, and why."""

    rows: int = 0
    records: int = 0
    empty_rows: int = 0
    rows_without_id: int = 0
    duplicate_ids: int = 0
    undecodable_lines: int = 0
    truncated_cells: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the operator."""
        parts = [f"{self.records} records from {self.rows} rows"]
        for label, count in (
            ("empty rows skipped", self.empty_rows),
            ("rows without record_id skipped", self.rows_without_id),
            ("rows with a repeated record_id skipped", self.duplicate_ids),
            ("lines not in UTF-8 read as Windows-1252", self.undecodable_lines),
            ("over-long cells truncated", self.truncated_cells),
        ):
            if count:
                parts.append(f"{count} {label}")
        if self.ignored_columns:
            parts.append("ignored columns: " + ", ".join(self.ignored_columns))
        return "; ".join(parts)


def _open_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if data.startswith(_GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise InputError(f"{path}: not a readable gzip file ({error})") from None
    return data


def _decode_lines(data: bytes, report: ReadReport) -> Iterator[str]:
    """Text lines of ``data``: BOM-declared encodings whole, otherwise UTF-8 line by line."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            yield from io.StringIO(data[len(bom) :].decode(encoding, errors="replace"), newline="")
            return
    for raw in data.splitlines(keepends=True):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            report.undecodable_lines += 1
            try:
                yield raw.decode(_FALLBACK_ENCODING)
            except UnicodeDecodeError:
                yield raw.decode("latin-1")


def _column_name(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.replace("\ufeff", "").strip().lower())


def _cell(value: str, report: ReadReport) -> str:
    value = value.replace("\x00", "")
    if len(value) > MAX_CELL_CHARS:
        report.truncated_cells += 1
        value = value[:MAX_CELL_CHARS]
    return value.strip()


def _records(rows: Iterable[list[str]], report: ReadReport) -> Iterator[Record]:
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise InputError("the file is empty: no header row")
    names = [_column_name(h) for h in header]
    missing = [c for c in RECORD_FIELDS if c not in names]
    if missing:
        raise InputError("missing columns: " + ", ".join(missing) + " (found: " + ", ".join(names) + ")")
    report.ignored_columns = [n for n in names if n not in RECORD_FIELDS]
    position = {c: names.index(c) for c in RECORD_FIELDS}
    seen: set[str] = set()
    for row in iterator:
        report.rows += 1
        values = {c: _cell(row[i], report) if i < len(row) else "" for c, i in position.items()}
        if not any(values.values()):
            report.empty_rows += 1
            continue
        if not values["record_id"]:
            report.rows_without_id += 1
            continue
        if values["record_id"] in seen:
            report.duplicate_ids += 1
            continue
        seen.add(values["record_id"])
        report.records += 1
        yield Record(**values)


def read_records(path: str | Path) -> tuple[list[Record], ReadReport]:
    """All usable records of a CSV (plain or gzip) and a report of what was skipped.

    Raises :class:`InputError` when the file cannot be used at all (missing, empty, or without
    the required columns ``record_id, name, father_name, birth_date, nrc, service_number,
    force, unit, hometown, phone``). Extra columns are ignored.
    """
    path = Path(path)
    try:
        data = _open_bytes(path)
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None
    report = ReadReport()
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(_decode_lines(data, report))
    try:
        records = list(_records(reader, report))
    except csv.Error as error:
        raise InputError(f"{path}: not valid CSV ({error})") from None
    return records, report


def write_pairs(pairs: Iterable[Pair], path: str | Path, *, explain: bool = False) -> int:
    """Write ``record_id_a,record_id_b,score`` (plus ``agreements`` if asked); return the row count."""
    columns = [*OUTPUT_COLUMNS, "agreements"] if explain else list(OUTPUT_COLUMNS)
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for pair in sorted(pairs, key=lambda p: (p.a, p.b)):
            a, b = sorted((pair.a, pair.b))
            row = [a, b, f"{pair.score:.4f}"]
            if explain:
                reasons = "; ".join(f"{k}: {v}" for k, v in pair.agreements.items())
                row.append(reasons + (" (via other records)" if pair.implied else ""))
            writer.writerow(row)
            count += 1
    return count
