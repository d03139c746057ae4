"""A model kept between scans, and pairs scored with it outside a scan.

A scan learns its parameters from the register (:mod:`.model`, :func:`.finder.run`). The
product keeps them in the engine's own format (:func:`to_json`, :func:`from_json`), so that
a pair found at another moment (a person just saved, two people sharing a phone) is compared
field by field as in the scan (:func:`.compare.compare`), weighed by the same rule
(:func:`.finder.weigh`) with the same parameters, and explained in the same words
(:func:`.finder.explain`): :func:`score`. Until a scan has learned something the engine's
defaults stand in (:func:`default`).

What is kept, and why none of it is personal data:

* m and u per field and agreement level, the prior, the threshold, the number of records
  and of expected matches: statistics of the register as a whole.
* Term-frequency tables: how many records share a name key, a father's name key, a birth
  date or a home town (a scan weighs agreement on a common value less). Keyed by the value
  in clear they would be a list of the register's names, so every value is replaced by
  ``blind(value)``: in the product a keyed HMAC from the vault, like the blocking keys
  (``sanctuary.matching.scoring``). Without the vault's index key a token says nothing of
  its value; with it, nothing that the blocking keys do not already say. Only values held
  by two or more records are kept (one held once counts 1 / present anyway), which keeps
  the table small and leaves out every value that would single one person out.

Plain Python, no Django. The format is versioned: a model kept by another version of the
engine (other fields or levels) raises :class:`Incompatible` and the caller falls back on
the defaults until the next scan.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from sanctuary.linkage.compare import FIELDS, TF_FIELDS, Columns, compare, tf_value
from sanctuary.linkage.finder import DEFAULT_THRESHOLD, Pair, Result, explain, run, weigh
from sanctuary.linkage.model import Model, probability
from sanctuary.linkage.records import Prepared, Record, prepare_all

FORMAT = 1
ENGINE = f"sanctuary.linkage/{FORMAT}"
DEFAULT_PATH = Path(__file__).with_name("default_model.json")
# The defaults' prior: second registrations expected per record. A register with more learns
# its own prior at its first informative scan.
DUPLICATES_PER_RECORD = 0.05
# A fit that found fewer expected matches than this among its candidates learned its m from
# its pseudo-pairs rather than from data (a small register, or one without duplicates): the
# model it replaces is better evidence.
MIN_MATCHES = 10.0

Blind = Callable[[str], str]  # value -> opaque token (a keyed HMAC in the product)


class Incompatible(ValueError):
    """A model kept in another format or for other fields and levels than this engine's."""


@dataclass(frozen=True)
class Frequencies:
    """Records holding a value of one field, by token, for values held by two or more."""

    present: int  # records that have the field
    shared: Mapping[str, int] = field(default_factory=dict)

    def share(self, token: str) -> float:
        """The share of records holding the value (what the scan computes over the register)."""
        return self.shared.get(token, 1) / max(self.present, 1)


@dataclass(frozen=True)
class Stored:
    """What a scan used: the model, its decision threshold, term-frequency tables by token;
    ``learned`` when the model was fitted on the register (at this scan or an earlier one)
    rather than being the engine's defaults."""

    model: Model
    threshold: float
    records: int
    learned: bool
    frequencies: Mapping[str, Frequencies] = field(default_factory=dict)


def learned_enough(model: Model) -> bool:
    """Whether a fitted model learned enough from its register to be kept."""
    return model.learned_from(MIN_MATCHES)


def _token(blind: Blind, name: str, value: str) -> str:
    # The field is part of the token: a name key and the same father's name key do not link.
    return blind(f"{name}\x1f{value}")


def _tables(records: Sequence[Prepared], blind: Blind) -> dict[str, Frequencies]:
    tables = {}
    for name in TF_FIELDS:
        counts = Counter(value for value in (tf_value(r, name) for r in records) if value)
        shared = {_token(blind, name, value): n for value, n in counts.items() if n >= 2}
        tables[name] = Frequencies(present=sum(counts.values()), shared=shared)
    return tables


def keep(result: Result, *, learned: bool, blind: Blind, threshold: float = DEFAULT_THRESHOLD) -> Stored:
    """What to keep of a scan's run: its model, and its register's term frequencies by token."""
    return Stored(
        model=result.model,
        threshold=threshold,
        records=len(result.records),
        learned=learned,
        frequencies=_tables(result.records, blind),
    )


