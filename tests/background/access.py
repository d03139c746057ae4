"""Access matrix: the jobs page. Everyone sees their own jobs; a file goes to the starter only."""

from __future__ import annotations

from typing import Any

from sanctuary.background.models import Job, JobState
from tests.access import ALL, NONE, ORG, Url

URLS = [
    Url("background:list", "GET", ALL, NONE),
    # A job of the stipends module: its users (and directors) see it, whatever their team.
    Url("background:detail", "GET", frozenset({"director", "finance_officer"}), ORG, lambda o: {"pk": o["job"]}),
    # Only the one who started it takes its file: everyone else gets 404.
    Url("background:download", "POST", frozenset(), ORG, lambda o: {"pk": o["job"]}),
]


def objects(world: Any) -> dict[str, Any]:
    job = Job.objects.create(
        kind="stipends.export", module="stipends", state=JobState.DONE, started_by=world.users["finance_officer"]
    )
    return {"job": job.pk}
