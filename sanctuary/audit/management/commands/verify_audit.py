"""``python manage.py verify_audit``: exit 0 when the chain is intact, 1 naming the first bad entry."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from sanctuary.audit.log import verify_chain
from sanctuary.audit.models import AuditEntry


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = verify_chain()
        if problem is not None:
            self.stderr.write(f"BROKEN: {problem} ({checked} entries before it are intact)")
            sys.exit(1)
        head = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
        if head is None:
            self.stdout.write("OK: the audit log is empty")
        else:
            # Printing the head lets an operator anchor it elsewhere: truncating the end of
            # the log is then detectable too.
            self.stdout.write(f"OK: {checked} entries intact; head #{head.seq} {head.hash}")
