"""Statistics forms: the dashboard's filters, a table definition (its period in whole
quarters, its rules never below the floor), the counting policy and others' figures."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.bounds import PUBLISHED, STATISTICS
from sanctuary.lib.figures import months_between, next_month
from sanctuary.lib.forms import DateInput, NormalisedTextMixin, bounded
from sanctuary.stats import tables
from sanctuary.stats.models import TIME_DIMENSIONS, ExternalFigure, StatsSettings, TableDefinition

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_MONTHS = 60  # five years on one screen


class MonthInput(forms.TextInput):
    input_type = "month"


def _month(value: str) -> date | None:
    found = MONTH.match((value or "").strip())
    if not found or not 1 <= int(found[2]) <= 12:
        return None
    return date(int(found[1]), int(found[2]), 1)


@bounded(start=STATISTICS, end=STATISTICS)
class FilterForm(forms.Form):
    """From and to months (the last twelve by default) and a team (all the user may see)."""

    start = forms.CharField(label=_("From month"), required=False, widget=MonthInput)
    end = forms.CharField(label=_("To month"), required=False, widget=MonthInput)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, teams: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", _("All my teams")), *teams]  # type: ignore[attr-defined]

    def clean_start(self) -> str:
        return self._month("start")

    def clean_end(self) -> str:
        return self._month("end")

    def _month(self, name: str) -> str:
        value = self.cleaned_data.get(name) or ""
        if value and _month(value) is None:
            raise forms.ValidationError(_("Enter a month as year and month, for example 2025-03."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = _month(data.get("start", "")), _month(data.get("end", ""))
        if start and end and start > end:
            self.add_error("end", _("The last month comes after the first."))
        elif start and end and len(months_between(start, end)) > MAX_MONTHS:
            self.add_error("start", _("Choose at most five years (60 months)."))
        return data

    def months(self) -> list[date]:
        """The months chosen: the last twelve (this one included) unless said otherwise."""
        this_month = timezone.localdate().replace(day=1)
        data = self.cleaned_data if self.is_valid() else {}
        end = _month(data.get("end", "")) or this_month
        start = _month(data.get("start", ""))
        if start is None:
            start = end
            for _n in range(11):
                start = date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)
        return months_between(start, end)

    def chosen_team(self) -> int | None:
        return self.cleaned_data.get("team") if self.is_valid() else None


@bounded(first=STATISTICS, last=STATISTICS)
class TableForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = TableDefinition
        fields = [
            "title_my",
            "title_en",
            "title_th",
            "counted",
            "rows",
            "columns",
            "first",
            "last",
            "threshold",
            "rounding",
            "zeros_disclosive",
            "auto_suppress",
            "epsilon",
            "mechanism",
            "active",
        ]
        widgets = {"first": DateInput, "last": DateInput}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rows, columns = data.get("rows"), data.get("columns") or ""
        first, last = data.get("first"), data.get("last")
        if rows and rows == columns:
            self.add_error("columns", _("Rows and columns must be different."))
        if rows in TIME_DIMENSIONS and columns in TIME_DIMENSIONS:
            self.add_error("columns", _("Only one of rows and columns can be a period."))
        if first and last:
            if last <= first:
                self.add_error("last", _("The period must end after it starts."))
            elif not tables.aligned(first, last, (rows or "", columns)):
                self.add_error(
                    "first",
                    _(
                        "Use whole quarters (or whole halves or years, when the table is by half year or "
                        "year): from the first day of one to the last day of another, for example "
                        "2024-01-01 to 2024-12-31."
                    ),
                )
            elif len(months_between(first, last)) > 12 * 10:
                self.add_error("last", _("A table covers at most ten years."))
            elif last >= next_month(timezone.localdate()):
                self.add_error("last", _("The period cannot end after this month."))
        return data


class SettingsForm(forms.ModelForm):
    class Meta:
        model = StatsSettings
        fields = ["count"]
        widgets = {"count": forms.RadioSelect}


@bounded(published_on=PUBLISHED, retrieved_on=PUBLISHED)
class ExternalFigureForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = ExternalFigure
        fields = ["count", "what", "breakdown", "as_of", "source", "via", "url", "published_on", "retrieved_on"]
        widgets = {"published_on": DateInput, "retrieved_on": DateInput}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        published, retrieved = data.get("published_on"), data.get("retrieved_on")
        if published and retrieved and retrieved < published:
            self.add_error("retrieved_on", _("It was retrieved on or after the day it was published."))
        if retrieved and retrieved > timezone.localdate():
            self.add_error("retrieved_on", _("This day has not come yet."))
        return data
