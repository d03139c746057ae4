"""Forms for the person record. Every text field goes through the Zawgyi normaliser."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.models import Team
from sanctuary.lib.bounds import BIRTH, DEFECTION
from sanctuary.lib.forms import NormalisedTextMixin, bounded, clean_partial_date, clean_phone
from sanctuary.people.models import (
    DECISION_STATUSES,
    ContactKind,
    ContactPoint,
    DocumentKind,
    HouseholdMember,
    Person,
    Status,
    TransferSettings,
)


@bounded(birth_date=BIRTH, defection_date=DEFECTION)
class PersonForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "alias",
            "true_name",
            "sex",
            "birth_date",
            "father_name",
            "force",
            "rank",
            "rank_group",
            "unit",
            "service_number",
            "nrc_number",
            "hometown",
            "region",
            "defection_date",
            "languages",
            "skills",
            "team",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
            "birth_date": forms.TextInput(attrs={"placeholder": "1990-03-15", "inputmode": "numeric"}),
            "defection_date": forms.TextInput(attrs={"placeholder": "2021-03", "inputmode": "numeric"}),
        }

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # A person's team changes by a hand-over alone (``people.transfers``): it grants
            # another team access, so it is asked for, approved per policy and audited.
            del self.fields["team"]
        else:
            self.fields["team"].queryset = teams if teams is not None else Team.objects.all()  # type: ignore[attr-defined]
            self.fields["team"].required = True
        for name in ("alias", "true_name", "father_name"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def clean_birth_date(self) -> str:
        return clean_partial_date(self.cleaned_data.get("birth_date", ""))

    def clean_defection_date(self) -> str:
        return clean_partial_date(self.cleaned_data.get("defection_date", ""))


class ContactForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = ContactPoint
        fields = ["kind", "value"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == ContactKind.PHONE and data.get("value"):
            try:
                data["value"] = clean_phone(data["value"])
            except forms.ValidationError as error:
                self.add_error("value", error)
        return data


@bounded(birth_date=BIRTH)
class HouseholdForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = HouseholdMember
        fields = ["relation", "name", "sex", "birth_date", "notes"]
        widgets = {"birth_date": forms.TextInput(attrs={"inputmode": "numeric"})}

    def clean_birth_date(self) -> str:
        return clean_partial_date(self.cleaned_data.get("birth_date", ""))


class KeepReferencedRows(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    """A row another record still points at (a household member who had a bed: their stays
    keep the shelter's history) cannot be deleted: the form says so instead of a 500. Asked of
    the database's own rules (``on_delete=PROTECT``), so the core names no stage."""

    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            instance = form.instance
            if instance.pk is None:
                continue
            try:
                Collector(using=router.db_for_write(type(instance))).collect([instance])
            except (ProtectedError, RestrictedError):
                form.add_error(
                    None,
                    _("This row is part of other records (for example a stay in a safe house): it cannot be removed."),
                )
                form.cleaned_data["DELETE"] = False


ContactFormSet = inlineformset_factory(
    Person, ContactPoint, form=ContactForm, formset=KeepReferencedRows, extra=2, can_delete=True, max_num=20
)
HouseholdFormSet = inlineformset_factory(
    Person, HouseholdMember, form=HouseholdForm, formset=KeepReferencedRows, extra=2, can_delete=True, max_num=30
)


class StatusForm(NormalisedTextMixin, forms.Form):
    """Statuses set by hand. Accepted and rejected come from vetting decisions only."""

    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, current: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Status.choices if value not in DECISION_STATUSES or value == current
        ]


class TransferForm(NormalisedTextMixin, forms.Form):
    """Hand a person over to another team."""

    to_team = forms.ModelChoiceField(label=_("Hand over to"), queryset=Team.objects.none(), empty_label=None)
    reason = forms.CharField(
        label=_("Why"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Read by the receiving team. No true names."),
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_transfer_%s")  # the person page has another "reason"
        super().__init__(*args, **kwargs)
        teams = Team.objects.exclude(pk=person.team_id) if person.team_id else Team.objects.all()
        self.fields["to_team"].queryset = teams  # type: ignore[attr-defined]


class TransferDecisionForm(NormalisedTextMixin, forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class TransferSettingsForm(forms.ModelForm):
    class Meta:
        model = TransferSettings
        fields = ["approval", "previous_team_reads_days"]
        widgets = {"approval": forms.RadioSelect}


class PersonSearchForm(NormalisedTextMixin, forms.Form):
    """Search and filters. Sent by POST so a name typed here never lands in a URL or log."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices])
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.none(), empty_label=_("Any team")
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    identifier = forms.BooleanField(label=_("Search NRC and service numbers (directors)"), required=False)
    mine = forms.BooleanField(label=_("Only the people I look after"), required=False)

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"autocomplete": "off", "type": "search"})
        if teams is not None:
            self.fields["team"].queryset = teams  # type: ignore[attr-defined]


class IdentityRequestForm(NormalisedTextMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the true identity?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DocumentForm(NormalisedTextMixin, forms.Form):
    file = forms.FileField(label=_("Photo or document (JPEG, PNG, WebP or PDF, up to 10 MB)"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(v, label) for v, label in DocumentKind.choices if v != DocumentKind.PROOF]
    )
