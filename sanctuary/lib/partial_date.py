"""Partial dates: many people know only the year, or the year and month, of a birth.

Stored as ISO-like text — ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` — which sorts correctly
and is readable in a database dump of the clear fields. Parsing accepts what people type:
Burmese digits, slashes or dots, and day-first full dates (``15/03/1990``).
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.text import ascii_digits

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_MONTH_FIRST_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")

MIN_YEAR = 1900


def parse_partial_date(value: str, *, today: dt.date | None = None) -> str:
    """Return the canonical form of a partial date, or raise ValidationError."""
    text = ascii_digits(value).strip().replace(" ", "")
    if not text:
        return ""
    dashed = re.sub(r"[/.]", "-", text)
    year: int
    month: int | None = None
    day: int | None = None
    if match := _ISO.match(dashed):
        year = int(match.group(1))
        month = int(match.group(2)) if match.group(2) else None
        day = int(match.group(3)) if match.group(3) else None
    elif match := _DAY_FIRST.match(text):
        day, month, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    elif match := _MONTH_FIRST_YEAR.match(text):
        month, year = int(match.group(1)), int(match.group(2))
    else:
        raise ValidationError(
            _("Enter a year (1990), a year and month (1990-03) or a full date (1990-03-15)."),
            code="invalid_partial_date",
        )
    today = today or timezone.localdate()
    if year < MIN_YEAR or year > today.year:
        raise ValidationError(_("The year must be between 1900 and this year."), code="year_range")
    if month is not None and not 1 <= month <= 12:
        raise ValidationError(_("The month must be between 1 and 12."), code="month_range")
    if day is not None and month is not None:
        try:
            full = dt.date(year, month, day)
        except ValueError:
            raise ValidationError(_("This day does not exist in that month."), code="day_range") from None
        if full > today:
            raise ValidationError(_("The date cannot be in the future."), code="future")
        return full.isoformat()
    if month is not None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


def partial_date_year(value: str) -> int | None:
    """The year of a stored partial date, or None."""
    return int(value[:4]) if value and value[:4].isdigit() else None
