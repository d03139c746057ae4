from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ShareForm(forms.Form):
    share = forms.CharField(
        label=_("Your unseal share"),
        max_length=80,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "autofocus": True}
        ),
        help_text=_("Nine groups of four letters and digits, e.g. 1K7M-9QRT-…. Dashes and spaces are optional."),
    )
