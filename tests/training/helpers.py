"""Courses, cohorts and seated people for the training tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from sanctuary.training import actions
from sanctuary.training.models import AppState, Cohort, CohortState, Course, CourseKind, Trade


def course(user: Any, **kwargs: Any) -> Course:
    values: dict[str, Any] = {
        "trade": Trade.MOTORCYCLE,
        "name_my": "ဆိုင်ကယ်ပြုပြင်ရေး",
        "name_en": "Motorcycle repair",
        "name_th": "ซ่อมรถจักรยานยนต์",
        "weeks": 2,
        "seats": 3,
        "min_attendance": 80,
        "assessments_required": 1,
    }
    values.update(kwargs)
    return actions.do_save_course(user, Course(**values))


def group_course(user: Any, **kwargs: Any) -> Course:
    kwargs.setdefault("kind", CourseKind.CIVIC)
    kwargs.setdefault("trade", Trade.CIVIC)
    kwargs.setdefault("name_en", "Democracy")
    kwargs.setdefault("assessments_required", 0)
    return course(user, **kwargs)


def cohort(
    user: Any, of: Course | None = None, *, start: date | None = None, state: str = CohortState.ENROLLING, **kwargs: Any
) -> Cohort:
    made = actions.do_create_cohort(
        user, of or course(user), start or timezone.localdate() + timedelta(days=3), **kwargs
    )
    if state in (CohortState.ENROLLING, CohortState.RUNNING):
        actions.do_set_cohort_state(user, made, CohortState.ENROLLING)
    if state == CohortState.RUNNING:
        actions.do_set_cohort_state(user, made, CohortState.RUNNING)
    made.refresh_from_db()
    return made


def seated(
    user: Any, people: list[Any], *, seats: int | None = None, days_ago: int = 10, **course_kwargs: Any
) -> tuple[Cohort, list[Any]]:
    """A running cohort that started ``days_ago`` days ago, with these people seated (the
    selection made directly: selection is tested apart)."""
    made = cohort(
        user,
        course(user, **course_kwargs),
        start=timezone.localdate() - timedelta(days=days_ago),
        seats=seats or len(people),
    )
    apps = [actions.do_apply(user, person, made, "reason") for person in people]
    for app in apps:
        app.state, app.seated_at = AppState.SEATED, timezone.now()
        app.save(update_fields=["state", "seated_at"])
    actions.do_set_cohort_state(user, made, CohortState.RUNNING)
    made.refresh_from_db()
    return made, apps
