"""Access matrix: statistics (the dashboard for directors and finance officers; published
tables, the release ledger, others' figures and the policy for directors only)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sanctuary.stats import actions
from sanctuary.stats.models import ExternalFigure
from tests.access import ORG, Url
from tests.stats import helpers

STATS = frozenset({"director", "finance_officer"})
PUBLISH = frozenset({"director"})


def _release(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["stats_release"]}


URLS = [
    Url("stats:index", "GET", STATS),
    Url("stats:tables", "GET", PUBLISH),
    Url("stats:table_new", "GET", PUBLISH),
    Url("stats:table_edit", "GET", PUBLISH, ORG, lambda o: {"pk": o["stats_table"]}),
    Url("stats:propose", "POST", PUBLISH, ORG, lambda o: {"pk": o["stats_table"]}),
    Url("stats:release", "GET", PUBLISH, ORG, _release),
    Url("stats:approve", "POST", PUBLISH, ORG, lambda o: {"pk": o["stats_pending"]}),
    Url("stats:withdraw", "POST", PUBLISH, ORG, lambda o: {"pk": o["stats_pending"]}),
    Url("stats:download", "GET", STATS, ORG, lambda o: {"pk": o["stats_release"], "file_format": "csv"}),
    Url("stats:external_new", "GET", PUBLISH),
    Url("stats:external_retire", "POST", PUBLISH, ORG, lambda o: {"pk": o["stats_figure"]}),
    Url("stats:settings", "GET", PUBLISH),
]


def objects(world: Any) -> dict[str, Any]:
    """A table released by two directors, a second table with a release waiting, and a
    figure others published."""
    director, other = world.users["director"], helpers.second_director()
    helpers.count_everyone(director)
    released = helpers.released(other, director, helpers.table(director))
    pending = actions.do_propose_release(other, helpers.table(director, title_en="Second"))
    figure = actions.do_add_external_figure(
        director,
        ExternalFigure(
            count=12341,
            what="personnel",
            as_of="mid-2024",
            source="People's Embrace",
            published_on=date(2024, 7, 5),
            retrieved_on=date(2024, 8, 1),
        ),
    )
    return {
        "stats_table": released.table_id,
        "stats_release": released.pk,
        "stats_pending": pending.pk,
        "stats_figure": figure.pk,
    }
