"""The public intake form, the receipt-phrase forms, and the staff forms of triage."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanctuary.intake.models import PublicStatus
from sanctuary.lib.forms import NormalisedTextMixin
from sanctuary.people import attribution
from sanctuary.people.models import ContactKind, Force, Region

# The empty choice says "not known" on these forms.
KNOWN_FORCES = [(value, label) for value, label in Force.choices if value != Force.UNKNOWN]


class HeardViaMixin(forms.Form):
    """ "How did you hear of us?", offered from the outreach calendar (public entries only on
    the public form) and word of mouth; kept apart from the sealed payload."""

    PUBLIC = True
    heard_via = forms.ChoiceField(label=_("How did you hear of us?"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["heard_via"].choices = attribution.choices(public=self.PUBLIC)  # type: ignore[attr-defined]

    def heard_via_value(self) -> str:
        return str(self.cleaned_data.get("heard_via") or "")


WRITER_CHOICES = [
    ("self", _("I want to leave (myself)")),
    ("relative", _("A relative of the person")),
    ("friend", _("A friend of the person")),
    ("other", _("Someone else")),
]

URGENCY_CHOICES = [
    ("now", _("Urgent: in danger now")),
    ("week", _("Within a week")),
    ("later", _("Not urgent")),
]

LOCATION_CHOICES = [("", _("Choose…")), *Region.choices]


class IntakeForm(NormalisedTextMixin, HeardViaMixin, forms.Form):
    """What a soldier or their relative tells us first. Only the contact channel, the
    handle, where they are, how urgent and what happened are required."""

    writer = forms.ChoiceField(label=_("Who is writing?"), choices=WRITER_CHOICES, widget=forms.RadioSelect)
    name = forms.CharField(
        label=_("Name of the person who wants help"),
        required=False,
        max_length=200,
        help_text=_("A nickname is fine."),
    )
    channel = forms.ChoiceField(label=_("How can we reach you?"), choices=ContactKind.choices)
    handle = forms.CharField(
        label=_("Phone number, username or link"),
        max_length=200,
        help_text=_("Use an account that is safe for you."),
    )
    force = forms.ChoiceField(label=_("Force"), required=False, choices=[("", _("Prefer not to say")), *KNOWN_FORCES])
    rank = forms.CharField(label=_("Rank"), required=False, max_length=100)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=200)
    service_number = forms.CharField(label=_("Service number"), required=False, max_length=64)
    location = forms.ChoiceField(
        label=_("Where is the person now?"),
        choices=LOCATION_CHOICES,
        help_text=_("Only the state or region: never an exact place."),
    )
    urgency = forms.ChoiceField(label=_("How urgent is it?"), choices=URGENCY_CHOICES, widget=forms.RadioSelect)
    story = forms.CharField(
        label=_("What happened? How can we help?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    # A field people never see (hidden by CSS, skipped by screen readers): bots fill it in.
    website = forms.CharField(label=_("Leave this empty"), required=False, max_length=200)
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        for name in ("name", "handle", "rank", "unit", "service_number"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def payload(self) -> dict[str, str]:
        return {
            name: str(self.cleaned_data.get(name) or "")
            for name in self.fields
            if name not in {"website", "token", "heard_via"}
        }


class PhraseForm(NormalisedTextMixin, forms.Form):
    phrase = forms.CharField(
        label=_("Your receipt phrase"),
        max_length=300,
        help_text=_("The six words you were given, in Burmese, English or Thai."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )


class FollowUpForm(PhraseForm):
    message = forms.CharField(label=_("Your message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))


class LogContactForm(NormalisedTextMixin, HeardViaMixin, forms.Form):
    """A first contact that came by chat or phone: the least that lets triage follow up."""

    name = forms.CharField(label=_("Name or alias"), required=False, max_length=200)
    channel = forms.ChoiceField(label=_("Came over"), choices=ContactKind.choices)
    handle = forms.CharField(label=_("Phone number, username or link"), max_length=200)
    force = forms.ChoiceField(label=_("Force"), required=False, choices=[("", _("Not known")), *KNOWN_FORCES])
    location = forms.ChoiceField(label=_("Where is the person now?"), required=False, choices=LOCATION_CHOICES)
    urgency = forms.ChoiceField(label=_("How urgent is it?"), choices=URGENCY_CHOICES)
    story = forms.CharField(label=_("What they said"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))

    PUBLIC = False

    def payload(self) -> dict[str, str]:
        data = {name: str(self.cleaned_data.get(name) or "") for name in self.fields if name != "heard_via"}
        data["writer"] = "other"
        return data


class TriageStatusForm(forms.Form):
    public_status = forms.ChoiceField(label=_("What the sender sees"), choices=PublicStatus.choices)


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Number of the earlier submission"), min_value=1)


class LinkForm(forms.Form):
    case_code = forms.CharField(label=_("Case code of the person"), max_length=16)


def display(data: dict[str, str]) -> dict[str, str]:
    """A submission's coded answers as words in the reader's language."""
    labels: dict[str, dict[str, Any]] = {
        "writer": dict(WRITER_CHOICES),
        "channel": dict(ContactKind.choices),
        "location": dict(Region.choices),
        "urgency": dict(URGENCY_CHOICES),
        "force": dict(Force.choices),
    }
    shown = dict(data)
    for name, choices in labels.items():
        value = data.get(name, "")
        if value in choices:
            shown[name] = str(choices[value])
    return shown
