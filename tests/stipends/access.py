"""Access matrix: stipends."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from sanctuary.stipends.models import Funder, PaymentLine, PaymentRun, StipendRule
from tests.access import ORG, TEAM, Url

STIPENDS = frozenset({"director", "finance_officer"})


def _run(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["payrun"]}


URLS = [
    Url("stipends:runs", "GET", STIPENDS),
    Url("stipends:funders", "GET", STIPENDS),
    Url("stipends:funder", "GET", STIPENDS, ORG, lambda o: {"pk": o["funder"]}),
    Url("stipends:run", "GET", STIPENDS, ORG, _run),
    Url("stipends:approve", "POST", STIPENDS, ORG, _run),
    Url("stipends:disburse", "POST", STIPENDS, ORG, _run),
    Url("stipends:reconcile", "POST", STIPENDS, ORG, _run),
    Url("stipends:upload", "POST", STIPENDS, ORG, _run),
    Url("stipends:download", "POST", STIPENDS, ORG, lambda o: {"pk": o["payrun"], "kind": "csv"}),
    Url("stipends:line_review", "POST", STIPENDS, TEAM, lambda o: {"pk": o["payrun"], "line_id": o["line"]}),
    Url("stipends:ledger", "GET", STIPENDS, TEAM, lambda o: {"person_pk": o["person"].pk}),
    Url("stipends:reports", "GET", STIPENDS),
]


def objects(world: Any) -> dict[str, Any]:
    """A funder and a run of the organisation, with one line for the team's person."""
    funder = Funder.objects.create(name=f"Funder {world.team.pk}")
    StipendRule.objects.create(funder=funder, effective_from=date(2026, 1, 1), single_amount=700, family_amount=1400)
    finance = world.users["finance_officer"]
    run = PaymentRun.objects.create(
        funder=funder, month=date(2026, 11, 1), drafted_by=finance, drafted_at=timezone.now()
    )
    line = PaymentLine.objects.create(
        run=run,
        person=world.person,
        funder=funder,
        month=run.month,
        amount=700,
        currency="THB",
        basis="single",
        needs_review=True,
    )
    return {"funder": funder.pk, "payrun": run.pk, "line": line.pk}
