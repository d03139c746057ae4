"""Stipend spend by funder for the statistics dashboard (``sanctuary.lib.figures``): the
payments marked paid, by payment month. Amounts, months and funders are clear columns."""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanctuary.lib.figures import MONEY, STACKED, Figure, FigureData, FigureScope
from sanctuary.stipends.models import STIPENDS, LineStatus, PaymentLine


def spend(scope: FigureScope) -> FigureData:
    rows = (
        PaymentLine.objects.filter(
            person__in=scope.people.values("pk"),
            status=LineStatus.PAID,
            month__gte=scope.first,
            month__lt=scope.end,
        )
        .values("funder__name", "currency", "month")
        .annotate(total=Sum("amount"))
        .order_by("funder__name", "month")
    )
    index = {month: n for n, month in enumerate(scope.months)}
    by_funder: dict[str, list[float | None]] = {}
    for row in rows:
        values = by_funder.setdefault(f"{row['funder__name']} ({row['currency']})", [0] * len(scope.months))
        values[index[row["month"]]] = float(row["total"])
    total = sum(v or 0 for values in by_funder.values() for v in values)
    summary = _("%(total)s paid in all") % {"total": f"{total:,.0f}"}
    return FigureData(
        x_labels=scope.month_labels(), series=list(by_funder.items()), kind=STACKED, unit=MONEY, summary=summary
    )


# Declared in module.py (``Stage(figures=FIGURES)``).
FIGURES = (Figure("stipend_spend", gettext_lazy("Stipend spend by funder"), spend, module=STIPENDS, order=40),)
