"""What stages ask each other about a person's support, through the core.

Two questions cross between stages that may not import each other:

- **When does this person's stipend end?** Training ranks applicants partly by it; stipends
  knows. Stipends registers :func:`register_stipend_end` at startup.
- **Does something else condition the stipend?** A funder may pay in proportion to training
  attendance. Training registers a :class:`StipendCondition`; stipends lists the registered
  conditions on a funder's rule, applies the chosen ones when it drafts a run, and explains
  each in the line's basis in words (``describe``).

Without a registration the answers are empty: no end date is known, no condition applies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Adjustment:
    """What a condition does to one person's payment for one month: pay ``share`` (0 to 1) of
    the amount. ``code`` is written in the line's basis (numbers and codes only, no personal
    data); the condition's ``describe`` turns it into words."""

    share: Decimal
    code: str


@dataclass(frozen=True)
class StipendCondition:
    code: str  # a slug, stored on the funder's rule
    label: Any  # lazy translation: what a finance officer ticks
    # (person ids, first day, last day of the month) -> person id -> adjustment (absent: no change)
    evaluate: Callable[[list[int], date, date], dict[int, Adjustment]]
    describe: Callable[[str], str]  # an Adjustment.code -> words in the active language


_conditions: dict[str, StipendCondition] = {}
_stipend_end: list[Callable[[Iterable[int]], dict[int, date]]] = []


def register_condition(condition: StipendCondition) -> None:
    _conditions[condition.code] = condition


def conditions() -> list[StipendCondition]:
    return list(_conditions.values())


def condition(code: str) -> StipendCondition | None:
    return _conditions.get(code)


def condition_choices() -> list[tuple[str, Any]]:
    return [(c.code, c.label) for c in _conditions.values()]


def register_stipend_end(find: Callable[[Iterable[int]], dict[int, date]]) -> None:
    _stipend_end[:] = [find]


def stipend_ends(person_ids: Iterable[int]) -> dict[int, date]:
    """Person id -> the day their stipend ends, for those whose end is known."""
    return _stipend_end[0](person_ids) if _stipend_end else {}
