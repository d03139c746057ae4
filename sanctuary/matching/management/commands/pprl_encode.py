"""``python manage.py pprl_encode --csv IN.csv --key-file K --out ENC.json [--keep-ids] [--map-out MAP.csv]``.

Encodes a registration CSV as keyed Bloom filters for privacy-preserving record linkage; see
:mod:`sanctuary.linkage.pprl` and ``docs/pprl.md``.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanctuary.linkage.csvio import InputError
from sanctuary.linkage.pprl import encode_csv, key_fingerprint, load_key


class Command(BaseCommand):
    help = "Encode a registration CSV as keyed Bloom filters (CLKs) with HMAC blocking tokens, for PPRL."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--csv", required=True, help="input CSV (or .csv.gz) with the registration columns")
        parser.add_argument("--key-file", required=True, help="secret key: raw bytes, hex or base64, >= 32 bytes")
        parser.add_argument("--out", required=True, help="output JSON of encodings")
        parser.add_argument("--keep-ids", action="store_true", help="keep record_ids instead of random handles")
        parser.add_argument("--map-out", help="where to write the handle -> record_id map (keep it local)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = load_key(options["key_file"])
            count, summary = encode_csv(
                options["csv"], key, options["out"], keep_ids=options["keep_ids"], map_out=options["map_out"]
            )
        except InputError as error:
            raise CommandError(str(error)) from error
        self.stderr.write(summary)
        self.stdout.write(f"{count} records encoded to {options['out']} (key fingerprint {key_fingerprint(key)})")
