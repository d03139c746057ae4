"""Shelter forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.bounds import MOVE_OUT, STAY_END, STAY_START
from sanctuary.lib.forms import DateInput, NormalisedTextMixin, bounded
from sanctuary.shelter.models import MoveOut, RoomKind, SafeHouse


class IdList(forms.Field):
    """Ids sent as repeated hidden inputs (the beds chosen, the household members coming
    along): whole numbers, each at most once, at most ``most`` of them."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Choose again: this choice was not understood.")}

    def __init__(self, *, most: int = 40, **kwargs: Any) -> None:
        self.most = most
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[int]:
        if value in self.empty_values:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if len(ids) > self.most or len(set(ids)) != len(ids) or min(ids) < 1:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return ids


@bounded(start=STAY_START)
class PlaceForm(forms.Form):
    """One bed for each person placed: the person's first, then each member's, in order."""

    bed = IdList()
    member = IdList(required=False)
    start = forms.DateField(label=_("From"), widget=DateInput())


@bounded(requested_end=STAY_END)
class ExtensionForm(NormalisedTextMixin, forms.Form):
    requested_end = forms.DateField(label=_("Stay until"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(NormalisedTextMixin, forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


@bounded(ended_on=MOVE_OUT)
class MoveOutForm(forms.Form):
    ended_on = forms.DateField(label=_("Moved out on"), widget=DateInput())
    move_out = forms.ChoiceField(label=_("Went to"), choices=MoveOut.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("ended_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class HouseForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = SafeHouse
        fields = ["name", "region", "area", "contact", "takes_families", "takes_women", "active"]


class RoomForm(NormalisedTextMixin, forms.Form):
    name = forms.CharField(label=_("Room"), max_length=50)
    kind = forms.ChoiceField(label=_("Kind"), choices=RoomKind.choices)
    women_only = forms.BooleanField(label=_("Women only"), required=False)
    beds = forms.IntegerField(label=_("Number of beds"), min_value=1, max_value=40, initial=4)
