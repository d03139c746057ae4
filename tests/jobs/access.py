"""Access matrix: jobs (openings, employers, placements, follow-ups)."""

from __future__ import annotations

from typing import Any

from tests.access import NONE, ORG, TEAM, Url
from tests.jobs import helpers

JOBS = frozenset({"director", "case_worker"})


def _placement(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["placement"]}


URLS = [
    Url("jobs:openings", "GET", JOBS),
    Url("jobs:opening_new", "GET", JOBS, NONE),
    Url("jobs:opening", "GET", JOBS, ORG, lambda o: {"pk": o["opening"]}),
    Url("jobs:opening_edit", "GET", JOBS, ORG, lambda o: {"pk": o["opening"]}),
    Url("jobs:employers", "GET", JOBS),
    Url("jobs:employer_new", "GET", JOBS),
    Url("jobs:employer_edit", "GET", JOBS, ORG, lambda o: {"pk": o["employer"]}),
    Url("jobs:employer_flag", "POST", JOBS, ORG, lambda o: {"pk": o["employer"]}),
    Url("jobs:propose", "GET", JOBS, TEAM, lambda o: {"person_pk": o["person"].pk}),
    Url("jobs:placement", "GET", JOBS, TEAM, _placement),
    Url("jobs:advance", "POST", JOBS, TEAM, lambda o: {"pk": o["proposed"]}),
    Url("jobs:start", "POST", JOBS, TEAM, _placement),
    Url("jobs:end", "POST", JOBS, TEAM, _placement),
    Url("jobs:close", "POST", JOBS, TEAM, _placement),
    Url("jobs:follow_up", "POST", JOBS, TEAM, lambda o: {"pk": o["job_follow_up"]}),
]


def objects(world: Any) -> dict[str, Any]:
    """``world.person`` working at a garage (with follow-ups), and proposed for another job."""
    director = world.users["director"]
    garage = helpers.employer(director, "Garage J1")
    placement = helpers.working(director, world.person, helpers.opening(director, garage))
    other = helpers.opening(director, helpers.employer(director, "Shop J2"))
    from sanctuary.jobs import actions

    proposed = actions.do_propose(director, world.person, other)
    return {
        "person": world.person,
        "employer": garage.pk,
        "opening": other.pk,
        "placement": placement.pk,
        "proposed": proposed.pk,
        "job_follow_up": placement.follow_ups.first().pk,  # type: ignore[union-attr]
    }
