"""Stipend forms."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.bounds import STIPEND_MONTH, STIPEND_RULE
from sanctuary.lib.forms import DateInput, NormalisedTextMixin, bounded
from sanctuary.lib.text import ascii_digits
from sanctuary.people import support
from sanctuary.stipends.models import Funder, HoldKind, Method, StipendRule


class MonthField(forms.CharField):
    """A month as YYYY-MM (the browser's month picker); Burmese digits accepted."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"})

    def clean(self, value: Any) -> date:  # type: ignore[override]
        text = ascii_digits(super().clean(value) or "").strip()
        try:
            year, month = (int(part) for part in text.split("-")[:2])
            return date(year, month, 1)
        except (ValueError, TypeError):
            raise forms.ValidationError(_("Enter a month as year-month, e.g. 2026-11.")) from None


@bounded(month=STIPEND_MONTH)
class DraftForm(forms.Form):
    funder = forms.ModelChoiceField(label=_("Funder"), queryset=Funder.objects.filter(active=True))
    month = MonthField(label=_("Month"))


class FunderForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = Funder
        fields = ["name", "currency", "active"]


@bounded(effective_from=STIPEND_RULE)
class RuleForm(forms.ModelForm):
    condition_list = forms.MultipleChoiceField(
        label=_("Conditions"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )

    class Meta:
        model = StipendRule
        fields = ["effective_from", "single_amount", "family_amount", "prorate", "max_months"]
        widgets = {"effective_from": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["condition_list"]
        field.choices = support.condition_choices()  # type: ignore[attr-defined]
        if not field.choices:  # type: ignore[attr-defined]
            del self.fields["condition_list"]
        elif self.instance.pk:
            field.initial = self.instance.condition_codes()

    def save(self, commit: bool = True) -> StipendRule:
        self.instance.conditions = ",".join(self.cleaned_data.get("condition_list") or [])
        return super().save(commit=commit)


@bounded(start=STIPEND_MONTH)
class EnrollForm(forms.Form):
    case_code = forms.CharField(label=_("Case code"), max_length=16)
    start = forms.DateField(label=_("From"), widget=DateInput())


@bounded(start=STIPEND_MONTH, end=STIPEND_MONTH)
class HoldForm(NormalisedTextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=HoldKind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=1000)
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end cannot be before the start."))
        return data


class DisburseForm(forms.Form):
    method = forms.ChoiceField(label=_("Paid by"), choices=Method.choices)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Reconciliation CSV (the exported format)"))
    overwrite = forms.BooleanField(
        label=_("Replace lines already reconciled (by hand or by an earlier file)"),
        required=False,
        help_text=_("Without this, a file that would change such a line is refused and shows what would change."),
    )
