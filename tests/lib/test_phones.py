"""Phone numbers are stored in E.164, whatever form they were typed in."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sanctuary.lib.phones import canonical_phone


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("09 420 123 456", "+959420123456"),
        ("+959420123456", "+959420123456"),
        ("၀၉၄၂၀၁၂၃၄၅၆", "+959420123456"),
        ("+66 87 637 2515", "+66876372515"),
        ("0876372515", "+66876372515"),
    ],
)
def test_canonical(typed: str, e164: str) -> None:
    assert canonical_phone(typed) == e164


@pytest.mark.parametrize("typed", ["12", "abc", "+1 555"])
def test_rejected(typed: str) -> None:
    with pytest.raises(ValidationError):
        canonical_phone(typed)
