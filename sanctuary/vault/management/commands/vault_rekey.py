"""``manage.py vault_rekey``: new shares for the same data, in two safe steps.

    vault_rekey --holders 5 --threshold 3 < current-shares   # prints the new shares
    vault_rekey --confirm < new-shares                        # swaps once they are written down

Until the confirmation, the current shares keep working; a crash at any point loses nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.vault import keys, state
from sanctuary.vault.management.commands._client import read_shares
from sanctuary.vault.shares import ShareError


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = "Replace the key holders' shares without re-encrypting data."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--holders", type=int)
        parser.add_argument("--threshold", type=int)
        parser.add_argument("--confirm", action="store_true", help="read the NEW shares and switch to them")

    def handle(self, *args: Any, **options: Any) -> None:
        shares = read_shares(options.get("stdin"))
        try:
            if options["confirm"]:
                cfg = keys.confirm_rekey(shares)
                record(None, Action.REKEYED, object_type="vault", object_id=str(cfg.generation), username="vault_rekey")
                self.stdout.write(f"rekeyed: generation {cfg.generation}; the old shares no longer work")
                return
            if not options["holders"] or not options["threshold"]:
                raise CommandError("give --holders and --threshold (or --confirm)")
            new_shares = keys.start_rekey(shares, options["holders"], options["threshold"])
        except (state.UnsealError, ShareError) as error:
            raise CommandError(f"refused: {error.code}") from None
        self.stdout.write(
            "New shares (shown once). The current shares keep working until a threshold of these is\n"
            "confirmed with: vault_rekey --confirm < new-shares\n"
        )
        for number, share in enumerate(new_shares, start=1):
            self.stdout.write(f"share {number}: {share}")
