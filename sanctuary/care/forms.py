"""Care forms. Every text goes through ``NormalisedTextMixin`` (Zawgyi stored as Unicode)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.care.actions import PROVIDER_KINDS
from sanctuary.care.models import (
    Area,
    CareSettings,
    GroupKind,
    PlanTemplate,
    ScaleWhen,
    ServiceType,
    SessionKind,
    Shared,
    TemplateItem,
)
from sanctuary.consent.models import Recipient
from sanctuary.lib.bounds import CARE_DUE, CARE_PAST
from sanctuary.lib.forms import DateInput, NormalisedTextMixin, bounded


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _providers() -> Any:
    return Recipient.objects.filter(active=True, kind__in=PROVIDER_KINDS)


@bounded(arrived_on=CARE_PAST)
class PlanForm(NormalisedTextMixin, forms.Form):
    template = forms.ModelChoiceField(
        label=_("Plan template"),
        queryset=PlanTemplate.objects.none(),
        required=False,
        empty_label=_("— no template: an empty plan —"),
    )
    arrived_on = forms.DateField(label=_("Arrived on"), widget=DateInput, help_text=_("Due dates count from this day."))
    assessment = forms.CharField(
        label=_("Intake assessment"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the person needs, in their words and yours."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = PlanTemplate.objects.filter(active=True)  # type: ignore[attr-defined]
        self.fields["arrived_on"].initial = timezone.localdate()

    def clean_arrived_on(self) -> Any:
        day = self.cleaned_data["arrived_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return day


class AssessmentForm(NormalisedTextMixin, forms.Form):
    assessment = forms.CharField(
        label=_("Intake assessment"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


@bounded(due_on=CARE_DUE)
class NeedForm(NormalisedTextMixin, forms.Form):
    area = forms.ChoiceField(label=_("Area"), choices=[c for c in Area.choices if c[0] != Area.REVIEW])
    description = forms.CharField(label=_("The need"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    goals = forms.CharField(label=_("Goals"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label=_("Goal date"), required=False, widget=DateInput)


@bounded(due_on=CARE_DUE, appointment_at=CARE_DUE)
class ItemForm(NormalisedTextMixin, forms.Form):
    area = forms.ChoiceField(label=_("Area"), choices=Area.choices)
    service = forms.ChoiceField(label=_("Type of service"), choices=ServiceType.choices)
    title = forms.CharField(label=_("What"), max_length=200, required=False)
    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=Recipient.objects.none(), required=False, empty_label=_("Our own staff")
    )
    due_on = forms.DateField(label=_("Due on"), widget=DateInput)
    appointment_at = forms.DateTimeField(label=_("Appointment"), required=False, widget=DateTimeInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = _providers()  # type: ignore[attr-defined]
        self.fields["due_on"].initial = timezone.localdate()


@bounded(follow_up_on=CARE_DUE)
class CompleteForm(NormalisedTextMixin, forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_up_on = forms.DateField(
        label=_("Follow-up on"), required=False, widget=DateInput, help_text=_("A date adds a follow-up, due then.")
    )

    def clean_follow_up_on(self) -> Any:
        day = self.cleaned_data.get("follow_up_on")
        if day and day < timezone.localdate():
            raise forms.ValidationError(_("The follow-up date is before today."))
        return day


class ReferralForm(NormalisedTextMixin, forms.Form):
    recipient = forms.ModelChoiceField(label=_("Partner"), queryset=Recipient.objects.none())
    area = forms.ChoiceField(label=_("Area"), choices=[c for c in Area.choices if c[0] != Area.REVIEW])
    shared = forms.MultipleChoiceField(
        label=_("What is shared with the partner"),
        choices=Shared.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Say what is shared with the partner.")},
    )
    summary = forms.CharField(
        label=_("What is written to the partner"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only what they need; it is kept, encrypted, as the record of what was shared."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = _providers()  # type: ignore[attr-defined]


class ReferralAnswerForm(NormalisedTextMixin, forms.Form):
    answer = forms.ChoiceField(
        label=_("The partner's answer"),
        choices=[("accepted", _("Accepted")), ("refused", _("Refused"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Why they refused"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("answer") == "refused" and not data.get("reason"):
            self.add_error("reason", _("Write why the partner refused."))
        return data


class ReferralCloseForm(NormalisedTextMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Close as"),
        choices=[("done", _("Done")), ("withdrawn", _("Withdrawn by us"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


@bounded(held_on=CARE_PAST)
class SessionForm(NormalisedTextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices)
    held_on = forms.DateField(label=_("Held on"), widget=DateInput)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=5, max_value=480, initial=50)
    note = forms.CharField(
        label=_("Note"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Only counsellors can ever read it. It cannot be changed later: corrections are addenda."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate()

    def clean_held_on(self) -> Any:
        day = self.cleaned_data["held_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return day


class AddendumForm(NormalisedTextMixin, forms.Form):
    text = forms.CharField(label=_("Addendum"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))


class EmergencyForm(NormalisedTextMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why the notes must be opened"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The person's counsellor will see this request, who approved it and how often notes were read."),
    )


WHO5 = [
    _("I have felt cheerful and in good spirits"),
    _("I have felt calm and relaxed"),
    _("I have felt active and vigorous"),
    _("I woke up feeling fresh and rested"),
    _("My daily life has been filled with things that interest me"),
]
WHO5_ANSWERS = [
    (5, _("All of the time")),
    (4, _("Most of the time")),
    (3, _("More than half of the time")),
    (2, _("Less than half of the time")),
    (1, _("Some of the time")),
    (0, _("At no time")),
]


@bounded(taken_on=CARE_PAST)
class ScaleForm(forms.Form):
    """WHO-5, over the last two weeks."""

    when = forms.ChoiceField(label=_("When"), choices=ScaleWhen.choices)
    taken_on = forms.DateField(label=_("Taken on"), widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["taken_on"].initial = timezone.localdate()
        for n, question in enumerate(WHO5, start=1):
            self.fields[f"q{n}"] = forms.TypedChoiceField(
                label=question, choices=WHO5_ANSWERS, coerce=int, widget=forms.RadioSelect
            )

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"q{n}"] for n in range(1, 6)]

    def question_fields(self) -> list[Any]:
        return [self[f"q{n}"] for n in range(1, 6)]


@bounded(held_on=CARE_PAST)
class GroupForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=GroupKind.choices)
    held_on = forms.DateField(label=_("Held on"), widget=DateInput)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=5, max_value=480, initial=90)
    case_codes = forms.CharField(
        label=_("Who came: case codes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Case codes only, separated by spaces or commas: the group record holds no names."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate()

    def codes(self) -> list[str]:
        return [c for c in self.cleaned_data["case_codes"].replace(",", " ").split() if c]


class TemplateForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = PlanTemplate
        fields = ["name_my", "name_en", "name_th", "active"]


class TemplateItemForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = TemplateItem
        fields = ["offset_days", "area", "title_my", "title_en", "title_th"]


TemplateItemFormSet = forms.inlineformset_factory(
    PlanTemplate, TemplateItem, form=TemplateItemForm, extra=2, can_delete=True, min_num=1, validate_min=True
)


class CareSettingsForm(forms.ModelForm):
    class Meta:
        model = CareSettings
        fields = ["emergency_hours"]
