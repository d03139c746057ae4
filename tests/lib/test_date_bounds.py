"""Every date field has sane bounds (``sanctuary.lib.bounds``): found by walking every form
class of every module of every Sanctuary app, so a new date field without a range fails here.
Each field refuses year 9999, year 1800 and year 1 with "Give a date between … and …", and
accepts the ends of its own range."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.utils import timezone, translation

from sanctuary.lib import bounds
from sanctuary.lib.forms import DATE_FIELDS, WithinBounds

FAR = ("9999-12-31", "1800-01-01", "0001-01-01")


def _modules() -> Iterator[Any]:
    for app in apps.get_app_configs():
        if not app.name.startswith("sanctuary."):
            continue
        package = importlib.import_module(app.name)
        yield package
        for found in pkgutil.iter_modules(package.__path__):
            if found.name not in {"migrations", "management", "templatetags", "tests"}:
                yield importlib.import_module(f"{app.name}.{found.name}")


def _is_partial_date(form_class: type[forms.BaseForm], name: str, field: forms.Field) -> bool:
    """A text field that holds a date: cleaned as a partial date, or a month picker."""
    if not isinstance(field, forms.CharField):
        return False
    if field.widget.attrs.get("type") == "month" or getattr(field.widget, "input_type", "") == "month":
        return True
    clean = getattr(form_class, f"clean_{name}", None)
    return clean is not None and "clean_partial_date" in clean.__code__.co_names


def date_fields() -> list[tuple[str, str, forms.Field]]:
    """(form class, field name, field) for every date field of every form, each once."""
    found: dict[int, tuple[str, str, forms.Field]] = {}
    made: list[forms.BaseForm] = []
    for module in _modules():
        for key, form_class in vars(module).items():
            if (
                inspect.isclass(form_class)
                and issubclass(form_class, forms.BaseFormSet)
                and hasattr(form_class, "form")
            ):
                # A formset factory rebuilds its form's model fields: look at a form it makes.
                form = form_class.form(prefix=f"{form_class.__name__}-0")
                made.append(form)  # kept alive: an id is not reused while the walk runs
                for name, field in form.fields.items():
                    if isinstance(field, DATE_FIELDS) or _is_partial_date(form_class.form, name, field):
                        found.setdefault(id(field), (f"{module.__name__}.{key}", name, field))
                continue
            if not (inspect.isclass(form_class) and issubclass(form_class, forms.BaseForm)):
                continue
            if form_class.__module__ != module.__name__:
                continue
            for name, field in getattr(form_class, "base_fields", {}).items():
                if isinstance(field, DATE_FIELDS) or _is_partial_date(form_class, name, field):
                    found.setdefault(id(field), (f"{module.__name__}.{form_class.__name__}", name, field))
    return list(found.values())


FIELDS = date_fields()


def _typed(field: forms.Field, day: str) -> str:
    if isinstance(field, forms.DateTimeField):
        return f"{day} 10:00"
    if isinstance(field, forms.CharField) and (
        field.widget.attrs.get("type") == "month" or getattr(field.widget, "input_type", "") == "month"
    ):
        return day[:7]
    return day


def test_every_date_field_of_every_form_has_bounds() -> None:
    """No date field is left without a range: year 9999 would pass, and the actions behind it
    would write a row per day (or overflow)."""
    assert len(FIELDS) >= 55, "the walk found too few date fields: is it still looking at every form?"
    missing = [
        f"{form}.{name}"
        for form, name, field in FIELDS
        if not isinstance(getattr(field, "bounds", None), bounds.DateRange)
    ]
    assert missing == []
    unchecked = [
        f"{form}.{name}"
        for form, name, field in FIELDS
        if WithinBounds(field.bounds) not in field.validators  # type: ignore[attr-defined]
    ]
    assert unchecked == []
    names = {(form.rsplit(".", 1)[1], name) for form, name, _ in FIELDS}
    assert {
        ("PersonForm", "birth_date"),
        ("PersonForm", "defection_date"),
        ("HouseholdFormSet", "birth_date"),
        ("StageFormSet", "planned_on"),
        ("EventForm", "on"),
        ("DraftForm", "month"),
    } <= names


@pytest.mark.parametrize("typed", FAR)
@pytest.mark.parametrize(("form", "name", "field"), FIELDS, ids=[f"{f.rsplit('.', 1)[1]}.{n}" for f, n, _ in FIELDS])
def test_far_dates_are_refused_naming_the_range(form: str, name: str, field: forms.Field, typed: str) -> None:
    with translation.override("en"):
        with pytest.raises(forms.ValidationError) as refused:
            field.clean(_typed(field, typed))
        assert [e.code for e in refused.value.error_list] == ["date_range"]
        earliest, latest = field.bounds.limits()  # type: ignore[attr-defined]
        assert refused.value.messages == [f"Give a date between {earliest.isoformat()} and {latest.isoformat()}."]


@pytest.mark.parametrize(("form", "name", "field"), FIELDS, ids=[f"{f.rsplit('.', 1)[1]}.{n}" for f, n, _ in FIELDS])
def test_the_ends_of_each_range_are_accepted_and_a_day_beyond_is_not(form: str, name: str, field: forms.Field) -> None:
    earliest, latest = field.bounds.limits()  # type: ignore[attr-defined]
    for day in (earliest, latest):
        field.clean(_typed(field, day.isoformat()))
    month = _typed(field, "2000-01-01") == "2000-01"
    if month:  # a month is in range when any of its days is
        before, after = earliest.replace(day=1) - dt.timedelta(days=1), latest.replace(day=28) + dt.timedelta(days=7)
    else:
        before, after = earliest - dt.timedelta(days=1), latest + dt.timedelta(days=1)
    for day in (before, after):
        with pytest.raises(forms.ValidationError):
            field.clean(_typed(field, day.isoformat()))


def test_ranges_fit_their_meaning() -> None:
    today = timezone.localdate()
    assert bounds.BIRTH.limits(today) == (dt.date(1930, 1, 1), today)
    assert bounds.DEFECTION.limits(today)[0] == dt.date(1988, 1, 1)
    first, last = bounds.STAY_START.limits(today)
    assert (today - first).days == (last - today).days == 365
    assert bounds.CHECK_IN.limits(today)[1] == today + dt.timedelta(days=60)
    assert bounds.STAY_LONGEST <= 2 * 365 + 1


def test_a_partial_date_is_in_range_when_any_of_its_days_is() -> None:
    from sanctuary.lib.dates import PartialDate

    assert bounds.BIRTH.holds(PartialDate(1930))
    assert bounds.BIRTH.holds(PartialDate(1930, 12))
    assert not bounds.BIRTH.holds(PartialDate(1929, 12))
    assert not bounds.BIRTH.holds(PartialDate(timezone.localdate().year + 1))
