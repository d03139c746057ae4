"""Training forms. Every text goes through ``NormalisedTextMixin``: Zawgyi is converted to
Unicode (or the user is asked), so course names and reasons are stored once, in Unicode."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.models import Role, User
from sanctuary.lib.bounds import COHORT
from sanctuary.lib.forms import DateInput, NormalisedTextMixin, bounded
from sanctuary.training.models import WEEKDAYS, Cohort, Course, Outcome, TrainingSettings


class CourseForm(NormalisedTextMixin, forms.ModelForm):
    weekday_list = forms.TypedMultipleChoiceField(
        label=_("Days of the week"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one day of the week.")},
    )
    prerequisite_list = forms.ModelMultipleChoiceField(
        label=_("Finished first"), queryset=Course.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Course
        fields = [
            "kind",
            "trade",
            "name_my",
            "name_en",
            "name_th",
            "description_my",
            "description_en",
            "description_th",
            "weeks",
            "hours_per_session",
            "seats",
            "min_attendance",
            "assessments_required",
            "extra_criteria",
            "active",
        ]
        widgets = {
            "description_my": forms.Textarea(attrs={"rows": 2}),
            "description_en": forms.Textarea(attrs={"rows": 2}),
            "description_th": forms.Textarea(attrs={"rows": 2}),
            "extra_criteria": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = Course.objects.filter(kind="vocational")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
            self.fields["prerequisite_list"].initial = list(self.instance.prerequisites.values_list("pk", flat=True))
        self.fields["prerequisite_list"].queryset = others  # type: ignore[attr-defined]
        self.fields["weekday_list"].initial = self.instance.days if self.instance.pk else [0, 1, 2, 3, 4, 5]
        if self.instance.pk and self.instance.cohorts.exists():
            self.fields["kind"].disabled = True  # cohorts were made for it: see do_save_course

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        days = data.get("weekday_list") or []
        self.instance.weekdays = "".join(str(d) for d in sorted(set(days)))
        return data


@bounded(start=COHORT)
class CohortForm(NormalisedTextMixin, forms.Form):
    start = forms.DateField(label=_("First day"), widget=DateInput())
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=200)
    trainer = forms.ModelChoiceField(label=_("Trainer"), queryset=User.objects.none(), required=False)
    label = forms.CharField(label=_("Label"), max_length=80, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        trainers = User.objects.filter(is_active=True, role_grants__role__in=[Role.TRAINER, Role.DIRECTOR]).distinct()
        self.fields["trainer"].queryset = trainers.order_by("username")  # type: ignore[attr-defined]


class CohortEditForm(CohortForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["start"]


class CancelForm(NormalisedTextMixin, forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=300)


class SessionForm(NormalisedTextMixin, forms.Form):
    cancelled = forms.BooleanField(label=_("No session (holiday or cancelled)"), required=False)
    note = forms.CharField(label=_("Why"), max_length=200, required=False)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)


@bounded(day=COHORT)
class AddSessionForm(NormalisedTextMixin, forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput())
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)


class ApplyForm(NormalisedTextMixin, forms.Form):
    cohort = forms.ModelChoiceField(label=_("Cohort or group"), queryset=Cohort.objects.none(), empty_label=None)
    reason = forms.CharField(label=_("Why this course"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    asked_by_person = forms.BooleanField(label=_("The person asked for it"), required=False)

    def __init__(self, *args: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts  # type: ignore[attr-defined]


class WithdrawForm(NormalisedTextMixin, forms.Form):
    reason = forms.CharField(label=_("Why they withdraw"), max_length=1000)


@bounded(first_day=COHORT, last_day=COHORT)
class ExcuseForm(NormalisedTextMixin, forms.Form):
    first_day = forms.DateField(label=_("From"), widget=DateInput())
    last_day = forms.DateField(label=_("Until"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("The last day cannot be before the first."))
        return data


class AssessmentForm(NormalisedTextMixin, forms.Form):
    name = forms.CharField(label=_("What was assessed"), max_length=120)
    passed = forms.BooleanField(label=_("Passed"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("practical", _("Practical assessment")), ("criterion", _("Other criterion"))],
        initial="practical",
    )


class FollowUpForm(NormalisedTextMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *Outcome.choices])
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class SettingsForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = TrainingSettings
        fields = [
            "issuer_name",
            "absence_alert_after",
            "weight_waiting",
            "weight_prior",
            "weight_stipend",
            "weight_household",
        ]


class StatusForm(NormalisedTextMixin, forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=24)
    label_my = forms.CharField(label=_("Name in Burmese"), max_length=60)
    label_en = forms.CharField(label=_("Name in English"), max_length=60)
    label_th = forms.CharField(label=_("Name in Thai"), max_length=60)
    weight = forms.DecimalField(
        label=_("Counts as this much of a day"), min_value=Decimal(0), max_value=Decimal(1), decimal_places=2
    )
    counts = forms.BooleanField(label=_("The day counts"), required=False)
    unexcused_absence = forms.BooleanField(label=_("An unexcused absence"), required=False)


class BaseStatusFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        codes = [f.cleaned_data.get("code") for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if len(codes) != len(set(codes)):
            raise forms.ValidationError(_("Each status needs its own code."))
        if not codes:
            raise forms.ValidationError(_("Keep at least one status."))


StatusFormSet = forms.formset_factory(StatusForm, formset=BaseStatusFormSet, extra=1, can_delete=True)
