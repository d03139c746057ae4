"""One phonetic key for Burmese names in both scripts.

Burmese script goes through ICU's ``my-my_FONIPA`` transform (Unicode CLDR), one syllable at a
time with a cache; Latin spellings are parsed into onset + rhyme with the romanisation tables.
Both land in the small key alphabet documented in :mod:`sanctuary.linkage.tables`, so that
ကျော် / Kyaw / Kyau / Chaw all become ``Cv`` and ထက် / Htet / Thett become ``TeT``.

The key deliberately ignores word boundaries: spaces in typed names are unreliable ("Wun Nazaw"
for "Wunna Zaw"), and because a nasal or stop final uses the same symbol as the following
onset, the parse of "Minaung" (mi-naung or min-aung) does not change the key. Consecutive equal
symbols are merged for the same reason ("Wunna" = wun-na = wu-na).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import icu

from sanctuary.linkage import tables

MYANMAR_CHAR = re.compile("[\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff]")

# A syllable starts at a consonant or independent vowel unless that letter is stacked under a
# virama (preceded by U+1039) or killed by an asat (followed by U+103A, possibly after a dot
# below U+1037). This is the usual rule-based segmentation (cf. Ye Kyaw Thu's "sylbreak",
# https://github.com/ye-kyaw-thu/sylbreak).
_SYLLABLE_START = re.compile("(?<!\u1039)(?=[\u1000-\u102a\u103f](?!\u1037?[\u103a\u1039]))")
_IPA_MARKS = re.compile("[\u0300-\u036f]")  # tones, creaky voice, tie bars, voiceless rings
_LATIN_VOWELS = frozenset("aeiou")
WORD_BREAK = "|"
_DOUBLED_CONSONANT = re.compile(r"([b-df-hj-np-tv-z])\1+")
_TRIPLED_VOWEL = re.compile(r"([aeiou])\1{2,}")
_NON_LETTER = re.compile(r"[^a-z]+")
_REPEATS = re.compile(r"(.)\1+")
_REPEATED_CONSONANT_KEY = re.compile(r"([A-Z])\1+")
_YY = re.compile(r"(?<=[aeiou])yy+(?=[aeiou])")

# Word-final spellings rewritten before the words are run together (English spelling habits:
# a silent final "e" marks the previous vowel, "Thane" = Thein, "Khine" = Khaing).
_WORD_FINAL_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"aye$"), "ay"),
    (re.compile(r"awe$"), "aw"),
    (re.compile(r"([aeiou])h$"), r"\1"),
    (re.compile(r"([aeiou])r$"), r"\1"),
    (re.compile(r"(?<![aeiouy])ane$"), "ein"),
    (re.compile(r"(?<![aeiouy])ine$"), "aing"),
    (re.compile(r"(?<![aeiouy])one$"), "on"),
    (re.compile(r"(?<![aeiouy])une$"), "un"),
    (re.compile(r"(?<![aeiouy])ake$"), "eik"),
    (re.compile(r"(?<![aeiouy])ite$"), "aik"),
    (re.compile(r"(?<![aeiouy])o[kt]e$"), "ok"),
)

_IPA_ONSETS_BY_LENGTH = sorted(tables.IPA_ONSETS, key=len, reverse=True)
_IPA_NUCLEI_BY_LENGTH = sorted(tables.IPA_NUCLEI, key=len, reverse=True)


def has_myanmar(text: str) -> bool:
    """True when ``text`` contains any Myanmar-script character."""
    return MYANMAR_CHAR.search(text) is not None


def burmese_syllables(text: str) -> list[str]:
    """Split Burmese text into orthographic syllables (spaces dropped, stacked letters kept together)."""
    out: list[str] = []
    for word in text.split():
        out.extend(part for part in _SYLLABLE_START.split(word) if part)
    return out


@lru_cache(maxsize=1)
def _fonipa() -> icu.Transliterator:
    return icu.Transliterator.createInstance("my-my_FONIPA")


@lru_cache(maxsize=65536)
def syllable_ipa(syllable: str) -> str:
    """ICU's IPA for one Burmese syllable (cached: names reuse a few hundred syllables)."""
    return str(_fonipa().transliterate(syllable))


