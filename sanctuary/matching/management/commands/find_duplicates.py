"""``python manage.py find_duplicates --csv IN.csv --out PAIRS.csv [--threshold T] [--explain]``.

The same as ``python -m sanctuary.linkage.cli``; see :mod:`sanctuary.linkage.cli`.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.linkage.cli import add_arguments, execute
from sanctuary.linkage.csvio import InputError


class Command(BaseCommand):
    help = "Find registrations of the same person in a CSV; writes record_id_a,record_id_b,score."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outcome = execute(options["csv"], options["out"], options["threshold"], explain=options["explain"])
        except InputError as error:
            raise CommandError(str(error)) from error
        self.stderr.write(outcome.read_summary)
        self.stdout.write(f"{outcome.pairs} pairs written to {options['out']} in {outcome.seconds:.1f} s")
