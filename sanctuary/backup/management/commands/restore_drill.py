"""``python manage.py restore_drill IN --identity FILE < shares``: prove a backup is usable.

It restores the backup into a scratch database (SQLite: a file in a private temporary
folder; PostgreSQL: a new database beside this one, which needs the CREATEDB right), then, in
a child process whose only database is the scratch one: runs ``verify_audit``, unseals with
the shares given on standard input (in that process: the running server is never asked and
never unsealed), decrypts a sample of values and files, and looks for every file the rows
name. It compares the row counts with the manifest, prints a report in the operator's language
(``SANCTUARY_CLI_LANGUAGE``), wipes the scratch database and folder, and records the drill in
this deployment's audit log. Exit 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.backup import archive, databases, keys, keystate, restoring
from sanctuary.backup.management.commands._cli import language, live_database
from sanctuary.backup.refusals import BackupRefused
from sanctuary.vault.state import UnsealError


@contextlib.contextmanager
def scratch(vendor: str, server: databases.Database) -> Iterator[tuple[restoring.Place, list[bool]]]:
    """A scratch place; on leaving, it is wiped, and ``wiped[0]`` says whether that worked."""
    folder = Path(tempfile.mkdtemp(prefix="sanctuary-drill-"))  # mode 0700
    created: databases.Database | None = None
    wiped = [False]
    try:
        var_dir = folder / "var"
        var_dir.mkdir(mode=0o700)
        if vendor == databases.SQLITE:
            db = databases.Database(vendor=databases.SQLITE, name=str(folder / "drill.sqlite3"))
        else:
            if server.vendor != databases.POSTGRESQL:
                raise BackupRefused("drill_needs_postgres")
            name = f"sanctuary_drill_{secrets.token_hex(6)}"
            try:
                created = db = databases.create_scratch_pg(server, name)
            except Exception as error:  # noqa: BLE001 - psycopg's message names no personal data
                raise BackupRefused("no_scratch", detail=str(error).strip().splitlines()[0][:300]) from None
        yield restoring.Place(db=db, var_dir=var_dir, media_dir=var_dir / "media"), wiped
    finally:
        if created is not None:
            with contextlib.suppress(Exception):
                databases.drop_scratch_pg(server, created)
        shutil.rmtree(folder, ignore_errors=True)
        gone = not folder.exists()
        if created is not None:
            try:
                gone = gone and not databases.pg_exists(server, created.name)
            except Exception:  # noqa: BLE001
                gone = False
        wiped[0] = gone


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = "Prove a backup is usable: restore it into a scratch database, unseal, verify, decrypt, wipe."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", help="the backup file")
        parser.add_argument("--identity", required=True, help="a file with the backup identity (shares go on stdin)")
        parser.add_argument("--sample", type=int, default=50, help="rows sampled per kind of record (default 50)")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(language()):
            passed = self._drill(options)
        if not passed:
            sys.exit(1)

    def _audit(self, backup_id: str, epoch: int | None, outcome: str) -> None:
        fields = [outcome] + ([f"key_epoch:{epoch}"] if epoch is not None else [])
        with contextlib.suppress(DatabaseError):
            record(
                None,
                Action.RESTORE_DRILL,
                object_type="backup",
                object_id=backup_id,
                fields=fields,
                username="restore_drill",
            )

    def _drill(self, options: dict[str, Any]) -> bool:
        stdin = options.get("stdin") or sys.stdin
        backup_id, epoch = "", None
        try:
            if options["identity"] == "-":
                raise BackupRefused("identity_file")
            identities = keys.identities(options["identity"], stdin)
            shares = [line.strip() for line in stdin.read().splitlines() if line.strip()]
            if not shares:
                raise BackupRefused("no_shares")
            path = Path(options["backup"])
            if not path.is_file():
                raise BackupRefused("not_a_backup")
            first = archive.peek(path, identities)
            backup_id, epoch = first.id, first.keys.key_epoch
            server = live_database()
            with scratch(first.vendor, server) as (place, wiped):
                restored = restoring.restore(path, identities, place, keystate.live())
                inside = restoring.run_inside(place, "drill", [str(max(1, options["sample"]))], stdin="\n".join(shares))
            report = Report(restored, inside, wiped[0])
        except BackupRefused as refusal:
            self._audit(backup_id, epoch, f"failed:{refusal.code}")
            raise CommandError(refusal.message) from None
        for line in report.lines():
            self.stdout.write(line)
        self._audit(backup_id, epoch, "passed" if report.passed else f"failed:{report.first_failure}")
        return report.passed


class Report:
    def __init__(self, restored: restoring.Restored, inside: dict[str, Any], wiped: bool) -> None:
        self.restored, self.inside, self.wiped = restored, inside, wiped
        self.steps: list[tuple[str, bool, str]] = []
        self._build()

    @property
    def passed(self) -> bool:
        return all(ok for _name, ok, _text in self.steps)

    @property
    def first_failure(self) -> str:
        return next((name for name, ok, _text in self.steps if not ok), "")

    def _build(self) -> None:
        restored, inside = self.restored, self.inside
        backup = restored.backup
        self.steps.append(
            (
                "restored",
                True,
                _("Restored into a scratch database: %(tables)s tables, %(files)s files.")
                % {"tables": len(backup.counts), "files": restored.files},
            )
        )
        if restored.mismatched:
            self.steps.append(
                (
                    "counts",
                    False,
                    _("Row counts differ from the manifest in: %(tables)s")
                    % {"tables": ", ".join(restored.mismatched)},
                )
            )
        else:
            self.steps.append(
                (
                    "counts",
                    True,
                    _("Row counts match the manifest (%(rows)s rows).") % {"rows": sum(backup.counts.values())},
                )
            )
        audit = inside.get("audit", {})
        self.steps.append(
            ("audit", bool(audit.get("ok")), _("Audit log (verify_audit): %(text)s") % {"text": audit.get("text", "")})
        )
        unseal = inside.get("unseal", {})
        if unseal.get("ok"):
            self.steps.append(
                (
                    "unseal",
                    True,
                    _("Unsealed with %(count)s shares, without the server.") % {"count": unseal.get("shares", 0)},
                )
            )
            values = inside.get("values", {})
            self.steps.append(
                (
                    "values",
                    not values.get("failed"),
                    _(
                        "Sampled %(checked)s encrypted values of %(kinds)s kinds of record; "
                        "%(failed)s could not be decrypted."
                    )
                    % {
                        "checked": values.get("checked", 0),
                        "kinds": values.get("kinds", 0),
                        "failed": values.get("failed", 0),
                    },
                )
            )
            found = inside.get("files", {})
            self.steps.append(
                (
                    "files",
                    not found.get("missing") and not found.get("failed"),
                    _(
                        "Files: %(referenced)s named by the records, %(missing)s missing; %(checked)s sampled, "
                        "%(failed)s could not be decrypted."
                    )
                    % {k: found.get(k, 0) for k in ("referenced", "missing", "checked", "failed")},
                )
            )
        else:
            self.steps.append(("unseal", False, self._unseal_text(unseal)))
        self.steps.append(
            (
                "wiped",
                self.wiped,
                _("Scratch database wiped.") if self.wiped else _("The scratch database could not be wiped."),
            )
        )

    def _unseal_text(self, unseal: dict[str, Any]) -> str:
        keys_of = self.restored.backup.keys
        if unseal.get("code") == "foreign":
            return BackupRefused(
                "shares_of_other_keys", generation=keys_of.generation, prefix=keys_of.share_prefix
            ).message
        detail = UnsealError(str(unseal.get("code", ""))).message
        if unseal.get("number"):
            detail = _("share %(number)s: %(reason)s") % {"number": unseal["number"], "reason": detail}
        return BackupRefused("unseal_failed", detail=detail).message

    def lines(self) -> list[str]:
        backup = self.restored.backup
        out = [
            _("Restore drill of backup %(id)s (made %(made)s, key epoch %(epoch)s, generation %(generation)s)")
            % {
                "id": backup.id,
                "made": formats.date_format(timezone.localtime(backup.created_at), "Y-m-d H:i"),
                "epoch": backup.keys.key_epoch,
                "generation": backup.keys.generation,
            }
        ]
        passed, failed = _("OK"), _("FAILED")
        for _name, ok, text in self.steps:
            out.append(f"[{passed if ok else failed}] {text}")
        out.extend(self.restored.notes)
        out.append(_("The backup is usable.") if self.passed else _("The backup is NOT usable: see what failed above."))
        return out
