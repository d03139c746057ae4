"""Forms for login, two-factor and staff management."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.models import Role, Team, User
from sanctuary.lib.forms import NormalisedTextMixin
from sanctuary.lib.text import ascii_digits


class LoginForm(AuthenticationForm):
    """Username and password; the TOTP code is asked on the next page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "autocorrect": "off"})


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app, or a backup code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self) -> str:
        return ascii_digits(self.cleaned_data["token"]).replace(" ", "").replace("-", "").strip().lower()


class EnrolForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("A new authenticator is tied to your account only with your password."),
    )
    token = forms.CharField(
        label=_("Six-digit code shown by the app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self) -> str:
        token = ascii_digits(self.cleaned_data["token"]).replace(" ", "").strip()
        if not token.isdigit() or len(token) != 6:
            raise forms.ValidationError(_("Enter the six digits shown in the app."), code="invalid_token")
        return token


class StaffUserForm(NormalisedTextMixin, forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "language", "teams", "identity_approver", "is_active"]
        widgets = {"teams": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.all()  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["roles"].initial = sorted(self.instance.roles)
        self.actor: Any = None  # set by the view: nobody changes their own roles

    def clean_roles(self) -> list[str]:
        roles = list(self.cleaned_data["roles"])
        if self.actor is not None and self.instance.pk == self.actor.pk and set(roles) != set(self.instance.roles):
            raise forms.ValidationError(_("Nobody changes their own roles: ask another director."))
        return roles


class TeamForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "description"]
