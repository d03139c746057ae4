"""``make bench``: performance figures, printed as a table. Never a pass/fail timing test.

Runs on a throw-away SQLite database in a temporary directory (or on DATABASE_URL's
database if set, in a test database Django creates and drops).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanctuary.settings")
os.environ.setdefault("SANCTUARY_VAR_DIR", tempfile.mkdtemp(prefix="sanctuary-bench-"))
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django

django.setup()

from django.conf import settings  # noqa: E402

# Pages are rendered without collectstatic: plain static storage, as in the tests.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.core.management import call_command  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

Row = dict[str, Any]


def _median_ms(fn: Callable[[], object], repeat: int = 25) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def foundation() -> list[Row]:
    from django.test import Client
    from django.urls import reverse

    from sanctuary.accounts.models import User
    from sanctuary.people.models import Person

    rows: list[Row] = []
    start = time.perf_counter()
    call_command("seed_demo", people=10_000, quiet_logins=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    rows.append(
        {"figure": "seed_demo --people 10000", "value": f"{time.perf_counter() - start:.1f} s", "target": "< 60 s"}
    )

    from tests.conftest import verified_client

    director = User.objects.get(username="director")
    client: Client = verified_client(director)
    person = Person.objects.order_by("?").first()
    assert person is not None
    rows.append(
        {
            "figure": "person list, 50 of 10,000 rows (median)",
            "value": f"{_median_ms(lambda: client.get(reverse('people:list'))):.1f} ms",
            "target": "-",
        }
    )
    rows.append(
        {
            "figure": "person list, search by alias (median)",
            "value": f"{_median_ms(lambda: client.post(reverse('people:list'), {'q': person.alias[:4]})):.1f} ms",
            "target": "-",
        }
    )
    rows.append(
        {
            "figure": "person page (median)",
            "value": f"{_median_ms(lambda: client.get(reverse('people:detail', args=[person.pk]))):.1f} ms",
            "target": "-",
        }
    )
    return rows


def print_table(title: str, rows: list[Row]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print(f"\n## {title}")
    print(" | ".join(c.ljust(widths[c]) for c in columns))
    print("-+-".join("-" * widths[c] for c in columns))
    for row in rows:
        print(" | ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def main() -> None:
    from django.db import connection

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print_table("Foundation", foundation())
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    try:
        from tests.bench import matching_bench
    except ImportError:
        return
    print_table(
        "Duplicate finder (reference: Splink 5, dev F1 0.990 in ~13 s; scale F1 0.913, 144 s, 2.5 GB)",
        matching_bench.run(),
    )


if __name__ == "__main__":
    main()