def untransliterated(text: str) -> int:
    """How many Myanmar characters ICU could not pronounce: a measure of ill-formed Unicode text."""
    return sum(len(MYANMAR_CHAR.findall(syllable_ipa(s))) for s in burmese_syllables(text))


def _ipa_syllable_key(ipa: str) -> str:
    """Key of one IPA syllable: onset (+ medials), nucleus class, coda class."""
    pos = 0
    onset = ""
    for candidate in _IPA_ONSETS_BY_LENGTH:
        if candidate and ipa.startswith(candidate):
            onset = tables.IPA_ONSETS[candidate]
            pos = len(candidate)
            break
    while pos < len(ipa) and ipa[pos] in tables.IPA_MEDIALS and ipa[pos + 1 : pos + 2] not in ("", "ɴ", "ʔ"):
        onset += tables.IPA_MEDIALS[ipa[pos]]
        pos += 1
    nucleus = ""
    for candidate in _IPA_NUCLEI_BY_LENGTH:
        if ipa.startswith(candidate, pos):
            nucleus = tables.IPA_NUCLEI[candidate]
            pos += len(candidate)
            break
    coda = "".join(tables.IPA_CODAS.get(ch, "") for ch in ipa[pos:])
    return onset + nucleus + coda[:1]


@lru_cache(maxsize=65536)
def burmese_syllable_key(syllable: str) -> str:
    """Key of one Burmese orthographic syllable (which may hold several spoken ones, e.g. ဝဏ္ဏ)."""
    ipa = _IPA_MARKS.sub("", unicodedata.normalize("NFD", syllable_ipa(syllable)))
    ipa = MYANMAR_CHAR.sub("", ipa)  # what ICU could not read carries no sound we can use
    keys = [_ipa_syllable_key(part) for part in ipa.split(".") if part]
    if syllable in tables.BURMESE_SYLLABLE_OVERRIDES:
        return tables.BURMESE_SYLLABLE_OVERRIDES[syllable]
    for rhyme, nucleus in tables.BURMESE_RHYME_OVERRIDES.items():
        if syllable.endswith(rhyme) and keys:
            last = keys[-1]
            vowel_at = next((i for i, ch in enumerate(last) if ch.islower()), len(last))
            keys[-1] = last[:vowel_at] + nucleus + last[vowel_at + 1 :]
    return "".join(keys)


@lru_cache(maxsize=4096)
def _latin_nucleus(cluster: str, coda: str) -> str:
    """Vowel class of a Latin vowel spelling, given the class of the final that follows it."""
    if coda == "N" and cluster in tables.LATIN_NUCLEI_BEFORE_NASAL:
        return tables.LATIN_NUCLEI_BEFORE_NASAL[cluster]
    for form in (cluster, _TRIPLED_VOWEL.sub(r"\1\1", cluster), _REPEATS.sub(r"\1", cluster)):
        if form in tables.LATIN_NUCLEI:
            return tables.LATIN_NUCLEI[form]
    letters = set(cluster) - {"h", "r", "w", "y"}
    if "a" in letters and (letters & {"u", "o"} or "w" in cluster):
        return "v"  # aou, auo, aoo: typos of aung / aw
    if letters & {"e", "i"} and letters & {"a", "e"}:
        return "e"
    return tables.LATIN_NUCLEI.get(cluster[0], "")


@lru_cache(maxsize=4096)
def _known_vowels(cluster: str) -> bool:
    return any(
        form in tables.LATIN_NUCLEI
        for form in (cluster, _TRIPLED_VOWEL.sub(r"\1\1", cluster), _REPEATS.sub(r"\1", cluster))
    )


