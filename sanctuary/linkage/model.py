"""Fellegi–Sunter scoring with parameters learned without labels.

For each field and agreement level the model has

* ``u`` — P(level | two *different* people): estimated from random record pairs, which are
  almost all non-matches; for exact-equality levels computed exactly from value frequencies;
* ``m`` — P(level | the *same* person): estimated by expectation–maximisation (EM) over the
  candidate pairs, which are a mixture of matches and non-matches.

A pair's match weight is ``log2(prior odds) + Σ log2(m/u)`` over the fields both records have.

Blocking matters for the prior. Candidate pairs were selected *because* they agree on something,
so among them non-matches are far more alike than random pairs. Since the blocking decision is
itself a function of the comparison vector, P(match | comparison, blocked) = P(match |
comparison): the right prior is the population one, P(match) over all N(N-1)/2 pairs, which is
(matches among candidates) / (all pairs) when blocking finds (nearly) every match. EM
re-estimates it each round from the expected number of matches among the candidates.

Term-frequency adjustment: for fields where exact agreement on a common value ("Aung", a big
town) is weaker evidence than on a rare one, the ``u`` of that level is replaced, per pair, by
the share of records holding that value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sanctuary.linkage.compare import FIELDS, MISSING, Field

FloatArray = npt.NDArray[np.float64]
Int8Array = npt.NDArray[np.int8]

_EPS = 1e-12
# Strength of the prior on m, in pseudo-pairs. Without it EM learns m = 0 for "different" on
# any field that happens never to disagree among this file's matches, and one typo in a new
# file would then veto a match with weight -25. Ten pseudo-pairs centred on u bound that veto
# by the amount of data (about -9 at 5,000 matches, -13 at 100,000).
PRIOR_PAIRS = 10.0
MAX_ITERATIONS = 200
TOLERANCE = 1e-7


@dataclass
class Model:
    """Learned parameters; ``m[f][level]`` and ``u[f][level]`` for field index ``f``."""

    m: list[FloatArray]
    u: list[FloatArray]
    prior: float  # P(match) for a random pair of records
    iterations: int = 0
    matches: float = 0.0  # expected matches among the candidate pairs it was fitted on

    def learned_from(self, minimum: float) -> bool:
        """Whether EM found at least ``minimum`` expected matches to learn ``m`` from: with
        fewer, ``m`` is mostly its pseudo-pairs (m = u, no evidence) and the prior tiny."""
        return self.iterations > 0 and self.matches >= minimum

    def field_weights(self, levels: Int8Array) -> FloatArray:
        """log2(m/u) per pair and field, 0 where the field is missing; shape of ``levels``."""
        out = np.zeros(levels.shape, dtype=np.float64)
        for f in range(levels.shape[1]):
            column = levels[:, f]
            present = column != MISSING
            ratio = np.log2(np.maximum(self.m[f], _EPS)) - np.log2(np.maximum(self.u[f], _EPS))
            out[present, f] = ratio[column[present]]
        return out

    def apply_term_frequencies(
        self, weights: FloatArray, levels: Int8Array, frequencies: dict[int, FloatArray]
    ) -> FloatArray:
        """Replace the ``u`` of a term-frequency level by the shared value's frequency, per pair."""
        out = weights.copy()
        for f, freq in frequencies.items():
            tf_level = FIELDS[f].tf_level
            if tf_level is None:
                continue
            hit = levels[:, f] == tf_level
            u_value = np.maximum(freq[hit], _EPS)
            out[hit, f] = np.log2(max(self.m[f][tf_level], _EPS)) - np.log2(u_value)
        return out

    def log2_prior_odds(self) -> float:
        return float(np.log2(self.prior / (1.0 - self.prior)))


def probability(match_weight: FloatArray) -> FloatArray:
    """Match probability from a match weight (log2 odds)."""
    return 1.0 / (1.0 + np.exp2(-np.clip(match_weight, -60, 60)))


def estimate_u(sample_levels: Int8Array, fields: Sequence[Field] = FIELDS) -> list[FloatArray]:
    """u per field and level from comparisons of random pairs (add-half smoothing)."""
    u: list[FloatArray] = []
    for f, field in enumerate(fields):
        column = sample_levels[:, f]
        counts = np.bincount(column[column != MISSING], minlength=len(field.levels)).astype(np.float64)
        u.append((counts + 0.5) / (counts.sum() + 0.5 * len(field.levels)))
    return u


def _initial_m(fields: Sequence[Field]) -> list[FloatArray]:
    """Start EM believing matches mostly agree: half the mass on the top level, the rest spread."""
    m: list[FloatArray] = []
    for field in fields:
        k = len(field.levels)
        values = np.full(k, 0.5 / (k - 1))
        values[-1] = 0.5
        m.append(values)
    return m


