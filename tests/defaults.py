"""The rows data migrations make (the arrival care plan, the Thai paper types and settings),
made again when a test that flushes the database (``transaction=True``) removed them, so a
test's outcome never depends on the order the suite runs in."""

from __future__ import annotations

import importlib

from django.apps import apps

# (module of the data migration, its RunPython function); each checks what exists first.
DATA_MIGRATIONS = (
    ("sanctuary.care.migrations.0002_defaults", "forwards"),
    ("sanctuary.legal.migrations.0002_default_types_and_settings", "create"),
)


def restore() -> None:
    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
