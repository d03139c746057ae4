"""The internal statistics dashboard: every declared figure (``sanctuary.lib.stages.figures``)
for the people the user may see, in the period and team chosen, drawn as SVG on the server.

Only clear columns are read (the figures' own rule), so the page works while the vault is
sealed. Each figure runs a fixed number of aggregate queries: the page's query count does not
grow with the data.

The figures and their charts are kept as a **snapshot** in the cache for
``settings.STATS_SNAPSHOT_SECONDS`` (five minutes by default; 0 computes every time), keyed
by what the user may see (everyone, or their teams), the figures their modules show, the
team and months chosen and the language: over 100,000 people the figures take most of a
second to count and the charts tens of milliseconds each to draw, which a dashboard opened
many times a day need not pay each time (``tests/bench/stats_bench.py``). The page says when
its figures were counted, and "count again" recomputes them at once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from sanctuary.accounts.models import Team
from sanctuary.accounts.policy import can_use, sees_all_people
from sanctuary.lib import stages
from sanctuary.lib.figures import COUNT, MONEY, PERCENT, Figure, FigureData, FigureScope
from sanctuary.people.models import Person
from sanctuary.stats import charts


@dataclass
class Shown:
    code: str
    label: str
    data: FigureData
    svg: str

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "data": self.data.as_json(), "svg": self.svg}

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> Shown:
        data = stored["data"]
        figure = FigureData(
            x_labels=data["x_labels"],
            series=[(label, values) for label, values in data["series"]],
            kind=data["kind"],
            unit=data["unit"],
            summary=data["summary"],
            notes=data["notes"],
        )
        return cls(stored["code"], stored["label"], figure, stored["svg"])

    @property
    def headings(self) -> list[str]:
        return [str(label) for label, _values in self.data.series]

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        """The values as text, month by month, for the table under each chart."""

        def shown(value: float | None) -> str:
            if value is None:
                return "—"
            text = f"{value:,.0f}" if self.data.unit in (COUNT, MONEY) else f"{value:,.1f}"
            return f"{text} %" if self.data.unit == PERCENT else text

        columns = [values for _label, values in self.data.series]
        return [(x, [shown(values[n]) for values in columns]) for n, x in enumerate(self.data.x_labels)]


def teams_for(user: Any) -> list[tuple[int, str]]:
    teams = Team.objects.order_by("name")
    if not sees_all_people(user):
        teams = teams.filter(pk__in=user.team_ids)
    return list(teams.values_list("pk", "name"))


def scope_for(user: Any, months: list[date], team: int | None) -> FigureScope:
    people = Person.objects.visible_to(user)
    if team is not None:
        people = people.filter(team_id=team)
    return FigureScope(people=people, months=months, user=user)


def figures_for(user: Any) -> list[Figure]:
    return [f for f in stages.figures() if not f.module or can_use(user, f.module)]


def compute(user: Any, scope: FigureScope) -> list[Shown]:
    shown = []
    for figure in figures_for(user):
        data = figure.compute(scope)
        shown.append(Shown(figure.code, str(figure.label), data, charts.render(data, label=str(figure.label))))
    return shown


def _key(user: Any, scope: FigureScope, team: int | None) -> str:
    seen = "all" if sees_all_people(user) else sorted(user.team_ids)
    parts = [seen, team, scope.first.isoformat(), scope.months[-1].isoformat(), get_language()]
    parts.append([f.code for f in figures_for(user)])
    return "stats:dashboard:" + hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def snapshot(user: Any, scope: FigureScope, team: int | None, *, fresh: bool = False) -> tuple[list[Shown], datetime]:
    """The figures for this user, period and team, and when they were counted."""
    seconds = int(getattr(settings, "STATS_SNAPSHOT_SECONDS", 300))
    key = _key(user, scope, team)
    stored = cache.get(key) if seconds > 0 and not fresh else None
    if stored is not None:
        return [Shown.from_json(s) for s in stored["figures"]], datetime.fromisoformat(stored["at"])
    shown, at = compute(user, scope), timezone.now()
    if seconds > 0:
        cache.set(key, {"figures": [s.as_json() for s in shown], "at": at.isoformat()}, seconds)
    return shown, at
