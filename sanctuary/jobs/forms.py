"""Jobs forms. Every text goes through ``NormalisedTextMixin`` (Zawgyi stored as Unicode)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.jobs.models import Employer, EndReason, Flag, Opening, PayUnit
from sanctuary.lib.bounds import JOB
from sanctuary.lib.forms import DateInput, NormalisedTextMixin, bounded


class EmployerForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = Employer
        fields = ["code_name", "sector", "region", "contact", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "contact": forms.Textarea(attrs={"rows": 2})}


class FlagForm(NormalisedTextMixin, forms.Form):
    flag = forms.ChoiceField(label=_("Flag"), choices=Flag.choices, required=False)
    reason = forms.CharField(label=_("Why"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("flag") and not data.get("reason"):
            self.add_error("reason", _("Say why the employer is flagged."))
        return data


class OpeningForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = Opening
        fields = [
            "employer",
            "trade",
            "title",
            "pay",
            "pay_unit",
            "hours_per_week",
            "housing",
            "papers",
            "positions",
            "open",
        ]
        labels = {"employer": _("Employer")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = Employer.objects.filter(flag="")  # type: ignore[attr-defined]


class ProposeForm(NormalisedTextMixin, forms.Form):
    opening = forms.ModelChoiceField(label=_("Opening"), queryset=Opening.objects.none())
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opening"].queryset = Opening.objects.filter(open=True, employer__flag="").select_related(  # type: ignore[attr-defined]
            "employer"
        )


@bounded(started_on=JOB)
class StartForm(forms.Form):
    started_on = forms.DateField(label=_("First day"), widget=DateInput)
    wage = forms.DecimalField(label=_("Agreed wage (baht)"), min_value=0, max_digits=9, decimal_places=2)
    wage_unit = forms.ChoiceField(label=_("Per"), choices=PayUnit.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["started_on"].initial = timezone.localdate()

    def clean_started_on(self) -> Any:
        day = self.cleaned_data["started_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return day


@bounded(ended_on=JOB)
class EndForm(NormalisedTextMixin, forms.Form):
    ended_on = forms.DateField(label=_("Last day"), widget=DateInput)
    reason = forms.ChoiceField(label=_("Why it ended"), choices=EndReason.choices)
    note = forms.CharField(
        label=_("What happened"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, started_on: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.started_on = started_on
        self.fields["ended_on"].initial = timezone.localdate()

    def clean_ended_on(self) -> Any:
        day = self.cleaned_data["ended_on"]
        if self.started_on and day < self.started_on:
            raise forms.ValidationError(
                _("The last day is before the first day (%(start)s).") % {"start": self.started_on.isoformat()}
            )
        if day > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return day


class CloseForm(NormalisedTextMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Close as"),
        choices=[("declined", _("Declined")), ("withdrawn", _("Withdrawn by us"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(forms.Form):
    still_employed = forms.TypedChoiceField(
        label=_("Still working there?"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    wage = forms.DecimalField(label=_("Wage now (baht)"), min_value=0, max_digits=9, decimal_places=2, required=False)
