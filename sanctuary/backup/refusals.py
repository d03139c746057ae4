"""Why a backup, a restore or a drill said no: one message per code, in the operator's language
(``SANCTUARY_CLI_LANGUAGE``). Nothing is written when one of these is raised."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sanctuary.lib.refusal import Refusal


class BackupRefused(Refusal):
    messages = {
        # backup
        "no_recipients": _(
            "No backup recipients are configured: set SANCTUARY_BACKUP_RECIPIENTS (age public keys) or "
            "SANCTUARY_BACKUP_RECIPIENTS_FILE."
        ),
        "bad_recipient": _("Backup recipient %(number)s is not an age public key (age1…)."),
        "out_exists": _("%(path)s already exists: a backup never overwrites a file. Choose another name."),
        "no_vault": _("This server has no vault yet (run vault_init): there is nothing to back up."),
        "pg_dump_missing": _("pg_dump is not installed: install PostgreSQL's client programs (postgresql-client)."),
        "pg_dump_failed": _("pg_dump failed: %(detail)s"),
        "missing_files": _(
            "%(count)s files that the database names are missing from the media folder (changed during the "
            "backup, by a rotation for example?). Run the backup again; --allow-missing-files records them "
            "and backs up the rest."
        ),
        "unsupported_database": _("Backups support SQLite and PostgreSQL databases only."),
        # reading a backup
        "identity_file": _(
            "The identity could not be read: give a file holding an age secret key (AGE-SECRET-KEY-1…)."
        ),
        "wrong_identity": _(
            "This backup does not open with this identity: the identity is not one of the backup's recipients, "
            "or the start of the file is damaged."
        ),
        "corrupted": _(
            "This backup is damaged (changed or cut short): it fails its integrity check. Nothing was restored; "
            "use another copy."
        ),
        "not_a_backup": _("This file is not a Sanctuary backup (or it is cut short at its start)."),
        "newer_format": _("This backup was made by a newer version of Sanctuary: upgrade Sanctuary first."),
        "newer_software": _(
            "This backup holds database changes (migrations) that this version of Sanctuary does not know: "
            "upgrade Sanctuary first."
        ),
        "other_vault": _(
            "This backup is of another vault (made on %(backup_made)s), not of this server's vault (made on "
            "%(ours_made)s). Nothing was restored."
        ),
        "key_destroyed": _(
            "This backup was made at key epoch %(epoch)s, under data key version %(versions)s. This vault has "
            "since rotated its data key (it is at key epoch %(now)s, data key version %(current)s) and destroyed "
            "that key: restoring the backup would bring back a key the organisation chose to destroy. Opening it "
            "would need the backup's own key material and the shares of generation %(generation)s (shares that "
            "begin %(prefix)s). Make a new backup with the current keys instead."
        ),
        # the place a backup is restored into
        "vendor_mismatch": _(
            "This is a %(backup)s backup: it can only be restored into a %(backup)s database, not %(target)s."
        ),
        "not_empty": _(
            "The database to restore into holds data: a restore never overwrites. Give it an empty database."
        ),
        "has_tables": _(
            "The database to restore into has tables already (was it migrated?). A restore writes the tables "
            "itself: give it a new, empty database (createdb), not a migrated one."
        ),
        "no_database": _("The database to restore into does not exist or cannot be reached: %(detail)s"),
        "media_not_empty": _(
            "The media folder %(path)s holds files: a restore never overwrites. Give it an empty one."
        ),
        "load_failed": _("The database could not be loaded; nothing was kept: %(detail)s"),
        "finish_failed": _("The database was restored, but bringing it up to date failed: %(detail)s"),
        # the drill
        "no_scratch": _("No scratch database could be made for the drill: %(detail)s"),
        "drill_needs_postgres": _(
            "A PostgreSQL backup is drilled on a PostgreSQL server: set DATABASE_URL to this deployment's "
            "PostgreSQL database (the drill makes a scratch database beside it)."
        ),
        "no_shares": _("No shares on standard input: give a threshold of the backup's shares, one per line."),
        "shares_of_other_keys": _(
            "These shares do not belong to this backup's keys: it needs the shares of generation %(generation)s "
            "(shares that begin %(prefix)s)."
        ),
        "unseal_failed": _("The backup's vault did not unseal with these shares: %(detail)s"),
    }
