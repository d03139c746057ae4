"""``manage.py vault_unseal < shares``: send shares (one per line) to the running server.

The shares go in one request with the control token from ``var/`` (like ``vault_seal``), and
the server combines them on their own: junk sent to the unseal page by anyone can neither
block nor rate-limit this command.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.vault.management.commands._client import post, read_shares
from sanctuary.vault.views import control_token


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = "Unseal the running server with shares read from standard input, one per line."

    def handle(self, *args: Any, **options: Any) -> None:
        shares = read_shares(options.get("stdin"))
        if not shares:
            raise CommandError("no shares on standard input")
        status, body = post("/unseal/api/", {"shares": shares}, headers={"X-Sanctuary-Control-Token": control_token()})
        if status == 403:
            raise CommandError("refused: run this on the server, as a user who can read var/control_token")
        if status != 200:
            message = body.get("message") or body.get("error")
            where = f"share {body['share']} refused" if body.get("share") else "refused"
            raise CommandError(f"{where}: {message}")
        if body.get("sealed", True):
            raise CommandError(f"still sealed: {body.get('progress')} of {body.get('threshold')} shares entered")
        self.stdout.write("unsealed")
        if body.get("audit_head"):
            # Key holders keep this outside the server: `verify_audit --head` checks the log against it.
            self.stdout.write(f"signed audit head (keep a copy elsewhere): {body['audit_head']}")
