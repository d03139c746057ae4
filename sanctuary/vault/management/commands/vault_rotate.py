"""``manage.py vault_rotate < shares``: new data key, every value re-encrypted; resumable."""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.vault import keys, state
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

        def progress(job: RotationJob) -> None:
            self.stdout.write(f"{job.done} of {job.total} rows", ending="\r")
            self.stdout.flush()
            if delay:
                time.sleep(delay)

        job = keys.rotate(batch_size=options["batch_size"], on_batch=progress)
        record(None, Action.ROTATED, object_type="vault", object_id=str(job.to_version), username="vault_rotate")
        self.stdout.write(f"\nrotated to data key version {job.to_version}")
