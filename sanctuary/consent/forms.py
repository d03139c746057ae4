"""Consent forms: recording a consent (asked, given or refused), answering, withdrawing,
renewing, and the partner directory. Texts go through ``NormalisedTextMixin`` (Zawgyi)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.consent.actions import Answer, default_retention
from sanctuary.consent.models import (
    NOTICE_VERSION,
    RESTRICTED_PURPOSES,
    Category,
    GivenBy,
    Method,
    NameDisclosure,
    NoticeLanguage,
    Purpose,
    Recipient,
    Relation,
    State,
    hidden_purposes,
)
from sanctuary.lib.bounds import CONSENT_EXPIRES, CONSENT_GIVEN, RETAIN_UNTIL
from sanctuary.lib.forms import DateInput, NormalisedTextMixin, bounded

ANSWERS = [
    (State.GIVEN, _("Given")),
    (State.REFUSED, _("Refused")),
    (State.REQUESTED, _("Asked, no answer yet")),
]


@bounded(given_on=CONSENT_GIVEN, expires_on=CONSENT_EXPIRES)
class AnswerFields(NormalisedTextMixin, forms.Form):
    """How a consent was given, by whom, and for how long (shared by record, answer, renew)."""

    state = forms.ChoiceField(label=_("Answer"), choices=ANSWERS, initial=State.GIVEN, widget=forms.RadioSelect)
    given_on = forms.DateField(label=_("Date given"), required=False, widget=DateInput)
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty if it has no end date; the person can withdraw it at any time."),
    )
    method = forms.ChoiceField(label=_("How it was given"), choices=[("", "—"), *Method.choices], required=False)
    scan = forms.FileField(
        label=_("Scan of the signed form or thumbprint"),
        required=False,
        help_text=_("A photo or PDF; it is encrypted at once."),
    )
    name_disclosure = forms.ChoiceField(
        label=_("Testimony: may the person's name be disclosed to a court?"),
        choices=[("", "—"), *NameDisclosure.choices],
        required=False,
        help_text=_("Asked for testimony only. Read it to the person; they may change their mind later."),
    )
    given_by = forms.ChoiceField(label=_("Given by"), choices=GivenBy.choices, initial=GivenBy.PERSON)
    relative_name = forms.CharField(label=_("Relative's name"), max_length=150, required=False)
    relative_relation = forms.ChoiceField(label=_("Relation"), choices=[("", "—"), *Relation.choices], required=False)
    relative_reason = forms.CharField(
        label=_("Why a relative gave it"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["given_on"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given_on, expires_on = data.get("given_on"), data.get("expires_on")
        if data.get("state") == State.GIVEN:
            if not given_on and "given_on" not in self.errors:
                self.add_error("given_on", _("Give the date the consent was given."))
            if not data.get("method"):
                self.add_error("method", _("Say how the consent was given: spoken, signed or thumbprint."))
        if given_on and given_on > timezone.localdate():
            self.add_error("given_on", _("The date given cannot be in the future."))
        if given_on and expires_on and expires_on < given_on:
            self.add_error("expires_on", _("The expiry date is before the date the consent was given."))
        if data.get("given_by") == GivenBy.RELATIVE:
            if not data.get("relative_name"):
                self.add_error("relative_name", _("A relative gave it: write their name and why they gave it."))
            if not data.get("relative_reason"):
                self.add_error("relative_reason", _("A relative gave it: write their name and why they gave it."))
        return data

    def answer(self) -> Answer:
        data = self.cleaned_data
        scan = data.get("scan")
        return Answer(
            state=data["state"],
            given_on=data.get("given_on"),
            expires_on=data.get("expires_on"),
            method=data.get("method") or "",
            given_by=data.get("given_by") or GivenBy.PERSON,
            relative_name=data.get("relative_name") or "",
            relative_relation=data.get("relative_relation") or "",
            relative_reason=data.get("relative_reason") or "",
            scan=scan.read() if scan else None,
            name_disclosure=data.get("name_disclosure") or "",
        )


@bounded(retain_until=RETAIN_UNTIL)
class NoticeFields(forms.Form):
    notice_version = forms.CharField(
        label=_("Notice version"),
        max_length=40,
        validators=[NOTICE_VERSION],
        help_text=_("The version printed at the foot of the consent notice, for example 2026-1."),
    )
    notice_language = forms.ChoiceField(label=_("Language of the notice"), choices=NoticeLanguage.choices)
    retain_until = forms.DateField(
        label=_("Keep the record until"),
        widget=DateInput,
        help_text=_("The record itself is kept this long, even after it ends."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["retain_until"].initial = default_retention()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        keep, expires = data.get("retain_until"), data.get("expires_on")
        if keep and expires and keep < expires:
            self.add_error("retain_until", _("The record must be kept at least until the consent ends."))
        if keep and keep < timezone.localdate():
            self.add_error("retain_until", _("The record must be kept at least until the consent ends."))
        return data


class ConsentForm(AnswerFields, NoticeFields):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    recipient = forms.ModelChoiceField(
        label=_("Named partner"),
        queryset=Recipient.objects.none(),
        required=False,
        empty_label=_("— none: a category below —"),
    )
    category = forms.ChoiceField(
        label=_("Or a category of recipients"), choices=[("", "—"), *Category.choices], required=False
    )
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    field_order = [
        "purpose",
        "recipient",
        "category",
        "state",
        "given_on",
        "expires_on",
        "method",
        "scan",
        "name_disclosure",
        "given_by",
        "relative_name",
        "relative_relation",
        "relative_reason",
        "notice_version",
        "notice_language",
        "retain_until",
        "note",
    ]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Recipient.objects.filter(active=True)  # type: ignore[attr-defined]
        hidden = set(hidden_purposes(user)) if user is not None else set(RESTRICTED_PURPOSES)
        self.fields["purpose"].choices = [c for c in Purpose.choices if c[0] not in hidden]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("recipient") and not data.get("category"):
            self.add_error("category", _("Name a partner, or choose a category of recipients."))
        if (
            data.get("purpose") == Purpose.TESTIMONY
            and data.get("state") == State.GIVEN
            and not data.get("name_disclosure")
        ):
            self.add_error(
                "name_disclosure",
                _("Testimony: ask whether the person's name may be disclosed to a court (yes, no, or ask again)."),
            )
        return data


class RenewForm(AnswerFields, NoticeFields):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [(State.GIVEN, _("Given"))]  # type: ignore[attr-defined]


class AnswerForm(AnswerFields):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [(State.GIVEN, _("Given")), (State.REFUSED, _("Refused"))]  # type: ignore[attr-defined]


@bounded(withdrawn_on=CONSENT_GIVEN)
class WithdrawForm(NormalisedTextMixin, forms.Form):
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=DateInput)
    reason = forms.CharField(
        label=_("Reason given (optional)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["withdrawn_on"].initial = timezone.localdate()


class RecipientForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = Recipient
        fields = ["name", "kind", "description", "active"]
