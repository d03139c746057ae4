"""``python manage.py certificate_key``: the public keys training certificates are signed with,
as PEM (newest first), for ``verify_certificate --key`` on a machine without the database.
The same text is published at ``/c/key.pem``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.training import certificates


class Command(BaseCommand):
    help = "Print the public keys of training certificates (PEM)."

    def handle(self, *args: Any, **options: Any) -> None:
        pem = certificates.keys_pem()
        if not pem:
            raise CommandError("No certificate key yet: one is made when the first certificate is issued.")
        self.stdout.write(pem, ending="")
