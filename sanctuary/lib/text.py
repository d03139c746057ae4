"""One text normaliser for every form and import.

Burmese text still arrives in the legacy Zawgyi encoding from many phones and keyboards.
Zawgyi re-uses Unicode's Myanmar code points with other meanings, so the bytes look valid
and nothing fails: the text is simply wrong for every other user and for search. This module:

1. checks both readings of the text, as typed and converted with ICU's ``Zawgyi-my``
   transform (PyICU), against the structure of Unicode Burmese syllables
   (:func:`well_formed`): Zawgyi stores the vowel sign ေ and the medial ြ (its U+103B) before
   the consonant, uses U+1039 as its asat and has glyph variants at U+1060–U+1097, all of
   which break Unicode's storage order;
2. asks Google's detector (``myanmartools``) for the probability that the text is Zawgyi;
3. decides (``normalise``):

   =================  ==================  ==========================================
   as typed           converted           result
   =================  ==================  ==========================================
   well-formed        not well-formed     kept: correct Unicode is never converted
   well-formed        well-formed         kept, unless ICU's Burmese dictionary reads the
                                          conversion as fewer words (သေဘာတူ → သဘောတူ)
                                          or the detector is sure (>= 0.95): then ask
                                          ("Did you mean …?")
   not well-formed    well-formed         converted when the detector is sure (>= 0.95),
                                          otherwise ask
   not well-formed    not well-formed     ask when the detector leans Zawgyi (>= 0.05),
                                          otherwise kept
   =================  ==================  ==========================================

   Text whose conversion is the same text is kept. Nothing is converted without asking
   unless the typed text is impossible in Unicode and its conversion is not;
4. applies NFC and trims surrounding whitespace.

The error rates on ``tests/data/burmese_words.tsv`` (6,000 real words and names and their
Zawgyi forms) are asserted in ``tests/lib/test_zawgyi_corpus.py`` and printed by ``make bench``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import icu
from myanmartools import ZawgyiDetector

ZAWGYI_SURE = 0.95
ZAWGYI_UNSURE = 0.05

_MYANMAR = re.compile("[\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff]")
_MYANMAR_RUNS = re.compile("[\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff]+")

# One orthographic cluster of Unicode Burmese in storage order (Unicode Technical Note #11,
# "Representing Myanmar in Unicode", table of storage order): kinzi, consonant (or independent
# vowel, great sa, ၎), asat (only in န်ု, as in ကျွန်ုပ်), stacked consonant, medials
# ျ ြ ွ ှ in that order, vowel sign E, upper vowel, lower vowel, A vowel, anusvara, dot below and
# asat (NFC puts the dot below first; both orders are accepted), visarga.
_CLUSTER = (
    "(?:\u1004\u103a\u1039)?"
    "[\u1000-\u102a\u103f\u104e]"
    "(?:\u1039[\u1000-\u1021])?"
    "(?:(?<=\u1014)\u103a(?=\u102f))?"
    "\u103b?\u103c?\u103d?\u103e?"
    "\u1031?[\u102d\u102e\u1032]?[\u102f\u1030]?[\u102b\u102c]?\u1036?"
    "(?:\u1037\u103a?|\u103a\u1037?)?"
    "\u1038?"
)
# A run of Myanmar text: clusters, digits and punctuation (၊ ။ ၌ ၍ ၏). A word cannot start with
# a killed consonant (consonant + asat, no kinzi): that is Zawgyi's medial ya (ခ် for ချ); after a
# bracket or a hyphen it is a spelled-out final, "(တ်)".
_WELL_FORMED_RUN = re.compile(f"(?:{_CLUSTER}|[\u1040-\u1049\u104a-\u104d\u104f])+")
_KILLED_START = re.compile("(?:^|(?<=\\s))[\u1000-\u1021]\u103a(?!\u1039)")
_STACK = re.compile("([\u1000-\u1021])\u1039([\u1000-\u1021])")
# Stacked consonants follow Pali: within one row of the consonant table (က ခ ဂ ဃ င, စ ဆ ဇ ဈ ဉ/ည,
# ဋ ဌ ဍ ဎ ဏ, တ ထ ဒ ဓ န, ပ ဖ ဗ ဘ မ) a plain letter over itself or its aspirate (က္က, က္ခ, ဒ္ဓ),
# or the row's nasal over any letter of its row (န္တ, မ္ဘ); outside the rows only these.
_ROWS = ("ကခဂဃင", "စဆဇဈဉ", "ဋဌဍဎဏ", "တထဒဓန", "ပဖဗဘမ")
_OTHER_STACKS = frozenset({"လ္လ", "သ္သ", "ယ္ယ", "ဝ္ဝ", "ဟ္မ", "ဝ္ဟ", "ည္စ", "ည္ဇ"})
_LOCAL_DIGITS = str.maketrans("၀၁၂၃၄၅၆၇၈၉๐๑๒๓๔๕๖๗๘๙", "01234567890123456789")
_CONTROL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")


class Encoding(Enum):
    UNICODE = "unicode"  # no Myanmar text, or Myanmar text that is already Unicode
    CONVERTED = "converted"  # Zawgyi detected with confidence and converted
    UNSURE = "unsure"  # could be either: ask the user


@dataclass(frozen=True)
class Normalised:
    text: str
    encoding: Encoding
    suggestion: str = ""  # for UNSURE: what the text would be if it were Zawgyi
    probability: float = 0.0


@lru_cache(maxsize=1)
def _detector() -> ZawgyiDetector:
    return ZawgyiDetector()


@lru_cache(maxsize=1)
def _zawgyi_to_unicode() -> icu.Transliterator:
    return icu.Transliterator.createInstance("Zawgyi-my")


def zawgyi_probability(text: str) -> float:
    """Google's detector: the probability that ``text`` is Zawgyi (0 without Myanmar text)."""
    if not _MYANMAR.search(text):
        return 0.0
    probability = float(_detector().get_zawgyi_probability(text))
    # The detector returns -inf for text it cannot score (e.g. invalid in both encodings).
    return max(0.0, probability)


