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

from sanctuary.lib.phones import read_phone
from sanctuary.lib.text import ascii_digits, normalise_auto
from sanctuary.linkage.phonetic import burmese_syllables

_MY_RUN = re.compile("[\u1000-\u109f]+")
_LATIN_WORD = re.compile(r"[^\W_]+", re.UNICODE)


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
    """E.164, or "" when it is not a phone number: the one reading (``sanctuary.lib.phones``),
    so forms, search, the blind index and duplicate finding agree on what the same number is."""
    return read_phone(value)


def canonical_identifier(value: str) -> str:
    """NRC or service number: ASCII digits, lower case, no spaces, dashes or dots."""
    return re.sub(r"[\s\-.]", "", ascii_digits(normalise_auto(value))).lower()
