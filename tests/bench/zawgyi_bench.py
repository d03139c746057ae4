"""Zawgyi detection on ``tests/data/burmese_words.tsv``: both kinds of error, the rule in
``sanctuary.lib.text`` against main's old detector-only rule, in the same run.

python -m tests.bench.zawgyi_bench

- correct Unicode asked about or changed (target <= 0.5 %): ``normalise`` of the Unicode form
  does not return it unchanged as ``UNICODE``;
- Zawgyi left unconverted (target <= 1 %): ``normalise`` of the Zawgyi form keeps it as
  Unicode without asking. A question counts as caught (the user answers it); a conversion to
  anything other than the Unicode form is counted apart as "converted wrongly".

The old rule (before issue 16): convert when Google's detector says >= 0.95, ask between 0.05
and 0.95, keep below. ``tests/lib/test_zawgyi_false_alarms.py`` asserts the targets.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sanctuary.lib.text import (
    ZAWGYI_SURE,
    ZAWGYI_UNSURE,
    Encoding,
    Normalised,
    clean,
    convert_zawgyi,
    normalise,
    zawgyi_probability,
)

CORPUS = Path(__file__).resolve().parents[1] / "data" / "burmese_words.tsv"
Rule = Callable[[str], Normalised]


@dataclass(frozen=True)
class Pair:
    unicode: str
    zawgyi: str
    kind: str


@dataclass(frozen=True)
class Rates:
    pairs: int
    unicode_flagged: int  # correct Unicode asked about or changed
    zawgyi_kept: int  # Zawgyi left unconverted without a question
    zawgyi_wrong: int  # Zawgyi converted, but not to the Unicode form

    @property
    def unicode_rate(self) -> float:
        return self.unicode_flagged / self.pairs

    @property
    def zawgyi_rate(self) -> float:
        return self.zawgyi_kept / self.pairs


def corpus() -> list[Pair]:
    with CORPUS.open(encoding="utf-8") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        return [Pair(r["unicode"], r["zawgyi"], r["kind"]) for r in rows]


def old_rule(text: str) -> Normalised:
    """main's rule before issue 16: the detector's probability alone."""
    text = clean(text)
    probability = zawgyi_probability(text)
    if probability < ZAWGYI_UNSURE:
        return Normalised(text, Encoding.UNICODE, probability=probability)
    converted = convert_zawgyi(text)
    if probability >= ZAWGYI_SURE:
        return Normalised(converted, Encoding.CONVERTED, probability=probability)
    if converted == text:
        return Normalised(text, Encoding.UNICODE, probability=probability)
    return Normalised(text, Encoding.UNSURE, suggestion=converted, probability=probability)


def measure(rule: Rule = normalise, pairs: list[Pair] | None = None) -> Rates:
    pairs = corpus() if pairs is None else pairs
    flagged = kept = wrong = 0
    for pair in pairs:
        as_unicode = rule(pair.unicode)
        if as_unicode.encoding is not Encoding.UNICODE or as_unicode.text != pair.unicode:
            flagged += 1
        as_zawgyi = rule(pair.zawgyi)
        if as_zawgyi.encoding is Encoding.UNICODE:
            kept += 1
        elif as_zawgyi.encoding is Encoding.CONVERTED and as_zawgyi.text != pair.unicode:
            wrong += 1
    return Rates(len(pairs), flagged, kept, wrong)


def run() -> list[dict[str, str]]:
    pairs = corpus()
    rows = []
    for label, rule in (
        ("sanctuary.lib.text (syllable structure)", normalise),
        ("main before: detector only", old_rule),
    ):
        rates = measure(rule, pairs)
        rows += [
            {
                "rule": label,
                "figure": f"correct Unicode asked about or changed, of {rates.pairs:,} words and names",
                "value": f"{rates.unicode_flagged} = {100 * rates.unicode_rate:.2f} %",
                "target": "<= 0.5 %",
            },
            {
                "rule": label,
                "figure": "Zawgyi left unconverted (converted wrongly)",
                "value": f"{rates.zawgyi_kept} = {100 * rates.zawgyi_rate:.2f} % ({rates.zawgyi_wrong})",
                "target": "<= 1 %",
            },
        ]
    return rows


if __name__ == "__main__":
    from tests.bench.run import print_table

    print_table("Zawgyi detection, tests/data/burmese_words.tsv", run())
