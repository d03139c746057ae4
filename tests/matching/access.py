"""Access matrix: duplicates and partner linkage."""

from __future__ import annotations

from typing import Any

from sanctuary.background.models import Job, JobState
from sanctuary.matching.models import MatchReview, PartnerMatch, PartnerRun
from tests.access import DIRECTOR, ORG, TEAM, Url
from tests.factories import PersonFactory, UserFactory

DUPLICATES = frozenset({"director", "intake_officer", "vetting_officer"})

URLS = [
    Url("matching:queue", "GET", DUPLICATES),
    Url("matching:scan", "POST", DUPLICATES),
    Url("matching:scan_progress", "GET", DUPLICATES, ORG, lambda o: {"pk": o["scan"]}),
    Url("matching:confirm", "GET", DUPLICATES, TEAM, lambda o: {"pk": o["proposed_review"]}),
    Url("matching:decide", "POST", DUPLICATES, TEAM, lambda o: {"pk": o["review"], "decision": "unsure"}),
    Url("matching:partners", "GET", DIRECTOR),
    Url("matching:partner_export", "POST", DIRECTOR),
    Url("matching:partner_run", "GET", DIRECTOR, ORG, lambda o: {"pk": o["run"]}),
    Url("matching:partner_import", "POST", DIRECTOR, ORG, lambda o: {"pk": o["run"]}),
    Url("matching:partner_decide", "POST", DIRECTOR, TEAM, lambda o: {"pk": o["partner_match"], "decision": "unsure"}),
]


def objects(world: Any) -> dict[str, Any]:
    run = PartnerRun.objects.create(partner="P", key_fingerprint="f")
    return {
        "scan": Job.objects.create(kind="matching.scan", module="duplicates", state=JobState.DONE).pk,
        "run": run.pk,
        "partner_match": PartnerMatch.objects.create(run=run, person=world.person, partner_ref="x", score=0.9).pk,
        "review": MatchReview.objects.create(
            person_a=world.person, person_b=PersonFactory(team=world.team), score=0.5
        ).pk,
        # "Same person" proposed by a colleague: the confirmation page has something to show.
        "proposed_review": MatchReview.objects.create(
            person_a=world.person,
            person_b=PersonFactory(team=world.team),
            score=0.9,
            decision="proposed",
            proposed_by=UserFactory(),
        ).pk,
    }
