"""``python manage.py verify_certificate FILE-OR-CODE [--key PEM_FILE]``.

FILE is a text file holding a certificate's QR text, or a certificate PDF (its QR text is
attached to it); anything else is read as a certificate code and looked up in the register.
With ``--key`` (the PEM from ``/c/key.pem`` or ``certificate_key``) a QR text is checked fully
offline, without the database (so without knowing whether it was revoked). Prints the
statement and OK, INVALID or REVOKED; exits 0 only for a valid certificate that is not revoked.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from sanctuary.training import certificates

MAX_FILE_BYTES = 20 * 1024 * 1024


class Command(BaseCommand):
    help = "Check a training certificate: a file with its QR text, a certificate PDF, or a code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("certificate", help="a text file with the QR text, a certificate PDF, or a code")
        parser.add_argument("--key", help="a PEM file of our public keys: check offline, without the database")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(os.environ.get("SANCTUARY_CLI_LANGUAGE", "en")):
            status = self._check(options["certificate"], options.get("key"))
        if status:
            sys.exit(status)

    def _check(self, given: str, key_file: str | None) -> int:
        keys = None
        if key_file:
            try:
                keys = certificates.keys_from_pem(Path(key_file).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as error:
                raise CommandError(f"{key_file}: {error}") from None
        text = self._read(given)
        result = certificates.verify(text, public_keys=keys)
        self._print(result)
        return 0 if result.valid else 1

    def _read(self, given: str) -> str:
        path = Path(given)
        try:
            is_file = path.is_file()
        except OSError:  # a QR text given on the command line is no file name
            is_file = False
        if not is_file:
            return given
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{given}: larger than 20 MB")
        data = path.read_bytes()
        if data.startswith(b"%PDF"):
            text = certificates.qr_text_from_pdf(data)
            if text is None:
                raise CommandError(f"{given}: this PDF carries no certificate text")
            return text
        try:
            return data.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise CommandError(f"{given}: neither a PDF nor a text file") from None

    def _print(self, result: certificates.Verified) -> None:
        if result.ok:
            rows = [
                ("code", result.grouped_code),
                ("name", result.name),
                *((f"trade ({lang})", result.trade.get(lang, "")) for lang in certificates.LANGUAGES),
                ("hours", str(result.hours)),
                ("from", f"{result.start:%Y-%m-%d}" if result.start else ""),
                ("to", f"{result.end:%Y-%m-%d}" if result.end else ""),
                ("issuer", result.issuer),
                ("issued", f"{result.issued:%Y-%m-%d}" if result.issued else ""),
                ("key", result.kid),
            ]
            width = max(len(label) for label, _value in rows)
            for label, value in rows:
                self.stdout.write(f"{label.ljust(width)}  {value}")
        if not result.ok:
            self.stdout.write(f"INVALID: {result.message}")
        elif result.revoked:
            day = f"{result.revoked_at:%Y-%m-%d}" if result.revoked_at else ""
            self.stdout.write(f"REVOKED: {_('revoked on %(day)s') % {'day': day}}")
        elif not result.revocation_checked:
            self.stdout.write(f"OK: {_('signed by us and unchanged; checked offline, so revocation is not known')}")
        else:
            self.stdout.write(f"OK: {_('signed by us, unchanged and not revoked')}")
