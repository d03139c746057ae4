"""The audit log viewer (directors and auditors): part of accounts, because the access policy
guards it, while the log itself (``sanctuary.audit``) sits below accounts. It holds no personal
data."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from sanctuary.accounts.policy import Module, module_required
from sanctuary.audit.models import Action, AuditEntry
from sanctuary.lib.bounds import RECORDS
from sanctuary.lib.forms import DateInput, bounded


@bounded(since=RECORDS, until=RECORDS)
class AuditFilterForm(forms.Form):
    """Filters are ids, codes and dates only, so GET parameters carry no personal data."""

    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("Any action")), *Action.choices])
    actor = forms.CharField(label=_("Staff username"), required=False, max_length=150)
    object_type = forms.ChoiceField(label=_("Record type"), required=False, choices=[])
    object_id = forms.CharField(label=_("Record id"), required=False, max_length=64)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        types = AuditEntry.objects.order_by().values_list("object_type", flat=True).distinct()
        labelled = sorted(((AuditEntry(object_type=t).record_label(), t) for t in types if t), key=lambda x: x[0])
        self.fields["object_type"].choices = [("", _("Any type"))] + [(t, label) for label, t in labelled]  # type: ignore[attr-defined]


@require_GET
@module_required(Module.AUDIT)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["actor"]:
            entries = entries.filter(actor_username=data["actor"])
        if data["object_type"]:
            entries = entries.filter(object_type=data["object_type"])
        if data["object_id"]:
            entries = entries.filter(object_id=data["object_id"])
        if data["since"]:
            entries = entries.filter(at__date__gte=data["since"])
        if data["until"]:
            entries = entries.filter(at__date__lte=data["until"])
    page = Paginator(entries.order_by("-seq"), 100).get_page(request.GET.get("page"))
    return render(request, "audit/audit_list.html", {"form": form, "page": page})
