"""One reader for dates as people write them: forms, CSV imports and the duplicate finder
read a typed date the same way; forms also say, in the user's language, what is wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sanctuary.lib.dates import PartialDate, read_date, read_partial_date
from sanctuary.lib.forms import clean_partial_date
from sanctuary.linkage.records import Record, prepare
from sanctuary.stipends.exports import parse_day

TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1990", "1990"),
        ("1990-3", "1990-03"),
        ("1990/03/15", "1990-03-15"),
        ("15/03/1990", "1990-03-15"),
        ("15.3.1990", "1990-03-15"),
        ("03/1990", "1990-03"),
        ("၁၉၉၀-၀၃-၁၅", "1990-03-15"),
        ("๑๙๙๐-๐๓-๑๕", "1990-03-15"),
        ("15 Mar 1990", "1990-03-15"),
        ("15/03/90", "1990-03-15"),
        ("03/25/1990", "1990-03-25"),  # an impossible day first: month first
        ("", ""),
    ],
)
def test_accepted_forms(typed: str, stored: str) -> None:
    assert clean_partial_date(typed, today=TODAY) == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1990-13", "month_range"),
        ("1990-02-30", "day_range"),
        ("1850", "year_range"),
        ("2030", "year_range"),
        ("2026-12-01", "future"),
        ("yesterday", "unreadable"),
        ("12345", "unreadable"),  # typed by a person: a typo, not an Excel day number
    ],
)
def test_rejected_with_a_reason(typed: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        clean_partial_date(typed, today=TODAY)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "typed", ["15/03/1990", "15.3.1990", "1990-03-15", "15 March 1990", "March 15, 1990", "19900315", "32947"]
)
def test_every_door_reads_the_same_day(typed: str) -> None:
    """The form, the payment CSV and the matcher agree on 15 March 1990."""
    assert read_date(typed).date == PartialDate(1990, 3, 15)
    assert prepare(Record(record_id="x", birth_date=typed)).birth == PartialDate(1990, 3, 15)
    assert parse_day(typed) == dt.date(1990, 3, 15)
    if typed != "32947":  # a spreadsheet's serial number is not something a person types
        assert clean_partial_date(typed, today=TODAY) == "1990-03-15"


def test_matching_keeps_what_is_certain() -> None:
    """One bad cell never stops an import: the matcher keeps the year of an impossible day."""
    assert read_partial_date("1987-02-30") == PartialDate(1987, 2)
    assert read_partial_date("unknown") == PartialDate()


@pytest.mark.parametrize("typed", ["1990-03", "yesterday", "2026-02-30"])
def test_a_payment_day_must_be_a_whole_day(typed: str) -> None:
    with pytest.raises(ValueError, match=typed):
        parse_day(typed)
    assert parse_day("") is None
