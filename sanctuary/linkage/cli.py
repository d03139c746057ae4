"""Command line: ``python -m sanctuary.linkage.cli --csv IN.csv --out PAIRS.csv [--threshold T]``.

Runs without Django settings; ``manage.py find_duplicates`` calls :func:`execute` too.
Exit status 0 on success, 2 on unusable input or arguments.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from typing import TextIO

from sanctuary.linkage.csvio import InputError, read_records, write_pairs
from sanctuary.linkage.finder import DEFAULT_THRESHOLD, Options, run


@dataclass(frozen=True)
class Outcome:
    """What a run did, for the caller to report."""

    records: int
    pairs: int
    seconds: float
    read_summary: str


def probability(text: str) -> float:
    """argparse type: a probability strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {value}")
    return value


def execute(csv_path: str, out_path: str, threshold: float = DEFAULT_THRESHOLD, *, explain: bool = False) -> Outcome:
    """Read ``csv_path``, find duplicate pairs, write them to ``out_path``.

    Raises :class:`~sanctuary.linkage.csvio.InputError` for unusable input; the output file
    is only written after matching succeeded, so a failed run never leaves a partial answer.
    """
    if not 0.0 < threshold < 1.0:
        raise InputError(f"threshold must be between 0 and 1 (exclusive), got {threshold}")
    started = time.perf_counter()
    records, report = read_records(csv_path)
    result = run(records, Options(threshold=threshold))
    count = write_pairs(result.matches, out_path, explain=explain)
    return Outcome(
        records=len(records), pairs=count, seconds=time.perf_counter() - started, read_summary=report.summary()
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sanctuary.linkage.cli",
        description="Find registrations of the same person; writes record_id_a,record_id_b,score.",
    )
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by this CLI and ``manage.py find_duplicates``."""
    parser.add_argument("--csv", required=True, help="input CSV (or .csv.gz) with the registration columns")
    parser.add_argument("--out", required=True, help="output CSV of matched pairs")
    parser.add_argument(
        "--threshold",
        type=probability,
        default=DEFAULT_THRESHOLD,
        help=f"minimum match probability to report a pair (default {DEFAULT_THRESHOLD})",
    )
    parser.add_argument("--explain", action="store_true", help="add an 'agreements' column saying why")


def main(argv: list[str] | None = None, stderr: TextIO | None = None) -> int:
    """Entry point; returns the process exit status."""
    err = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        outcome = execute(args.csv, args.out, args.threshold, explain=args.explain)
    except InputError as error:
        print(f"error: {error}", file=err)
        return 2
    print(outcome.read_summary, file=err)
    print(f"{outcome.pairs} pairs written to {args.out} in {outcome.seconds:.1f} s", file=err)
    return 0


if __name__ == "__main__":
    sys.exit(main())
