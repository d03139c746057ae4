"""Partial birth dates: year, year-month or full, typed in the ways people type them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sanctuary.lib.partial_date import parse_partial_date

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
        ("", ""),
    ],
)
def test_accepted_forms(typed: str, stored: str) -> None:
    assert parse_partial_date(typed, today=TODAY) == stored


@pytest.mark.parametrize("typed", ["1990-13", "1990-02-30", "1850", "2030", "2026-12-01", "yesterday", "12345"])
def test_rejected_with_a_reason(typed: str) -> None:
    with pytest.raises(ValidationError):
        parse_partial_date(typed, today=TODAY)
