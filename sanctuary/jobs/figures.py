"""Employment at three months for the statistics dashboard (``sanctuary.lib.figures``): of
the three-month follow-ups recorded, by month due, the share still employed. Dates and the
yes/no answer only."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanctuary.jobs.models import FollowUp
from sanctuary.lib.figures import LINE, PERCENT, Figure, FigureData, FigureScope, in_period, month_bucket


def employed_at_three_months(scope: FigureScope) -> FigureData:
    rows = (
        FollowUp.objects.filter(
            in_period("due", scope.months, datetimes=False),
            placement__person__in=scope.people.values("pk"),
            months=3,
            still_employed__isnull=False,
        )
        .annotate(bucket=month_bucket("due", scope.months, datetimes=False))
        .values("bucket")
        .annotate(n=Count("pk"), employed=Count("pk", filter=Q(still_employed=True)))
        .order_by()
    )
    values: list[float | None] = [None] * len(scope.months)
    employed = asked = 0
    for row in rows:
        if row["bucket"] is not None and row["n"]:
            values[row["bucket"]] = round(100 * row["employed"] / row["n"], 1)
            employed, asked = employed + row["employed"], asked + row["n"]
    summary = _("%(employed)s of %(asked)s still employed after 3 months") % {"employed": employed, "asked": asked}
    return FigureData(
        x_labels=scope.month_labels(), series=[(_("Still employed"), values)], kind=LINE, unit=PERCENT, summary=summary
    )


# Declared in module.py (``Stage(figures=FIGURES)``).
FIGURES = (Figure("employed_3_months", gettext_lazy("Employment at 3 months"), employed_at_three_months, order=60),)
