"""Disclosure control for published tables: what a table may show, and the check that it does.

A table is a grid of counts (rows × columns) with its margins: a total per row, per column,
and the grand total. Every one of those numbers is an *entry*; the margins tie them together
by linear equations (each row's cells add up to its total, each column's to its total, and
the totals to the grand total). The rules, the strictest common practice by default:

1. **Noise** (optional, differential privacy): each cell gets Laplace or geometric noise
   from python-dp (Google's library; its sampler uses a secure random source) at ``epsilon``,
   sensitivity 1 (each person is in exactly one cell, so the cells together spend
   ``epsilon`` once). Margins are sums of the noisy cells, so they cost nothing more.
2. **Primary suppression**: an entry under the threshold (10) is suppressed, margins
   included; zero too when zeros are disclosive ("nobody of this force from that region"
   says something about everyone in it).
3. **Secondary suppression**: a suppressed entry must not be recoverable from what is
   published. In every line (a row with its total, a column with its total, the totals row,
   the totals column) there are then either no suppressed entries or at least two, and
   together they hold at least the threshold (so differencing a line gives a sum no smaller
   than what one cell could hide, and never a zero that pins each of them). Then the exact
   test: a suppressed entry is recoverable when the published numbers and the margin
   equations determine it, by any chain of differences across rows and columns — that is,
   when its unit vector is in the row space of the equations restricted to the suppressed
   entries. That is computed with exact fractions; while one is determined, a further entry
   of its row or column is suppressed (the smallest, a cell before a total).
4. **Rounding**: every published entry is rounded to a multiple of 5, independently (so the
   published margins need not add up exactly, as in census tables).

Interval attacks that combine nonnegativity with several lines at once (linear programming)
are not audited; the per-line sum and rounding keep the interval of each suppressed cell wide.

:func:`check` re-reads a published table and names what breaks the rules; a release is
refused unless it finds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

TOTAL = -1  # the index of a margin in an entry's position: (row, TOTAL) is a row's total


@dataclass(frozen=True)
class Rules:
    threshold: int = 10
    rounding: int = 5
    zeros_disclosive: bool = True
    auto_suppress: bool = True
    epsilon: float | None = None
    mechanism: str = "geometric"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rules:
        return cls(
            threshold=int(data["threshold"]),
            rounding=int(data["rounding"]),
            zeros_disclosive=bool(data["zeros_disclosive"]),
            auto_suppress=bool(data.get("auto_suppress", True)),
            epsilon=data.get("epsilon"),
            mechanism=data.get("mechanism") or "geometric",
        )


Entry = tuple[int, int]  # (row or TOTAL, column or TOTAL)


@dataclass
class Grid:
    """Values of every entry (cells and margins) of an ``rows`` × ``columns`` table, and which
    are suppressed. ``values`` holds what the rules ran on (noisy counts with noise)."""

    rows: int
    columns: int
    values: dict[Entry, int]
    suppressed: set[Entry] = field(default_factory=set)

    @classmethod
    def from_cells(cls, cells: list[list[int]]) -> Grid:
        rows, columns = len(cells), len(cells[0]) if cells else 0
        values: dict[Entry, int] = {}
        for i, line in enumerate(cells):
            for j, value in enumerate(line):
                values[i, j] = int(value)
        for i in range(rows):
            values[i, TOTAL] = sum(values[i, j] for j in range(columns))
        for j in range(columns):
            values[TOTAL, j] = sum(values[i, j] for i in range(rows))
        values[TOTAL, TOTAL] = sum(values[i, TOTAL] for i in range(rows))
        return cls(rows, columns, values)

    def entries(self) -> list[Entry]:
        return list(self.values)

    def lines(self) -> Iterator[list[Entry]]:
        """Every line of entries tied by one margin equation (the total last)."""
        row_ids, column_ids = [*range(self.rows), TOTAL], [*range(self.columns), TOTAL]
        for i in row_ids:
            yield [(i, j) for j in column_ids]
        for j in column_ids:
            yield [(i, j) for i in row_ids]


def equations(grid: Grid) -> list[dict[Entry, int]]:
    """The margin equations, each as coefficients summing to zero: cells − total = 0."""
    out = []
    for line in grid.lines():
        *parts, total = line
        out.append({**{entry: 1 for entry in parts}, total: -1})
    return out


def determined(grid: Grid, suppressed: set[Entry]) -> set[Entry]:
    """The suppressed entries the published ones and the equations pin down exactly.

    With the published values moved to the right-hand side, the suppressed entries satisfy
    ``A_U x_U = b``; entry ``u`` is determined when every solution of ``A_U x = 0`` has
    ``x_u = 0``. The null space comes from the reduced row echelon form, in exact fractions."""
    unknown = sorted(suppressed)
    if not unknown:
        return set()
    position = {entry: n for n, entry in enumerate(unknown)}
    matrix = []
    for equation in equations(grid):
        row = [Fraction(0)] * len(unknown)
        for entry, coefficient in equation.items():
            if entry in position:
                row[position[entry]] = Fraction(coefficient)
        if any(row):
            matrix.append(row)
    pivots = _rref(matrix, len(unknown))
    free = [n for n in range(len(unknown)) if n not in pivots]
    # A pivot variable is determined when no free variable appears in its row.
    out = set()
    for column, row_index in pivots.items():
        if all(matrix[row_index][f] == 0 for f in free):
            out.add(unknown[column])
    return out


def _rref(matrix: list[list[Fraction]], width: int) -> dict[int, int]:
    """Reduce ``matrix`` in place; return {pivot column: its row}."""
    pivots: dict[int, int] = {}
    row = 0
    for column in range(width):
        found = next((r for r in range(row, len(matrix)) if matrix[r][column] != 0), None)
        if found is None:
            continue
        matrix[row], matrix[found] = matrix[found], matrix[row]
        lead = matrix[row][column]
        matrix[row] = [value / lead for value in matrix[row]]
        for other in range(len(matrix)):
            if other != row and matrix[other][column] != 0:
                factor = matrix[other][column]
                matrix[other] = [a - factor * b for a, b in zip(matrix[other], matrix[row], strict=True)]
        pivots[column] = row
        row += 1
        if row == len(matrix):
            break
    return pivots


def _small(value: int, rules: Rules) -> bool:
    return value < rules.threshold and (value > 0 or rules.zeros_disclosive)


def _cheapest(grid: Grid, candidates: list[Entry]) -> Entry | None:
    """The entry whose suppression costs least: a cell before a margin, a margin before the
    grand total, then the smallest."""
    free = [e for e in candidates if e not in grid.suppressed]
    if not free:
        return None
    return min(free, key=lambda e: (e.count(TOTAL), grid.values[e], e))


def suppress(grid: Grid, rules: Rules) -> Grid:
    """Primary, then secondary suppression, until no line and no entry gives a value away."""
    grid.suppressed = {e for e, value in grid.values.items() if _small(value, rules)}
    while True:
        changed = False
        for line in grid.lines():
            hidden = [e for e in line if e in grid.suppressed]
            if hidden and (len(hidden) < 2 or sum(grid.values[e] for e in hidden) < rules.threshold):
                extra = _cheapest(grid, line)
                if extra is not None:
                    grid.suppressed.add(extra)
                    changed = True
        if changed:
            continue
        pinned = determined(grid, grid.suppressed)
        if not pinned:
            return grid
        entry = min(pinned)
        lines = [line for line in grid.lines() if entry in line]
        extra = _cheapest(grid, [e for line in lines for e in line])
        if extra is None:  # everything around it is hidden already: hide the rest
            extra = _cheapest(grid, grid.entries())
            if extra is None:
                return grid
        grid.suppressed.add(extra)


def round_to(value: int, base: int) -> int:
    """Nearest multiple of ``base`` (halves up)."""
    return int((value + base // 2) // base * base)


def noisy(cells: list[list[int]], rules: Rules) -> list[list[int]]:
    """The cells with differential-privacy noise (none without an epsilon); never negative."""
    if not rules.epsilon:
        return [list(line) for line in cells]
    from pydp.algorithms.numerical_mechanisms import LaplaceMechanism

    mechanism = LaplaceMechanism(float(rules.epsilon), 1.0)
    if rules.mechanism == "laplace":
        return [[max(0, round(mechanism.add_noise(float(v)))) for v in line] for line in cells]
    # Integer input: python-dp adds discrete noise (whole numbers), the geometric mechanism.
    return [[max(0, int(mechanism.add_noise(int(v)))) for v in line] for line in cells]


@dataclass
class Published:
    """What a table shows: cells, margins and total, ``None`` where suppressed."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "cells": self.cells,
            "row_totals": self.row_totals,
            "column_totals": self.column_totals,
            "total": self.total,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Published:
        return cls(data["cells"], data["row_totals"], data["column_totals"], data["total"])

    def entry(self, e: Entry) -> int | None:
        i, j = e
        if i == TOTAL and j == TOTAL:
            return self.total
        if j == TOTAL:
            return self.row_totals[i]
        if i == TOTAL:
            return self.column_totals[j]
        return self.cells[i][j]

    def grid(self) -> Grid:
        """The layout, the published values (0 for the suppressed) and what is suppressed."""
        rows, columns = len(self.cells), len(self.column_totals)
        grid = Grid(rows, columns, {})
        for i in [*range(rows), TOTAL]:
            for j in [*range(columns), TOTAL]:
                value = self.entry((i, j))
                grid.values[i, j] = value or 0
                if value is None:
                    grid.suppressed.add((i, j))
        return grid


