"""Family forms. Every text goes through ``NormalisedTextMixin`` (Zawgyi is stored as
Unicode); dates of events may be partial (``sanctuary.lib.forms.clean_partial_date``). The
rules (the recorded intermediary or channel, who may loosen a rule, tracing's states, the
contact check) are the actions'; a view shows a refusal beside its field with everything typed kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.consent.models import Recipient
from sanctuary.family.models import (
    ActionKind,
    AgeBand,
    ContactRule,
    EventKind,
    How,
    Outcome,
    Relation,
    Source,
    TracingState,
)
from sanctuary.lib.bounds import CONTACT, EVENT_SINCE_1988
from sanctuary.lib.forms import DateInput, NormalisedTextMixin, bounded, clean_partial_date
from sanctuary.people.contact import Means
from sanctuary.people.models import Region

# Free text is read by every case worker of the team, with or without the true-identity grant.
NO_PLACES = _(
    "Every case worker of the team reads this, without the true-identity grant: "
    "do not write a village, an address or a name here."
)


class RelativeForm(NormalisedTextMixin, forms.Form):
    contact_rule = forms.ChoiceField(
        label=_("Contact rule"),
        choices=ContactRule.choices,
        initial=ContactRule.NEVER,
        widget=forms.RadioSelect,
        help_text=_("Nobody may reach this relative except as this rule says. When unsure, never contact."),
    )
    intermediary = forms.CharField(
        label=_("Name of the intermediary"),
        max_length=200,
        required=False,
        help_text=_("Only with “only through a named intermediary”."),
    )
    channel = forms.CharField(
        label=_("The safe channel"),
        max_length=200,
        required=False,
        help_text=_("Only with “only by a named safe channel”, for example the monastery's phone."),
    )
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    village = forms.CharField(label=_("Home village"), max_length=200, required=False)
    age_band = forms.ChoiceField(label=_("Age"), choices=AgeBand.choices, initial=AgeBand.UNKNOWN)
    region = forms.ChoiceField(label=_("Region"), choices=Region.choices, initial=Region.UNKNOWN)
    in_danger = forms.BooleanField(label=_("In danger"), required=False)

    def __init__(self, *args: Any, relative: Any = None, identity: bool = True, **kwargs: Any) -> None:
        if relative is not None:
            initial = {
                "contact_rule": relative.contact_rule,
                "relation": relative.relation,
                "age_band": relative.age_band,
                "region": relative.region,
                "in_danger": relative.in_danger,
            }
            if identity:
                initial.update(
                    name=relative.name,
                    village=relative.village,
                    intermediary=relative.intermediary,
                    channel=relative.channel,
                )
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if not identity:
            # Shown, and changed, only under the true-identity grant: without it the recorded
            # intermediary and channel stay as they are (and loosening the rule is refused).
            for name in ("name", "village", "intermediary", "channel"):
                del self.fields[name]

    def action_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


@bounded(on=EVENT_SINCE_1988)
class EventForm(NormalisedTextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=EventKind.choices)
    on = forms.CharField(
        label=_("When"),
        max_length=20,
        help_text=_("A year (2024), a year and month (2024-03) or a full date (2024-03-15)."),
    )
    source = forms.ChoiceField(label=_("We know it from"), choices=Source.choices)
    detained_where = forms.CharField(
        label=_("Where they are held"),
        max_length=300,
        required=False,
        help_text=_(
            "Only for a detention. Every case worker of the team reads this: "
            "the prison or camp only, never the family's village or address."
        ),
    )
    detained_by = forms.CharField(
        label=_("Held by"), max_length=300, required=False, help_text=_("Only for a detention.")
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=NO_PLACES,
    )

    def clean_on(self) -> str:
        value = clean_partial_date(self.cleaned_data.get("on", ""))
        if not value:
            raise forms.ValidationError(_("Enter when it happened, even only the year."), code="required")
        return value


# How a contact is made: never with a typed name; the recorded intermediary or channel is
# filled in by the server (``actions.recorded_through``), and never shown here.
MEANS = [
    (How.DIRECT, _("Directly")),
    (How.INTERMEDIARY, _("Through the recorded intermediary")),
    (How.CHANNEL, _("By the recorded safe channel")),
]


class MeansForm(NormalisedTextMixin, forms.Form):
    """How the contact is (or will be) made, as the relative's rule is checked against it."""

    how = forms.ChoiceField(label=_("How"), choices=MEANS, widget=forms.RadioSelect, initial=How.INTERMEDIARY)
    emergency = forms.BooleanField(label=_("This is an emergency"), required=False)
    reason = forms.CharField(
        label=_("Why it cannot wait"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("emergency") and not data.get("reason"):
            self.add_error("reason", _("An emergency contact needs its reason."))
        return data

    def means(self) -> Means:
        data = self.cleaned_data
        return Means(how=data["how"], emergency=bool(data.get("emergency")), reason=data.get("reason", ""))


@bounded(on=CONTACT)
class ContactForm(MeansForm):
    on = forms.DateField(label=_("On"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OpenTracingForm(NormalisedTextMixin, forms.Form):
    note = forms.CharField(
        label=_("What is known"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=NO_PLACES,
    )


@bounded(asked_on=CONTACT)
class TraceForm(MeansForm):
    kind = forms.ChoiceField(label=_("What was done"), choices=ActionKind.choices)
    recipient = forms.ModelChoiceField(label=_("Partner"), queryset=Recipient.objects.none())
    asked = forms.CharField(
        label=_("What we told them"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    asked_on = forms.DateField(label=_("On"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"asked_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Recipient.objects.filter(active=True).order_by("name")  # type: ignore[attr-defined]


class OutcomeForm(NormalisedTextMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[c for c in Outcome.choices if c[0] != Outcome.WAITING])
    note = forms.CharField(label=_("What they said"), max_length=2000, required=False, help_text=NO_PLACES)


class TracingStateForm(forms.Form):
    state = forms.ChoiceField(label=_("Now"), choices=TracingState.choices)
