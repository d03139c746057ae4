"""Training screens, in their own process and throw-away database; prints JSON for tests.bench.run.

python -m tests.bench.training_bench [--repeat 40] [--postgres postgres://postgres@127.0.0.1:5432/postgres]

- the attendance page of one session of a 12-person cohort (every held day already marked);
- the cohort list with 200 cohorts in mixed states (170 not ended, so listed);
- a bare view as the anchor: one trivial query and a tiny template, through the same test
  client, session, login, 2FA and middleware stack, so a ratio says what the page itself costs.

Everything is written through ``sanctuary.training.actions`` (applications, a selection
proposed by one trainer and confirmed by another, attendance), with the vault unsealed. The
requests are timed round-robin (bare, attendance, list, bare, …) so drift on a noisy machine
hits all three alike; the medians are printed. Never a pass/fail timing test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import types
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tests.bench.harness import in_throwaway_database, setup_django

PEOPLE_IN_SESSION = 12
COHORTS = 200
# (state, how many) for the cohort list: 170 of 200 are not ended.
MIX = (("enrolling", 90), ("running", 50), ("draft", 30), ("graduated", 20), ("cancelled", 10))
BARE_URL = "/bench/bare/"


def _bare_view(request: Any) -> Any:
    """The anchor: what every page pays before it does anything of its own (session, user,
    2FA device, vault epoch, and the context processors' navigation badges, as ``render``
    runs them for any template)."""
    from django.http import HttpResponse
    from django.template import engines

    from sanctuary.training.models import Course

    template = engines["django"].from_string("<!doctype html><title>bare</title><p>{{ n }} {{ request.user }}</p>")
    return HttpResponse(template.render({"n": Course.objects.count()}, request))


def _urlconf() -> str:
    """The project's URLs plus the bare view, as a module Django can name in ROOT_URLCONF."""
    from django.urls import path

    from sanctuary import urls

    module = types.ModuleType("tests.bench._training_bench_urls")
    module.urlpatterns = [path(BARE_URL.strip("/") + "/", _bare_view), *urls.urlpatterns]  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    return module.__name__


