"""Find records of the same person: blocking, comparison, unsupervised Fellegi–Sunter scoring.

Plain Python, no Django: ``find_duplicates(records)`` takes :class:`Record` objects and returns
:class:`Pair` objects, each with the evidence that made it a match.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sanctuary.linkage.blocking import MAX_BLOCK_SIZE, blocking_keys, candidate_pairs
from sanctuary.linkage.cluster import resolve_clusters
from sanctuary.linkage.compare import FIELDS, MISSING, Columns, compare
from sanctuary.linkage.model import ExactLevel, Model, estimate_u, fit, probability
from sanctuary.linkage.records import Prepared, Record, prepare_all

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DEFAULT_THRESHOLD = 0.5  # match probability: report a pair when a match is more likely than not
RANDOM_PAIRS = 400_000  # random pairs for estimating u; plenty for levels with u >= 1e-4


@dataclass(frozen=True)
class Pair:
    """Two records judged to be the same person.

    ``score`` is the match probability, ``weight`` its log2 odds; ``agreements`` maps each field
    that spoke *for* the match to how it agreed (e.g. ``{"phone": "same", "name": "similar"}``).
    ``implied`` pairs are not convincing on their own but belong to one person through other
    records (A = B, B = C, so A = C); their score is that of the cluster.
    """

    a: str
    b: str
    score: float
    weight: float
    agreements: dict[str, str] = field(default_factory=dict)
    implied: bool = False


@dataclass(frozen=True)
class Options:
    """Tuning knobs with principled defaults; none needs changing per data set."""

    threshold: float = DEFAULT_THRESHOLD
    max_block_size: int = MAX_BLOCK_SIZE
    random_pairs: int = RANDOM_PAIRS
    seed: int = 20240601
    workers: int = field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))  # rapidfuzz threads
    clusters: bool = True


@dataclass
class Result:
    """Everything the finder computed, for the API, the command line and diagnostics."""

    records: list[Prepared]
    pairs: IntArray  # candidate pairs (record indices)
    levels: npt.NDArray[np.int8]
    weights: FloatArray  # match weight per candidate pair
    model: Model
    matches: list[Pair]
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step, for diagnostics


def _exact_share(codes: IntArray) -> ExactLevel:
    """Share of all pairs of records having the field that share its value: Σ c(c-1) / n(n-1)."""
    present = codes[codes >= 0]
    n = len(present)
    if n < 2:
        return ExactLevel(0.0, 0.0)
    counts = np.bincount(present).astype(np.float64)
    return ExactLevel(float((counts * (counts - 1)).sum() / (n * (n - 1))), n * (n - 1) / 2)


def estimate_u_params(
    cols: Columns, n: int, options: Options
) -> tuple[list[FloatArray], dict[tuple[int, int], ExactLevel]]:
    """u from random pairs, and the exactly countable levels of identifiers for :func:`fit`.

    Random pairs almost never share an NRC or phone, so sampling cannot measure those levels;
    they are counted over all pairs from value frequencies instead (and EM then removes the
    true duplicates from the count).
    """
    rng = np.random.default_rng(options.seed)
    size = min(options.random_pairs, n * (n - 1) // 2)
    first = rng.integers(0, n, size)
    second = rng.integers(0, n - 1, size)
    second = second + (second >= first)  # never a record with itself
    sample = np.stack([np.minimum(first, second), np.maximum(first, second)], axis=1)
    u = estimate_u(compare(cols, sample, options.workers))
    index = {f.name: i for i, f in enumerate(FIELDS)}
    nrc, same_number = _exact_share(cols.codes["nrc"]), _exact_share(cols.codes["nrc_number"])
    exact = {
        (index["nrc"], 2): nrc,
        (index["nrc"], 1): ExactLevel(max(same_number.share - nrc.share, 0.0), same_number.pairs),
    }
    for name in ("service_number", "phone", "force", "unit", "hometown"):
        exact[(index[name], 1)] = _exact_share(cols.codes[name])
    return u, exact


def _term_frequencies(cols: Columns, pairs: IntArray) -> dict[int, FloatArray]:
    """Per pair, how common the value of each term-frequency field is (as a share of records)."""
    out: dict[int, FloatArray] = {}
    for f, spec in enumerate(FIELDS):
        if spec.tf_level is not None and spec.name in cols.frequency:
            out[f] = cols.frequency[spec.name][pairs[:, 0]]
    return out


def weigh(
    model: Model, levels: npt.NDArray[np.int8], frequencies: dict[int, FloatArray]
) -> tuple[FloatArray, FloatArray]:
    """The one scoring rule: per pair, the match weight (log2 odds: prior plus the fields'
    log2 Bayes factors, term-frequency adjusted) and the per-field factors it sums.

    ``frequencies`` maps a term-frequency field's index to how common each pair's value is.
    A scan takes them from the whole register (:func:`_term_frequencies`); a pair scored
    outside a scan from the tables kept with the model (:mod:`sanctuary.linkage.stored`).
    """
    field_weights = model.apply_term_frequencies(model.field_weights(levels), levels, frequencies)
    return model.log2_prior_odds() + field_weights.sum(axis=1), field_weights


def score_pairs(cols: Columns, pairs: IntArray, levels: npt.NDArray[np.int8], model: Model) -> FloatArray:
    """Match weight (log2 odds) of each pair, with term-frequency adjustment."""
    return weigh(model, levels, _term_frequencies(cols, pairs))[0]


def field_evidence(cols: Columns, pairs: IntArray, model: Model, workers: int = 1) -> FloatArray:
    """Per pair and field: log2 Bayes factor (term-frequency adjusted), NaN where missing."""
    levels = compare(cols, pairs, workers)
    weights = weigh(model, levels, _term_frequencies(cols, pairs))[1]
    weights[levels == MISSING] = np.nan
    return weights


def explain(levels_row: npt.NDArray[np.int8], field_weights_row: FloatArray) -> dict[str, str]:
    """The fields that spoke for a match, with how they agreed."""
    return {
        spec.name: spec.levels[int(level)]
        for spec, level, weight in zip(FIELDS, levels_row, field_weights_row, strict=True)
        if level != MISSING and weight > 0
    }


class _Clock:
    """Wall-clock seconds per pipeline step."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.laps[step] = now - self._last
        self._last = now


