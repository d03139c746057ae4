"""The case worker's dashboard with open care items across a team, in its own process and
throw-away database; prints JSON for tests.bench.run.

python -m tests.bench.care_bench [--repeat 40] [--postgres postgres://postgres@127.0.0.1:5432/postgres]

Plans are made from the arrival template through ``sanctuary.care.actions`` (each person's
care consent first), arrived on spread-out days so items are overdue, due and to come. The
dashboard and the care list are measured at 200 and at 2,000 open items, against a bare view
(one query, a tiny template, the same login, 2FA and middleware), round-robin, medians
printed; the query counts at both sizes show that they do not grow with the items. Never a
pass/fail timing test.
"""

from __future__ import annotations

import argparse
import sys
import types
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tests.bench.harness import in_throwaway_database, setup_django
from tests.bench.training_bench import _round_robin

BARE_URL = "/bench/bare/"
SIZES = (200, 2000)  # open items; the arrival template makes four per person


def _bare_view(request: Any) -> Any:
    from django.http import HttpResponse
    from django.template import engines

    from sanctuary.care.models import CarePlan

    template = engines["django"].from_string("<!doctype html><title>bare</title><p>{{ n }} {{ request.user }}</p>")
    return HttpResponse(template.render({"n": CarePlan.objects.count()}, request))


def _urlconf() -> str:
    from django.urls import path

    from sanctuary import urls

    module = types.ModuleType("tests.bench._care_bench_urls")
    module.urlpatterns = [path(BARE_URL.strip("/") + "/", _bare_view), *urls.urlpatterns]  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    return module.__name__


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    in_throwaway_database(args.postgres, lambda: _run(args))


def _run(args: argparse.Namespace) -> dict[str, object]:
    settings = setup_django()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ROOT_URLCONF = _urlconf()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from sanctuary.care import actions
    from sanctuary.care.models import CareItem, PlanTemplate
    from sanctuary.consent.models import Purpose
    from sanctuary.vault import state
    from tests.conftest import verified_client
    from tests.consent import helpers
    from tests.factories import PersonFactory, TeamFactory, UserFactory

    call_command("migrate", verbosity=0)
    state.unseal_with_shares(state.initialise(3, 2)[:2])
    team = TeamFactory(name="Mae Sot safe houses")
    worker = UserFactory(roles=["case_worker"], teams=[team], username="worker", language="my")
    colleague = UserFactory(roles=["case_worker"], teams=[team], username="colleague", language="my")
    template = PlanTemplate.objects.get()
    today = timezone.localdate()
    client = verified_client(worker)
    made = 0

    def grow(items: int) -> None:
        nonlocal made
        while CareItem.objects.open().count() < items:
            person = PersonFactory(team=team)
            author = worker if made % 2 else colleague
            helpers.given(author, person, Purpose.CARE)
            actions.do_create_plan(author, person, template=template, arrived_on=today - timedelta(days=made % 45))
            made += 1
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def get(url: str, expect: bytes) -> Callable[[], Any]:
        def fetch() -> Any:
            response = client.get(url)
            assert response.status_code == 200 and expect in response.content, url
            return response

        return fetch

    result: dict[str, object] = {"database": connection.vendor, "repeat": args.repeat}
    for size in SIZES:
        grow(size)
        figures = {
            "bare": get(BARE_URL, b"<p>"),
            "dashboard": get("/", b'id="care-overdue"'),
            "list": get("/care/", b'id="care-items"'),
        }
        for name, fn in figures.items():
            with CaptureQueriesContext(connection) as captured:
                response = fn()
            result[f"{name}_{size}_queries"] = len(captured)
            result[f"{name}_{size}_kb"] = len(response.content) // 1024
        for name, value in _round_robin(figures, args.repeat).items():
            result[f"{name}_{size}_ms"] = value
        result[f"items_{size}"] = CareItem.objects.open().count()
        result[f"overdue_{size}"] = CareItem.objects.overdue().count()
    return result


if __name__ == "__main__":
    main()
