"""Referrals by outcome for the statistics dashboard (``sanctuary.lib.figures``): referrals
sent each month, by their state now. States and dates only, never what was written."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanctuary.care.models import Referral, ReferralState
from sanctuary.lib.figures import STACKED, Figure, FigureData, FigureScope, in_period, month_bucket, per_month


def referrals_by_outcome(scope: FigureScope) -> FigureData:
    rows = list(
        Referral.objects.filter(in_period("sent_at", scope.months), person__in=scope.people.values("pk"))
        .annotate(bucket=month_bucket("sent_at", scope.months))
        .values("bucket", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    series = [
        (state.label, per_month([r for r in rows if r["state"] == state.value], scope.months))
        for state in ReferralState
    ]
    summary = _("%(sent)s referrals sent") % {"sent": sum(r["n"] for r in rows)}
    return FigureData(x_labels=scope.month_labels(), series=series, kind=STACKED, summary=summary)


# Declared in module.py (``Stage(figures=FIGURES)``).
FIGURES = (Figure("referrals", gettext_lazy("Referrals by outcome"), referrals_by_outcome, order=70),)
