"""``python manage.py evidence_sweep [--hours 24]``: remove evidence files no item or package
names (left by a process killed mid-write). Safe to run from cron; needs no keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sanctuary.evidence import store


class Command(BaseCommand):
    help = "Remove evidence files that no item or package names, older than --hours (default 24)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=float, default=24)

    def handle(self, *args: Any, **options: Any) -> None:
        removed = store.sweep(options["hours"])
        self.stdout.write(f"{removed} orphaned evidence file(s) removed")