@dataclass(frozen=True)
class ExactLevel:
    """A level whose count over *all* pairs is known exactly (value equality), matches included:
    ``share`` of the ``pairs`` in which both records have the field."""

    share: float
    pairs: float


def _uncontaminated(u: FloatArray, level: int, exact: ExactLevel, matches_at: float, matches: float) -> FloatArray:
    """u of an exact level with the expected matches taken out of the population count."""
    agreeing = exact.share * exact.pairs - matches_at
    value = max(agreeing, 0.5) / max(exact.pairs - matches, 1.0)  # at least half a pair
    value = min(value, 1 - 1e-9)
    out = u * (1 - value) / max(1 - u[level], _EPS)
    out[level] = value
    return out


def fit(
    levels: Int8Array,
    u: list[FloatArray],
    total_pairs: float,
    fields: Sequence[Field] = FIELDS,
    max_iterations: int = MAX_ITERATIONS,
    exact: dict[tuple[int, int], ExactLevel] | None = None,
) -> Model:
    """EM for ``m`` and the prior on candidate-pair comparison levels, ``u`` held fixed except
    for ``exact`` levels.

    ``total_pairs`` is N(N-1)/2 for the N records the candidates were drawn from. EM runs over
    the distinct comparison patterns with their counts, which makes it independent of the
    number of pairs after one ``np.unique``.

    ``exact`` levels (agreement on an identifier) are counted over all pairs, but that count
    includes the true duplicates: two registrations of one person share their NRC. Each round
    takes the expected matches at that level (from the candidates, where blocking put every
    pair sharing an identifier) out of the count, leaving the chance that two *different*
    people share the value.
    """
    n_candidates = len(levels)
    if n_candidates == 0:
        return Model(m=_initial_m(fields), u=u, prior=_EPS)
    patterns, counts = _unique_rows(levels)
    m = _initial_m(fields)
    share = 0.5  # share of candidates that are matches
    u = [x.copy() for x in u]
    exact = exact or {}
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - reported in the model
        prior = min(max(share * n_candidates / total_pairs, _EPS), 1 - 1e-9)
        log_u = sum_over_fields(patterns, [np.log(np.maximum(x, _EPS)) for x in u])
        log_m = sum_over_fields(patterns, [np.log(np.maximum(x, _EPS)) for x in m])
        log_odds = np.log(prior / (1 - prior)) + log_m - log_u
        posterior = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))
        weight = posterior * counts
        new_m = []
        for f, field in enumerate(fields):
            column = patterns[:, f]
            present = column != MISSING
            mass = np.bincount(column[present], weights=weight[present], minlength=len(field.levels))
            pseudo = PRIOR_PAIRS * u[f]  # Dirichlet prior centred on "no evidence" (m = u)
            new_m.append((mass + pseudo) / (mass.sum() + PRIOR_PAIRS))
        for (f, level), known in exact.items():
            column = patterns[:, f]
            at_level = float(weight[column == level].sum())
            with_field = float(weight[column != MISSING].sum())
            u[f] = _uncontaminated(u[f], level, known, at_level, with_field)
        new_share = float(weight.sum() / n_candidates)
        change = max(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True))
        change = max(change, abs(new_share - share))
        m, share = new_m, new_share
        if change < TOLERANCE:
            break
    prior = min(max(share * n_candidates / total_pairs, _EPS), 1 - 1e-9)
    return Model(m=m, u=u, prior=prior, iterations=iteration, matches=share * n_candidates)


def _unique_rows(levels: Int8Array) -> tuple[Int8Array, FloatArray]:
    """Distinct rows of small non-negative-or-missing levels with their counts (via 4-bit packing)."""
    shifted = levels.astype(np.int64) + 1  # MISSING (-1) -> 0; levels must stay below 15
    codes = np.zeros(len(levels), dtype=np.int64)
    for f in range(levels.shape[1]):
        codes = codes * 16 + shifted[:, f]
    unique_codes, counts = np.unique(codes, return_counts=True)
    patterns = np.empty((len(unique_codes), levels.shape[1]), dtype=np.int8)
    rest = unique_codes.copy()
    for f in range(levels.shape[1] - 1, -1, -1):
        patterns[:, f] = rest % 16 - 1
        rest //= 16
    return patterns, counts.astype(np.float64)


def sum_over_fields(patterns: Int8Array, tables: list[FloatArray]) -> FloatArray:
    """Σ over fields of ``tables[f][level]``, skipping missing fields."""
    total = np.zeros(len(patterns), dtype=np.float64)
    for f, table in enumerate(tables):
        column = patterns[:, f]
        present = column != MISSING
        total[present] += table[column[present]]
    return total
