"""Dates as people and spreadsheets write them: one reader for every door.

Forms (birth and defection dates, household), CSV imports (a payment's ``paid_on``) and the
duplicate finder all read dates here, so ``15/03/1990`` means the same day everywhere. No
Django: the record-linkage engine runs without it. Forms turn a reading's ``problem`` into an
error in the user's language (``sanctuary.lib.forms.clean_partial_date``).

Accepted: ``1990-03-15``, ``1990``, ``1990-03``, ``03/1990``, ``15/03/1990`` and ``15.3.1990``
(day first, as written in Myanmar and Thailand; an impossible day-first date is read month
first), ``15/03/90``, ``15 Mar 1990``, ``Mar 15, 1990``, ``19900315``, ISO timestamps, Burmese
and Thai digits, and, where a spreadsheet may have lost a cell's date format, Excel serial day
numbers (``32947``).

Many people know only the year, or the year and month, of a birth: a :class:`PartialDate`
keeps what is known (0 for unknown), and :meth:`PartialDate.iso` stores it as ``YYYY``,
``YYYY-MM`` or ``YYYY-MM-DD``, which sorts correctly.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from sanctuary.lib.text import ascii_digits

MIN_YEAR = 1900
MAX_YEAR = 2100
MAX_CHARS = 64
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (accounting for its 1900 leap-year bug)

MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

_CONTROL = re.compile("[\u0000-\u001f\u007f-\u009f\u200b-\u200f\ufeff]")
_TIME_OF_DAY = re.compile(r"[t ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?.*$")
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[a-z]+")
_NOT_DIGIT = re.compile(r"\D")


@dataclass(frozen=True)
class PartialDate:
    """A date of which only the year, or year and month, may be known (0 = unknown)."""

    year: int = 0
    month: int = 0
    day: int = 0

    def __bool__(self) -> bool:
        return self.year > 0

    def iso(self) -> str:
        """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; "" when nothing is known."""
        if not self.year:
            return ""
        if not self.month:
            return f"{self.year:04d}"
        if not self.day:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def as_date(self) -> dt.date | None:
        """The calendar date when the day is known."""
        return dt.date(self.year, self.month, self.day) if self.day else None


@dataclass(frozen=True)
class DateReading:
    """What a text says: ``date`` keeps only what is certain; ``problem`` says what was not
    (``unreadable``, ``year_range``, ``month_range``, ``day_range``), "" when nothing was dropped."""

    date: PartialDate
    problem: str = ""


def _reading(year: int, month: int, day: int) -> DateReading:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return DateReading(PartialDate(), "year_range")
    if month and day and month > 12 >= day:
        month, day = day, month  # month-first typing (03/25/1990)
    if month and not 1 <= month <= 12:
        return DateReading(PartialDate(year), "month_range")
    if not month:
        return DateReading(PartialDate(year), "day_range" if day else "")
    if not day:
        return DateReading(PartialDate(year, month))
    try:
        dt.date(year, month, day)
    except ValueError:
        return DateReading(PartialDate(year, month), "day_range")
    return DateReading(PartialDate(year, month, day))


def _month(word: str) -> int:
    return MONTHS.get(word[:9], MONTHS.get(word[:3], 0))


UNREADABLE = DateReading(PartialDate(), "unreadable")


@lru_cache(maxsize=65536)
def read_date(value: str, *, serials: bool = True) -> DateReading:
    """Read a date as typed (see the module docstring). ``serials=False`` where a person typed
    it: five digits are then a typo, not an Excel day number."""
    text = _CONTROL.sub("", ascii_digits(value[:MAX_CHARS])).strip().lower()
    text = _TIME_OF_DAY.sub("", text).strip()
    if not text:
        return DateReading(PartialDate())
    tokens = _NUMBER.findall(text)
    numbers = [int(n) for n in tokens]
    year_like = [len(t) >= 4 or n >= 1000 for t, n in zip(tokens, numbers, strict=True)]  # 0001 is year 1, not 2001
    month_from_word = next((m for m in map(_month, _WORD.findall(text)) if m), 0)
    if month_from_word and numbers:
        year = next((n for n in numbers if n >= 1000), 0)
        day = next((n for n in numbers if n < 32), 0)
        return _reading(year, month_from_word, day) if year else UNREADABLE
    if len(numbers) == 1:
        (number,) = numbers
        digits = _NOT_DIGIT.sub("", text)
        if len(digits) == 8 and MIN_YEAR <= number // 10000 <= MAX_YEAR:
            return _reading(number // 10000, number // 100 % 100, number % 100)
        if len(digits) == 4:
            return _reading(number, 0, 0)
        if serials and 10000 <= number <= 80000:  # an Excel serial day number that lost its date format
            serial = EXCEL_EPOCH + dt.timedelta(days=number)
            return _reading(serial.year, serial.month, serial.day)
        return UNREADABLE
    if len(numbers) == 2:
        first, second = numbers
        if year_like[0]:
            return _reading(first, second, 0)
        if year_like[1]:
            return _reading(second, first, 0)
        return UNREADABLE
    if len(numbers) >= 3:
        first, second, third = numbers[:3]
        if year_like[0]:
            return _reading(first, second, third)
        if year_like[2]:
            return _reading(third, second, first)
        if third < 100 and first <= 31:  # two-digit year: 15/03/90
            return _reading(1900 + third if third > 30 else 2000 + third, second, first)
    return UNREADABLE


def read_partial_date(value: str) -> PartialDate:
    """What is certain of a date, never an error: for matching, where one bad cell must not
    stop an import of thousands of rows."""
    return read_date(value).date
