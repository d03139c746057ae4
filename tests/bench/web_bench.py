"""One web benchmark run in its own process and database; prints JSON for tests.bench.run.

python -m tests.bench.web_bench --people 100000 [--identity-cipher]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--identity-cipher", action="store_true")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    os.environ["SANCTUARY_VAR_DIR"] = tempfile.mkdtemp(prefix="sanctuary-bench-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sanctuary.settings"
    if args.identity_cipher:
        os.environ["SANCTUARY_BENCH_IDENTITY_CIPHER"] = "1"

    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.ALLOWED_HOSTS = ["testserver"]
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from sanctuary.accounts.models import User
    from sanctuary.people.models import ContactPoint, Person
    from tests.conftest import verified_client

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    call_command("seed_demo", people=args.people, quiet_logins=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    seed_seconds = time.perf_counter() - start
    User.objects.filter(username="director").update(language="en")
    client: Client = verified_client(User.objects.get(username="director"))
    person = Person.objects.order_by("pk")[args.people // 2]
    phones = [str(c.value) for c in ContactPoint.objects.order_by("?")[:50]]
    list_ms = _median_ms(lambda: client.get(reverse("people:list")), args.repeat)
    page_ms = _median_ms(lambda: client.get(reverse("people:detail", args=[person.pk])), args.repeat)
    phone_iter = iter(phones * (args.repeat + 2))

    def phone_search() -> None:
        response = client.post(reverse("people:list"), {"q": next(phone_iter)})
        assert b"1 person" in response.content

    search_ms = _median_ms(phone_search, args.repeat)
    json.dump(
        {"people": args.people, "seed_s": seed_seconds, "list_ms": list_ms, "page_ms": page_ms, "phone_ms": search_ms},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
