"""A session day as trainers read it: the weekday in the user's language, then the date.

Django's ``date:"D"`` looks the weekday up as a bare "Mon", which is also the name of Mon
State in our catalogue (and has no Burmese in Django's); the weekdays here carry a context."""

from __future__ import annotations

from datetime import date

from django import template

from sanctuary.training.models import WEEKDAYS

register = template.Library()
_NAMES = dict(WEEKDAYS)


@register.filter
def session_day(day: date | None) -> str:
    if day is None:
        return ""
    return f"{_NAMES[day.weekday()]} {day:%Y-%m-%d}"
