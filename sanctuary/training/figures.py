"""The graduation rate for the statistics dashboard (``sanctuary.lib.figures``): of the
people assessed in cohorts that ended in a month, the share who graduated. Application
states and cohort dates only."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanctuary.lib.figures import LINE, PERCENT, Figure, FigureData, FigureScope, in_period, month_bucket
from sanctuary.training.models import Application, AppState


def graduation_rate(scope: FigureScope) -> FigureData:
    rows = (
        Application.objects.filter(
            in_period("cohort__end", scope.months, datetimes=False),
            person__in=scope.people.values("pk"),
            state__in=(AppState.GRADUATED, AppState.NOT_PASSED),
        )
        .annotate(bucket=month_bucket("cohort__end", scope.months, datetimes=False))
        .values("bucket")
        .annotate(n=Count("pk"), passed=Count("pk", filter=Q(state=AppState.GRADUATED)))
        .order_by()
    )
    values: list[float | None] = [None] * len(scope.months)
    passed = assessed = 0
    for row in rows:
        if row["bucket"] is not None and row["n"]:
            values[row["bucket"]] = round(100 * row["passed"] / row["n"], 1)
            passed, assessed = passed + row["passed"], assessed + row["n"]
    summary = _("%(passed)s of %(assessed)s graduated") % {"passed": passed, "assessed": assessed}
    return FigureData(
        x_labels=scope.month_labels(), series=[(_("Graduated"), values)], kind=LINE, unit=PERCENT, summary=summary
    )


# Declared in module.py (``Stage(figures=FIGURES)``).
FIGURES = (Figure("graduation_rate", gettext_lazy("Training graduation rate"), graduation_rate, order=50),)
