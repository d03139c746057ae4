"""``manage.py vault_rotate < shares``: new data key, every value re-encrypted; resumable.

It is the vault's command, kept here because it runs as a job (``sanctuary.background``): the jobs
page shows its progress, and if this process dies the server resumes it (the rotation itself
continues where it stopped, ``sanctuary.vault.keys.rotate``), or a second run of this command
does. The vault sits below the jobs in the layers, so the command lives with the jobs.
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.background import runner
from sanctuary.background.models import Job
from sanctuary.vault import state
from sanctuary.vault.management.commands._client import read_shares
from sanctuary.vault.models import RotationJob


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = "Rotate the data key: re-encrypt every value. Safe to interrupt and run again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            state.unseal_with_shares(read_shares(options.get("stdin")))
        except state.UnsealError as error:
            raise CommandError(f"could not unseal: {error.code}") from None
        # For the crash test: slow each batch down so a kill -9 lands in the middle.
        delay = float(os.environ.get("SANCTUARY_ROTATE_BATCH_DELAY", "0"))

        def progress(job: Job) -> None:
            self.stdout.write(f"{job.done} of {job.total} rows", ending="\r")
            self.stdout.flush()
            if delay:
                time.sleep(delay)

        job = runner.run_here("vault.rotate", None, params={"batch_size": options["batch_size"]}, watcher=progress)
        if job.error:
            raise CommandError(f"rotation stopped: {job.error}")
        version = RotationJob.objects.filter(finished_at__isnull=False).order_by("-to_version").first()
        to_version = version.to_version if version else 0
        record(None, Action.ROTATED, object_type="vault", object_id=str(to_version), username="vault_rotate")
        self.stdout.write(f"\nrotated to data key version {to_version}")
