"""Receipt phrases: six words the sender keeps to come back later.

Word ``n`` means the same thing in Burmese, English and Thai (``wordlist.tsv``), so a
phrase shown in Burmese can be typed back in any of the three languages, or in a mix, with
or without spaces between Burmese or Thai words. 1024 words x 6 = 60 bits: far beyond
guessing through a rate-limited form. Only an HMAC of the word numbers is stored (keyed by
the server secret, so a copied database alone cannot even test a guess).

The phrase is derived from the form's one-time token, so a form sent twice (a double click,
a resend after a dropped connection) shows the same phrase and is stored once.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.refusal import Refusal
from sanctuary.lib.text import normalise

WORDS_FILE = Path(__file__).with_name("wordlist.tsv")
PHRASE_WORDS = 6
LANGUAGES = ("en", "my", "th")
_SEPARATORS = re.compile(r"[\s,.;:·\-–—_/|၊။]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"))


class PhraseError(Refusal, ValueError):
    messages = {
        "unknown_word": _("Word %(n)s is not one of ours. Check its spelling."),
        "word_count": _("A receipt phrase has six words."),
    }

    def __init__(self, code: str, position: int = 0) -> None:
        super().__init__(code, **({"n": position} if position else {}))
        self.position = position  # 1-based word that was not recognised


@cache
def word_table() -> tuple[dict[str, tuple[str, ...]], dict[str, int]]:
    """(language -> words, any word -> its number)."""
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    columns: dict[str, list[str]] = {lang: [] for lang in header}
    for line in lines[1:]:
        for lang, word in zip(header, line.split("\t"), strict=True):
            columns[lang].append(word)
    size = len(lines) - 1
    if size & (size - 1) or size < 256:
        raise ValueError("the word list must hold a power of two words")
    lookup: dict[str, int] = {}
    for words in columns.values():
        for number, word in enumerate(words):
            lookup[_key(word)] = number
    return {lang: tuple(words) for lang, words in columns.items()}, lookup


def bits_per_word() -> int:
    words, _lookup = word_table()
    return (len(words["en"]) - 1).bit_length()


def _key(word: str) -> str:
    return unicodedata.normalize("NFC", word.translate(_INVISIBLE)).casefold()


def numbers_from_token(token: str) -> list[int]:
    """The phrase's word numbers, derived from the form's one-time token."""
    digest = int.from_bytes(salted_hmac("sanctuary.intake.phrase-words", token).digest(), "big")
    bits = bits_per_word()
    return [(digest >> (bits * i)) & ((1 << bits) - 1) for i in range(PHRASE_WORDS)]


def render(numbers: list[int], language: str) -> str:
    words, _lookup = word_table()
    column = words.get(language) or words["en"]
    return " ".join(column[n] for n in numbers)


MAX_READINGS = 64


def readings(text: str) -> list[list[int]]:
    """Every way to read what the sender typed as six list words, most likely first.

    Burmese and Thai are often typed without spaces, and a run of letters can split into
    list words in more than one way (ရေ + ကန် or ရေကန်): the caller tries each reading
    against the stored HMACs. Raises PhraseError naming the first problem."""
    _words, lookup = word_table()
    cleaned = normalise(text).text
    per_chunk: list[list[list[int]]] = []
    position = 1
    for chunk in _SEPARATORS.split(_key(cleaned)):
        if not chunk:
            continue
        splits = _segmentations(chunk, lookup)  # the whole chunk as one word comes first
        if not splits:
            raise PhraseError("unknown_word", position)
        per_chunk.append(sorted(splits, key=len))
        position += min(len(s) for s in splits)
    found: list[list[int]] = [[]]
    for splits in per_chunk:
        found = [[*head, *tail] for head in found for tail in splits if len(head) + len(tail) <= PHRASE_WORDS]
        found = found[: MAX_READINGS * 4]
    complete = [reading for reading in found if len(reading) == PHRASE_WORDS][:MAX_READINGS]
    if not complete:
        raise PhraseError("word_count")
    return complete


def parse(text: str) -> list[int]:
    """The most likely reading (see ``readings``)."""
    return readings(text)[0]


def _segmentations(chunk: str, lookup: dict[str, int], limit: int = MAX_READINGS) -> list[list[int]]:
    """Splits of a run of letters into list words (at most ``limit``, and at most six words)."""
    longest = max(map(len, lookup))
    results: list[list[int]] = []

    def walk(start: int, taken: list[int]) -> None:
        if len(results) >= limit or len(taken) > PHRASE_WORDS:
            return
        if start == len(chunk):
            results.append(list(taken))
            return
        for end in range(min(len(chunk), start + longest), start, -1):  # longer words first
            piece = chunk[start:end]
            if piece in lookup:
                taken.append(lookup[piece])
                walk(end, taken)
                taken.pop()

    walk(0, [])
    return results


def phrase_hash(numbers: list[int]) -> str:
    return salted_hmac("sanctuary.intake.phrase", ",".join(map(str, numbers)), algorithm="sha256").hexdigest()
