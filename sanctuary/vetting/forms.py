"""Vetting forms. Every free-text field goes through the one normaliser (Zawgyi → Unicode)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.forms import NormalisedTextMixin
from sanctuary.vetting.models import CheckOutcome, FlagKind, Outcome, Referee, RefereeOutcome, VettingCheck


class CheckResultForm(NormalisedTextMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CheckOutcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class RefereeForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = Referee
        fields = ["name", "relation", "contacted_via", "contact", "outcome", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class RefereeOutcomeForm(NormalisedTextMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("What they said"), choices=RefereeOutcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class FlagForm(NormalisedTextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Flag"), choices=FlagKind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ClearFlagForm(NormalisedTextMixin, forms.Form):
    reason = forms.CharField(label=_("Why it no longer applies"), max_length=2000)


class NoteForm(NormalisedTextMixin, forms.Form):
    text = forms.CharField(label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class ProposeForm(NormalisedTextMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=Outcome.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class SecondForm(NormalisedTextMixin, forms.Form):
    reason = forms.CharField(label=_("Your reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ProofForm(forms.Form):
    file = forms.FileField(label=_("Proof (photo or PDF)"))
    title = forms.CharField(label=_("What it shows"), required=False, max_length=200)


class CheckItemForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = VettingCheck
        fields = ["label_my", "label_en", "label_th", "position", "required", "active"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not any(data.get(name) for name in ("label_my", "label_en", "label_th")):
            raise forms.ValidationError(_("Give the check a name in at least one language."))
        return data
