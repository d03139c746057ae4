"""Employers, openings and placements made through the real actions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from sanctuary.jobs import actions
from sanctuary.jobs.models import Employer, Opening, Placement
from sanctuary.people.models import Region
from sanctuary.people.work import Trade


def employer(user: Any, code_name: str = "Garage M3") -> Employer:
    return actions.do_save_employer(
        user,
        Employer(code_name=code_name, sector="repair", region=Region.THAILAND, contact="Ko Min 081"),
        ["code_name"],
    )


def opening(user: Any, of: Employer | None = None, trade: str = Trade.MOTORCYCLE) -> Opening:
    return actions.do_save_opening(
        user,
        Opening(employer=of or employer(user), trade=trade, title="Mechanic", pay=Decimal(450), hours_per_week=48),
        ["trade"],
    )


def working(user: Any, person: Any, at: Opening, days_ago: int = 30) -> Placement:
    """Proposed, interviewed, offered and started ``days_ago``."""
    placement = actions.do_propose(user, person, at)
    actions.do_advance(user, placement)
    actions.do_advance(user, placement)
    started: date = timezone.localdate() - timedelta(days=days_ago)
    return actions.do_start(user, placement, started_on=started, wage=Decimal(450), wage_unit="day")
