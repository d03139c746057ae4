"""Phone numbers in one canonical form (E.164) with Google's ``phonenumbers`` library."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.text import ascii_digits

# Numbers typed without a country code are read as Myanmar numbers, then Thai ones.
DEFAULT_REGIONS = ("MM", "TH")


def canonical_phone(value: str, regions: tuple[str, ...] = DEFAULT_REGIONS) -> str:
    """Return the E.164 form of a Myanmar, Thai or international number, or raise."""
    text = ascii_digits(value).strip()
    if not text:
        raise ValidationError(_("Enter a phone number."), code="empty")
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValidationError(
        _("This is not a phone number we recognise. Use the full number, e.g. 09 7xx xxx xxx or +66 8x xxx xxxx."),
        code="invalid_phone",
    )
