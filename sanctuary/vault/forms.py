from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ShareForm(forms.Form):
    share = forms.CharField(
        label=_("Your unseal share"),
        max_length=80,
        # A share is a secret: like a password it is not shown again after an error.
        widget=forms.PasswordInput(
            render_value=False,
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "autofocus": True},
        ),
        help_text=_("Nine groups of four letters and digits, e.g. 1K7M-9QRT-…. Dashes and spaces are optional."),
    )
