"""``python manage.py verify_package FILE --identity KEY``: what an investigator runs.

Decrypts the package with the recipient's age identity, validates the bag with the ``bagit``
library (every checksum, not "fast" mode), checks the Ed25519 signature of the tag manifest
and the RFC 3161 timestamp, and prints the chain of custody. FILE may also be a bag folder
already unpacked (then no identity is needed). Any failure names the file and exits non-zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanctuary.evidence import package, timestamps


class Command(BaseCommand):
    help = "Verify a referral package: decrypt, validate the bag, check signature and timestamp."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .tar.age package, or an unpacked bag folder")
        parser.add_argument("--identity", help="file holding the recipient's age identity (AGE-SECRET-KEY-1…)")
        parser.add_argument(
            "--signer", help="the sender's signing public key (hex) or a file holding it; default: this installation's"
        )
        parser.add_argument("--tsa-roots", help="PEM file of the timestamp server's roots (default: the setting)")
        parser.add_argument("--extract", help="keep the unpacked bag in this folder")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not source.exists():
            raise CommandError(f"{source}: no such file")
        signer = self._signer(options.get("signer"), source)
        try:
            roots = timestamps.roots(options.get("tsa_roots") or None)
        except (OSError, ValueError) as error:
            raise CommandError(f"--tsa-roots: not a PEM file of certificates ({type(error).__name__})") from None
        try:
            if source.is_dir():
                result = package.verify_bag(source, signer, roots)
            else:
                if not options.get("identity"):
                    raise CommandError("--identity is needed to open an encrypted package")
                identity = self._read(options["identity"], "--identity")
                keep = Path(options["extract"]) if options.get("extract") else None
                result = package.verify_file(source, identity, signer, roots, keep=keep)
        except package.VerifyFailed as failure:
            raise CommandError(f"NOT VERIFIED: {failure}") from None
        out = self.stdout
        out.write(f"package: {result.identifier or '?'}, bagged {result.bagged_on or '?'}")
        if result.file_sha256:
            out.write(f"file: SHA-256 {result.file_sha256} (compare with the sender's hand-over record)")
        out.write(f"bag: valid, {result.files} payload files, SHA-256 and SHA-512 checked")
        out.write(f"signature: valid (Ed25519 {result.signer[:16]}…)")
        if result.timestamp:
            out.write(f"timestamp: {result.timestamp} (checked against the TSA roots)")
        else:
            out.write("timestamp: none in this package")
        paths = {str(entry["item"]): entry["path"] for entry in result.items}
        out.write("chain of custody:")
        for item_id, entries in result.custody.items():
            out.write(f"  {paths.get(item_id, item_id)}")
            for entry in entries:
                out.write(
                    f"    #{entry['seq']} {entry['at']} {entry['by']} {entry['action']} {','.join(entry['what'])}"
                )
        out.write(self.style.SUCCESS("VERIFIED"))

    def _read(self, value: str, option: str) -> str:
        try:
            return Path(value).read_text(encoding="utf-8")
        except OSError:
            raise CommandError(f"{option}: cannot read {value}") from None

    def _signer(self, value: str | None, source: Path) -> str:
        if value:
            given = Path(value)
            if given.exists() and source.is_dir() and given.resolve().is_relative_to(source.resolve()):
                raise CommandError("--signer: a key from inside the package proves nothing: use the sender's key")
            text = given.read_text().strip() if given.exists() else value.strip()
        else:
            from sanctuary.evidence.models import EvidenceKeys

            row = EvidenceKeys.objects.order_by("pk").first()
            if row is None:
                raise CommandError("--signer is needed: this installation has no signing key")
            text = row.signing_public
        try:
            bytes.fromhex(text)
        except ValueError:
            raise CommandError("--signer: not a hex public key") from None
        if len(text) != 64:
            raise CommandError("--signer: not a hex public key")
        return text