def _round_robin(figures: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    for fn in figures.values():  # warm up: templates compiled, translations loaded, caches filled
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
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    in_throwaway_database(args.postgres, lambda: _run(args))


def _run(args: argparse.Namespace) -> dict[str, object]:
    settings = setup_django()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # users are made, not timed
    settings.ROOT_URLCONF = _urlconf()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from sanctuary.training import actions
    from sanctuary.training.models import AttendanceStatus, CohortState, CourseKind, StatusSet
    from sanctuary.vault import state
    from tests.conftest import verified_client
    from tests.factories import TeamFactory, UserFactory
    from tests.shelter.helpers import accepted
    from tests.training import helpers

    call_command("migrate", verbosity=0)
    state.unseal_with_shares(state.initialise(3, 2)[:2])
    team = TeamFactory(name="Training centre")
    trainer = UserFactory(roles=["trainer"], teams=[team], username="trainer", language="my")
    second = UserFactory(roles=["trainer"], teams=[team], username="trainer2", language="my")
    director = UserFactory(roles=["director"], username="director")  # only a director names a trainer
    officers = (UserFactory(roles=["vetting_officer"]), UserFactory(roles=["vetting_officer"]))
    people = [accepted(team, officers, alias=f"ကိုမင်း {n}") for n in range(60)]
    today = timezone.localdate()

    # 1. One running cohort of 12, seated by a selection two trainers made; every held day marked.
    course = helpers.course(trainer, weeks=6, seats=PEOPLE_IN_SESSION, weekdays="0123456")
    cohort = actions.do_create_cohort(director, course, today - timedelta(days=20), trainer=trainer)
    actions.do_set_cohort_state(trainer, cohort, CohortState.ENROLLING)
    apps = [actions.do_apply(trainer, p, cohort, "ဖုန်းပြင်ချင်လို့") for p in people[:PEOPLE_IN_SESSION]]
    actions.do_confirm_selection(second, actions.do_propose_selection(trainer, cohort))
    actions.do_set_cohort_state(trainer, cohort, CohortState.RUNNING)
    by_code = {s.code: s.pk for s in AttendanceStatus.objects.filter(status_set=StatusSet.current())}
    week = ("present", "present", "late", "present", "present", "absent", "present")  # most come, some don't
    held = list(cohort.sessions.filter(day__lte=today).order_by("day"))
    for n, session in enumerate(held):
        marks = {app.pk: by_code[week[(n + i) % len(week)]] for i, app in enumerate(apps)}
        actions.do_take_attendance(trainer, session, marks)
    day = held[-1].day

    # 2. 199 more cohorts of 10 courses (one in three a group), in mixed states, with applications.
    courses = [
        helpers.course(trainer, name_en=f"Course {n}", weeks=6, seats=10)
        if n % 3
        else helpers.group_course(trainer, name_en=f"Group {n}", weeks=4, weekdays="5", seats=30)
        for n in range(10)
    ]
    vocational = [c for c in courses if c.kind == CourseKind.VOCATIONAL]
    groups = [c for c in courses if c.kind == CourseKind.CIVIC]
    made = 1
    for wanted, count in MIX:
        for n in range(count - (1 if wanted == "running" else 0)):  # the 12-person cohort runs
            of = groups[n % len(groups)] if wanted == "graduated" else courses[(made + n) % len(courses)]
            start = today + timedelta(days=(made % 60) - 30)
            made += 1
            c = actions.do_create_cohort(director, of, start, trainer=trainer if n % 2 else second, label=f"B{made}")
            if wanted == "draft":
                continue
            if wanted == "cancelled":
                actions.do_set_cohort_state(trainer, c, CohortState.CANCELLED, "no trainer")
                continue
            actions.do_set_cohort_state(trainer, c, CohortState.ENROLLING)
            for p in people[(made * 7) % 48 : (made * 7) % 48 + 3 + made % 6]:
                actions.do_apply(trainer, p, c, "ဖုန်းပြင်ချင်လို့")
            if wanted in ("running", "graduated"):
                if not of.is_group:
                    actions.do_confirm_selection(second, actions.do_propose_selection(trainer, c))
                actions.do_set_cohort_state(trainer, c, CohortState.RUNNING)
            if wanted == "graduated":
                actions.do_end_group(trainer, c)
    assert len(vocational) and made == COHORTS
    if connection.vendor == "postgresql":  # as autovacuum would have, on a live database
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    client = verified_client(trainer)
    attendance_url = reverse("training:attendance", args=[cohort.pk, day.isoformat()])
    list_url = reverse("training:cohorts")

    def get(url: str, expect: bytes, count: int) -> Callable[[], Any]:
        def fetch() -> Any:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            assert response.content.count(expect) == count, (url, response.content.count(expect), count)
            return response

        return fetch

    listed = sum(n for s, n in MIX if s not in ("graduated", "cancelled"))
    figures = {
        "bare": get(BARE_URL, b"<p>", 1),
        "attendance": get(attendance_url, b'<fieldset class="mark', PEOPLE_IN_SESSION),
        "list": get(list_url, b'<td data-label="', listed * 7),
    }
    queries = {}
    for name, fn in figures.items():
        with CaptureQueriesContext(connection) as captured:
            response = fn()
        queries[name] = (len(captured), len(response.content) // 1024)
    medians = _round_robin(figures, args.repeat)
    return {
        "database": connection.vendor,
        "repeat": args.repeat,
        "cohorts": COHORTS,
        "listed": listed,
        "people": PEOPLE_IN_SESSION,
        **{f"{name}_ms": value for name, value in medians.items()},
        **{f"{name}_queries": q for name, (q, _) in queries.items()},
        **{f"{name}_kb": kb for name, (_, kb) in queries.items()},
    }


if __name__ == "__main__":
    main()
