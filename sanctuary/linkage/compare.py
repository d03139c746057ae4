"""Pairwise comparison: for each candidate pair, one agreement level per field.

Levels are small integers, higher = stronger agreement, and ``MISSING`` (-1) when either record
lacks the field; the model then ignores that field for the pair. Everything is vectorised over
all pairs at once (numpy, and rapidfuzz's parallel ``cpdist`` for string similarity).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cpdist

from sanctuary.linkage.records import Prepared

MISSING = -1
Int8Array = npt.NDArray[np.int8]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Field:
    """A compared field: its level labels (index = level) and whether exact agreement is
    weighed by how common the value is (term-frequency adjustment)."""

    name: str
    levels: tuple[str, ...]
    tf_level: int | None = None  # the level whose evidence depends on the value's frequency


# Similarity of phonetic keys is Levenshtein-based: 0.8 is one edit in five key symbols (about
# one typo per two syllables), 0.6 two. These are properties of the key alphabet, not of any
# data set; the model learns how much each level is worth.
NAME_SIMILAR = 0.8
NAME_PARTLY = 0.6

FIELDS: tuple[Field, ...] = (
    Field("name", ("different", "partly similar", "similar", "same"), tf_level=3),
    Field("father_name", ("different", "partly similar", "similar", "same"), tf_level=3),
    Field("birth_date", ("different", "same year, other day", "same year", "day and month swapped", "same"), 4),
    Field("nrc", ("different", "same number", "same")),
    Field("service_number", ("different", "same")),
    Field("phone", ("different", "same")),
    Field("force", ("different", "same")),
    Field("unit", ("different", "same")),
    Field("hometown", ("different", "same"), tf_level=1),
)
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)


def _codes(values: Sequence[str]) -> IntArray:
    """Integer code per value, equal values equal codes, "" -> MISSING."""
    index: dict[str, int] = {}
    out = np.empty(len(values), dtype=np.int64)
    for i, value in enumerate(values):
        out[i] = index.setdefault(value, len(index)) if value else MISSING
    return out


# The fields whose exact agreement is weighed by how common the value is (``tf_level``), and
# the value that is counted: what "the same value" means for that field's top level.
TF_FIELDS: tuple[str, ...] = ("name", "father_name", "birth_date", "hometown")


def tf_value(record: Prepared, field: str) -> str:
    """The value of a term-frequency field that :class:`Columns` counts ("" when missing)."""
    if field == "name":
        return record.name.key
    if field == "father_name":
        return record.father.key
    if field == "birth_date":
        birth = record.birth
        return f"{birth.year}-{birth.month}-{birth.day}" if birth.day else ""
    if field == "hometown":
        return record.town
    raise KeyError(field)


def _frequencies(codes: IntArray) -> npt.NDArray[np.float64]:
    """Per record: the share of records (with the field) that have the same value."""
    present = codes >= 0
    out = np.zeros(len(codes), dtype=np.float64)
    if present.any():
        counts = np.bincount(codes[present])
        out[present] = counts[codes[present]] / present.sum()
    return out


@dataclass(frozen=True)
class Columns:
    """The prepared records as columns, ready for vectorised comparison."""

    name_key: list[str]
    name_key_h: list[str]
    father_key: list[str]
    father_key_h: list[str]
    year: IntArray
    month: IntArray
    day: IntArray
    codes: dict[str, IntArray]  # exact-compare fields: nrc, nrc_number, service_number, phone, ...
    frequency: dict[str, npt.NDArray[np.float64]]  # value frequency for term-frequency fields

    @classmethod
    def build(cls, records: Sequence[Prepared]) -> Columns:
        """Columns of ``records`` (index in the sequence = record index in pairs)."""
        codes = {
            "nrc": _codes([r.nrc for r in records]),
            "nrc_number": _codes([r.nrc_number for r in records]),
            "service_number": _codes([r.service_number for r in records]),
            "phone": _codes([r.phone for r in records]),
            "force": _codes([r.force for r in records]),
            "unit": _codes([r.unit for r in records]),
            **{name: _codes([tf_value(r, name) for r in records]) for name in TF_FIELDS},
        }
        return cls(
            name_key=[r.name.key for r in records],
            name_key_h=[r.name.key_with_honorifics for r in records],
            father_key=[r.father.key for r in records],
            father_key_h=[r.father.key_with_honorifics for r in records],
            year=np.array([r.birth.year for r in records], dtype=np.int64),
            month=np.array([r.birth.month for r in records], dtype=np.int64),
            day=np.array([r.birth.day for r in records], dtype=np.int64),
            codes=codes,
            frequency={f: _frequencies(codes[f]) for f in TF_FIELDS},
        )


def _similarity(keys: list[str], keys_h: list[str], a: IntArray, b: IntArray, workers: int) -> npt.NDArray[np.float64]:
    """Best Levenshtein similarity of the two records' keys, with and without honorifics."""
    plain = cpdist(
        [keys[i] for i in a], [keys[i] for i in b], scorer=Levenshtein.normalized_similarity, workers=workers
    )
    with_h = cpdist(
        [keys_h[i] for i in a], [keys_h[i] for i in b], scorer=Levenshtein.normalized_similarity, workers=workers
    )
    return np.maximum(plain, with_h).astype(np.float64)


