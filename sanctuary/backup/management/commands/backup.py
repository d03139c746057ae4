"""``python manage.py backup OUT``: one age-encrypted file holding a consistent dump of the
database, the media folder and a manifest (sanctuary/backup/archive.py).

OUT is a new file (never overwritten; written beside it and linked into place when complete,
so a file named OUT is always a whole backup), or ``-`` for standard output (to pipe it off
the machine). It runs sealed or unsealed: it copies ciphertext and needs no key. Recipients:
``SANCTUARY_BACKUP_RECIPIENTS`` / ``SANCTUARY_BACKUP_RECIPIENTS_FILE``. Exit 0 when written,
1 with the reason otherwise.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.backup import archive, keys
from sanctuary.backup.management.commands._cli import language, live_place, size_text
from sanctuary.backup.refusals import BackupRefused


class _Counting:
    def __init__(self, dest: Any) -> None:
        self.dest, self.size = dest, 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return int(self.dest.write(data))

    def flush(self) -> None:
        self.dest.flush()


class Command(BaseCommand):
    help = "Write an encrypted backup (database, media, manifest) to OUT, or - for standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="the backup file to write (a new file), or - for standard output")
        parser.add_argument(
            "--allow-missing-files",
            action="store_true",
            help="back up even when files that rows name are missing (they are counted in the manifest)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(language()):
            try:
                self._backup(options["out"], options["allow_missing_files"])
            except BackupRefused as refusal:
                raise CommandError(refusal.message) from None

    def _backup(self, out: str, allow_missing: bool) -> None:
        recipients = keys.recipients()
        place = live_place()
        if out == "-":
            sink = _Counting(sys.stdout.buffer)
            made = archive.write(sink, recipients, place.db, place.media_dir, allow_missing_files=allow_missing)  # type: ignore[arg-type]
            sink.flush()
            where, messages = "-", self.stderr
        else:
            path = Path(out)
            if path.exists():
                raise BackupRefused("out_exists", path=out)
            partial = path.with_name(f".{path.name}.partial-{secrets.token_hex(4)}")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as handle:
                    sink = _Counting(handle)
                    made = archive.write(sink, recipients, place.db, place.media_dir, allow_missing_files=allow_missing)  # type: ignore[arg-type]
                    handle.flush()
                    os.fsync(handle.fileno())
                try:
                    os.link(partial, path)  # fails if OUT appeared meanwhile: never overwrite
                except FileExistsError:
                    raise BackupRefused("out_exists", path=out) from None
            finally:
                with contextlib.suppress(FileNotFoundError):
                    partial.unlink()
            where, messages = out, self.stdout
        keystate = made.keys
        record(
            None,
            Action.BACKUP,
            object_type="backup",
            object_id=made.id,
            fields=[f"key_epoch:{keystate.key_epoch}"],
            username="backup",
        )
        counts = made.counts
        messages.write(
            _(
                "Backup %(id)s written to %(path)s (%(size)s): %(tables)s tables, %(rows)s rows, %(files)s files; "
                "vault key epoch %(epoch)s, generation %(generation)s."
            )
            % {
                "id": made.id,
                "path": where,
                "size": size_text(sink.size),
                "tables": len(counts),
                "rows": sum(counts.values()),
                "files": len(made.checksums.get("media", {})),
                "epoch": keystate.key_epoch,
                "generation": keystate.generation,
            }
        )
        messages.write(
            _(
                "It opens only with a backup identity, and what it holds about anyone only with a threshold of "
                "the shares of generation %(generation)s (they begin %(prefix)s)."
            )
            % {"generation": keystate.generation, "prefix": keystate.share_prefix}
        )
        if made.checksums.get("missing_files"):
            messages.write(
                _("Warning: %(count)s files that the database names were missing and are not in this backup.")
                % {"count": made.checksums["missing_files"]}
            )
