"""Work done *inside* a restored database, in a child process whose settings name it
(``DATABASE_URL``, ``SANCTUARY_VAR_DIR``): ``python -m sanctuary.backup.inside TASK``.

* ``finish BACKUP_ID EPOCH``: bring the database up to this version's migrations and append
  the restore to its audit log.
* ``drill SAMPLE``: what ``restore_drill`` proves on its scratch copy: ``verify_audit``, unseal
  with the shares on standard input (in this process only: no server is involved), decrypt a
  sample of values and files, look for every file the rows name. It prints counts and codes,
  never a value.

The result is one JSON line on standard output, after ``RESULT_MARK``.
"""

from __future__ import annotations

import io
import json
import random
import sys
from typing import Any


def _migrate() -> list[str]:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        call_command("migrate", interactive=False, verbosity=0)
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def finish(backup_id: str, epoch: str) -> dict[str, Any]:
    from sanctuary.audit.log import record
    from sanctuary.audit.models import Action

    migrated = _migrate()
    entry = record(
        None,
        Action.RESTORED,
        object_type="backup",
        object_id=backup_id,
        fields=[f"key_epoch:{int(epoch)}"],
        username="restore",
    )
    return {"migrated": migrated, "audit_seq": int(entry.seq)}


def _verify_audit() -> dict[str, Any]:
    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
        code = 0
    except SystemExit as stop:
        code = int(stop.code or 0)
    text = (out.getvalue() + err.getvalue()).strip().splitlines()
    return {"ok": code == 0, "text": text[0][:300] if text else ""}


def _sample_values(sample: int, rng: random.Random) -> dict[str, int]:
    from sanctuary.vault.fields import is_placeholder
    from sanctuary.vault.keys import encrypted_fields

    checked = failed = kinds = 0
    for model, fields in encrypted_fields():
        manager = model._default_manager
        pks = list(manager.values_list("pk", flat=True))
        if not pks:
            continue
        kinds += 1
        chosen = rng.sample(pks, min(sample, len(pks)))
        rows = manager.filter(pk__in=chosen)
        parent = getattr(model, "VAULT_PARENT", "").replace(".", "__")
        if parent:
            rows = rows.select_related(parent)
        for row in rows:
            for field in fields:
                if not row.__dict__.get(field.attname):
                    continue  # empty stays empty: nothing to decrypt
                checked += 1
                if is_placeholder(getattr(row, field.name)):
                    failed += 1
    return {"checked": checked, "failed": failed, "kinds": kinds}


def _sample_files(sample: int, rng: random.Random) -> dict[str, int]:
    from django.apps import apps

    from sanctuary.backup.databases import file_columns
    from sanctuary.vault import crypto, files

    referenced = missing = 0
    folder = files.storage_dir()
    by_table = {model._meta.db_table: model for model in apps.get_models()}
    for table, column in file_columns():
        model = by_table[table]
        name_field = next(f for f in model._meta.concrete_fields if f.column == column)
        for name in model._default_manager.exclude(**{name_field.name: ""}).values_list(name_field.name, flat=True):
            referenced += 1
            missing += not (folder / str(name)).is_file()
    checked = failed = 0
    for model in apps.get_models():
        if not hasattr(model, "file_aad") or "stored_name" not in {f.name for f in model._meta.concrete_fields}:
            continue
        rows = list(model._default_manager.order_by("pk"))
        for row in rng.sample(rows, min(sample, len(rows))):
            checked += 1
            try:
                files.read_decrypted(row.stored_name, row.file_aad)  # type: ignore[attr-defined]
            except (crypto.DecryptError, OSError, ValueError):
                failed += 1
    return {"referenced": referenced, "missing": missing, "checked": checked, "failed": failed}


def drill(sample: str) -> dict[str, Any]:
    from sanctuary.vault import state
    from sanctuary.vault.shares import ShareError

    size = max(1, int(sample))
    result: dict[str, Any] = {"migrated": _migrate(), "audit": _verify_audit()}
    shares = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
    try:
        state.unseal_with_shares(shares)
    except (state.UnsealError, ShareError) as error:
        result["unseal"] = {"ok": False, "code": error.code, "number": getattr(error, "number", None)}
        return result
    result["unseal"] = {"ok": True, "shares": len(shares)}
    try:
        rng = random.Random()  # noqa: S311 - which rows to sample, not a secret
        result["values"] = _sample_values(size, rng)
        result["files"] = _sample_files(size, rng)
    finally:
        state.seal()
    return result


def main(argv: list[str]) -> int:
    import django

    django.setup()
    from sanctuary.backup.restoring import RESULT_MARK

    task, args = argv[0], argv[1:]
    result = finish(*args) if task == "finish" else drill(*args)
    sys.stdout.write(RESULT_MARK + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
