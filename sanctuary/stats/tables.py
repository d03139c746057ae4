"""Counting a table definition: true counts from clear columns, in one query, then the rules.

Only the person's force, rank group, home region and sex (clear, coarse columns) and the
times of timeline steps are read; whom to count follows the organisation's policy (everyone,
or only people whose consent for statistics is in force, asked through the core's
``consent.rules.in_force_for``, which reads states and dates, never a value).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Min, OuterRef, Subquery
from django.utils.translation import gettext as _

from sanctuary.consent.models import Purpose
from sanctuary.consent.rules import in_force_for
from sanctuary.lib.figures import in_period, month_bucket, months_between
from sanctuary.people.models import EventKind, Force, Person, PersonEvent, RankGroup, Region, Sex, Status
from sanctuary.stats import disclosure
from sanctuary.stats.models import MONTHS_IN, TIME_DIMENSIONS, Counted, CountPolicy, Dimension, TableDefinition

CHOICES: dict[str, Any] = {
    Dimension.FORCE: Force,
    Dimension.RANK_GROUP: RankGroup,
    Dimension.REGION: Region,
    Dimension.SEX: Sex,
}


def periods(dimension: str, first: date, last: date) -> list[str]:
    """The period codes of ``dimension`` from ``first`` to ``last``: 2024-Q3, 2024-H2, 2024."""
    codes: list[str] = []
    for month in months_between(first, last):
        code = period_code(dimension, month)
        if code not in codes:
            codes.append(code)
    return codes


def period_code(dimension: str, month: date) -> str:
    if dimension == Dimension.QUARTER:
        return f"{month.year}-Q{(month.month - 1) // 3 + 1}"
    if dimension == Dimension.HALF:
        return f"{month.year}-H{(month.month - 1) // 6 + 1}"
    return str(month.year)


def codes(dimension: str, first: date, last: date) -> list[str]:
    """Every value of ``dimension``, in order: all of them, counted or not (a category left
    out would say it is empty)."""
    if dimension in TIME_DIMENSIONS:
        return periods(dimension, first, last)
    return list(CHOICES[dimension].values)


def label(dimension: str, code: str) -> str:
    """A value in the active language (periods stay as written: 2024-Q3)."""
    if dimension in TIME_DIMENSIONS or not dimension:
        return code if code else _("People")
    return str(CHOICES[dimension](code).label)


def aligned(first: date, last: date, dimensions: tuple[str, ...]) -> bool:
    """Whether the period is whole quarters (or halves, or years, for those dimensions)."""
    months = max([3, *(MONTHS_IN[d] for d in dimensions if d in TIME_DIMENSIONS)])
    end = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    return (
        first.day == 1
        and (first.month - 1) % months == 0
        and (end - date.resolution) == last
        and (end.month - 1) % months == 0
    )


def counted_people(policy: str) -> Any:
    people = Person.objects.filter(merged_into__isnull=True)
    if policy == CountPolicy.CONSENTED:
        people = in_force_for(people, Purpose.STATISTICS)
    return people


def true_counts(table: TableDefinition, policy: str) -> list[list[int]]:
    """The true counts (rows × columns): a grid that is never stored or shown."""
    months = months_between(table.first, table.last)
    if table.counted == Counted.FIRST_CONTACT:
        steps = PersonEvent.objects.filter(person=OuterRef("pk"), kind=EventKind.CREATED)
    else:
        steps = PersonEvent.objects.filter(person=OuterRef("pk"), status_to=Status.ARRIVED)
    when = Subquery(steps.order_by().values("person").annotate(at=Min("at")).values("at")[:1])
    people = counted_people(table_policy(policy)).annotate(at=when).filter(in_period("at", months))
    fields = [d for d in (table.rows, table.columns) if d and d not in TIME_DIMENSIONS]
    time = next((d for d in (table.rows, table.columns) if d in TIME_DIMENSIONS), "")
    if time:
        people = people.annotate(bucket=month_bucket("at", months))
    grouped = people.values(*fields, *(["bucket"] if time else [])).annotate(n=Count("pk")).order_by()
    row_codes = codes(table.rows, table.first, table.last)
    column_codes = codes(table.columns, table.first, table.last) if table.columns else [""]
    cells = [[0] * len(column_codes) for _row in row_codes]
    for found in grouped:
        values = {d: found[d] for d in fields}
        if time:
            values[time] = period_code(time, months[found["bucket"]])
        i = row_codes.index(values[table.rows])
        j = column_codes.index(values[table.columns]) if table.columns else 0
        cells[i][j] += found["n"]
    return cells


def table_policy(policy: str) -> str:
    return policy if policy in CountPolicy.values else CountPolicy.CONSENTED


@dataclass(frozen=True)
class Output:
    """A table as it will be published: what the release freezes and hashes."""

    data: dict[str, Any]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(canonical(self.data)).hexdigest()

    @property
    def published(self) -> disclosure.Published:
        return disclosure.Published.from_json(self.data["table"])


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute(table: TableDefinition, policy: str) -> tuple[Output, disclosure.Grid]:
    """The output of ``table`` under its rules, and the grid the rules ran on (its problems,
    if any, are named before anything is frozen)."""
    rules = disclosure.Rules.from_json(table.rules())
    grid = disclosure.prepare(true_counts(table, policy), rules)
    published = disclosure.publish(grid, rules)
    data = {
        "version": 1,
        "counted": table.counted,
        "first": table.first.isoformat(),
        "last": table.last.isoformat(),
        "rows": {"dimension": table.rows, "codes": codes(table.rows, table.first, table.last)},
        "columns": {
            "dimension": table.columns,
            "codes": codes(table.columns, table.first, table.last) if table.columns else [""],
        },
        "table": published.as_json(),
        "rules": table.rules(),
        "policy": table_policy(policy),
    }
    return Output(data), grid


def entry_name(data: dict[str, Any], entry: disclosure.Entry) -> str:
    """An entry of a table in words: "Army × 2024-Q3", "Total × 2024-Q3", "Total"."""
    i, j = entry
    rows, columns = data["rows"], data["columns"]
    total = _("Total")
    row = total if i == disclosure.TOTAL else label(rows["dimension"], rows["codes"][i])
    if not columns["dimension"]:
        return row
    column = total if j == disclosure.TOTAL else label(columns["dimension"], columns["codes"][j])
    return total if row == column == total else f"{row} × {column}"
