"""``manage.py vault_init --holders N --threshold K``: create the vault and print N shares once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.vault import state


class Command(BaseCommand):
    help = "Create the vault: prints each key holder's share once. Nothing secret is stored."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--holders", type=int, required=True)
        parser.add_argument("--threshold", type=int, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            shares = state.initialise(options["holders"], options["threshold"])
        except state.UnsealError as error:
            messages = {
                "already_initialised": "the vault already exists (use vault_rekey for new shares)",
                "bad_threshold": "need 1 <= threshold <= holders <= 255",
            }
            raise CommandError(messages.get(error.code, error.code)) from None
        record(None, Action.CREATE, object_type="vault", username="vault_init")
        self.stdout.write(
            f"Vault created: {options['threshold']} of {options['holders']} shares unseal it.\n"
            "Give each share to one key holder, on paper. They are shown only now and stored nowhere.\n"
        )
        for number, share in enumerate(shares, start=1):
            self.stdout.write(f"share {number}: {share}")
        cfg = state.config()
        self.stdout.write(
            "\nThe audit log is signed with this public key. Each key holder keeps a copy too (it is\n"
            "not secret): `verify_audit --public-key KEY` then proves the log was signed by this vault.\n"
            f"audit public key: {cfg.audit_public_key if cfg else ''}"
        )