def _name_levels(keys: list[str], keys_h: list[str], a: IntArray, b: IntArray, workers: int) -> Int8Array:
    present = np.array([bool(keys[i]) and bool(keys[j]) for i, j in zip(a, b, strict=True)], dtype=bool)
    similarity = _similarity(keys, keys_h, a, b, workers)
    level = np.select(
        [similarity >= 1.0, similarity >= NAME_SIMILAR, similarity >= NAME_PARTLY], [3, 2, 1], default=0
    ).astype(np.int8)
    level[~present] = MISSING
    return level


def _date_levels(cols: Columns, a: IntArray, b: IntArray) -> Int8Array:
    ya, yb, ma, mb, da, db = cols.year[a], cols.year[b], cols.month[a], cols.month[b], cols.day[a], cols.day[b]
    both_full = (da > 0) & (db > 0)
    same_year = ya == yb
    exact = both_full & same_year & (ma == mb) & (da == db)
    swapped = both_full & same_year & (ma == db) & (da == mb)
    partial = same_year & ~both_full & ((ma == 0) | (mb == 0) | (ma == mb))
    level = np.select([exact, swapped, partial, same_year], [4, 3, 2, 1], default=0).astype(np.int8)
    level[(ya == 0) | (yb == 0)] = MISSING
    return level


def _exact_levels(codes: IntArray, a: IntArray, b: IntArray) -> Int8Array:
    ca, cb = codes[a], codes[b]
    level = (ca == cb).astype(np.int8)
    level[(ca < 0) | (cb < 0)] = MISSING
    return level


def compare(cols: Columns, pairs: IntArray, workers: int = 1) -> Int8Array:
    """Comparison levels, shape ``(n_pairs, len(FIELDS))``, columns in :data:`FIELDS` order."""
    a, b = pairs[:, 0], pairs[:, 1]
    out = np.empty((len(pairs), len(FIELDS)), dtype=np.int8)
    if len(pairs) == 0:
        return out
    out[:, 0] = _name_levels(cols.name_key, cols.name_key_h, a, b, workers)
    out[:, 1] = _name_levels(cols.father_key, cols.father_key_h, a, b, workers)
    out[:, 2] = _date_levels(cols, a, b)
    nrc = _exact_levels(cols.codes["nrc"], a, b)
    same_number = _exact_levels(cols.codes["nrc_number"], a, b)
    out[:, 3] = np.where(nrc == 1, 2, np.where(same_number == 1, 1, nrc))
    for column, name in enumerate(("service_number", "phone", "force", "unit", "hometown"), start=4):
        out[:, column] = _exact_levels(cols.codes[name], a, b)
    return out
