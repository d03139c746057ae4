"""Legal forms. Every text goes through ``NormalisedTextMixin`` (Zawgyi is stored as
Unicode). The rules (expiry before issue, the embassy warning, the employer of a work permit,
dates in order) are the actions' (``LegalRuleError``); a view shows a refusal beside its
field with everything typed kept. Only what a form alone can say is checked here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.models import Role, User
from sanctuary.legal.actions import LegalRuleError
from sanctuary.legal.models import (
    Authority,
    ClockResolution,
    DetentionStatus,
    DocumentType,
    HandlerKind,
    LegalSettings,
    PaperStatus,
    RequestState,
)
from sanctuary.lib.bounds import EVENT_SINCE_1988, LEGAL_EXPECTED, LEGAL_STEP, PAPER_EXPIRES, PAPER_ISSUED
from sanctuary.lib.forms import DateInput, NormalisedTextMixin, bounded
from sanctuary.people import work


class ScanForm(forms.Form):
    """The scan alone, for ``sanctuary.vault.http.accept_upload``."""

    file = forms.FileField()


class EmbassyMixin(forms.BaseForm):
    """Types that need contact with the Myanmar embassy, for the warning beside the choice."""

    def embassy_types(self) -> list[DocumentType]:
        field = self.fields["doc_type"]
        return [t for t in field.queryset if t.embassy_route]  # type: ignore[attr-defined]


def _types(current: DocumentType | None) -> Any:
    """Types in use, and the one a row already has (kept even if retired since)."""
    from django.db.models import Q

    found = DocumentType.objects.filter(Q(active=True) | Q(pk=getattr(current, "pk", None)))
    return found.order_by("order", "id")


@bounded(issued_on=PAPER_ISSUED, expires_on=PAPER_EXPIRES)
class PaperForm(EmbassyMixin, NormalisedTextMixin, forms.Form):
    doc_type = forms.ModelChoiceField(label=_("Type of paper"), queryset=DocumentType.objects.none(), empty_label=None)
    risk_explained = forms.BooleanField(label=_("I have explained the risk to the person"), required=False)
    status = forms.ChoiceField(label=_("State"), choices=PaperStatus.choices, initial=PaperStatus.ISSUED)
    number = forms.CharField(label=_("Number"), max_length=100, required=False)
    issuer = forms.CharField(
        label=_("Issued by"),
        max_length=200,
        required=False,
        help_text=_("The office, for example “Mae Sot immigration”."),
    )
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=DateInput())
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput())
    employer = forms.ChoiceField(
        label=_("Employer the permit depends on"),
        required=False,
        help_text=_("Only for a work permit. When this job ends, a clock starts for finding a new employer."),
    )
    file = forms.FileField(label=_("Scan (JPEG, PNG, WebP or PDF, up to 10 MB)"), required=False)
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, person_id: int, paper: Any = None, **kwargs: Any) -> None:
        if paper is not None:
            kwargs.setdefault(
                "initial",
                {
                    "doc_type": paper.doc_type_id,
                    "number": paper.number,
                    "issuer": paper.issuer,
                    "issued_on": paper.issued_on,
                    "expires_on": paper.expires_on,
                    "employer": paper.employer_ref,
                    "notes": paper.notes,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["doc_type"].queryset = _types(paper.doc_type if paper else None)  # type: ignore[attr-defined]
        employers = [(e.ref, e.code_name) for e in work.employers_of(person_id)]
        if paper is not None and paper.employer_ref and paper.employer_ref not in dict(employers):
            employers.append((paper.employer_ref, paper.employer_name or paper.employer_ref))
        self.fields["employer"].choices = [("", "—"), *employers]  # type: ignore[attr-defined]
        if paper is not None:
            del self.fields["status"]  # changed on its own form, with the day it happened

    def clean(self) -> dict[str, Any]:
        """Said here as well as by the action, so it shows with the form's other errors."""
        data = super().clean() or {}
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", LegalRuleError("expires_before_issue").message)
        return data


@bounded(on=LEGAL_STEP)
class PaperStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New state"), choices=PaperStatus.choices)
    on = forms.DateField(label=_("On"), widget=DateInput())


