"""Form behaviour shared by every form that takes text from a person."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.text import Encoding, normalise

ZAWGYI_CHOICE_SUFFIX = "__zawgyi"


class NormalisedTextMixin(forms.BaseForm):
    """Normalise every text field: Zawgyi to Unicode, NFC, trimmed.

    When the detector is sure, the value is converted and the field name is listed in
    ``converted_fields`` so the view can tell the user. When it is unsure, the form is
    invalid and asks "Did you mean …?"; the user's answer comes back as
    ``<field>__zawgyi`` = ``convert`` or ``keep`` (radio buttons in ``_field.html``).
    """

    converted_fields: list[str]
    zawgyi_questions: dict[str, str]

    def full_clean(self) -> None:
        self.converted_fields = []
        self.zawgyi_questions = {}
        super().full_clean()

    def _clean_fields(self) -> None:
        super()._clean_fields()  # type: ignore[misc]
        for name, field in self.fields.items():
            if not isinstance(field, forms.CharField) or name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if not isinstance(value, str) or not value:
                continue
            answer = self.data.get(self.add_prefix(name) + ZAWGYI_CHOICE_SUFFIX)
            assume = {"convert": True, "keep": False}.get(answer or "")
            result = normalise(value, assume_zawgyi=assume)
            if result.encoding is Encoding.UNSURE:
                self.zawgyi_questions[name] = result.suggestion
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("This may be typed in Zawgyi. Please choose below."),
                        code="zawgyi_unsure",
                    ),
                )
                continue
            if result.encoding is Encoding.CONVERTED and result.text != value:
                self.converted_fields.append(name)
            if field.required and not result.text:
                self.add_error(name, forms.ValidationError(field.error_messages["required"], code="required"))
                continue
            self.cleaned_data[name] = result.text

    def converted_labels(self) -> list[str]:
        return [str(self.fields[name].label or name) for name in self.converted_fields]

    def zawgyi_question_for(self, name: str) -> str | None:
        return getattr(self, "zawgyi_questions", {}).get(name)


class DateInput(forms.DateInput):
    """The browser's date picker; the value is sent as YYYY-MM-DD whatever the language."""

    input_type = "date"
