"""Form behaviour shared by every form that takes text from a person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.bounds import MESSAGE, DateRange, limits_shown
from sanctuary.lib.dates import read_date
from sanctuary.lib.phones import read_phone
from sanctuary.lib.text import Encoding, normalise

ZAWGYI_CHOICE_SUFFIX = "__zawgyi"


class NormalisedTextMixin(forms.BaseForm):
    """Normalise every text field: Zawgyi to Unicode, NFC, trimmed.

    When the detector is sure, the value is converted and the field name is listed in
    ``converted_fields`` so the view can tell the user. When it is unsure, the form is
    invalid and asks "Did you mean …?"; the user's answer comes back as
    ``<field>__zawgyi`` = ``convert`` or ``keep`` (radio buttons in ``_field.html``).
    """

    converted_fields: list[str]
    zawgyi_questions: dict[str, str]

    def full_clean(self) -> None:
        self.converted_fields = []
        self.zawgyi_questions = {}
        super().full_clean()

    def _clean_fields(self) -> None:
        super()._clean_fields()  # type: ignore[misc]
        for name, field in self.fields.items():
            if not isinstance(field, forms.CharField) or name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if not isinstance(value, str) or not value:
                continue
            answer = self.data.get(self.add_prefix(name) + ZAWGYI_CHOICE_SUFFIX)
            assume = {"convert": True, "keep": False}.get(answer or "")
            result = normalise(value, assume_zawgyi=assume)
            if result.encoding is Encoding.UNSURE:
                self.zawgyi_questions[name] = result.suggestion
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("This may be typed in Zawgyi. Please choose below."),
                        code="zawgyi_unsure",
                    ),
                )
                continue
            if result.encoding is Encoding.CONVERTED and result.text != value:
                self.converted_fields.append(name)
            if field.required and not result.text:
                self.add_error(name, forms.ValidationError(field.error_messages["required"], code="required"))
                continue
            self.cleaned_data[name] = result.text

    def converted_labels(self) -> list[str]:
        return [str(self.fields[name].label or name) for name in self.converted_fields]

    def zawgyi_question_for(self, name: str) -> str | None:
        return getattr(self, "zawgyi_questions", {}).get(name)


class DateInput(forms.DateInput):
    """The browser's date picker; the value is sent as YYYY-MM-DD whatever the language. A
    bounded field's picker offers only the days of its range (``min``, ``max``)."""

    input_type = "date"
    bounds: DateRange | None = None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if self.bounds is not None:
            earliest, latest = self.bounds.limits()
            context["widget"]["attrs"].setdefault("min", earliest.isoformat())
            context["widget"]["attrs"].setdefault("max", latest.isoformat())
        return context


# --- Sane bounds on every date field (the ranges: ``sanctuary.lib.bounds``) ------------------

F = TypeVar("F", bound=type[forms.BaseForm])
DATE_FIELDS = (forms.DateField, forms.DateTimeField)


class WithinBounds:
    """A field validator: the date (a date, a date and time, or a partial date as typed) lies
    in its range, else "Give a date between … and …" with the range's days."""

    def __init__(self, bounds: DateRange) -> None:
        self.bounds = bounds

    def __call__(self, value: Any) -> None:
        if isinstance(value, str):  # a partial date or a month as typed
            reading = read_date(value, serials=False)
            if reading.problem == "year_range":  # year 9999 or 1800: outside every range
                raise forms.ValidationError(MESSAGE, code="date_range", params=limits_shown(self.bounds))
            value = reading.date
            if reading.problem or not value:
                return  # unreadable: the field's own reader says how to write it
        if value is not None and not self.bounds.holds(value):
            raise forms.ValidationError(MESSAGE, code="date_range", params=limits_shown(self.bounds))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WithinBounds) and other.bounds == self.bounds


def bounded(**ranges: DateRange) -> Callable[[F], F]:
    """Give each named date field of a form class its range: ``@bounded(start=STAY_START)``.

    Works on declared and model fields alike (it changes the class's ``base_fields``, which
    every instance copies). A date field is a ``DateField``, a ``DateTimeField``, or a text
    field holding a partial date (``clean_partial_date``) or a month. ``tests/lib/test_date_bounds``
    fails on any date field left without a range."""

    def decorate(form_class: F) -> F:
        for name, bounds in ranges.items():
            _bound(form_class.base_fields[name], bounds, f"{form_class.__name__}.{name}")  # type: ignore[attr-defined]
        made = form_class.__init__

        def __init__(self: forms.BaseForm, *args: Any, **kwargs: Any) -> None:
            made(self, *args, **kwargs)
            # A formset factory's subclass rebuilds model fields from the model: bound them again.
            for name, bounds in ranges.items():
                if name in self.fields:
                    _bound(self.fields[name], bounds, f"{form_class.__name__}.{name}")

        form_class.__init__ = __init__  # type: ignore[assignment,method-assign]
        return form_class

    return decorate


def _bound(field: forms.Field, bounds: DateRange, name: str) -> None:
    if not isinstance(field, (*DATE_FIELDS, forms.CharField)):
        raise TypeError(f"{name} is not a date field")
    field.bounds = bounds  # type: ignore[union-attr]
    if WithinBounds(bounds) not in field.validators:
        field.validators = [*field.validators, WithinBounds(bounds)]
    if isinstance(field.widget, DateInput):
        field.widget.bounds = bounds


# --- The one reading of phones and dates, with errors in the user's language -----------------

DATE_PROBLEMS = {
    "unreadable": _("Enter a year (1990), a year and month (1990-03) or a full date (1990-03-15)."),
    "year_range": _("The year must be between 1900 and this year."),
    "month_range": _("The month must be between 1 and 12."),
    "day_range": _("This day does not exist in that month."),
    "future": _("The date cannot be in the future."),
}


def clean_partial_date(value: str, *, today: dt.date | None = None) -> str:
    """A date typed into a form, stored as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (or "")."""
    reading = read_date(value, serials=False)
    if reading.problem:
        raise forms.ValidationError(DATE_PROBLEMS[reading.problem], code=reading.problem)
    date = reading.date
    if not date:
        return ""
    today = today or timezone.localdate()
    if date.year > today.year:
        raise forms.ValidationError(DATE_PROBLEMS["year_range"], code="year_range")
    if (date.year, date.month or 1, date.day or 1) > (today.year, today.month, today.day):
        raise forms.ValidationError(DATE_PROBLEMS["future"], code="future")
    return date.iso()


def clean_phone(value: str) -> str:
    """A phone number typed into a form, stored in E.164 (``sanctuary.lib.phones``)."""
    if not value.strip():
        raise forms.ValidationError(_("Enter a phone number."), code="empty")
    phone = read_phone(value)
    if not phone:
        raise forms.ValidationError(
            _("This is not a phone number we recognise. Use the full number, e.g. 09 7xx xxx xxx or +66 8x xxx xxxx."),
            code="invalid_phone",
        )
    return phone