class ResolveClockForm(NormalisedTextMixin, forms.Form):
    resolution = forms.ChoiceField(label=_("Outcome"), choices=ClockResolution.choices)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


@bounded(occurred_on=EVENT_SINCE_1988)
class DetentionForm(NormalisedTextMixin, forms.Form):
    occurred_on = forms.DateField(label=_("Arrested on"), widget=DateInput())
    authority = forms.ChoiceField(label=_("By"), choices=Authority.choices)
    place = forms.CharField(label=_("Where they are held"), max_length=300, required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


@bounded(on=LEGAL_STEP)
class DetentionStatusForm(NormalisedTextMixin, forms.Form):
    status = forms.ChoiceField(label=_("Now"), choices=DetentionStatus.choices)
    on = forms.DateField(label=_("On"), widget=DateInput())
    place = forms.CharField(
        label=_("New place"), max_length=300, required=False, help_text=_("When they were moved; empty keeps it.")
    )


@bounded(submitted_on=LEGAL_STEP, expected_on=LEGAL_EXPECTED, done_on=LEGAL_STEP)
class RequestForm(EmbassyMixin, NormalisedTextMixin, forms.Form):
    doc_type = forms.ModelChoiceField(label=_("Type of paper"), queryset=DocumentType.objects.none(), empty_label=None)
    risk_explained = forms.BooleanField(label=_("I have explained the risk to the person"), required=False)
    handler_kind = forms.ChoiceField(label=_("Handled by"), choices=HandlerKind.choices)
    handler_name = forms.CharField(label=_("Name of the agent or lawyer"), max_length=200, required=False)
    handler_user = forms.ModelChoiceField(label=_("Staff member"), queryset=User.objects.none(), required=False)
    cost = forms.DecimalField(
        label=_("Cost (THB)"), min_value=Decimal(0), max_digits=10, decimal_places=2, required=False
    )
    submitted_on = forms.DateField(label=_("Handed in on"), required=False, widget=DateInput())
    expected_on = forms.DateField(label=_("Expected on"), required=False, widget=DateInput())
    done_on = forms.DateField(label=_("Done on"), required=False, widget=DateInput())
    state = forms.ChoiceField(label=_("State"), choices=RequestState.choices, initial=RequestState.OPEN)
    submitted_what = forms.CharField(
        label=_("What was handed in"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, request_row: Any = None, **kwargs: Any) -> None:
        if request_row is not None:
            kwargs.setdefault(
                "initial",
                {
                    "doc_type": request_row.doc_type_id,
                    "handler_kind": request_row.handler_kind,
                    "handler_name": request_row.handler_name,
                    "handler_user": request_row.handler_user_id,
                    "cost": request_row.cost,
                    "submitted_on": request_row.submitted_on,
                    "expected_on": request_row.expected_on,
                    "done_on": request_row.done_on,
                    "state": request_row.state,
                    "submitted_what": request_row.submitted_what,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["doc_type"].queryset = _types(request_row.doc_type if request_row else None)  # type: ignore[attr-defined]
        staff = User.objects.filter(is_active=True, role_grants__role__in=[Role.CASE_WORKER, Role.DIRECTOR])
        self.fields["handler_user"].queryset = staff.distinct().order_by("username")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """Dates in order, said here as well as by the action, beside the other errors."""
        data = super().clean() or {}
        submitted = data.get("submitted_on")
        for name, code in (("expected_on", "expected_before_submitted"), ("done_on", "done_before_submitted")):
            if submitted and data.get(name) and data[name] < submitted:
                self.add_error(name, LegalRuleError(code).message)
        return data


class SettingsForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = LegalSettings
        fields = ["expiry_warning_days", "new_employer_days", "checklist_my", "checklist_en", "checklist_th"]
        widgets = {
            "checklist_my": forms.Textarea(attrs={"rows": 5}),
            "checklist_en": forms.Textarea(attrs={"rows": 5}),
            "checklist_th": forms.Textarea(attrs={"rows": 5}),
        }


class DocumentTypeForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = DocumentType
        fields = ["code", "name_my", "name_en", "name_th", "embassy_route", "ties_to_employer", "active", "order"]

    def validate_unique(self) -> None:
        """The code's uniqueness is the action's rule (``type_code_taken``), said once."""
