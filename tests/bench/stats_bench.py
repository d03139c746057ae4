"""The statistics dashboard over 100,000 people and five years of events, in its own process
and throw-away database; prints JSON for tests.bench.run.

python -m tests.bench.stats_bench [--people 100000] [--repeat 15] [--postgres postgres://…]

- 100,000 people over five years, each with the first step of their record, and (most of
  them) accepted and arrived steps weeks later: about 260,000 timeline rows; 4,000 stays in
  200 beds, 20,000 stipend payments of two funders;
- the dashboard as a director (everyone) and as a finance officer of one team, for the last
  twelve months (the default) and for five years: as served (from the snapshot the figures
  are kept in for five minutes) and counted afresh ("count again", ``?fresh=1``);
- a bare view as the anchor: one trivial query and a tiny template, through the same test
  client, session, login, 2FA and middleware stack, timed round-robin with the dashboards;
- what python-dp's noise costs: one noisy count, and a published table of 18 × 20 cells with
  and without noise (suppression and its exact recoverability check included).

Indexes and rollups: no new index. The figures filter each table by the period first
(``lib.figures.in_period``) and bucket months with a CASE over the month bounds (no per-row
date function, which on SQLite is a Python call per row); the timeline's ``person_event_idx``
(person, at) serves the person-scoped filters and the first-step subqueries. Counting afresh
still takes most of a second over 100,000 people (and drawing 60-month charts tens of
milliseconds each), so the rollup is the dashboard's snapshot (``stats.dashboard.snapshot``):
the counted figures and drawn charts, kept per scope, period, team and language for
``STATS_SNAPSHOT_SECONDS`` (300). The target (< 3× the bare view) is for the page as served;
the fresh count is printed beside it. Never a pass/fail timing test.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import types
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tests.bench.harness import in_throwaway_database, setup_django

BARE_URL = "/bench/bare/"


def _bare_view(request: Any) -> Any:
    from django.http import HttpResponse
    from django.template import engines

    from sanctuary.stats.models import TableDefinition

    template = engines["django"].from_string("<!doctype html><title>bare</title><p>{{ n }} {{ request.user }}</p>")
    return HttpResponse(template.render({"n": TableDefinition.objects.count()}, request))


def _urlconf() -> str:
    from django.urls import path

    from sanctuary import urls

    module = types.ModuleType("tests.bench._stats_bench_urls")
    module.urlpatterns = [path(BARE_URL.strip("/") + "/", _bare_view), *urls.urlpatterns]  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    return module.__name__


def _round_robin(figures: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    for fn in figures.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in figures}
    for _ in range(repeat):
        for name, fn in figures.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    in_throwaway_database(args.postgres, lambda: _run(args))


def _seed(people: int, teams: list[Any], director: Any) -> None:
    from django.db import transaction
    from django.utils import timezone

    from sanctuary.people.models import EventKind, Force, Person, PersonEvent, RankGroup, Region, Status
    from sanctuary.shelter.models import Bed, Room, SafeHouse, Stay
    from sanctuary.stipends.models import Funder, LineStatus, PaymentLine, PaymentRun, RunState

    rng = random.Random(14)
    now = timezone.now()
    start = now - timedelta(days=5 * 365)
    span = int((now - start).total_seconds())
    made: list[Any] = []
    for batch in range(0, people, 5000):
        rows = []
        for n in range(batch, min(people, batch + 5000)):
            rows.append(
                Person(
                    case_code=f"B-{n:07d}",
                    alias=f"Ko {n}",
                    force=rng.choice([Force.ARMY] * 3 + [Force.POLICE] * 6 + [Force.NAVY]),
                    rank_group=rng.choice(RankGroup.values),
                    region=rng.choice(Region.values),
                    team=teams[n % len(teams)],
                    status=Status.ARRIVED,
                )
            )
        with transaction.atomic():
            Person.objects.bulk_create(rows, batch_size=1000)
            events = []
            for person in rows:
                first = start + timedelta(seconds=rng.randrange(span))
                events.append(
                    PersonEvent(person=person, kind=EventKind.CREATED, status_to=Status.FIRST_CONTACT, at=first)
                )
                if rng.random() < 0.7:
                    accepted = first + timedelta(days=rng.randint(5, 40))
                    events.append(
                        PersonEvent(person=person, kind=EventKind.STATUS, status_to=Status.ACCEPTED, at=accepted)
                    )
                    if rng.random() < 0.85:
                        arrived = accepted + timedelta(days=rng.randint(2, 30))
                        events.append(
                            PersonEvent(person=person, kind=EventKind.STATUS, status_to=Status.ARRIVED, at=arrived)
                        )
            PersonEvent.objects.bulk_create([e for e in events if e.at <= now], batch_size=2000)
        made.extend(rows)
    house = SafeHouse.objects.create(name="Bench house")
    room = Room.objects.create(house=house, name="A")
    beds = Bed.objects.bulk_create([Bed(room=room, label=str(n)) for n in range(200)])
    stays = []
    today = timezone.localdate()
    for n in range(4000):
        begin = today - timedelta(days=rng.randint(0, 5 * 365))
        ended = begin + timedelta(days=rng.randint(20, 120))
        stays.append(
            Stay(
                person=made[n * 7 % len(made)],
                bed=beds[n % len(beds)],
                start=begin,
                planned_end=begin + timedelta(days=90),
                ended_on=ended if ended < today else None,
                placed_by=director,
            )
        )
    Stay.objects.bulk_create(stays, batch_size=1000)  # no admission check: the bench's own rows
    funders = [Funder.objects.create(name=name) for name in ("Funder A", "Funder B")]
    lines = []
    months = sorted({(today - timedelta(days=30 * m)).replace(day=1) for m in range(60)})
    runs = {
        (f.pk, m): PaymentRun.objects.create(
            funder=f, month=m, drafted_by=director, drafted_at=timezone.now(), state=RunState.DRAFT
        )
        for f in funders
        for m in months
    }
    for n in range(20000):
        funder, month = funders[n % 2], months[n % len(months)]
        lines.append(
            PaymentLine(
                run=runs[funder.pk, month],
                person=made[(n * 13) % len(made)],
                funder=funder,
                month=month,
                amount=Decimal("700.00"),
                currency="THB",
                basis="single",
                status=LineStatus.PAID,
            )
        )
    PaymentLine.objects.bulk_create(lines, batch_size=2000, ignore_conflicts=True)


def _noise(repeat: int) -> dict[str, float]:
    from pydp.algorithms.numerical_mechanisms import LaplaceMechanism

    from sanctuary.stats import disclosure

    mechanism = LaplaceMechanism(1.0, 1.0)
    start = time.perf_counter()
    for n in range(10_000):
        mechanism.add_noise(n % 50)
    one_us = (time.perf_counter() - start) / 10_000 * 1e6
    rng = random.Random(3)
    cells = [[rng.choice([0, 2, 8, 12, 30, 80]) for _ in range(20)] for _ in range(18)]
    plain, noisy = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        disclosure.disclose(cells, disclosure.Rules())
        plain.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        disclosure.disclose(cells, disclosure.Rules(epsilon=1.0))
        noisy.append((time.perf_counter() - start) * 1000)
    return {"noise_us": one_us, "table_ms": statistics.median(plain), "table_noisy_ms": statistics.median(noisy)}


def _run(args: argparse.Namespace) -> dict[str, object]:
    settings = setup_django()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ROOT_URLCONF = _urlconf()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from sanctuary.vault import state
    from tests.conftest import verified_client
    from tests.factories import TeamFactory, UserFactory

    call_command("migrate", verbosity=0)
    state.unseal_with_shares(state.initialise(3, 2)[:2])
    teams = [TeamFactory(name=f"Team {n}") for n in range(4)]
    director = UserFactory(roles=["director"], username="director")
    finance = UserFactory(roles=["finance_officer"], teams=[teams[0]], username="finance")
    started = time.perf_counter()
    _seed(args.people, teams, director)
    seed_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from sanctuary.people.models import PersonEvent

    events = PersonEvent.objects.count()
    boss, officer = verified_client(director), verified_client(finance)
    url = reverse("stats:index")

    def get(client: Any, path: str, params: dict[str, str] | None = None) -> Callable[[], Any]:
        def fetch() -> Any:
            response = client.get(path, params or {})
            assert response.status_code == 200, (path, response.status_code)
            return response

        return fetch

    five_years = {"start": f"{date.today().year - 4}-01", "end": f"{date.today():%Y-%m}"}
    figures = {
        "bare": get(boss, BARE_URL),
        "dashboard": get(boss, url),
        "team": get(officer, url),
        "five_years": get(boss, url, five_years),
        "dashboard_fresh": get(boss, url, {"fresh": "1"}),
        "team_fresh": get(officer, url, {"fresh": "1"}),
        "five_years_fresh": get(boss, url, {**five_years, "fresh": "1"}),
    }
    queries = {}
    for name, fn in figures.items():
        with CaptureQueriesContext(connection) as captured:
            response = fn()
        queries[name] = (len(captured), len(response.content) // 1024)
    medians = _round_robin(figures, args.repeat)
    return {
        "database": connection.vendor,
        "people": args.people,
        "events": events,
        "seed_s": seed_s,
        "repeat": args.repeat,
        **{f"{name}_ms": value for name, value in medians.items()},
        **{f"{name}_queries": q for name, (q, _) in queries.items()},
        **{f"{name}_kb": kb for name, (_, kb) in queries.items()},
        **_noise(args.repeat),
    }


if __name__ == "__main__":
    main()
