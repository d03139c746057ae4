"""``python manage.py pprl_match A.json B.json --out PAIRS.csv [--threshold T]``.

Compares two PPRL encoding files (from ``pprl_encode``) by Dice similarity of their Bloom
filters, only for records sharing a blocking token; writes ``record_id_a,record_id_b,score``.
"""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.linkage.csvio import InputError
from sanctuary.linkage.pprl import DEFAULT_THRESHOLD, match_files


def similarity(text: str) -> float:
    """argparse type: a Dice threshold in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise ArgumentTypeError(f"must be in (0, 1], got {value}")
    return value


class Command(BaseCommand):
    help = "Match two PPRL encoding files by Dice similarity; writes record_id_a,record_id_b,score."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("a", help="encoding file of side A")
        parser.add_argument("b", help="encoding file of side B")
        parser.add_argument("--out", required=True, help="output CSV of matched pairs")
        parser.add_argument(
            "--threshold",
            type=similarity,
            default=DEFAULT_THRESHOLD,
            help=f"minimum similarity to report a pair (default {DEFAULT_THRESHOLD})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = match_files(options["a"], options["b"], options["out"], options["threshold"])
        except InputError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{len(result.matches)} pairs written to {options['out']} ({result.comparisons} comparisons)")