@lru_cache(maxsize=4096)
def _split_vowels(cluster: str) -> list[str]:
    """Split a vowel cluster that is no single known spelling into known ones ("iao" -> i + ao).

    Words run together without a space merge two syllables' vowels (Nyiaong = Nyi Aong).
    """
    if len(cluster) < 3 or _known_vowels(cluster):
        return [cluster]
    for cut in range(1, len(cluster)):  # shortest first piece: the second keeps the final
        head, tail = cluster[:cut], cluster[cut:]
        if _known_vowels(head) and _known_vowels(tail):
            return [head, tail]
    return [cluster]


@lru_cache(maxsize=4096)
def _latin_coda(letters: str) -> str:
    """Class of a Latin final consonant spelling: nasal N, stop T, or nothing."""
    if letters in tables.LATIN_CODAS:
        return tables.LATIN_CODAS[letters]
    if any(ch in "nm" for ch in letters):
        return "N"
    if any(ch in "tkp" for ch in letters):
        return "T"
    return ""


@lru_cache(maxsize=4096)
def _latin_onset(letters: str) -> str | None:
    """Key of a Latin onset spelling (base + medials), or None if it is not a possible onset."""
    if letters == "":
        return ""
    for cut in range(len(letters), 0, -1):
        base, medials = letters[:cut], letters[cut:]
        if base in tables.LATIN_ONSETS and all(m in tables.LATIN_MEDIALS for m in medials) and len(medials) <= 2:
            key = tables.LATIN_ONSETS[base]
            # ky/gy/ny already hold their medial; "cy" or "jy" add nothing.
            return key + "".join(tables.LATIN_MEDIALS[m] for m in medials if not (key in "CJ" and m == "y"))
    return None


def _split_consonants(run: str) -> tuple[str, str]:
    """Split the consonants between two vowels into (final of the first syllable, onset of the next).

    A typed word break wins when it leaves a possible final and onset (Thant Win, not Than Twin);
    "ng" is always a final (Aungyan = aung-yan, not aun-gyan); otherwise the longest possible
    onset wins (maximal onset: Kyauthet = kyau-thet), the rest being the final.
    """
    if WORD_BREAK in run:
        left, _, right = run.partition(WORD_BREAK)
        right = right.replace(WORD_BREAK, "")
        if left in tables.LATIN_CODAS and _latin_onset(right) is not None:
            return left, right
        run = left + right
    if run.startswith("ng") and _latin_onset(run[2:]) is not None:
        return "ng", run[2:]
    for cut in range(len(run) + 1):
        if _latin_onset(run[cut:]) is not None:
            return run[:cut], run[cut:]
    return run, ""


def _classify(letters: str) -> list[tuple[bool, str]]:
    """Split letters into (is_vowel, letters) runs; y, w and h are vowels in some positions.

    Two vowel runs may follow each other: a word break ("Hla Aung") or the end of the digraph
    "aw" ("Kyawaung" = kyaw-aung) closes a vowel run. Word breaks inside consonants are
    kept only as a preferred split point, because typed spaces there are unreliable ("Wun Nazaw").
    """
    runs: list[tuple[bool, str]] = []
    closed = False  # the last vowel run may not grow any more
    for i, ch in enumerate(letters):
        if ch == WORD_BREAK:
            closed = True
            if runs and not runs[-1][0]:
                runs[-1] = (False, runs[-1][1] + ch)  # remembered as a preferred split point
            continue
        nxt = letters[i + 1] if i + 1 < len(letters) else ""
        prev = letters[i - 1] if i else ""
        if ch in _LATIN_VOWELS:
            vowel = True
        elif ch == "y":
            vowel = nxt not in _LATIN_VOWELS  # Kyaw: medial; Wynn, Pyay: vowel
        elif ch == "w":
            vowel = prev in ("a", "o")  # Kyaw, Zaw: the digraph aw
        else:
            vowel = False
        if runs and runs[-1][0] == vowel and not (vowel and closed):
            runs[-1] = (vowel, runs[-1][1] + ch)
        else:
            runs.append((vowel, ch))
        closed = vowel and ch == "w"
    return runs


