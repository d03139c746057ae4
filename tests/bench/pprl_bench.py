"""Benchmark of privacy-preserving record linkage (:mod:`sanctuary.linkage.pprl`) on the dev set.

``python -m tests.bench.pprl_bench`` splits ``people-dev.csv`` into two organisations' lists
(each record to one side at random, fixed seed), encodes both with one key, matches them, and
scores the cross-side pairs against ``people-dev-truth.csv`` (pairwise precision, recall, F1;
a pair counts once). The plaintext matcher (``find_duplicates`` on the whole file, keeping only
its cross-side pairs) is scored on the same pairs for comparison.

Speed: ``dice_per_s`` is the rate of our numpy Dice on the blocked candidate pairs;
``dense_dice_per_s`` the rate on a dense block of all-against-all pairs (comparable with
anonlink's published figure). anonlink is timed on the same encodings when importable; otherwise
its published figure is reported and labelled as not measured.
"""

from __future__ import annotations

import os
import random
import secrets
import time
from pathlib import Path

import numpy as np

from sanctuary.linkage import pprl
from sanctuary.linkage.csvio import read_records
from sanctuary.linkage.finder import run as find
from sanctuary.linkage.records import Record
from tests.bench.matching_bench import _pairs_of_truth, _table

DATA = Path(os.environ.get("SANCTUARY_MATCHING_DATA", "/work/shared/data"))
SEED = 20240601
ANONLINK_PUBLISHED = (
    "~73-99 million 1024-bit comparisons/s on one core at threshold 0.7 (published figure, NOT measured here)"
)
DENSE_SIDE = 2000  # 2000 x 2000 = 4 M pairs for the dense-rate measurement

Pairs = set[tuple[str, str]]


def split(records: list[Record], seed: int = SEED) -> tuple[list[Record], list[Record]]:
    """Each record to side A or B at random (fixed seed)."""
    rng = random.Random(seed)
    a: list[Record] = []
    b: list[Record] = []
    for record in records:
        (a if rng.random() < 0.5 else b).append(record)
    return a, b


def score(predicted: Pairs, truth: Pairs) -> dict[str, float]:
    """Pairwise precision, recall and F1."""
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _cross(pairs: Pairs, side_a: set[str]) -> Pairs:
    """Pairs with one record on each side, ordered (a, b) as sorted ids."""
    return {tuple(sorted(p)) for p in pairs if (p[0] in side_a) != (p[1] in side_a)}  # type: ignore[misc]


def _dense_rate(enc: pprl.Encoding) -> float:
    """Dice comparisons per second on an all-against-all block of the encodings."""
    n = min(DENSE_SIDE, len(enc.ids))
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    pairs = np.stack([i.ravel(), j.ravel()], axis=1).astype(np.int64)
    started = time.perf_counter()
    pprl.dice(enc.clks[:n], enc.clks[:n], pairs)
    return len(pairs) / (time.perf_counter() - started)


def _anonlink_rate(a: pprl.Encoding, b: pprl.Encoding, threshold: float) -> str:
    """anonlink's comparisons/s on the same encodings, or its published figure if not installed."""
    try:
        from anonlink import similarities  # type: ignore[import-not-found]
        from bitarray import bitarray  # type: ignore[import-not-found]
    except ImportError:
        return ANONLINK_PUBLISHED
    n = min(DENSE_SIDE, len(a.ids), len(b.ids))

    def bitarrays(enc: pprl.Encoding) -> list[object]:
        out = []
        for row in enc.clks[:n]:
            bits = bitarray()
            bits.frombytes(row.tobytes())
            out.append(bits)
        return out

    left, right = bitarrays(a), bitarrays(b)
    started = time.perf_counter()
    similarities.dice_coefficient_accelerated((left, right), threshold)
    return f"{n * n / (time.perf_counter() - started) / 1e6:.1f} M/s (measured)"


def run() -> list[dict[str, object]]:
    """One row for PPRL and one for the plaintext matcher on the same cross-side pairs."""
    data, truth_file = DATA / "people-dev.csv", DATA / "people-dev-truth.csv"
    if not data.exists():
        return []
    records, _ = read_records(data)
    side_a, side_b = split(records)
    ids_a = {r.record_id for r in side_a}
    truth = _cross(_pairs_of_truth(truth_file), ids_a)
    key = secrets.token_bytes(32)
    threshold = pprl.DEFAULT_THRESHOLD

    started = time.perf_counter()
    enc_a, _ = pprl.encode_records(side_a, key, keep_ids=True)
    enc_b, _ = pprl.encode_records(side_b, key, keep_ids=True)
    encode_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = pprl.match_encodings(enc_a, enc_b, threshold)
    match_seconds = time.perf_counter() - started
    predicted = _cross({(m.a, m.b) for m in result.matches}, ids_a)

    started = time.perf_counter()
    plain = find(records)
    plain_seconds = time.perf_counter() - started
    plain_pairs = _cross({(p.a, p.b) for p in plain.matches}, ids_a)

    pprl_row: dict[str, object] = {
        "method": f"pprl score>={threshold}",
        "records_a": len(side_a),
        "records_b": len(side_b),
        "true_cross_pairs": len(truth),
        **score(predicted, truth),
        "seconds": round(encode_seconds + match_seconds, 1),
        "comparisons": result.comparisons,
        "dice_per_s": f"{result.comparisons / max(result.dice_seconds, 1e-9) / 1e6:.1f} M/s",
        "dense_dice_per_s": f"{_dense_rate(enc_a) / 1e6:.1f} M/s",
        "anonlink": _anonlink_rate(enc_a, enc_b, 0.7),
    }
    plain_row: dict[str, object] = {
        "method": "plaintext find_duplicates",
        "records_a": len(side_a),
        "records_b": len(side_b),
        "true_cross_pairs": len(truth),
        **score(plain_pairs, truth),
        "seconds": round(plain_seconds, 1),
        "comparisons": len(plain.pairs),
        "dice_per_s": None,
        "dense_dice_per_s": None,
        "anonlink": None,
    }
    return [pprl_row, plain_row]


if __name__ == "__main__":
    rows = run()
    print(_table(rows))
    if len(rows) == 2:
        gap = float(rows[1]["f1"]) - float(rows[0]["f1"])  # type: ignore[arg-type]
        print(f"F1 gap (plaintext - pprl): {gap:+.4f} (target <= 0.03)")
