"""Suppression, property by property: no published table has a cell under the threshold (nor
a zero, when zeros are disclosive), and no suppressed cell can be worked out from what is
published — not from a row, a column or the totals, and not by differencing across them.

The recoverability test here is independent of the suppressor's own: a suppressed entry is
recoverable when adding its unit vector to the margin equations restricted to the suppressed
entries does not raise their rank (numpy, on the equations written out again below)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sanctuary.stats import disclosure
from sanctuary.stats.disclosure import TOTAL, Grid, Published, Rules

counts = st.sampled_from([0, 0, 1, 2, 3, 5, 8, 9, 10, 11, 14, 19, 25, 40, 120])
tables = st.integers(1, 6).flatmap(
    lambda rows: st.integers(1, 5).flatmap(
        lambda columns: st.lists(st.lists(counts, min_size=columns, max_size=columns), min_size=rows, max_size=rows)
    )
)
rules = st.builds(Rules, threshold=st.sampled_from([10, 15, 20]), zeros_disclosive=st.booleans())


def _entries(rows: int, columns: int) -> list[tuple[int, int]]:
    return [(i, j) for i in [*range(rows), TOTAL] for j in [*range(columns), TOTAL]]


def _equations(rows: int, columns: int) -> list[dict[tuple[int, int], int]]:
    """Each row's cells add up to its total, each column's to its total, and the totals to the
    grand total (written out again, not taken from the module under test)."""
    out = []
    for i in [*range(rows), TOTAL]:
        out.append({**{(i, j): 1 for j in range(columns)}, (i, TOTAL): -1})
    for j in [*range(columns), TOTAL]:
        out.append({**{(i, j): 1 for i in range(rows)}, (TOTAL, j): -1})
    return out


def recoverable(published: Published) -> list[tuple[int, int]]:
    rows, columns = len(published.cells), len(published.column_totals)
    hidden = [e for e in _entries(rows, columns) if published.entry(e) is None]
    if not hidden:
        return []
    matrix = np.array([[eq.get(e, 0) for e in hidden] for eq in _equations(rows, columns)], dtype=float)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for n, entry in enumerate(hidden):
        unit = np.zeros((1, len(hidden)))
        unit[0, n] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(entry)
    return found


def _true(cells: list[list[int]]) -> Grid:
    return Grid.from_cells(cells)


@settings(max_examples=300, deadline=None)
@given(tables, rules)
def test_no_published_number_is_under_the_threshold(cells: list[list[int]], rule: Rules) -> None:
    published = disclosure.disclose(cells, rule)
    truth = _true(cells)
    for entry, value in truth.values.items():
        shown = published.entry(entry)
        if shown is None:
            continue
        assert value >= rule.threshold or (value == 0 and not rule.zeros_disclosive), (entry, value)
        assert shown % rule.rounding == 0
        assert abs(shown - value) <= rule.rounding // 2


@settings(max_examples=300, deadline=None)
@given(tables, rules)
def test_no_suppressed_number_can_be_recovered_from_the_margins(cells: list[list[int]], rule: Rules) -> None:
    published = disclosure.disclose(cells, rule)
    assert recoverable(published) == []
    # Differencing one line: never exactly one number hidden in a row, a column or the totals.
    grid = published.grid()
    truth = _true(cells)
    for line in grid.lines():
        hidden = [e for e in line if e in grid.suppressed]
        assert len(hidden) != 1, line
        # Nor hidden numbers that add up to less than the threshold (they would be pinned
        # near zero, or at zero).
        if hidden and len(hidden) < len(line):
            assert sum(truth.values[e] for e in hidden) >= rule.threshold, line


@settings(max_examples=100, deadline=None)
@given(tables, st.sampled_from([0.5, 1.0, 2.0]), st.sampled_from(["laplace", "geometric"]))
def test_noise_keeps_the_rules(cells: list[list[int]], epsilon: float, mechanism: str) -> None:
    """With differential-privacy noise the rules run on the noisy counts: still nothing
    small published, nothing recoverable, every number rounded."""
    rule = Rules(epsilon=epsilon, mechanism=mechanism)
    published = disclosure.disclose(cells, rule)
    assert recoverable(published) == []
    assert disclosure.check(published, rule) == []


@settings(max_examples=200, deadline=None)
@given(tables, rules)
def test_the_check_passes_what_the_rules_published(cells: list[list[int]], rule: Rules) -> None:
    assert disclosure.check(disclosure.disclose(cells, rule), rule) == []


def test_primary_suppression_alone_would_be_recovered() -> None:
    """The tests above can fail: hiding only the small cell leaves it one subtraction away."""
    primary_only = Published(cells=[[None, 20], [30, 40]], row_totals=[25, 70], column_totals=[35, 60], total=95)
    assert recoverable(primary_only) == [(0, 0)]
    problems = disclosure.check(primary_only, Rules())
    assert {p.code for p in problems} >= {"alone"} and {p.entry for p in problems} == {(0, 0)}


def test_a_cell_between_two_hidden_blocks_is_recovered_by_differencing_across_lines() -> None:
    """Two hidden numbers in every line is not enough: two hidden 2×2 blocks joined by one
    hidden cell leave that cell pinned (the blocks' rows and columns, differenced, give it),
    though no line has it alone. The exact check finds it."""
    n = None
    cells: list[list[int | None]] = [[n, n, n, 15], [n, n, 20, 15], [25, 30, n, n], [25, 30, n, n]]
    joined = Published(cells=cells, row_totals=[60, 70, 90, 95], column_totals=[90, 95, 70, 60], total=315)
    grid = joined.grid()
    assert all(len([e for e in line if e in grid.suppressed]) != 1 for line in grid.lines())
    assert recoverable(joined) == [(0, 2)]
    assert [p for p in disclosure.check(joined, Rules()) if p.code == "recoverable"] == [
        disclosure.Problem("recoverable", (0, 2))
    ]
    blocks_only = Published(
        cells=[[n, n, 10, 15], [n, n, 20, 15], [25, 30, n, n], [25, 30, n, n]],
        row_totals=[60, 70, 90, 95],
        column_totals=[90, 95, 70, 60],
        total=315,
    )
    assert recoverable(blocks_only) == []


def test_zeros_are_suppressed_when_disclosive_and_shown_otherwise() -> None:
    cells = [[0, 40], [30, 40]]
    assert disclosure.disclose(cells, Rules()).cells[0][0] is None
    assert disclosure.disclose(cells, Rules(zeros_disclosive=False)).cells[0][0] == 0


def test_without_automatic_suppression_small_cells_are_named() -> None:
    problems = disclosure.check_grid(disclosure.prepare([[3, 40], [30, 40]], Rules(auto_suppress=False)), Rules())
    assert problems == [disclosure.Problem("small", (0, 0))]
