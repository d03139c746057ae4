"""``manage.py vault_seal``: make the running server forget its keys and end all sessions."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.vault.management.commands._client import post
from sanctuary.vault.views import control_token


class Command(BaseCommand):
    help = "Seal the running server now."

    def handle(self, *args: Any, **options: Any) -> None:
        status, body = post("/unseal/seal-api/", {}, headers={"X-Sanctuary-Control-Token": control_token()})
        if status != 200:
            raise CommandError(f"not sealed: {body.get('error', status)}")
        self.stdout.write("sealed")
