"""What every bench process does around its measurements: a throw-away database (SQLite under
a temporary ``var/``, or a fresh PostgreSQL database dropped afterwards), Django set up with
plain static files, and the figures printed as one JSON line for ``tests/bench/run.py``."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from typing import Any


def _postgres_database(admin_url: str) -> tuple[str, str]:
    import psycopg

    name = f"sanctuary_bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}", name


def _drop_postgres_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def in_throwaway_database(postgres: str, run: Callable[[], dict[str, Any]]) -> None:
    """Run ``run`` against a database of its own and print what it returns as JSON."""
    os.environ["SANCTUARY_VAR_DIR"] = tempfile.mkdtemp(prefix="sanctuary-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "sanctuary.settings"
    pg_name = ""
    if postgres:
        url, pg_name = _postgres_database(postgres)
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
    try:
        print(json.dumps(run()))
    finally:
        if pg_name:
            from django.db import connections

            connections.close_all()
            _drop_postgres_database(postgres, pg_name)
    sys.stdout.flush()


def setup_django() -> Any:
    """``django.setup()`` with plain static files and the test client's host; returns settings."""
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.ALLOWED_HOSTS = ["testserver"]
    return settings