@lru_cache(maxsize=65536)
def latin_word_form(word: str) -> str:
    """Lowercase letters only, doubled consonants collapsed, word-final spelling habits rewritten.

    A doubled "yy" between vowels is a vowel "y" and an onset "y" (Zayya = Zay-ya = ဇေယျ), so it
    becomes a word break rather than one letter.
    """
    word = _NON_LETTER.sub("", word.lower())
    word = _DOUBLED_CONSONANT.sub(r"\1", _YY.sub("y" + WORD_BREAK + "y", word))
    for pattern, replacement in _WORD_FINAL_REWRITES:
        word = pattern.sub(replacement, word)
    return word


@lru_cache(maxsize=131072)
def latin_key(letters: str) -> str:
    """Key of Latin words from :func:`latin_word_form`, run together with :data:`WORD_BREAK`."""
    runs = _classify(letters)
    out: list[str] = []
    pending_onset = ""
    for index, (is_vowel, run) in enumerate(runs):
        if not is_vowel:
            if index == 0:
                run = run.replace(WORD_BREAK, "")
                onset = _latin_onset(run)
                if onset is None:  # junk in front ("zw"), keep each letter's class
                    onset = "".join(tables.LATIN_ONSETS.get(ch, "") for ch in run)
                pending_onset = onset
            continue
        nxt = runs[index + 1] if index + 1 < len(runs) else (True, "")
        following = "" if nxt[0] else nxt[1]
        if index + 2 >= len(runs):
            final, next_onset = following.replace(WORD_BREAK, ""), ""
        else:
            final, next_onset = _split_consonants(following)
        coda = _latin_coda(final)
        *open_nuclei, last_nucleus = _split_vowels(run)
        out.extend(_latin_nucleus(nucleus, "") for nucleus in open_nuclei)
        out[len(out) - len(open_nuclei) :] = [pending_onset + "".join(out[len(out) - len(open_nuclei) :])]
        out.append(_latin_nucleus(last_nucleus, coda) + coda)
        onset_key = _latin_onset(next_onset)
        pending_onset = onset_key if onset_key is not None else ""
    if not out:  # no vowel at all ("Tn"): consonant classes only
        out.append(pending_onset)
    return "".join(out)


def dedupe(key: str) -> str:
    """Merge runs of the same consonant symbol (a final and the next onset written once or twice).

    Vowel symbols are kept: "Kyaw Aung" (Cv-vN) is not "Kyaung".
    """
    return _REPEATED_CONSONANT_KEY.sub(r"\1", key)


def burmese_key(text: str) -> str:
    """Phonetic key of Burmese (Unicode) text, spaces ignored."""
    return dedupe("".join(burmese_syllable_key(s) for s in burmese_syllables(text)))


def phonetic_key(text: str) -> str:
    """Phonetic key of a name in Burmese script, Latin letters, or a mix of both."""
    parts: list[str] = []
    latin: list[str] = []
    for word in text.split():
        if has_myanmar(word):
            if latin:
                parts.append(latin_key(WORD_BREAK.join(latin)))
                latin = []
            parts.append("".join(burmese_syllable_key(s) for s in burmese_syllables(word)))
        else:
            latin.append(latin_word_form(word))
    if latin:
        parts.append(latin_key(WORD_BREAK.join(latin)))
    return dedupe("".join(parts))


_CODA = re.compile(r"[NT](?![aeiouv])")


def coarse_key(key: str) -> str:
    """A coarser key for blocking: finals dropped ("Khaing Pyae" = "Khai Pye").

    Romanisers often drop or add a final consonant (Khai for Khaing, Thet for Thett); blocking
    on this form lets such pairs be compared at all. Comparison itself uses the full key.
    """
    return _CODA.sub("", key)
