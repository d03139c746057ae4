"""Sane bounds for every date a person types: the named ranges, in one place.

Without bounds, year 9999 is a valid date: a stay placed then overflows (a 500), and an
extension to 9999-12-31 would write millions of bed-night rows. So every date field of every
form takes one of the ranges below (``sanctuary.lib.forms.bounded``), and every action that
writes rows per day or month checks its dates again with :func:`refuse_outside` (a POST made
without the form must not get further than the form would).

A range is anchored on today unless said otherwise: ``DateRange(-365, 365)`` is a year either
side of today; a fixed :class:`datetime.date` is a fixed day. Spans that depend on another date
(a stay's end after its start) are checked by :func:`refuse_longer`.

Choices made here:

- **Birth dates** from 1930: nobody older is still in service, nor is a relative we would house.
- **Defections** from 1988, not from the coup (2021-02-01): most defectors left after the coup,
  but soldiers and police also left during the 1988 uprising and in the years between, and a
  bound at the coup would make their true date impossible to record.
- **A stay** starts within a year of today and lasts at most two years (``STAY_LONGEST``),
  extensions included; one night per day is written, so this bounds the rows too.
- **Check-ins** of a journey are due within 60 days; journeys take days, not months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.dates import PartialDate
from sanctuary.lib.refusal import Refusal

YEAR = 365
STAY_LONGEST = 2 * YEAR + 1  # days from a stay's first night to its last, extensions included

MESSAGE = _("Give a date between %(earliest)s and %(latest)s.")
REFUSALS = {
    "date_range": MESSAGE,
    "too_long": _("This is too long: at most %(days)s days, until %(latest)s."),
}


@dataclass(frozen=True)
class DateRange:
    """The days a date may take: each end a fixed day, or a number of days from today."""

    earliest: dt.date | int
    latest: dt.date | int

    def limits(self, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
        today = today or timezone.localdate()

        def day(end: dt.date | int) -> dt.date:
            return end if isinstance(end, dt.date) else today + dt.timedelta(days=end)

        return day(self.earliest), day(self.latest)

    def holds(self, value: dt.date | dt.datetime | PartialDate, today: dt.date | None = None) -> bool:
        """Whether the value falls in the range (a partial date: whether any day of it does)."""
        earliest, latest = self.limits(today)
        if isinstance(value, PartialDate):
            if not value:
                return True
            first = dt.date(value.year, value.month or 1, value.day or 1)
            last_month = value.month or 12
            last = value.as_date() or (
                dt.date(value.year, 12, 31)
                if last_month == 12
                else dt.date(value.year, last_month + 1, 1) - dt.timedelta(days=1)
            )
            return first <= latest and last >= earliest
        if isinstance(value, dt.datetime):
            value = value.date()  # as typed, in the user's time zone
        return earliest <= value <= latest


# --- The ranges, by meaning ------------------------------------------------------------------

BIRTH = DateRange(dt.date(1930, 1, 1), 0)
DEFECTION = DateRange(dt.date(1988, 1, 1), 0)  # see the module docstring: not only since the coup
EVENT_SINCE_1988 = DateRange(dt.date(1988, 1, 1), 0)  # an arrest, a raid on a family: happened, since 1988

STAY_START = DateRange(-YEAR, YEAR)
STAY_END = DateRange(-YEAR, YEAR + STAY_LONGEST)  # an extension's end; also checked against the start
MOVE_OUT = DateRange(-YEAR, YEAR)  # a household's later stays end with the head's move-out

JOURNEY = DateRange(-YEAR, YEAR)  # departure window, a stage's day
CHECK_IN = DateRange(-7, 60)

STIPEND_MONTH = DateRange(-5 * YEAR, YEAR)  # a run's month, an enrolment, a hold; past ones typed in late from paper
STIPEND_RULE = DateRange(dt.date(2021, 1, 1), 2 * YEAR)

COHORT = DateRange(-5 * YEAR, 2 * YEAR)  # a cohort's first day, a session, an excused absence; past ones typed in late

CARE_PAST = DateRange(-10 * YEAR, 0)  # a session held, a scale taken, an arrival: done, not to come
CARE_DUE = DateRange(-YEAR, 2 * YEAR)  # a goal, a task, an appointment, a follow-up

JOB = DateRange(-10 * YEAR, YEAR)

PAPER_ISSUED = DateRange(dt.date(1950, 1, 1), 0)
PAPER_EXPIRES = DateRange(-20 * YEAR, 30 * YEAR)
LEGAL_STEP = DateRange(-20 * YEAR, 0)  # a status change, a request handed in or done
LEGAL_EXPECTED = DateRange(-20 * YEAR, 5 * YEAR)

CONTACT = DateRange(-20 * YEAR, 0)  # a contact made, a tracing request asked
CONSENT_GIVEN = DateRange(-20 * YEAR, 0)
CONSENT_EXPIRES = DateRange(-YEAR, 20 * YEAR)
RETAIN_UNTIL = DateRange(0, 75 * YEAR)

STATISTICS = DateRange(dt.date(1988, 1, 1), YEAR)  # a table's period, a month filter, a published figure
PUBLISHED = DateRange(dt.date(1988, 1, 1), 0)

OUTREACH = DateRange(-10 * YEAR, 2 * YEAR)  # a talk, a campaign, an appointment, a report period
RECORDS = DateRange(dt.date(2000, 1, 1), 1)  # a filter over what was recorded (the audit log)


# --- For actions: the same ranges, refused in the user's language ----------------------------


class _Day:
    """A day shown in a message: ISO, as everywhere in Sanctuary (``|date:"Y-m-d"``)."""

    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __str__(self) -> str:
        return self.day.isoformat()


def limits_shown(bounds: DateRange, today: dt.date | None = None) -> dict[str, Any]:
    earliest, latest = bounds.limits(today)
    return {"earliest": _Day(earliest), "latest": _Day(latest)}


def refuse_outside(value: dt.date | dt.datetime | None, bounds: DateRange, refusal: type[Refusal]) -> None:
    """Raise ``refusal("date_range", …)`` (a module's :class:`Refusal`, whose ``messages``
    include :data:`REFUSALS`) when ``value`` is outside ``bounds``."""
    if value is not None and not bounds.holds(value):
        raise refusal("date_range", **limits_shown(bounds))


def refuse_longer(start: dt.date, end: dt.date, days: int, refusal: type[Refusal]) -> None:
    """Raise ``refusal("too_long", …)`` when ``end`` is more than ``days`` days after ``start``
    (``days`` counts both ends: a stay of 1 day ends on its first day)."""
    if (end - start).days >= days:
        latest = dt.date.max if dt.date.max - start < dt.timedelta(days=days) else start + dt.timedelta(days=days - 1)
        raise refusal("too_long", days=days, latest=_Day(latest))
