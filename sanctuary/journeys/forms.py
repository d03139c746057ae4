"""Journey forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.models import User
from sanctuary.journeys.models import Journey, JourneyStatus, Stage
from sanctuary.lib.bounds import CHECK_IN, JOURNEY
from sanctuary.lib.forms import DateInput, NormalisedTextMixin, bounded


@bounded(depart_from=JOURNEY, depart_until=JOURNEY)
class JourneyForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = Journey
        fields = [
            "coordinator",
            "depart_from",
            "depart_until",
            "meeting_point",
            "contact_person",
            "transport_cost",
            "currency",
            "notes",
        ]
        widgets = {
            "depart_from": DateInput(),
            "depart_until": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, coordinators: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if coordinators is not None:
            self.fields["coordinator"].queryset = coordinators  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("depart_from"), data.get("depart_until")
        if start and end and end < start:
            self.add_error("depart_until", _("The last day to leave cannot be before the first."))
        cost = data.get("transport_cost")
        if cost is not None and cost < 0:
            self.add_error("transport_cost", _("A cost cannot be negative."))
        return data


@bounded(planned_on=JOURNEY)
class StageForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = Stage
        fields = ["place", "planned_on"]
        widgets = {"planned_on": DateInput()}


StageFormSet = inlineformset_factory(Journey, Stage, form=StageForm, extra=4, max_num=12, can_delete=True)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Journey status"), choices=JourneyStatus.choices)


@bounded(due_at=CHECK_IN)
class CheckInForm(forms.Form):
    due_at = forms.DateTimeField(
        label=_("Expect a call by"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class ReceivedForm(NormalisedTextMixin, forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


def coordinators_for(person_team_id: int | None) -> Any:
    """Users who can coordinate: case workers and directors (of the person's team)."""
    from django.db.models import Q

    from sanctuary.accounts.models import Role

    users = User.objects.filter(is_active=True, role_grants__role__in=[Role.CASE_WORKER, Role.DIRECTOR]).distinct()
    if person_team_id is not None:
        users = users.filter(Q(teams=person_team_id) | Q(role_grants__role=Role.DIRECTOR)).distinct()
    return users.order_by("username")
