"""Bed occupancy for the statistics dashboard (``sanctuary.lib.figures``): the share of beds
in use held on the middle night (the 15th) of each month. Stay dates and beds only."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanctuary.lib.figures import LINE, PERCENT, Figure, FigureData, FigureScope
from sanctuary.shelter.models import Bed, Stay


def _holding(night: date) -> Q:
    """The rule of ``StayQuerySet.holding``, as a condition for one aggregate."""
    return (
        Q(start__lte=night)
        & (Q(ended_on__isnull=True) | Q(ended_on__gt=night))
        & (Q(planned_end__gte=night) | Q(ended_on__isnull=True))
    )


def occupancy(scope: FigureScope) -> FigureData:
    nights = [m.replace(day=15) for m in scope.months]
    beds = Bed.objects.filter(active=True, room__house__active=True).count()
    stays = Stay.objects.filter(person__in=scope.people.values("pk"), start__lt=scope.end).exclude(
        ended_on__lt=scope.first
    )
    held = stays.aggregate(**{f"m{n}": Count("pk", filter=_holding(night)) for n, night in enumerate(nights)})
    values: list[float | None] = [round(100 * held[f"m{n}"] / beds, 1) if beds else None for n in range(len(nights))]
    known = [v for v in values if v is not None]
    summary = _("%(share)s %% of %(beds)s beds held on average") % {
        "share": round(sum(known) / len(known)) if known else "—",
        "beds": beds,
    }
    return FigureData(
        x_labels=scope.month_labels(), series=[(_("Beds held"), values)], kind=LINE, unit=PERCENT, summary=summary
    )


# Declared in module.py (``Stage(figures=FIGURES)``).
FIGURES = (Figure("occupancy", gettext_lazy("Bed occupancy"), occupancy, order=30),)