def prior_for(records: int) -> float:
    """The defaults' prior for a register of ``records``: P(match) of a random pair."""
    return min(2 * DUPLICATES_PER_RECORD / max(records - 1, 1), 0.5)


@cache
def _default_template() -> Stored:
    return from_json(json.loads(DEFAULT_PATH.read_text(encoding="utf-8")))


def default(records: int) -> Stored:
    """The engine's defaults, for a register of ``records``: m and u fitted on the synthetic
    development register (invented people; :func:`main` rebuilds them), the prior of
    :data:`DUPLICATES_PER_RECORD`, no term frequencies."""
    template = _default_template()
    return replace(template, model=replace(template.model, prior=prior_for(records)), records=records)


def to_json(stored: Stored) -> dict[str, Any]:
    """The kept model as JSON-able data (floats exactly, as Python writes them)."""
    model = stored.model
    return {
        "engine": ENGINE,
        "format": FORMAT,
        "fields": [[spec.name, list(spec.levels)] for spec in FIELDS],
        "m": [[float(x) for x in row] for row in model.m],
        "u": [[float(x) for x in row] for row in model.u],
        "prior": float(model.prior),
        "iterations": int(model.iterations),
        "matches": float(model.matches),
        "records": int(stored.records),
        "threshold": float(stored.threshold),
        "learned": bool(stored.learned),
        "frequencies": {
            name: {"present": table.present, "shared": dict(table.shared)} for name, table in stored.frequencies.items()
        },
    }


def from_json(data: Mapping[str, Any]) -> Stored:
    """A kept model back; :class:`Incompatible` when this engine cannot use it."""
    fields = [[spec.name, list(spec.levels)] for spec in FIELDS]
    if data.get("format") != FORMAT or data.get("fields") != fields:
        raise Incompatible(f"kept by {data.get('engine')!r}, this is {ENGINE}")
    model = Model(
        m=[np.array(row, dtype=np.float64) for row in data["m"]],
        u=[np.array(row, dtype=np.float64) for row in data["u"]],
        prior=float(data["prior"]),
        iterations=int(data["iterations"]),
        matches=float(data["matches"]),
    )
    frequencies = {
        name: Frequencies(present=int(table["present"]), shared=dict(table["shared"]))
        for name, table in data.get("frequencies", {}).items()
        if name in TF_FIELDS
    }
    return Stored(
        model=model,
        threshold=float(data["threshold"]),
        records=int(data["records"]),
        learned=bool(data["learned"]),
        frequencies=frequencies,
    )


def score(
    stored: Stored, records: Sequence[Record], pairs: Sequence[tuple[int, int]], blind: Blind, workers: int = 1
) -> list[Pair]:
    """Score ``pairs`` (indices into ``records``) with a kept model, as a scan of the register
    it was kept from would: the same comparison, rule and parameters, and the term frequency
    of the first record's value (the scan's pairs have the earlier record first)."""
    if not pairs:
        return []
    prepared = prepare_all(records)
    index = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    levels = compare(Columns.build(prepared), index, workers)
    frequencies = {}
    for f, spec in enumerate(FIELDS):
        table = stored.frequencies.get(spec.name)
        if spec.tf_level is None or table is None:
            continue
        values = [tf_value(prepared[a], spec.name) for a, _b in pairs]
        frequencies[f] = np.array([table.share(_token(blind, spec.name, v)) if v else 0.0 for v in values])
    weights, field_weights = weigh(stored.model, levels, frequencies)
    scores = probability(weights)
    return [
        Pair(
            a=records[a].record_id,
            b=records[b].record_id,
            score=float(scores[k]),
            weight=float(weights[k]),
            agreements=explain(levels[k], field_weights[k]),
        )
        for k, (a, b) in enumerate(pairs)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sanctuary.linkage.stored REGISTER.csv > default_model.json``: the defaults,
    fitted on a register of invented people (the shared ``people-dev.csv``)."""
    from sanctuary.linkage.csvio import read_records

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m sanctuary.linkage.stored REGISTER.csv > default_model.json", file=sys.stderr)
        return 2
    records, _report = read_records(args[0])
    result = run(records)
    if not learned_enough(result.model):
        print("this register has too few duplicates to learn from", file=sys.stderr)
        return 2
    defaults = Stored(model=result.model, threshold=DEFAULT_THRESHOLD, records=len(records), learned=False)
    json.dump(to_json(defaults), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
