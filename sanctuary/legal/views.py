"""Legal screens: papers to act on, a person's papers, requests and detentions, and the
settings. Views are thin: they fetch through ``visible_to``, validate a form and call one
``do_*`` action; a refusal is shown beside its field in the user's language, and the form
comes back with everything typed (a scan has to be chosen again: browsers never resend a file).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import module_required
from sanctuary.audit.lists import audit_shown, people_in
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.legal import actions
from sanctuary.legal.actions import FIELD_OF, LegalRuleError
from sanctuary.legal.forms import (
    DetentionForm,
    DetentionStatusForm,
    DocumentTypeForm,
    PaperForm,
    PaperStatusForm,
    RequestForm,
    ResolveClockForm,
    ScanForm,
    SettingsForm,
)
from sanctuary.legal.models import (
    LEGAL,
    LEGAL_CONFIG,
    Detention,
    DetentionCall,
    DocumentRequest,
    DocumentType,
    LegalSettings,
    Paper,
    PermitClock,
)
from sanctuary.people.admission import NotAdmissible
from sanctuary.people.models import Person
from sanctuary.people.reach import person_or_404
from sanctuary.vault.http import accept_upload

if TYPE_CHECKING:
    from django import forms

    from sanctuary.accounts.models import User

SHOWN = 50  # rows per alert list: the most pressing first, short enough for a phone


def _status(form: forms.BaseForm) -> int:
    """A form shown again after a POST was refused or invalid: 400, with everything typed."""
    return 400 if form.is_bound else 200


def _refuse(form: forms.BaseForm, error: LegalRuleError | NotAdmissible) -> None:
    field = FIELD_OF.get(error.code, "")
    form.add_error(field if field in form.fields else None, error.message)


def _person(request: HttpRequest, pk: int) -> Person:
    """A person the user may see, not folded into another record."""
    return person_or_404(request.user, pk, merged_into__isnull=True)


def _paper(request: HttpRequest, pk: int) -> Paper:
    return get_object_or_404(
        Paper.objects.visible_to(request.user).select_related("person", "doc_type", "scan"),  # type: ignore[arg-type]
        pk=pk,
    )


def _detention(request: HttpRequest, pk: int) -> Detention:
    return get_object_or_404(Detention.objects.visible_to(request.user).select_related("person"), pk=pk)  # type: ignore[arg-type]


def _save_with_scan(request: HttpRequest, form: PaperForm, save: Callable[[bytes | None], Paper]) -> Paper | None:
    """Run ``save`` with the uploaded scan, if any (through ``accept_upload``: size limit,
    stripping, the messages), or without one. A refusal lands on its field."""
    done: list[Paper] = []
    try:
        if request.FILES.get("file"):
            accept_upload(request, ScanForm(files=request.FILES), lambda data: done.append(save(data)))
        else:
            done.append(save(None))
    except LegalRuleError as error:
        _refuse(form, error)
    return done[0] if done else None


# --- Papers to act on -------------------------------------------------------------------------------


@require_GET
@module_required(LEGAL)
def alerts(request: HttpRequest) -> HttpResponse:
    """Papers expiring (or expired), open work-permit clocks, open detentions and requests
    past their expected day: a fixed number of queries, however many rows."""
    user: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    expiring = (
        Paper.objects.visible_to(user).to_renew(today).select_related("person", "doc_type").order_by("expires_on")
    )
    clocks = PermitClock.objects.visible_to(user).open().select_related("person", "paper__doc_type")
    detentions = Detention.objects.visible_to(user).open().select_related("person").order_by("occurred_on")
    late = (
        DocumentRequest.objects.visible_to(user)
        .pending()
        .filter(expected_on__lt=today)
        .select_related("person", "doc_type")
        .order_by("expected_on")
    )
    context = {
        "expiring": list(expiring[:SHOWN]),
        "clocks": list(clocks[:SHOWN]),
        "detentions": list(detentions[:SHOWN]),
        "late": list(late[:SHOWN]),
        "resolve_form": ResolveClockForm(),
        "today": today,
    }
    audit_shown(request, people_in(context[key] for key in ("expiring", "clocks", "detentions", "late")))
    return render(request, "legal/alerts.html", context)


# --- Papers ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@module_required(LEGAL)
def paper_add(request: HttpRequest, person_pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    person = _person(request, person_pk)
    form = PaperForm(
        request.POST or None, request.FILES or None, person_id=person.pk, initial={"doc_type": request.GET.get("type")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        paper = _save_with_scan(request, form, lambda scan: actions.do_add_paper(user, person, data, scan))
        if paper is not None:
            if not request.FILES.get("file"):
                messages.success(request, _("Paper saved."))
            return redirect("people:detail", pk=person.pk)
    return render(request, "legal/paper_form.html", {"form": form, "person": person}, status=_status(form))


def _paper_page(request: HttpRequest, paper: Paper, status: int = 200, **forms: Any) -> HttpResponse:
    context = {
        "paper": paper,
        "person": paper.person,
        "form": forms.get("form") or PaperForm(person_id=paper.person_id, paper=paper),
        "status_form": forms.get("status_form") or PaperStatusForm(initial={"on": timezone.localdate()}),
        "changes": paper.changes.select_related("changed_by"),
        "clocks": paper.clocks.all(),
        "standing": paper.standing_label(LegalSettings.current().expiry_warning_days),
    }
    return render(request, "legal/paper.html", context, status=status)


@require_http_methods(["GET", "POST"])
@module_required(LEGAL)
def paper(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = _paper(request, pk)
    if request.method == "GET":
        record(user, Action.VIEW, found)
        return _paper_page(request, found)
    form = PaperForm(request.POST, request.FILES or None, person_id=found.person_id, paper=found)
    if form.is_valid():
        data = form.cleaned_data
        saved = _save_with_scan(request, form, lambda scan: actions.do_update_paper(user, found, data, scan))
        if saved is not None:
            if not request.FILES.get("file"):
                messages.success(request, _("Changes saved."))
            return redirect("legal:paper", pk=found.pk)
    return _paper_page(request, found, 400, form=form)


@require_POST
@module_required(LEGAL)
def paper_status(request: HttpRequest, pk: int) -> HttpResponse:
    found = _paper(request, pk)
    form = PaperStatusForm(request.POST)
    if form.is_valid():
        try:
            actions.do_change_paper_status(request.user, found, form.cleaned_data["status"], form.cleaned_data["on"])  # type: ignore[arg-type]
        except LegalRuleError as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Change recorded."))
            return redirect("legal:paper", pk=found.pk)
    return _paper_page(request, found, 400, status_form=form)


@require_POST
@module_required(LEGAL)
def clock_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    clock = get_object_or_404(PermitClock.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    form = ResolveClockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what happened."))
        return redirect("legal:alerts")
    try:
        actions.do_resolve_clock(request.user, clock, form.cleaned_data["resolution"], form.cleaned_data["note"])  # type: ignore[arg-type]
    except LegalRuleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Marked as dealt with."))
    return redirect("legal:alerts")


# --- Detention ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@module_required(LEGAL)
def detention_add(request: HttpRequest, person_pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    person = _person(request, person_pk)
    form = DetentionForm(request.POST or None, initial={"occurred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            detention = actions.do_record_detention(
                user, person, data["occurred_on"], data["authority"], data["place"], data["note"]
            )
        except LegalRuleError as error:
            form.add_error("occurred_on", error.message)
        else:
            messages.success(request, _("Detention recorded. Work through the calls below."))
            return redirect("legal:detention", pk=detention.pk)
    return render(request, "legal/detention_form.html", {"form": form, "person": person}, status=_status(form))


def _detention_page(request: HttpRequest, detention: Detention, status: int = 200, **forms: Any) -> HttpResponse:
    warning_days = LegalSettings.current().expiry_warning_days
    papers = list(
        Paper.objects.visible_to(request.user).filter(person=detention.person).select_related("doc_type")  # type: ignore[arg-type]
    )
    standing = [(p, p.standing(warning_days)) for p in papers]
    context = {
        "detention": detention,
        "person": detention.person,
        "papers": [(p, s, p.standing_label(warning_days)) for p, s in standing],
        "no_valid_paper": not any(s in ("valid", "expiring") for _p, s in standing),
        "calls": detention.calls.select_related("done_by"),
        "changes": detention.changes.select_related("changed_by"),
        "status_form": forms.get("status_form") or DetentionStatusForm(initial={"on": timezone.localdate()}),
    }
    return render(request, "legal/detention.html", context, status=status)


@require_GET
@module_required(LEGAL)
def detention(request: HttpRequest, pk: int) -> HttpResponse:
    found = _detention(request, pk)
    record(request.user, Action.VIEW, found)  # type: ignore[arg-type]
    return _detention_page(request, found)


@require_POST
@module_required(LEGAL)
def detention_status(request: HttpRequest, pk: int) -> HttpResponse:
    found = _detention(request, pk)
    form = DetentionStatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_change_detention(request.user, found, data["status"], data["on"], data["place"])  # type: ignore[arg-type]
        except LegalRuleError as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Change recorded."))
            return redirect("legal:detention", pk=found.pk)
    return _detention_page(request, found, 400, status_form=form)


@require_POST
@module_required(LEGAL)
def call_tick(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(DetentionCall.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    actions.do_tick_call(request.user, call, done=request.POST.get("done") == "1")  # type: ignore[arg-type]
    return redirect("legal:detention", pk=call.detention_id)


# --- Requests ------------------------------------------------------------------------------------


def _request_form(request: HttpRequest, person: Person, row: DocumentRequest | None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    initial = {"doc_type": request.GET.get("type")} if row is None else None
    form = RequestForm(request.POST or None, request_row=row, **({"initial": initial} if initial else {}))
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.do_save_request(user, person, form.cleaned_data, row)
        except (LegalRuleError, NotAdmissible) as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Request saved."))
            return redirect("legal:request", pk=saved.pk)
    context = {"form": form, "person": person, "request_row": row}
    return render(request, "legal/request_form.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
@module_required(LEGAL)
def request_add(request: HttpRequest, person_pk: int) -> HttpResponse:
    return _request_form(request, _person(request, person_pk), None)


@require_http_methods(["GET", "POST"])
@module_required(LEGAL)
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(
        DocumentRequest.objects.visible_to(request.user).select_related("person", "doc_type"),  # type: ignore[arg-type]
        pk=pk,
    )
    if request.method == "GET":
        record(request.user, Action.VIEW, row)  # type: ignore[arg-type]
    return _request_form(request, row.person, row)


# --- Settings ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@module_required(LEGAL_CONFIG)
def settings_view(request: HttpRequest) -> HttpResponse:
    form = SettingsForm(request.POST or None, instance=LegalSettings.current())
    if request.method == "POST" and form.is_valid():
        actions.do_save_settings(request.user, form.save(commit=False))  # type: ignore[arg-type]
        messages.success(request, _("Settings saved."))
        return redirect("legal:settings")
    context = {"form": form, "types": DocumentType.objects.visible_to(request.user)}  # type: ignore[arg-type]
    return render(request, "legal/settings.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
@module_required(LEGAL_CONFIG)
def type_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    found = get_object_or_404(DocumentType.objects.visible_to(request.user), pk=pk) if pk else DocumentType()  # type: ignore[arg-type]
    form = DocumentTypeForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_type(request.user, form.save(commit=False))  # type: ignore[arg-type]
        except LegalRuleError as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Type of paper saved."))
            return redirect("legal:settings")
    return render(request, "legal/type_form.html", {"form": form, "doc_type": found}, status=_status(form))
