"""Search keys for encrypted people: blind-indexed tokens and identifiers.

Names are encrypted, so the database cannot run ``LIKE``. Instead each person has a set of
blind-indexed tokens: every Latin word (lower-cased) and every Burmese syllable of the
alias, true name and father's name, plus each whole name without spaces. A query matches a
person who has all of the query's tokens. That finds "Kyaw" in "Ko Kyaw Min", and "ကျော်"
in "ကျော်အောင်", but not arbitrary substrings ("yaw"): the trade-off for search that works
on encrypted data and leaks only equality of whole tokens.

Identifiers (phone, NRC, service number) have one exact blind index each.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from sanctuary.lib.text import ascii_digits, normalise_auto

# A Burmese syllable starts at a consonant (or independent vowel / digit) that is not
# stacked under a virama (U+1039) and not killed by an asat (U+103A) or virama after it.
# The same rule as the widely used "sylbreak" regular expressions (Ye Kyaw Thu, 2016).
_MY_START = "\u1000-\u1021\u1023-\u1027\u1029\u102a\u103f\u104c-\u104f\u1040-\u1049"
_MY_BREAK = re.compile(rf"(?<!\u1039)(?=[{_MY_START}](?![\u103a\u1039]))")
_MY_RUN = re.compile("[\u1000-\u109f]+")
_LATIN_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def burmese_syllables(text: str) -> list[str]:
    return [s for s in _MY_BREAK.split(text) if s]


def name_tokens(*names: str) -> set[str]:
    """Whole-name and per-word/per-syllable tokens of one or more names."""
    tokens: set[str] = set()
    for name in names:
        if not name:
            continue
        text = unicodedata.normalize("NFC", normalise_auto(name)).lower()
        whole = re.sub(r"\s+", "", text)
        if whole:
            tokens.add(whole)
        for run in _MY_RUN.findall(text):
            tokens.update(burmese_syllables(run))
        for word in _LATIN_WORD.findall(_MY_RUN.sub(" ", text)):
            tokens.add(word)
    return tokens


def query_tokens(query: str) -> set[str]:
    """Tokens a query must all match. A Burmese run typed without spaces splits into syllables."""
    text = normalise_auto(query).lower()
    tokens: set[str] = set()
    for run in _MY_RUN.findall(text):
        tokens.update(burmese_syllables(run))
    tokens.update(_LATIN_WORD.findall(_MY_RUN.sub(" ", text)))
    return tokens


def canonical_phone_or_empty(value: str) -> str:
    text = ascii_digits(value).strip()
    for region in ("MM", "TH"):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ""


def canonical_identifier(value: str) -> str:
    """NRC or service number: ASCII digits, lower case, no spaces, dashes or dots."""
    return re.sub(r"[\s\-.]", "", ascii_digits(normalise_auto(value))).lower()
