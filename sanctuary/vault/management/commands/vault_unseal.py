"""``manage.py vault_unseal < shares``: send shares (one per line) to the running server."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.vault.management.commands._client import post, read_shares


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = "Unseal the running server with shares read from standard input, one per line."

    def handle(self, *args: Any, **options: Any) -> None:
        shares = read_shares(options.get("stdin"))
        if not shares:
            raise CommandError("no shares on standard input")
        body: dict[str, Any] = {}
        for number, share in enumerate(shares, start=1):
            status, body = post("/unseal/api/", {"share": share})
            if status != 200:
                raise CommandError(f"share {number} refused: {body.get('message') or body.get('error')}")
            self.stdout.write(f"share {number} accepted: {body['progress']} of {body['threshold']}")
            if not body.get("sealed", True):
                self.stdout.write("unsealed")
                return
        raise CommandError(f"still sealed: {body.get('progress')} of {body.get('threshold')} shares entered")
