"""Outreach forms. Text goes through ``NormalisedTextMixin`` (Zawgyi stored as Unicode); the
rules (safe placeholders, who may be messaged, approvals, the contact check) are the
actions'; a view shows a refusal beside its field with everything typed kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sanctuary.lib.bounds import OUTREACH, RECORDS
from sanctuary.lib.forms import DateInput, NormalisedTextMixin, bounded
from sanctuary.outreach.models import Channel, ContactState, EventKind, Language, Platform
from sanctuary.people.contact import How
from sanctuary.people.models import Status


@bounded(on=OUTREACH, ends_on=OUTREACH)
class EventForm(NormalisedTextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    on = forms.DateField(label=_("Date"), widget=DateInput)
    ends_on = forms.DateField(label=_("Until (a campaign)"), required=False, widget=DateInput)
    platform = forms.ChoiceField(label=_("Channel"), choices=Platform.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    topic = forms.CharField(label=pgettext_lazy("outreach", "Topic"), max_length=200)
    speaker = forms.CharField(
        label=_("Speaker (alias)"), max_length=100, required=False, help_text=_("An alias, never a true name.")
    )
    audience = forms.IntegerField(
        label=_("Audience reported by the platform"), required=False, min_value=0, max_value=100_000_000
    )
    public = forms.BooleanField(
        label=_("Offer it on the public form (“how did you hear of us?”)"),
        required=False,
        initial=False,
        help_text=_("Leave it off for campaigns that must not be seen from outside."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("on") and data.get("ends_on") and data["ends_on"] < data["on"]:
            self.add_error("ends_on", _("The end is before the start."))
        return data


class TemplateForm(NormalisedTextMixin, forms.Form):
    """A name, then the message and an optional cover text in each language."""

    name = forms.CharField(label=_("Name of the template"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in Language.choices:
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Message in %(language)s") % {"language": label},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 4, "lang": code}),
                help_text=_("Only {alias} and {appointment} may be filled in."),
            )
            self.fields[f"cover_{code}"] = forms.CharField(
                label=_("Cover text in %(language)s (optional)") % {"language": label},
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2, "lang": code}),
                help_text=_("Sent first, to someone who has not written lately; it must say nothing."),
            )

    def texts(self) -> dict[str, tuple[str, str]]:
        return {
            code: (self.cleaned_data.get(f"body_{code}") or "", self.cleaned_data.get(f"cover_{code}") or "")
            for code, _label in Language.choices
        }


class ContactForm(forms.Form):
    target = forms.ChoiceField(label=_("Who"))
    channel = forms.ChoiceField(label=_("Channel"))
    address = forms.CharField(
        label=_("Chat id, e-mail address or number"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Not needed for a relative: they are reached as their rule says."),
    )
    means = forms.ChoiceField(
        label=_("How a relative is reached"),
        choices=[
            (How.DIRECT, _("Directly")),
            (How.INTERMEDIARY, _("Through the recorded intermediary")),
            (How.CHANNEL, _("By the recorded safe channel")),
        ],
        initial=How.DIRECT,
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)

    def __init__(self, *args: Any, targets: list[tuple[str, str]], channels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets  # type: ignore[attr-defined]
        self.fields["channel"].choices = [(c, Channel(c).label) for c in channels]  # type: ignore[attr-defined]


class ContactStateForm(forms.Form):
    state = forms.ChoiceField(choices=ContactState.choices)


class ReplyForm(NormalisedTextMixin, forms.Form):
    text = forms.CharField(
        label=_("What they wrote"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("STOP or START in Burmese, English or Thai takes effect at once."),
    )


class LinkReplyForm(forms.Form):
    case_code = forms.CharField(label=_("Case code of the person"), max_length=16)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)


@bounded(appointment=OUTREACH)
class AudienceForm(forms.Form):
    """Who a new message goes to: chosen contacts, or everyone active matching a filter."""

    template = forms.ChoiceField(label=_("Template"))
    appointment = forms.DateTimeField(
        label=_("Appointment time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Only for templates with {appointment}."),
    )
    status = forms.MultipleChoiceField(
        label=_("People whose status is"),
        required=False,
        choices=Status.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    channel = forms.MultipleChoiceField(
        label=_("On the channels"), required=False, choices=Channel.choices, widget=forms.CheckboxSelectMultiple
    )
    language = forms.MultipleChoiceField(
        label=_("In the languages"), required=False, choices=Language.choices, widget=forms.CheckboxSelectMultiple
    )
    contacts = forms.CharField(required=False, widget=forms.HiddenInput)  # ids, comma-separated
    seen = forms.CharField(required=False, widget=forms.HiddenInput)  # the texts shown, by fingerprint

    def __init__(self, *args: Any, templates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(str(pk), name) for pk, name in templates]  # type: ignore[attr-defined]

    def contact_ids(self) -> list[int]:
        raw = str(self.cleaned_data.get("contacts") or "")
        return [int(part) for part in raw.split(",") if part.strip().isdigit()]


class ChannelSettingsForm(forms.Form):
    """A channel's server and credentials. Secrets are never shown back: blank keeps them."""

    enabled = forms.BooleanField(label=_("Use this channel"), required=False, initial=True)
    host = forms.CharField(label=_("SMTP server"), required=False, max_length=200)
    port = forms.IntegerField(label=_("Port"), required=False, min_value=1, max_value=65535)
    security = forms.ChoiceField(
        label=_("Security"),
        required=False,
        choices=[("starttls", "STARTTLS"), ("ssl", "TLS"), ("none", _("None (this machine only)"))],
    )
    username = forms.CharField(label=_("User name"), required=False, max_length=200)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to keep the one stored."),
    )
    from_email = forms.EmailField(label=_("Sender address"), required=False)
    token = forms.CharField(
        label=_("Bot token"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to keep the one stored."),
    )
    api = forms.URLField(label=_("Bot API address"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, channel: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from sanctuary.outreach.adapters import ADAPTERS

        keep = {"enabled", *ADAPTERS[channel].fields}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]


@bounded(since=RECORDS, until=RECORDS)
class PeriodForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=DateInput)
    until = forms.DateField(label=_("To"), required=False, widget=DateInput)
