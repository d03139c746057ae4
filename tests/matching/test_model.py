"""Fellegi–Sunter with EM, and clustering, on data with known answers."""

from __future__ import annotations

import numpy as np

from sanctuary.linkage.cluster import resolve_clusters
from sanctuary.linkage.compare import MISSING, Field
from sanctuary.linkage.model import estimate_u, fit, probability

FIELDS = (Field("a", ("different", "same")), Field("b", ("different", "similar", "same")), Field("c", ("no", "yes")))
M_TRUE = [np.array([0.05, 0.95]), np.array([0.1, 0.2, 0.7]), np.array([0.3, 0.7])]
U_TRUE = [np.array([0.99, 0.01]), np.array([0.9, 0.08, 0.02]), np.array([0.8, 0.2])]


def _draw(rng: np.random.Generator, probabilities: list[np.ndarray], size: int) -> np.ndarray:
    return np.stack([rng.choice(len(p), size=size, p=p) for p in probabilities], axis=1).astype(np.int8)


def test_em_recovers_m_and_the_match_share_without_labels() -> None:
    rng = np.random.default_rng(0)
    matches, non_matches = _draw(rng, M_TRUE, 3000), _draw(rng, U_TRUE, 17000)
    levels = np.concatenate([matches, non_matches])
    levels[rng.random(levels.shape) < 0.1] = MISSING  # missing values are ignored, not guessed
    u = estimate_u(_draw(rng, U_TRUE, 200_000), FIELDS)
    total_pairs = len(levels)  # no blocking here: every pair is a candidate
    model = fit(levels, u, total_pairs, FIELDS)
    for learned, true in zip(model.m, M_TRUE, strict=True):
        assert np.abs(learned - true).max() < 0.05
    assert abs(model.prior * total_pairs - 3000) / 3000 < 0.1
    weights = model.log2_prior_odds() + model.field_weights(levels).sum(axis=1)
    assert probability(weights[:3000]).mean() > probability(weights[3000:]).mean()


def _evidence_from(table: dict[tuple[int, int], list[float]]):  # type: ignore[no-untyped-def]
    def evidence(pairs: np.ndarray) -> np.ndarray:
        return np.array([table[(int(a), int(b))] for a, b in pairs], dtype=np.float64)

    return evidence


def test_closure_adds_the_pair_linked_through_a_third_record() -> None:
    nan = float("nan")
    table = {(0, 1): [20.0, nan], (1, 2): [nan, 20.0], (0, 2): [-1.0, nan]}  # 0-2 share little
    pairs = np.array([[0, 1], [0, 2], [1, 2]])
    weights = np.array([10.0, -11.0, 10.0])
    out = resolve_clusters(3, pairs, weights, weights > 0, -10.0, 0.0, _evidence_from(table))
    found = {tuple(p) for p in out.pairs.tolist()}
    assert found == {(0, 1), (0, 2), (1, 2)}
    assert out.implied[[tuple(p) for p in out.pairs.tolist()].index((0, 2))]


def test_one_weak_link_does_not_chain_two_people() -> None:
    nan = float("nan")
    strong, against = [25.0, nan], [-20.0, -10.0]
    table = {}
    for a in range(6):
        for b in range(a + 1, 6):
            same = (a < 3) == (b < 3)
            table[(a, b)] = strong if same else against
    table[(2, 3)] = [12.0, nan]  # a coincidence links record 2 to record 3
    pairs = np.array(sorted(table))
    weights = np.array([-10.0 + np.nansum(table[tuple(p)]) for p in pairs.tolist()])
    out = resolve_clusters(6, pairs, weights, weights > 0, -10.0, 0.0, _evidence_from(table))
    found = {tuple(p) for p in out.pairs.tolist()}
    assert found == {(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5)}


def test_prior_is_corrected_for_blocking() -> None:
    """Candidates agree on the blocked field by construction; EM must still find the matches."""
    rng = np.random.default_rng(1)
    matches, non_matches = _draw(rng, M_TRUE, 3000), _draw(rng, U_TRUE, 1_000_000)
    population = np.concatenate([matches, non_matches])
    is_match = np.arange(len(population)) < 3000
    blocked = population[:, 0] == 1  # blocking on field "a"
    u = estimate_u(_draw(rng, U_TRUE, 200_000), FIELDS)
    model = fit(population[blocked], u, float(len(population)), FIELDS)
    found = int(is_match[blocked].sum())
    assert abs(model.prior * len(population) - found) / found < 0.1
    for learned, true in zip(model.m[1:], M_TRUE[1:], strict=True):  # fields not used for blocking
        assert np.abs(learned - true).max() < 0.05
