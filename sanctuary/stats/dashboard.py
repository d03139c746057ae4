"""The internal statistics dashboard: every declared figure (``sanctuary.lib.stages.figures``)
for the people the user may see, in the period and team chosen, drawn as SVG on the server.

Only clear columns are read (the figures' own rule), so the page works while the vault is
sealed. Each figure runs a fixed number of aggregate queries: the page's query count does not
grow with the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sanctuary.accounts.models import Team
from sanctuary.accounts.policy import can_use, sees_all_people
from sanctuary.lib import stages
from sanctuary.lib.figures import COUNT, MONEY, PERCENT, Figure, FigureData, FigureScope
from sanctuary.people.models import Person
from sanctuary.stats import charts


@dataclass
class Shown:
    figure: Figure
    data: FigureData
    svg: str

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
        shown.append(Shown(figure, data, charts.render(data, label=str(figure.label))))
    return shown
