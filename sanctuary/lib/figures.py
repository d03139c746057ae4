"""Figures: the key numbers a stage knows how to count, for the statistics dashboard.

A stage that owns a number (the shelter its bed occupancy, stipends the spend by funder)
declares a :class:`Figure` in its ``module.py`` (``Stage(figures=(...))``), with the code that
computes it in the stage's own ``figures.py``. The statistics stage loops over
``sanctuary.lib.stages.figures()`` and never imports another stage.

A figure is computed from **clear columns only** (statuses, teams, workflow dates, amounts,
the coarse categories): the dashboard works while the vault is sealed, and its test fails
when a figure's SQL names an encrypted column. ``compute(scope)`` receives a
:class:`FigureScope` and returns a :class:`FigureData`, in a fixed number of queries whatever
the number of rows (no query per person or per month: :func:`month_bucket` groups by month in
one query).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import models
from django.utils import timezone

# Kinds of chart the dashboard draws.
BAR, STACKED, LINE = "bar", "stacked", "line"
# Units of a figure's values.
COUNT, DAYS, PERCENT, MONEY = "count", "days", "percent", "money"


@dataclass(frozen=True)
class FigureScope:
    """What a figure counts: ``people`` is a queryset of the people the user may see (and the
    teams chosen), never merged records; ``months`` the first day of each month of the period,
    from ``months[0]`` to the month holding ``last``."""

    people: Any  # a Person queryset, already scoped by the access policy
    months: Sequence[date]
    user: Any

    @property
    def first(self) -> date:
        return self.months[0]

    @property
    def end(self) -> date:
        """The day after the period (the first day of the month after the last)."""
        return next_month(self.months[-1])

    def month_labels(self) -> list[str]:
        return [f"{m:%Y-%m}" for m in self.months]


@dataclass
class FigureData:
    """A figure's values: one list per series, aligned with ``x_labels`` (None: no value)."""

    x_labels: list[str]
    series: list[tuple[Any, list[float | None]]]
    kind: str = BAR
    unit: str = COUNT
    # The figure in one line ("62 % of beds held on average"), in the user's language.
    summary: str = ""
    notes: list[Any] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "x_labels": list(self.x_labels),
            "series": [[str(label), list(values)] for label, values in self.series],
            "kind": self.kind,
            "unit": self.unit,
            "summary": str(self.summary),
            "notes": [str(note) for note in self.notes],
        }


@dataclass(frozen=True)
class Figure:
    """A number the statistics dashboard shows. ``module``: only users who may also use this
    module see it (empty: everyone with the dashboard)."""

    code: str
    label: Any  # lazy translation
    compute: Callable[[FigureScope], FigureData]
    module: str = ""
    order: int = 100


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """The first day of each month from ``first``'s month to ``last``'s, inclusive."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _bound(day: date, datetimes: bool) -> date | datetime:
    return timezone.make_aware(datetime.combine(day, time.min)) if datetimes else day


def month_bucket(field_name: str, months: Sequence[date], *, datetimes: bool = True) -> models.Case:
    """An expression giving the index of the month ``field_name`` falls in (0 for the first
    month of ``months``), or NULL outside the period. Month bounds are local midnights, so
    an event late on the last evening of a month counts in that month, as staff see it.

    Filter the rows to the period first (``in_period``) so the index serves the range."""
    bounds = [_bound(next_month(m), datetimes) for m in months]
    whens = [models.When(**{f"{field_name}__lt": bound}, then=models.Value(n)) for n, bound in enumerate(bounds)]
    return models.Case(*whens, default=models.Value(None), output_field=models.IntegerField())


def in_period(field_name: str, months: Sequence[date], *, datetimes: bool = True) -> models.Q:
    start, end = _bound(months[0], datetimes), _bound(next_month(months[-1]), datetimes)
    return models.Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def per_month(rows: Any, months: Sequence[date], value: str = "n") -> list[float | None]:
    """Rows of ``{"bucket": index, value: …}`` as one value per month (0 where none)."""
    out: list[float | None] = [0] * len(months)
    for row in rows:
        if row["bucket"] is not None:
            out[row["bucket"]] = row[value] or 0
    return out