def prepare(cells: list[list[int]], rules: Rules) -> Grid:
    """Noise (if any) and suppression (if automatic) on the true counts ``cells``."""
    grid = Grid.from_cells(noisy(cells, rules))
    if rules.auto_suppress:
        suppress(grid, rules)
    return grid


def publish(grid: Grid, rules: Rules) -> Published:
    """The grid as published: suppressed entries absent, the others rounded."""

    def shown(e: Entry) -> int | None:
        return None if e in grid.suppressed else round_to(grid.values[e], rules.rounding)

    return Published(
        cells=[[shown((i, j)) for j in range(grid.columns)] for i in range(grid.rows)],
        row_totals=[shown((i, TOTAL)) for i in range(grid.rows)],
        column_totals=[shown((TOTAL, j)) for j in range(grid.columns)],
        total=shown((TOTAL, TOTAL)),
    )


def disclose(cells: list[list[int]], rules: Rules) -> Published:
    """The table as it may be published under ``rules`` (``cells``: the true counts)."""
    return publish(prepare(cells, rules), rules)


@dataclass(frozen=True)
class Problem:
    """A rule a published table breaks, at one entry (``entry``) or a line of them."""

    code: str  # "small", "zero", "rounding", "alone", "recoverable"
    entry: Entry


def check_grid(grid: Grid, rules: Rules, *, rounded: bool = False) -> list[Problem]:
    """Everything in ``grid`` that breaks ``rules``, reading only the entries not suppressed
    (and the pattern of suppression, checked exactly). ``rounded``: the values are published
    ones, which must be multiples of the rounding base."""
    problems = []
    for e in sorted(grid.values):
        if e in grid.suppressed:
            continue
        value = grid.values[e]
        if value == 0 and rules.zeros_disclosive:
            problems.append(Problem("zero", e))
        elif 0 < value < rules.threshold:
            problems.append(Problem("small", e))
        elif rounded and value % rules.rounding:
            problems.append(Problem("rounding", e))
    for line in grid.lines():
        hidden = [e for e in line if e in grid.suppressed]
        if len(hidden) == 1:
            problems.append(Problem("alone", hidden[0]))
    alone = {p.entry for p in problems if p.code == "alone"}
    problems += [Problem("recoverable", e) for e in sorted(determined(grid, grid.suppressed) - alone)]
    return list(dict.fromkeys(problems))


def check(published: Published, rules: Rules) -> list[Problem]:
    """What a published table breaks (empty: it may be released). The suppressed values are
    not known here, so the per-line sum rule stays the suppressor's."""
    return check_grid(published.grid(), rules, rounded=True)
