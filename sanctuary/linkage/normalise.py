"""Normalisers for record linkage: every field to one comparable form, whatever the script.

All functions are total: bad or empty input gives an empty value (``""``), never an
exception, because one bad cell must not stop an import of thousands of rows. Phones and dates
are read by the product's one reading of each (``sanctuary.lib.phones``, ``sanctuary.lib.dates``).
Text is truncated to :data:`MAX_FIELD_CHARS` before any work so that a 100,000-character
"name" costs nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein

from sanctuary.lib.text import Encoding, ascii_digits, convert_zawgyi, normalise
from sanctuary.linkage import tables
from sanctuary.linkage.phonetic import (
    burmese_syllables,
    has_myanmar,
    latin_word_form,
    phonetic_key,
    untransliterated,
)

# Two titles can stack ("Saw U Wai", "Daw Ma Ei"); a third would be the name itself.
MAX_HONORIFICS = 2
MAX_FIELD_CHARS = 200  # longer than any real name, unit or town; protects the O(n) steps below
_CONTROL = re.compile("[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\ufeff]")
_SPACES = re.compile(r"\s+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_LATIN_SEPARATORS = re.compile(r"[.,;:_\-()\[\]{}\"'`|+*#!?&]+")
_REPEATED_LETTER = re.compile(r"([a-z])\1+")
_NOT_LATIN_LETTER = re.compile(r"[^a-z]")
_NOT_UPPER_ALNUM = re.compile(r"[^A-Z0-9]")

# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------


# Sequences that well-formed Unicode Burmese never contains but Zawgyi text read as Unicode does
# (Unicode Technical Note #11, "Representing Myanmar in Unicode", storage order):
# a vowel sign E or medial Ya/Ra starting a syllable (Zawgyi stores them before the consonant),
# a virama with no consonant to stack (Zawgyi's asat), and Zawgyi's private glyph code points.
_UNICODE_VIOLATIONS = re.compile(
    "(?:^|(?<=[\\s\u102b-\u1030\u1032-\u1038\u103a\u104a\u104b]))[\u1031\u103b\u103c]"
    "|\u1039(?![\u1000-\u1021])"
    "|[\u1060-\u1097]"
)


def unicode_violations(text: str) -> int:
    """How many places of ``text`` are impossible in well-formed Unicode Burmese."""
    return len(_UNICODE_VIOLATIONS.findall(text))


def _badness(text: str) -> tuple[int, int]:
    return unicode_violations(text), untransliterated(text)


@lru_cache(maxsize=262144)
def clean_text(value: str) -> str:
    """Truncated, control characters removed, Zawgyi converted to Unicode, NFC, single spaces.

    ``normalise_auto`` converts Zawgyi only when Google's detector is sure. When it is unsure, or
    says Unicode although the text breaks Unicode's storage order, we compare both readings and
    keep the one that is well-formed Unicode (no impossible sequences, fully pronounceable by
    ICU's Burmese transform); on a tie, the text as typed.
    """
    text = _CONTROL.sub("", value[:MAX_FIELD_CHARS])
    if not has_myanmar(text):
        return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    result = normalise(text)
    chosen = result.text
    if result.encoding is Encoding.UNSURE:
        if _badness(result.suggestion) < _badness(result.text):
            chosen = result.suggestion
    elif result.encoding is Encoding.UNICODE and unicode_violations(chosen):
        converted = convert_zawgyi(chosen)
        if _badness(converted) < _badness(chosen):
            chosen = converted
    if any(wrong in chosen for wrong, _ in _MIXED_ENCODING_FIXES):
        chosen = _repair_mixed(chosen)
    return _SPACES.sub(" ", chosen).strip()


# Leftovers of text typed partly in Zawgyi and partly in Unicode, seen after conversion:
# a Unicode asat (U+103A) inside Zawgyi text is Zawgyi's ya-pin, so "င့်" converts to "ငျ့";
# Zawgyi's own dot-below variants (U+1094, U+1095) survive in otherwise Unicode text.
_MIXED_ENCODING_FIXES: tuple[tuple[str, str], ...] = (
    ("\u103b\u1037", "\u1037\u103a"),
    ("\u1094", "\u1037"),
    ("\u1095", "\u1037"),
)


def _repair_mixed(text: str) -> str:
    """Undo mixed-encoding artefacts when that makes the text fully pronounceable by ICU."""
    repaired = text
    for wrong, right in _MIXED_ENCODING_FIXES:
        repaired = repaired.replace(wrong, right)
    repaired = unicodedata.normalize("NFC", repaired)
    return repaired if untransliterated(repaired) < untransliterated(text) else text


def fold_latin(text: str) -> str:
    """Lowercase letters and digits with single spaces: the form Latin table entries are compared in."""
    return _SPACES.sub(" ", _LATIN_SEPARATORS.sub(" ", text.lower())).strip()


# ---------------------------------------------------------------------------------------------
# Names: ranks, honorifics, phonetic key
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameParts:
    """A name split into ranks, honorifics and the name itself, with phonetic keys.

    ``key`` is the phonetic key of the name without ranks and honorifics; ``key_with_honorifics``
    keeps the last honorific (the one next to the name), for names where "Maung", "Ma" or "Nan"
    is a real syllable: "Daw Nan Dar" is compared as "Dar" and as "Nan Dar".
    """

    text: str
    ranks: tuple[str, ...] = ()
    honorifics: tuple[str, ...] = ()
    given: str = ""
    key: str = ""
    key_with_honorifics: str = ""


def _collapse(word: str) -> str:
    return _REPEATED_LETTER.sub(r"\1", word)


def _latin_rank_phrases() -> dict[tuple[str, ...], str]:
    phrases: dict[tuple[str, ...], str] = {}
    for tag, (_burmese, latin) in tables.RANKS.items():
        for form in latin:
            phrases[tuple(_collapse(w) for w in fold_latin(form.replace("/", " / ")).split())] = tag
            phrases[(_collapse(form.replace(" ", "")),)] = tag
    return phrases


_LATIN_RANKS = _latin_rank_phrases()
_LATIN_RANK_MAX_WORDS = max(len(p) for p in _LATIN_RANKS)
_FUZZY_RANKS = {
    words[0]: tag for words, tag in _LATIN_RANKS.items() if len(words) == 1 and words[0] in tables.FUZZY_RANK_WORDS
}
_LATIN_HONORIFICS = {form: tag for tag, (_b, latin) in tables.HONORIFICS.items() for form in latin}
_BURMESE_RANKS = {
    tuple(burmese_syllables(form)): tag for tag, (burmese, _l) in tables.RANKS.items() for form in burmese
}
_BURMESE_HONORIFICS = {
    tuple(burmese_syllables(form)): tag for tag, (burmese, _l) in tables.HONORIFICS.items() for form in burmese
}
_BURMESE_RANK_MAX = max(len(p) for p in _BURMESE_RANKS)


def _latin_words(text: str) -> list[str]:
    """Words of a Latin name: separators and camel-case joins ("MgAung") split, "/" kept for L/Cpl."""
    return fold_latin(_CAMEL.sub(" ", text)).replace(" / ", "/").split()


def _match_latin_rank(words: list[str], start: int, limit: int) -> tuple[str, int] | None:
    """The rank written at ``words[start:limit]`` and how many words it takes."""
    folded = [_collapse(w) for w in words[start : min(start + _LATIN_RANK_MAX_WORDS, limit)]]
    if folded and "/" in folded[0]:
        return _LATIN_RANKS.get((folded[0],), "other"), 1  # names never hold a "/": L/Clp, W/O
    for size in range(len(folded), 0, -1):
        tag = _LATIN_RANKS.get(tuple(folded[:size]))
        if tag:
            return tag, size
    word = folded[0] if folded else ""
    for rank_word, tag in _FUZZY_RANKS.items():
        if word.startswith(rank_word) and len(word) > len(rank_word):
            rest = _LATIN_RANKS.get((word[len(rank_word) :],))  # glued: "PoliceLt"
            if rest:
                return rest, 1
        if len(word) >= 5 and DamerauLevenshtein.distance(word, rank_word, score_cutoff=1) <= 1:
            return tag, 1  # one-letter typo of a long rank word: "Inspecto", "Ploice"
    return None


def _split_latin(words: list[str], limit: int) -> tuple[list[str], list[str], list[str], list[str]]:
    """(rank tags, honorific tags, remaining words, honorifics as typed); titles only before ``limit``."""
    ranks: list[str] = []
    honorifics: list[str] = []
    typed: list[str] = []
    i = 0
    while i < limit and (found := _match_latin_rank(words, i, limit)):
        ranks.append(found[0])
        i += found[1]
    while i < limit and len(honorifics) < MAX_HONORIFICS:
        tag = _LATIN_HONORIFICS.get(latin_word_form(words[i])) or _LATIN_HONORIFICS.get(words[i])
        if tag:
            honorifics.append(tag)
            typed.append(words[i])
            i += 1
        elif words[i].startswith("mg") and len(words[i]) > 3:
            honorifics.append("maung")  # "Mgaung": "mg" cannot begin a Burmese syllable
            typed.append("mg")
            words[i] = words[i][2:]
        else:
            break
    return ranks, honorifics, words[i:], typed


def _split_burmese(text: str) -> tuple[list[str], list[str], list[str], list[str]]:
    """(rank tags, honorific tags, remaining syllables, honorifics as typed)."""
    syllables = burmese_syllables(text)
    ranks: list[str] = []
    honorifics: list[str] = []
    i = 0
    while i < len(syllables) - 1:
        for size in range(min(_BURMESE_RANK_MAX, len(syllables) - i - 1), 0, -1):
            tag = _BURMESE_RANKS.get(tuple(syllables[i : i + size]))
            if tag:
                ranks.append(tag)
                i += size
                break
        else:
            break
    while len(honorifics) < MAX_HONORIFICS and len(syllables) - i > 1:
        tag = _BURMESE_HONORIFICS.get((syllables[i],))
        if not tag:
            break
        honorifics.append(tag)
        i += 1
    return ranks, honorifics, syllables[i:], syllables[i - len(honorifics) : i]


@lru_cache(maxsize=262144)
def name_parts(value: str) -> NameParts:
    """Split a name into ranks, honorifics and the name; compute its phonetic keys.

    Titles are stripped only from the front, at most two honorifics, and only while more name
    follows, because Maung, Ma, Saw or Nan can also be a person's name. Latin and Burmese
    titles are recognised also when glued to the name ("MgAung", "ကိုအောင်"), and Latin titles
    in front of a Burmese name ("Capt ကျော်ဇော်").
    """
    text = clean_text(value)
    if not text:
        return NameParts(text="")
    if has_myanmar(text):
        words = text.split()
        at = next(i for i, w in enumerate(words) if has_myanmar(w))
        lead = _latin_words(" ".join(words[:at]))  # Latin titles before a Burmese name
        ranks, honorifics, latin_rest, _typed = _split_latin(lead, len(lead))
        burmese = " ".join(words[at:])
        typed: list[str] = []
        if not latin_rest:
            more_ranks, more_honorifics, syllables, typed = _split_burmese(burmese)
            ranks, honorifics, burmese = ranks + more_ranks, honorifics + more_honorifics, "".join(syllables)
        given = " ".join([*latin_rest, burmese.replace(" ", "")])
        full = typed[-1] + given if typed else " ".join([*honorifics[-1:], given])
    else:
        words = _latin_words(text)
        ranks, honorifics, rest, _typed = _split_latin(words, len(words) - 1)
        given = " ".join(rest)
        full = " ".join([*honorifics[-1:], given])  # the tag is a full spelling ("maung" for "Mg")
    key = phonetic_key(given)
    return NameParts(
        text=text,
        ranks=tuple(ranks),
        honorifics=tuple(honorifics),
        given=given,
        key=key,
        key_with_honorifics=phonetic_key(full) if honorifics else key,
    )


# ---------------------------------------------------------------------------------------------
# Identifiers
# ---------------------------------------------------------------------------------------------

_NRC = re.compile(r"^(\d{1,2})[/\\|]?([^\d(]*?)\(([^)]*)\)(\d{4,7})$")
_NRC_LOOSE = re.compile(r"^(\d{1,2})[/\\|]([^\d(]+?)(\d{4,7})$")


def _nrc_town(raw: str) -> str:
    """Township code in Latin letters: Burmese letters spelt as on cards, Latin lowercased."""
    if has_myanmar(raw):
        return "".join(tables.NRC_LETTERS.get(ch, "") for ch in raw)
    return _NOT_LATIN_LETTER.sub("", raw.lower())


@lru_cache(maxsize=131072)
def canonical_nrc(value: str) -> str:
    """``12/MaYaKa(N)123456`` in either script and any spacing -> ``12/mayaka(n)123456``; else ""."""
    # No Zawgyi detection here: codes are bare consonants, the same code points in both
    # encodings; the few Zawgyi-only letters are in the tables.
    text = _SPACES.sub("", _CONTROL.sub("", ascii_digits(value[:MAX_FIELD_CHARS])))
    text = text.replace("（", "(").replace("）", ")")
    if not text:
        return ""
    if match := _NRC.match(text):
        state, town, kind, number = match.groups()
        kind_key = kind.lower()
        kind = tables.NRC_TYPES.get(kind_key, _nrc_town(kind)[:1] if kind_key else "")
    elif match := _NRC_LOOSE.match(text):
        state, town, number = match.groups()
        kind = ""
    else:
        return ""
    return f"{int(state)}/{_nrc_town(town)}({kind}){int(number):06d}"


def nrc_number(canonical: str) -> str:
    """State and serial number of a canonical NRC (``12/123456``): robust to township spelling."""
    if not canonical:
        return ""
    state, _, rest = canonical.partition("/")
    return f"{state}/{rest[rest.rfind(')') + 1 :]}"


@lru_cache(maxsize=131072)
def canonical_service_number(value: str) -> str:
    """Service number as uppercase letters and digits only (``BC-589160`` -> ``BC589160``); else ""."""
    text = _NOT_UPPER_ALNUM.sub("", ascii_digits(value[:MAX_FIELD_CHARS]).upper())
    return text if sum(ch.isdigit() for ch in text) >= 3 else ""


# ---------------------------------------------------------------------------------------------
# Places, forces, units
# ---------------------------------------------------------------------------------------------


def _variant_index(entries: dict[str, tuple[str, ...]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, variants in entries.items():
        for form in (canonical, *variants):
            index[form if has_myanmar(form) else _collapse(_NOT_LATIN_LETTER.sub("", form.lower()))] = canonical
    return index


_TOWNS = _variant_index(tables.TOWNS)
_FORCES = _variant_index(tables.FORCES)


def _lookup(index: dict[str, str], text: str) -> str:
    if has_myanmar(text):
        return index.get(text.replace(" ", ""), "")
    return index.get(_collapse(_NOT_LATIN_LETTER.sub("", text.lower())), "")


@lru_cache(maxsize=65536)
def canonical_town(value: str) -> str:
    """Canonical town name from the gazetteer, else ``~`` + phonetic key (both scripts meet there)."""
    text = clean_text(value)
    if not text:
        return ""
    return _lookup(_TOWNS, text) or "~" + phonetic_key(text)


@lru_cache(maxsize=1024)
def canonical_force(value: str) -> str:
    """army / navy / airforce / police, or the folded text for anything else."""
    text = clean_text(value)
    return _lookup(_FORCES, text) or fold_latin(text)


@lru_cache(maxsize=65536)
def canonical_unit(value: str) -> str:
    """Unit as uppercase words and ASCII digits with single spaces (``lib 33`` -> ``LIB 33``)."""
    return fold_latin(ascii_digits(clean_text(value))).upper()
