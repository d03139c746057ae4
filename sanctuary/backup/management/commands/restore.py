"""``python manage.py restore IN --identity FILE`` (``--identity -``: read it from standard
input): restore a backup into an empty database and media folder.

By default into this deployment's own database and ``SANCTUARY_VAR_DIR`` (a new machine,
after a loss); ``--into DATABASE_URL`` and ``--var-dir DIR`` restore elsewhere. The database
must have no tables (SQLite: no file yet; PostgreSQL: made with createdb, not migrated) and
the media folder no files: nothing is ever overwritten. A restore elsewhere is checked
against this deployment's vault: a backup of another vault, or one whose data key a rotation
destroyed since, is refused (sanctuary/backup/keystate.py). Then the restored database is
migrated to this version and the restore is appended to its audit log. Exit 0 when restored
with the manifest's counts, 1 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.backup import databases, keys, keystate, restoring
from sanctuary.backup.management.commands._cli import language, live_database, live_place
from sanctuary.backup.refusals import BackupRefused


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = "Restore a backup into an empty database and media folder (never overwrites)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", help="the backup file")
        parser.add_argument("--identity", required=True, help="a file with the backup identity, or - for stdin")
        parser.add_argument("--into", help="DATABASE_URL of the empty database to restore into (default: this one)")
        parser.add_argument("--var-dir", help="the var folder whose media/ receives the files (default: this one)")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(language()):
            try:
                failed = self._restore(options)
            except BackupRefused as refusal:
                raise CommandError(refusal.message) from None
        if failed:
            sys.exit(1)

    def _restore(self, options: dict[str, Any]) -> bool:
        identities = keys.identities(options["identity"], options.get("stdin") or sys.stdin)
        live = live_place()
        db = databases.Database.from_url(options["into"]) if options.get("into") else live.db
        var_dir = Path(options["var_dir"]) if options.get("var_dir") else live.var_dir
        media_dir = var_dir / "media" if options.get("var_dir") else Path(settings.MEDIA_ROOT)
        place = restoring.Place(db=db, var_dir=var_dir, media_dir=media_dir)
        elsewhere = not db.same_place(live_database())
        reference = keystate.live() if elsewhere else None
        path = Path(options["backup"])
        if not path.is_file():
            raise BackupRefused("not_a_backup")
        restored = restoring.restore(path, identities, place, reference)
        backup = restored.backup
        finished = restoring.run_inside(place, "finish", [backup.id, str(backup.keys.key_epoch)])
        if elsewhere and reference is not None:
            record(
                None,
                Action.RESTORED,
                object_type="backup",
                object_id=backup.id,
                fields=[f"key_epoch:{backup.keys.key_epoch}", "elsewhere"],
                username="restore",
            )
        self.stdout.write(
            _("Restored backup %(id)s (made %(made)s, key epoch %(epoch)s): %(tables)s tables and %(files)s files.")
            % {
                "id": backup.id,
                "made": formats.date_format(timezone.localtime(backup.created_at), "Y-m-d H:i"),
                "epoch": backup.keys.key_epoch,
                "tables": len(backup.counts),
                "files": restored.files,
            }
        )
        if restored.mismatched:
            self.stdout.write(
                _("Row counts differ from the manifest in: %(tables)s") % {"tables": ", ".join(restored.mismatched)}
            )
        else:
            self.stdout.write(_("Row counts match the manifest."))
        if finished.get("migrated"):
            self.stdout.write(
                _("Brought up to this version: %(count)s migrations applied.") % {"count": len(finished["migrated"])}
            )
        for note in restored.notes:
            self.stdout.write(note)
        self.stdout.write(
            _(
                "The vault is sealed: unseal it with a threshold of the shares of generation %(generation)s "
                "(they begin %(prefix)s)."
            )
            % {"generation": backup.keys.generation, "prefix": backup.keys.share_prefix}
        )
        return bool(restored.mismatched)
