"""The pipeline's figures for the statistics dashboard (``sanctuary.lib.figures``): first
contacts, acceptances and arrivals by month, and the days from first contact to arrival.
Only clear columns: the timeline's kinds, statuses and times, never a note."""

from __future__ import annotations

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanctuary.lib.figures import BAR, DAYS, LINE, Figure, FigureData, FigureScope, in_period, month_bucket, per_month
from sanctuary.people.models import EventKind, PersonEvent, Status


def _events(scope: FigureScope) -> object:
    return PersonEvent.objects.filter(in_period("at", scope.months), person__in=scope.people.values("pk"))


def funnel(scope: FigureScope) -> FigureData:
    """People per month: first contact (their record was made), accepted, arrived. A person is
    counted once per step and month, however often the status was set."""
    steps = (
        (Status.FIRST_CONTACT.label, Q(kind=EventKind.CREATED)),
        (Status.ACCEPTED.label, Q(status_to=Status.ACCEPTED)),
        (Status.ARRIVED.label, Q(status_to=Status.ARRIVED)),
    )
    bucket = month_bucket("at", scope.months)
    series = []
    for label, which in steps:
        rows = (
            _events(scope)
            .filter(which)  # type: ignore[attr-defined]
            .annotate(bucket=bucket)
            .values("bucket")
            .annotate(n=Count("person", distinct=True))
            .order_by()
        )
        series.append((label, per_month(rows, scope.months)))
    totals = [int(sum(v or 0 for v in values)) for _label, values in series]
    summary = _("%(contacts)s first contacts, %(accepted)s accepted, %(arrived)s arrived") % {
        "contacts": totals[0],
        "accepted": totals[1],
        "arrived": totals[2],
    }
    return FigureData(x_labels=scope.month_labels(), series=series, kind=BAR, summary=summary)


def days_to_arrival(scope: FigureScope) -> FigureData:
    """Average days from first contact (the record's first step) to arrival, by month of
    arrival."""
    contact = PersonEvent.objects.filter(person=OuterRef("person"), kind=EventKind.CREATED).order_by("at")
    rows = (
        _events(scope)
        .filter(status_to=Status.ARRIVED)  # type: ignore[attr-defined]
        .annotate(contact=Subquery(contact.values("at")[:1]), bucket=month_bucket("at", scope.months))
        .annotate(took=ExpressionWrapper(F("at") - F("contact"), output_field=DurationField()))
        .values("bucket")
        .annotate(n=Avg("took"), people=Count("person", distinct=True))
        .order_by()
    )
    values: list[float | None] = [None] * len(scope.months)
    weighted, people = 0.0, 0
    for row in rows:
        if row["bucket"] is None or row["n"] is None:
            continue
        days = row["n"].total_seconds() / 86400
        values[row["bucket"]] = round(days, 1)
        weighted, people = weighted + days * row["people"], people + row["people"]
    summary = _("%(days)s days on average, %(people)s arrivals") % {
        "days": round(weighted / people) if people else "—",
        "people": people,
    }
    return FigureData(
        x_labels=scope.month_labels(), series=[(_("Days"), values)], kind=LINE, unit=DAYS, summary=summary
    )


# Declared in module.py (``Stage(figures=FIGURES)``).
FIGURES = (
    Figure("funnel", gettext_lazy("First contacts, accepted, arrived"), funnel, order=10),
    Figure("days_to_arrival", gettext_lazy("Days from first contact to arrival"), days_to_arrival, order=20),
)