def run(records: Sequence[Record], options: Options | None = None, model: Model | None = None) -> Result:
    """The whole pipeline on ``records``; see :func:`find_duplicates`.

    With ``model``, its parameters are used as they are instead of being learned from
    ``records`` (a kept model, :mod:`sanctuary.linkage.stored`); term frequencies are still
    those of ``records``."""
    options = options or Options()
    clock = _Clock()
    prepared = prepare_all(records)
    clock.lap("normalise")
    n = len(prepared)
    pairs = candidate_pairs([blocking_keys(p) for p in prepared], options.max_block_size)
    clock.lap("block")
    cols = Columns.build(prepared)
    levels = compare(cols, pairs, options.workers)
    clock.lap("compare")
    if n < 2:
        model = model or fit(levels, [np.array([1.0])] * len(FIELDS), 1.0)
        return Result(prepared, pairs, levels, np.empty(0), model, [], clock.laps)
    if model is None:
        u, exact = estimate_u_params(cols, n, options)
        model = fit(levels, u, n * (n - 1) / 2, exact=exact)
    weights = score_pairs(cols, pairs, levels, model)
    clock.lap("learn")
    cutoff = float(np.log2(options.threshold / (1 - options.threshold)))
    chosen = weights >= cutoff
    if options.clusters:
        clustered = resolve_clusters(
            n,
            pairs,
            weights,
            chosen,
            model.log2_prior_odds(),
            cutoff,
            lambda extra: field_evidence(cols, extra, model, options.workers),
        )
        final_pairs, final_weights, implied = clustered.pairs, clustered.weights, clustered.implied
    else:
        final_pairs, final_weights = pairs[chosen], weights[chosen]
        implied = np.zeros(len(final_pairs), dtype=bool)
    clock.lap("cluster")
    final_levels = compare(cols, final_pairs, options.workers)
    field_weights = weigh(model, final_levels, _term_frequencies(cols, final_pairs))[1]
    scores = probability(final_weights)
    matches = [
        Pair(
            a=prepared[int(i)].record_id,
            b=prepared[int(j)].record_id,
            score=float(scores[k]),
            weight=float(final_weights[k]),
            agreements=explain(final_levels[k], field_weights[k]),
            implied=bool(implied[k]),
        )
        for k, (i, j) in enumerate(final_pairs)
    ]
    clock.lap("explain")
    return Result(prepared, pairs, levels, weights, model, matches, clock.laps)


def find_duplicates(records: Iterable[Record], threshold: float = DEFAULT_THRESHOLD) -> list[Pair]:
    """Pairs of records that are probably the same person (match probability >= ``threshold``).

    Learns its parameters from ``records`` themselves (no labels), so give it a whole register
    rather than a handful of rows: with very few records there is little to learn from.
    """
    return run(list(records), Options(threshold=threshold)).matches
