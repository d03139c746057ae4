"""From matched pairs to people: transitive closure without chaining unrelated people.

If A matches B and B matches C, A and C are the same person even when they share nothing
directly (a new alias and a new phone). Plain connected components would add that pair, but
also let one wrong link merge two people and every record of both. So each connected group
of matched records is re-clustered, and the pairs inside the resulting clusters are reported
(a wrong link between two people, outweighed by the other records' evidence, is dropped).

Re-clustering is greedy agglomeration on *person-level* evidence. Two clusters are compared
field by field: for each field, the mean log2 Bayes factor over the cross pairs of records
that *both have* the field; these are summed over fields and added to the prior log-odds.
Clusters merge, best first, while that stays above the decision threshold.

* Each field counts once, so evidence repeated through several records is not multiplied.
* Pairs missing a field do not dilute it: a new alias that shares a phone with one record
  of a person and nothing with the others is judged on that phone, not on an average with
  the empty comparisons (plain average linkage on pair weights would reject it).
* Conflicts are averaged, not ignored: a record agreeing on the birth date with one record
  and contradicting it in another gets the mean, which keeps unrelated people apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Groups bigger than this are left as their matched pairs (no closure): re-scoring them would
# cost size² comparisons, and a group this big is itself a sign of a chain to look at by hand.
MAX_GROUP_SIZE = 60


@dataclass(frozen=True)
class Clustered:
    """Final pairs: record indices, log2-odds weight, and whether the pair was only implied."""

    pairs: IntArray
    weights: FloatArray
    implied: npt.NDArray[np.bool_]


def _components(n: int, edges: IntArray) -> list[list[int]]:
    """Connected components (sorted record lists) of the graph of ``edges``."""
    parent = np.arange(n)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = int(parent[root])
        while parent[x] != root:
            parent[x], x = root, int(parent[x])
        return root

    for a, b in edges:
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            parent[ra] = rb
    groups: defaultdict[int, list[int]] = defaultdict(list)
    for node in np.unique(edges):
        groups[find(int(node))].append(int(node))
    return [sorted(g) for g in groups.values()]


def _linkage(x: list[int], y: list[int], evidence: dict[tuple[int, int], FloatArray]) -> float:
    """Person-level log2 Bayes factor between two clusters: Σ over fields of the mean cross-pair
    factor among pairs where both records have the field.

    ``evidence`` holds per-field log2 Bayes factors with NaN where a field is missing.
    """
    cross = np.stack([evidence[(min(a, b), max(a, b))] for a in x for b in y])
    present = ~np.isnan(cross)
    counts = present.sum(axis=0)
    total = np.where(present, cross, 0.0).sum(axis=0)
    return float((total[counts > 0] / counts[counts > 0]).sum())


def _agglomerate(members: list[int], evidence: dict[tuple[int, int], FloatArray], cutoff: float) -> list[list[int]]:
    """Greedy merging of ``members`` while the best cluster linkage exceeds ``cutoff``."""
    clusters = [[m] for m in members]
    while len(clusters) > 1:
        best, best_pair = cutoff, None
        for i in range(len(clusters)):
            for j in range(i + 1, len(clusters)):
                score = _linkage(clusters[i], clusters[j], evidence)
                if score > best:
                    best, best_pair = score, (i, j)
        if best_pair is None:
            break
        i, j = best_pair
        clusters[i] = sorted(clusters[i] + clusters[j])
        del clusters[j]
    return [c for c in clusters if len(c) > 1]


def resolve_clusters(
    n: int,
    pairs: IntArray,
    weights: FloatArray,
    chosen: npt.NDArray[np.bool_],
    log2_prior_odds: float,
    cutoff_weight: float,
    field_evidence: Callable[[IntArray], FloatArray],
) -> Clustered:
    """Re-cluster the groups linked by ``chosen`` candidate pairs; return all within-cluster pairs.

    ``weights`` are pair match weights (log2 odds, prior included) and ``cutoff_weight`` the
    decision threshold in the same units; ``field_evidence`` gives, for any pairs, the per-field
    log2 Bayes factors (NaN where missing), shape ``(n_pairs, n_fields)``.
    """
    edges = pairs[chosen]
    groups = _components(n, edges)
    small = [g for g in groups if 2 < len(g) <= MAX_GROUP_SIZE]
    # Pairs of two-record groups and of oversized groups are kept as matched.
    as_is_nodes = {node for g in groups if len(g) == 2 or len(g) > MAX_GROUP_SIZE for node in g}
    as_is = np.array([int(a) in as_is_nodes for a in edges[:, 0]], dtype=bool)
    out_pairs: list[IntArray] = [edges[as_is]]
    out_weights: list[FloatArray] = [weights[chosen][as_is]]
    out_implied: list[npt.NDArray[np.bool_]] = [np.zeros(int(as_is.sum()), dtype=bool)]
    if small:
        inner = np.array([(a, b) for g in small for i, a in enumerate(g) for b in g[i + 1 :]], dtype=np.int64)
        per_field = field_evidence(inner)
        evidence = {(int(a), int(b)): row for (a, b), row in zip(inner, per_field, strict=True)}
        own_weight = {
            key: log2_prior_odds + float(np.nansum(row)) for key, row in evidence.items()
        }  # the pair's own match weight
        for group in small:
            for cluster in _agglomerate(group, evidence, cutoff_weight - log2_prior_odds):
                members = [(a, b) for i, a in enumerate(cluster) for b in cluster[i + 1 :]]
                own = np.array([own_weight[m] for m in members])
                cluster_weight = log2_prior_odds + min(
                    _linkage([a], [b for b in cluster if b != a], evidence) for a in cluster
                )  # the weakest record's tie to the rest
                out_pairs.append(np.array(members, dtype=np.int64))
                out_weights.append(np.maximum(own, cluster_weight))
                out_implied.append(own < cutoff_weight)
    return Clustered(
        pairs=np.concatenate(out_pairs).reshape(-1, 2),
        weights=np.concatenate(out_weights),
        implied=np.concatenate(out_implied),
    )
