"""``manage.py vault_status``: whether the vault exists and whether the server is sealed."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from sanctuary.vault import state
from sanctuary.vault.management.commands._client import get


class Command(BaseCommand):
    help = "Show the vault's configuration and the running server's seal state."

    def handle(self, *args: Any, **options: Any) -> None:
        cfg = state.config()
        if cfg is None:
            self.stdout.write("vault: not initialised (run vault_init)")
            sys.exit(2)
        self.stdout.write(f"vault: {cfg.threshold} of {cfg.holders} shares, generation {cfg.generation}")
        self.stdout.write(f"audit public key: {cfg.audit_public_key or 'none yet (made at the next unseal)'}")
        try:
            health = get("/healthz")
        except OSError as error:
            self.stdout.write(f"server: not reachable ({error.__class__.__name__})")
            sys.exit(2)
        self.stdout.write(f"server: {'sealed' if health.get('sealed') else 'unsealed'}")