def _stack_allowed(upper: str, lower: str) -> bool:
    if f"{upper}\u1039{lower}" in _OTHER_STACKS:
        return True
    for row in _ROWS:
        if upper in row and lower in row:
            top, bottom = row.index(upper), row.index(lower)
            return top == 4 or (top in (0, 2) and bottom in (top, top + 1))
    return False


def well_formed(text: str) -> bool:
    """True when every Myanmar run of ``text`` is well-formed Unicode Burmese (UTN #11 order).

    Zawgyi text read as Unicode breaks this almost always: ေ or ြ before its consonant, U+1039
    with nothing to stack (Zawgyi's asat) or stacking letters Burmese never stacks, a word
    starting with a killed consonant (Zawgyi's medial ya), or Zawgyi's glyph code points.
    Letters of other languages in the Myanmar script (Shan, Mon, Karen: U+1050–U+109F) are not
    Burmese and count as not well-formed; text without Myanmar letters is well-formed.
    """
    text = unicodedata.normalize("NFC", text)
    if _KILLED_START.search(text):
        return False
    for run in _MYANMAR_RUNS.findall(text):
        if not _WELL_FORMED_RUN.fullmatch(run):
            return False
        if any(not _stack_allowed(upper, lower) for upper, lower in _STACK.findall(run)):
            return False
    return True


def _dictionary_words(text: str) -> int:
    """How many pieces ICU's dictionary-based Burmese word break cuts ``text`` into."""
    breaker = icu.BreakIterator.createWordInstance(icu.Locale("my"))
    breaker.setText(text)
    return sum(1 for _ in breaker)


def convert_zawgyi(text: str) -> str:
    """Convert Zawgyi text to Unicode with ICU. Only call on text detected as Zawgyi."""
    return unicodedata.normalize("NFC", _zawgyi_to_unicode().transliterate(text))


def clean(text: str) -> str:
    """NFC, control characters removed, surrounding whitespace trimmed."""
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text).strip()


def normalise(text: str, *, assume_zawgyi: bool | None = None) -> Normalised:
    """Normalise one value typed by a person or read from a file.

    ``assume_zawgyi`` records the user's answer to "Did you mean …?": True converts,
    False keeps the text as typed, None lets the detector decide.
    """
    text = _CONTROL.sub("", text).strip()
    if not text:
        return Normalised("", Encoding.UNICODE)
    probability = zawgyi_probability(text)
    if assume_zawgyi is True and probability > 0:
        return Normalised(convert_zawgyi(text), Encoding.CONVERTED, probability=probability)
    typed = clean(text)
    if assume_zawgyi is False or not _MYANMAR.search(text):
        return Normalised(typed, Encoding.UNICODE, probability=probability)
    converted = convert_zawgyi(text)
    if converted == typed:
        return Normalised(typed, Encoding.UNICODE, probability=probability)
    kept = Normalised(typed, Encoding.UNICODE, probability=probability)
    ask = Normalised(typed, Encoding.UNSURE, suggestion=converted, probability=probability)
    if well_formed(typed):
        if not well_formed(converted):
            return kept
        if probability >= ZAWGYI_SURE or _dictionary_words(converted) < _dictionary_words(typed):
            return ask
        return kept
    if well_formed(converted):
        if probability >= ZAWGYI_SURE:
            return Normalised(converted, Encoding.CONVERTED, probability=probability)
        return ask
    return ask if probability >= ZAWGYI_UNSURE else kept


def normalise_auto(text: str) -> str:
    """For imports and machines: convert only when sure, otherwise keep the text as given."""
    return normalise(text).text


def ascii_digits(text: str) -> str:
    """Burmese (၀–၉) and Thai (๐–๙) digits to ASCII digits; everything else unchanged."""
    return text.translate(_LOCAL_DIGITS)
