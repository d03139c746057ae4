"""Evidence forms. Texts go through ``NormalisedTextMixin`` (Zawgyi to Unicode)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanctuary.consent.models import Recipient, RecipientKind
from sanctuary.evidence.models import DerivativeKind, ItemKind, OrderKind, ReceivedHow, RecipientKey, Testimony
from sanctuary.lib.forms import NormalisedTextMixin

# Shown above the screening form, in the user's language.
WHY_SUMMARY = _(
    "Write a short summary for referral, not a full statement. Investigators take the statement "
    "themselves: a second statement from us that differs from theirs, even in small things, can be "
    "used to discredit the witness. Note what happened roughly, where, which unit and who gave the "
    "orders, and whether documents or media exist. Do not question the person in detail."
)


class TestimonyForm(NormalisedTextMixin, forms.ModelForm):
    order_kinds = forms.MultipleChoiceField(
        label=_("Kinds of acts or orders"),
        choices=OrderKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Testimony
        fields = [
            "involvement",
            "order_kinds",
            "when",
            "region",
            "place",
            "unit",
            "commanders",
            "documents_exist",
            "media_exist",
            "summary_my",
            "summary_en",
            "orders_received",
            "reports",
            "policies",
            "radio_logs",
            "documents_held",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "commanders",
                "summary_my",
                "summary_en",
                "orders_received",
                "reports",
                "policies",
                "radio_logs",
                "documents_held",
            )
        }

    LINKAGE = ("orders_received", "reports", "policies", "radio_logs", "documents_held")


class ItemForm(NormalisedTextMixin, forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("Kept exactly as it is: never converted or stripped."))
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    title = forms.CharField(label=_("What it is"), max_length=300)
    received_how = forms.ChoiceField(label=_("Received how"), choices=ReceivedHow.choices)
    received_note = forms.CharField(
        label=_("Note on receipt"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CopyForm(ItemForm):
    derivative_kind = forms.ChoiceField(label=_("Kind of copy"), choices=DerivativeKind.choices)
    field_order = ["derivative_kind", "file", "kind", "title", "received_how", "received_note"]


class PackageForm(forms.Form):
    key = forms.ModelChoiceField(label=_("Recipient and key"), queryset=RecipientKey.objects.none())
    items = forms.ModelMultipleChoiceField(
        label=_("Items"), queryset=Testimony.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, testimony: Testimony, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].queryset = RecipientKey.objects.filter(  # type: ignore[attr-defined]
            active=True, confirmed_by__isnull=False
        ).select_related("recipient")
        self.fields["items"].queryset = testimony.items.filter(hash_failed_at__isnull=True)  # type: ignore[attr-defined]
        self.fields["items"].label_from_instance = lambda item: f"{item.title} · {item.get_kind_display()}"  # type: ignore[attr-defined]
        self.fields["key"].label_from_instance = lambda key: f"{key.recipient} · {key.label or key.fingerprint}"  # type: ignore[attr-defined]


class RecipientKeyForm(NormalisedTextMixin, forms.Form):
    recipient = forms.ModelChoiceField(label=_("Recipient"), queryset=Recipient.objects.none())
    public_key = forms.CharField(
        label=_("age public key"), max_length=100, help_text=_("The investigator's public key; it starts with age1.")
    )
    label = forms.CharField(label=_("Label"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Recipient.objects.filter(  # type: ignore[attr-defined]
            active=True, kind__in=[RecipientKind.INVESTIGATOR, RecipientKind.UN]
        )
