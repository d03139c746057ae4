"""``manage.py reindex < shares``: read every stored phone again by today's phone rule and
rebuild the search words and duplicate-finding keys of the whole register (after an upgrade
that changed a reading). A job like any other, run here; safe to stop and run again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.background import runner
from sanctuary.background.models import Job
from sanctuary.people import jobs
from sanctuary.vault import state
from sanctuary.vault.management.commands._client import read_shares


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = "Re-read phones and rebuild search and duplicate keys (shares on stdin)."

    def handle(self, *args: Any, **options: Any) -> None:
        if state.is_sealed():
            try:
                state.unseal_with_shares(read_shares(options.get("stdin")))
            except state.UnsealError as error:
                raise CommandError(f"could not unseal: {error.code}") from None

        def progress(job: Job) -> None:
            self.stdout.write(f"{job.done} of {job.total} people", ending="\r")

        job = runner.run_here(jobs.REINDEX, None, watcher=progress)
        if job.error:
            raise CommandError(job.error)
        self.stdout.write(
            f"\n{job.counts.get('phones', 0)} phones read again; keys of {job.counts.get('people', 0)} people rebuilt"
        )
        if job.counts.get("to_check"):
            self.stdout.write(f"{job.counts['to_check']} numbers to check: see job {job.pk} on the jobs page")
