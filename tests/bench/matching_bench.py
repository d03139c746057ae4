"""Benchmark of the record-linkage engine against the labelled synthetic data sets.

``python -m tests.bench.matching_bench`` prints, per data set: records, pairwise precision,
recall and F1 against the truth file, wall-clock seconds and peak memory. Each data set runs
in a fresh child process (``python -m sanctuary.linkage.cli``, end to end: reading, matching,
writing) so that the time includes start-up and the memory is that process's own peak RSS,
read from ``os.wait4``. Reference figures are Splink's on the same files.
"""

from __future__ import annotations

import csv
import gzip
import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

DATA = Path(os.environ.get("SANCTUARY_MATCHING_DATA", "/work/shared/data"))
DATASETS = {
    "dev": ("people-dev.csv", "people-dev-truth.csv"),
    "scale": ("people-scale.csv.gz", "people-scale-truth.csv.gz"),
}
# Splink on the same files (figures given with the task; memory not reported for dev).
REFERENCE = {
    "dev": {"f1": 0.990, "seconds": 13.0, "peak_mb": None},
    "scale": {"f1": 0.913, "seconds": 144.0, "peak_mb": 2500.0},
}


def _open_text(path: Path) -> TextIO:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _pairs_of_truth(path: Path) -> set[tuple[str, str]]:
    people: defaultdict[str, list[str]] = defaultdict(list)
    with _open_text(path) as handle:
        for row in csv.DictReader(handle):
            people[row["person_id"]].append(row["record_id"])
    return {tuple(sorted(p)) for ids in people.values() for p in itertools.combinations(ids, 2)}  # type: ignore[misc]


def _predicted(path: Path) -> Iterator[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            a, b = sorted((row["record_id_a"], row["record_id_b"]))
            yield a, b


def _run_child(csv_path: Path, out_path: Path) -> tuple[float, float]:
    """Run the CLI in a child process; return (wall seconds, peak RSS in MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "sanctuary.linkage.cli", "--csv", str(csv_path), "--out", str(out_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode:
        raise RuntimeError(f"matching failed on {csv_path}: {stderr}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports kilobytes


def bench(name: str) -> dict[str, object]:
    """Run one data set and score it."""
    data_file, truth_file = DATASETS[name]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pairs.csv"
        seconds, peak_mb = _run_child(DATA / data_file, out)
        predicted = set(_predicted(out))
    truth = _pairs_of_truth(DATA / truth_file)
    with _open_text(DATA / data_file) as handle:
        records = sum(1 for _ in csv.DictReader(handle))
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "dataset": name,
        "records": records,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "seconds": round(seconds, 1),
        "peak_mb": round(peak_mb),
        "splink_f1": REFERENCE[name]["f1"],
        "splink_seconds": REFERENCE[name]["seconds"],
        "splink_peak_mb": REFERENCE[name]["peak_mb"],
    }


def run() -> list[dict[str, object]]:
    """Benchmark every data set present under ``DATA``."""
    return [bench(name) for name, (data_file, _) in DATASETS.items() if (DATA / data_file).exists()]


def _table(rows: list[dict[str, object]]) -> str:
    columns = list(rows[0]) if rows else []
    cells = [[str(row[c]) if row[c] is not None else "-" for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


if __name__ == "__main__":
    print(_table(run()))
