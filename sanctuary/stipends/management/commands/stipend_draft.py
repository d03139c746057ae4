"""Draft (or re-draft) a month's payment run from the command line, e.g. from cron.

python manage.py stipend_draft --funder "Funder One" --month 2026-11 --user alice
"""

from __future__ import annotations

import os
import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.accounts.models import User
from sanctuary.background import runner
from sanctuary.background.models import Job
from sanctuary.stipends import actions, jobs
from sanctuary.stipends.models import Funder, PaymentRun


class Command(BaseCommand):
    help = "Draft a month's stipend run for a funder (one transaction: all or nothing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--funder", required=True, help="funder name")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--user", required=True, help="the finance officer drafting it")

    def handle(self, *args: Any, **options: Any) -> None:
        funder = Funder.objects.filter(name=options["funder"]).first()
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if funder is None or user is None:
            raise CommandError("unknown funder or user")
        try:
            year, month = (int(x) for x in options["month"].split("-"))
            first = date(year, month, 1)
        except ValueError:
            raise CommandError("--month must be YYYY-MM") from None
        # Tests slow each batch down to kill the process in the middle (kill -9 test).
        delay = float(os.environ.get("SANCTUARY_DRAFT_BATCH_DELAY", "0") or 0)

        def progress(job: Job) -> None:
            self.stdout.write(f"lines {job.done}")
            self.stdout.flush()
            if delay:
                time.sleep(delay)

        try:
            actions.check_can_draft(funder, first)
        except actions.RunError as error:
            raise CommandError(error.code) from None
        # A job like any other (the jobs page shows it), run here, in this process.
        job = runner.run_here(
            jobs.DRAFT, user, params={"funder": funder.pk, "month": first.isoformat()}, watcher=progress
        )
        if job.error:
            raise CommandError(job.error)
        run = PaymentRun.objects.get(funder=funder, month=first)
        self.stdout.write(f"draft {run.pk}: {run.people} people, {run.total} {funder.currency}")
