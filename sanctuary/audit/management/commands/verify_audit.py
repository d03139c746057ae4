"""``python manage.py verify_audit``: exit 0 when the chain is intact, 1 naming the first bad entry.

The hash chain shows an edited, deleted or reordered entry. The signed checkpoints (made
while the vault is unsealed, with a key kept in the vault) show what the chain alone cannot:
a chain rewritten and rehashed, entries cut off the end, the log emptied, or checkpoints
deleted. Their signatures are checked with the public key, so this command needs no unseal.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.audit.checkpoints import latest, parse_head, verify_checkpoints
from sanctuary.audit.log import verify_chain
from sanctuary.audit.models import AuditEntry


class Command(BaseCommand):
    help = (
        "Verify the audit log: its hash chain and every signed checkpoint. Anchoring outside the "
        "server: at each unseal key holders are shown the newest signed head "
        "(<checkpoint>:<entry>:<hash>); they keep it elsewhere (paper, a phone), and "
        "--head checks that this log still holds it. --public-key checks every signature against "
        "the key printed at vault_init, so a log re-signed with another key fails too."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--head", help="a signed head kept outside the server, as shown at unseal")
        parser.add_argument("--public-key", help="the audit public key printed at vault_init (hex)")

    def handle(self, *args: Any, **options: Any) -> None:
        head = None
        if options.get("head"):
            try:
                head = parse_head(options["head"])
            except ValueError:
                raise CommandError("--head: expected <checkpoint>:<entry>:<hash>, as shown at unseal") from None
        public_key = (options.get("public_key") or "").strip().lower() or None
        if public_key is not None and not re.fullmatch(r"[0-9a-f]{64}", public_key):
            raise CommandError("--public-key: expected 64 hexadecimal digits, as printed at vault_init")
        checked, problem = verify_chain()
        if problem is not None:
            self.stderr.write(f"BROKEN: {problem} ({checked} entries before it are intact)")
            sys.exit(1)
        signed, checkpoint_problem = verify_checkpoints(public_key=public_key, head=head)
        if checkpoint_problem is not None:
            self.stderr.write(f"BROKEN: {checkpoint_problem} ({signed} checkpoints before it are intact)")
            sys.exit(1)
        tip = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
        if tip is None:
            self.stdout.write("OK: the audit log is empty")
            return
        self.stdout.write(f"OK: {checked} entries intact; head #{tip.seq} {tip.hash}")
        newest = latest()
        if newest is not None:
            self.stdout.write(f"{signed} signed checkpoints verify; newest signed head: {newest.head_text()}")
        else:
            self.stdout.write("no signed checkpoints yet (they are made while the vault is unsealed)")
