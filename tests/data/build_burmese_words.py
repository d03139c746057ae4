"""Rebuild ``tests/data/burmese_words.tsv``: real Unicode Burmese words and names with their Zawgyi forms.

python -m tests.data.build_burmese_words

Sources (all offline on this machine; see README.md next to this file):

- ``place``: CLDR (through ICU 72): the Burmese names of countries and of time-zone exemplar
  cities; the Burmese town names of ``sanctuary/linkage/tables.py`` (MIMU place codes); the
  Unicode hometowns of ``/work/shared/data/people-dev.csv``;
- ``name``: the Unicode names and fathers' names (honorific + name, rank + name) of
  ``people-dev.csv``, each whole and each word of it; the name syllables of
  ``tests/matching/synthetic.py``; honorifics and ranks of ``sanctuary/linkage/tables.py``;
- ``syllable``: every orthographic syllable of those names (the short, ambiguous cases);
- ``word``: CLDR's Burmese month, weekday and language names, and the words of the project's
  Burmese translations (``sanctuary/locale/my/LC_MESSAGES/django.po``) split by ICU's
  dictionary-based Burmese word break.

A value of people-dev.csv (which also holds Zawgyi and mixed text on purpose) is taken as Unicode
only when ICU's Unicode→Zawgyi→Unicode round trip gives it back unchanged and every syllable of it
occurs in the trusted sources above (CLDR, the translations, the project's tables) or in
:data:`CHECKED_SYLLABLES`, the name syllables checked by hand. Pieces that start with a killed
consonant (consonant + asat: "ခ်", "မ်း") or a vowel sign are fragments of a word break, not
words, and are left out. Each Zawgyi form is made with ICU's ``my-Zawgyi`` transform; pairs whose
Zawgyi form equals the Unicode form are counted and dropped (nothing in them is Zawgyi-specific).
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from pathlib import Path

import icu

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).with_name("burmese_words.tsv")
PEOPLE = Path("/work/shared/data/people-dev.csv")
WORD = re.compile("^[\u1000-\u109f]+$")
HAS_MYANMAR = re.compile("[\u1000-\u109f]")
# A lone digit or sign is not a word to test.
TOO_SHORT = 1
FRAGMENT = re.compile("^(?:[\u1000-\u1021]\u103a|[\u102b-\u103e])")
# Syllables of people-dev.csv names not found in the trusted sources, read one by one: these are
# correct Unicode (the others it holds, e.g. "သက္စိုး" or "ျမ", are its deliberate Zawgyi).
CHECKED_SYLLABLES = frozenset(
    ("ကြည်", "ချို", "စည်", "စန္ဒာ", "ဇေ", "ယျ", "နန္ဒာ", "နောင်", "နှင်း", "ဖြူ", "လွ", "လှိုင်", "ဝဏ္ဏ", "သော်", "အိ")
)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


def _words(text: str) -> list[str]:
    breaker = icu.BreakIterator.createWordInstance(icu.Locale("my"))
    breaker.setText(text)
    out, start = [], 0
    for end in breaker:
        piece = text[start:end]
        start = end
        if WORD.match(piece) and not piece.isdigit():
            out.append(piece)
    return out


def _cldr() -> tuple[set[str], set[str]]:
    burmese = icu.Locale("my")
    places, words = set(), set()
    for tag in icu.Locale.getAvailableLocales():
        locale = icu.Locale(tag)
        places.add(locale.getDisplayCountry(burmese))
        words.add(locale.getDisplayLanguage(burmese))
    zones = icu.TimeZoneNames.createInstance(burmese)
    for zone in icu.TimeZone.createEnumeration():
        places.add(zones.getExemplarLocationName(zone) or "")
    symbols = icu.DateFormatSymbols(burmese)
    words.update(symbols.getMonths(), symbols.getWeekdays())
    keep = lambda values: {_nfc(v) for v in values if v and HAS_MYANMAR.search(v)}  # noqa: E731
    return keep(places), keep(words)


def _project_tables() -> tuple[set[str], set[str]]:
    sys.path.insert(0, str(ROOT))
    from sanctuary.linkage import tables
    from tests.matching import synthetic

    places = {s for spellings in tables.TOWNS.values() for s in spellings if HAS_MYANMAR.search(s)}
    names = {burmese for _, burmese in synthetic.SYLLABLES}
    for table in (tables.HONORIFICS, tables.RANKS):
        names.update(s for burmese, _ in table.values() for s in burmese)
    return {_nfc(p) for p in places}, {_nfc(n) for n in names}


def _people(trusted: set[str]) -> tuple[set[str], set[str]]:
    from sanctuary.linkage.phonetic import burmese_syllables

    to_zawgyi = icu.Transliterator.createInstance("my-Zawgyi")
    to_unicode = icu.Transliterator.createInstance("Zawgyi-my")
    places, names = set(), set()
    with PEOPLE.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for column, into in (("name", names), ("father_name", names), ("hometown", places)):
                value = _nfc(row[column])
                if not HAS_MYANMAR.search(value):
                    continue
                if _nfc(to_unicode.transliterate(to_zawgyi.transliterate(value))) != value:
                    continue  # Zawgyi (or mixed) in the source file
                if not set(burmese_syllables(value)) <= trusted:
                    continue
                into.add(value)
                if column != "hometown":
                    into.update(w for w in value.split() if HAS_MYANMAR.search(w))
    return places, names


def _translations() -> set[str]:
    po = (ROOT / "sanctuary/locale/my/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    words: set[str] = set()
    for message in re.findall(r'^msgstr(?:\[\d\])? "(.*)"', po, re.M):
        words.update(_nfc(w) for w in _words(message))
    return words


def _syllables(names: set[str]) -> set[str]:
    from sanctuary.linkage.phonetic import burmese_syllables

    return {s for name in names for s in burmese_syllables(name)}


def main() -> None:
    cldr_places, cldr_words = _cldr()
    table_places, table_names = _project_tables()
    translations = _translations()
    trusted = _syllables(cldr_places | cldr_words | table_places | table_names | translations) | CHECKED_SYLLABLES
    people_places, people_names = _people(trusted)
    names = table_names | people_names
    kinds = {
        "place": cldr_places | table_places | people_places,
        "name": names,
        "syllable": _syllables(names),
        "word": cldr_words | translations,
    }
    to_zawgyi = icu.Transliterator.createInstance("my-Zawgyi")
    seen: set[str] = set()
    rows, same = [], 0
    for kind, values in kinds.items():
        for unicode in sorted(values - seen):
            seen.add(unicode)
            if len(unicode) <= TOO_SHORT or FRAGMENT.match(unicode):
                continue
            zawgyi = to_zawgyi.transliterate(unicode)
            if zawgyi == unicode:
                same += 1
                continue
            rows.append((unicode, zawgyi, kind))
    with OUT.open("w", encoding="utf-8", newline="") as f:
        f.write("# Real Unicode Burmese words and names with their Zawgyi forms (ICU my-Zawgyi).\n")
        f.write("# Sources: tests/data/README.md; rebuilt by python -m tests.data.build_burmese_words.\n")
        f.write(f"# {len(rows)} pairs; {same} more were dropped because their Zawgyi form is the same text.\n")
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(("unicode", "zawgyi", "kind"))
        writer.writerows(rows)
    counts = {k: sum(1 for r in rows if r[2] == k) for k in kinds}
    print(f"{len(rows)} pairs {counts}; {same} dropped (Zawgyi form identical)")


if __name__ == "__main__":
    main()
