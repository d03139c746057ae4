"""Phone numbers: one reading, used by every door a number comes through.

Forms, search, the phone blind index, the duplicate finder, the watch list, intake and CSV
imports all call :func:`read_phone`, so the same digits are the same number everywhere.
(Two readings that disagreed once stored ``081 224 8244`` as a Myanmar number and searched
for it as a Thai one: the search found nothing.) No Django here: the record-linkage engine
(``sanctuary.linkage``) runs without it. Forms turn an empty reading into an error in the
user's language (``sanctuary.lib.forms.clean_phone``).

The rule, with Google's ``phonenumbers``:

- a number written with its country code (``+66 …``, or ``959…`` / ``66…`` typed without the
  ``+``) is read in that country;
- otherwise it is tried as a Myanmar number, then as a Thai one. When both readings are
  valid the one that is a *mobile* number wins (people here register with their mobile):
  ``081 224 8244`` is a Myanmar landline shape but a Thai mobile, so it is ``+66812248244``;
- a number that is merely *possible* (the right length, outside the library's known ranges)
  is still read: libphonenumber's metadata lags new Myanmar ranges, and an unallocated-looking
  number typed twice is still the same number;
- anything else (too short, letters) reads as ``""``.

Burmese and Thai digits, spaces, dashes, dots and brackets are accepted.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from sanctuary.lib.text import ascii_digits

# Numbers typed without a country code are read as Myanmar numbers, then Thai ones.
REGIONS = ("MM", "TH")
MAX_CHARS = 64  # longer than any phone number, however it is spaced

_NOT_PHONE = re.compile(r"[^\d+]")
_MOBILE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def read_phone(value: str) -> str:
    """The E.164 form of a Myanmar, Thai or international number, or "" if it is not one."""
    text = _NOT_PHONE.sub("", ascii_digits(value[:MAX_CHARS]))
    if len(text.lstrip("+")) < 7:
        return ""
    if not text.startswith("+") and (
        (text.startswith("959") and len(text) >= 11) or (text.startswith("66") and len(text) == 11)
    ):
        text = "+" + text
    return _read_digits(text)


def is_phone(value: str) -> bool:
    return bool(read_phone(value))


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


@lru_cache(maxsize=131072)
def _read_digits(text: str) -> str:
    """:func:`read_phone` on digits with an optional leading "+" (cached: one number, many spellings)."""
    if text.startswith("+"):  # the country code is written: one parse settles it
        number = _parse(text, REGIONS[0])
        candidates = [number] if number is not None else []
    else:
        candidates = []
        for region in REGIONS:
            number = _parse(text, region)
            if number is None:
                continue
            if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in _MOBILE:
                return _format(number)  # a valid mobile number: nothing can rank higher
            candidates.append(number)
    valid = [n for n in candidates if phonenumbers.is_valid_number(n)]
    ranked = valid + [n for n in candidates if phonenumbers.is_possible_number(n)]
    return _format(ranked[0]) if ranked else ""


def _format(number: phonenumbers.PhoneNumber) -> str:
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
