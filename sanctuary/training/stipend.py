"""Attendance as a condition on the stipend (per funder rule, ticked in stipends).

For each month, a person who had training sessions that month is paid in proportion to the
attendance share of those sessions when it is below their course's minimum; at or above the
minimum they are paid in full. Only sessions held while they had a seat, up to today,
count. The line's basis says so in words: "training attendance 63%,
below 80%: 63% paid". Stipends reads this through ``sanctuary.people.support`` and never
imports training.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sanctuary.people.support import Adjustment, StipendCondition
from sanctuary.training.actions import attendance_share
from sanctuary.training.models import TAKING_PART, Application, AppState, CohortState


def evaluate(person_ids: list[int], first: date, last: date) -> dict[int, Adjustment]:
    """Person id -> what their attendance does to this month's payment.

    Counted as ``attendance_share`` counts (graduation counts the same way): sessions held
    from the first of the month, or the day the person got their seat, until the end of the
    month or today, whichever comes first, or the day they withdrew. A cancelled cohort
    counts for nothing, and neither does a day that has not happened yet: a run drafted on
    the 3rd judges three days, not thirty.
    """
    until = min(last, timezone.localdate())
    if until < first:
        return {}
    rows = dict(
        (pk, (person_id, minimum))
        for pk, person_id, minimum in Application.objects.filter(
            person_id__in=person_ids,
            seated_at__isnull=False,
            state__in=(*TAKING_PART, AppState.WITHDRAWN),
            cohort__start__lte=until,
            cohort__end__gte=first,
        )
        .exclude(cohort__state=CohortState.CANCELLED)
        .values_list("pk", "person_id", "cohort__course__min_attendance")
    )
    # A person in two cohorts in one month: the lower share decides.
    result: dict[int, Adjustment] = {}
    for app_id, (done, held) in attendance_share(list(rows), until=until, first=first).items():
        if held <= 0:
            continue
        person_id, minimum = rows[app_id]
        share = (done / held).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        percent = int(share * 100)
        if percent >= minimum:
            continue
        previous = result.get(person_id)
        if previous is None or share < previous.share:
            result[person_id] = Adjustment(share=share, code=f"attendance:{percent}:{minimum}")
    return result


def describe(code: str) -> str:
    _name, percent, minimum = ([*code.split(":"), "", "", ""])[:3]
    return gettext("training attendance %(share)s%%, below %(minimum)s%%: %(share)s%% paid") % {
        "share": percent,
        "minimum": minimum,
    }


ATTENDANCE = StipendCondition(
    code="training_attendance",
    label=_("Pay in proportion to training attendance when it is below the course's minimum"),
    evaluate=evaluate,
    describe=describe,
)
