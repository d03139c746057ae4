"""One text normaliser for every form and import.

Burmese text still arrives in the legacy Zawgyi encoding from many phones and keyboards.
Zawgyi re-uses Unicode's Myanmar code points with other meanings, so the bytes look valid
and nothing fails: the text is simply wrong for every other user and for search. This module:

1. detects Zawgyi with Google's detector (``myanmartools``), which returns a probability;
2. converts with ICU's ``Zawgyi-my`` transform (PyICU) when the detector is confident
   (>= 0.95, Google's own advice), and never touches text that is already Unicode —
   running a converter over Unicode corrupts it;
3. in between (0.05–0.95, typical of very short names) it does not guess: the caller asks
   the user, showing the converted text ("Did you mean …?");
4. applies NFC and trims surrounding whitespace.
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
    if assume_zawgyi is False or probability < ZAWGYI_UNSURE:
        return Normalised(clean(text), Encoding.UNICODE, probability=probability)
    converted = convert_zawgyi(text)
    if probability >= ZAWGYI_SURE:
        return Normalised(converted, Encoding.CONVERTED, probability=probability)
    if converted == clean(text):
        return Normalised(converted, Encoding.UNICODE, probability=probability)
    return Normalised(clean(text), Encoding.UNSURE, suggestion=converted, probability=probability)


def normalise_auto(text: str) -> str:
    """For imports and machines: convert only when sure, otherwise keep the text as given."""
    return normalise(text).text


def ascii_digits(text: str) -> str:
    """Burmese (၀–၉) and Thai (๐–๙) digits to ASCII digits; everything else unchanged."""
    return text.translate(_LOCAL_DIGITS)
