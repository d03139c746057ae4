"""Attendance as a condition on the stipend (per funder rule, ticked in stipends).

For each month, a person who had training sessions that month is paid in proportion to the
attendance share of those sessions when it is below their course's minimum; at or above the
minimum they are paid in full. The line's basis says so in words: "training attendance 63%,
below 80%: 63% paid". Stipends reads this through ``sanctuary.people.support`` and never
imports training.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sanctuary.people.support import Adjustment, StipendCondition
from sanctuary.training.models import TAKING_PART, Application, Attendance, Session


def evaluate(person_ids: list[int], first: date, last: date) -> dict[int, Adjustment]:
    applications = list(
        Application.objects.filter(
            person_id__in=person_ids, state__in=TAKING_PART, cohort__start__lte=last, cohort__end__gte=first
        ).values_list("pk", "person_id", "cohort_id", "cohort__course__min_attendance")
    )
    if not applications:
        return {}
    cohorts = {cohort_id for _pk, _person, cohort_id, _min in applications}
    held: dict[int, int] = {}
    for cohort_id in Session.objects.filter(
        cohort_id__in=cohorts, cancelled=False, day__gte=first, day__lte=last
    ).values_list("cohort_id", flat=True):
        held[cohort_id] = held.get(cohort_id, 0) + 1
    done: dict[int, Decimal] = {}
    excused: dict[int, int] = {}
    for app_id, weight, counts in Attendance.objects.filter(
        application_id__in=[a[0] for a in applications],
        session__cancelled=False,
        session__day__gte=first,
        session__day__lte=last,
    ).values_list("application_id", "status__weight", "status__counts"):
        if counts:
            done[app_id] = done.get(app_id, Decimal(0)) + weight
        else:
            excused[app_id] = excused.get(app_id, 0) + 1
    # A person in two cohorts in one month: the lower share decides.
    result: dict[int, Adjustment] = {}
    for app_id, person_id, cohort_id, minimum in applications:
        days = held.get(cohort_id, 0) - excused.get(app_id, 0)
        if days <= 0:
            continue
        share = (done.get(app_id, Decimal(0)) / days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
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
