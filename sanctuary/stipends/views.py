"""Stipend screens. Payment lines are shown for people the user may see (the access policy);
finance officers normally hold every team. Files go out by case code and alias only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import Module, module_required
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.people.models import Person
from sanctuary.stipends import actions, exports
from sanctuary.stipends.forms import DisburseForm, DraftForm, EnrollForm, FunderForm, HoldForm, RuleForm, UploadForm
from sanctuary.stipends.models import Enrollment, Funder, Hold, LineStatus, PaymentLine, PaymentRun, RunState
from sanctuary.vetting.rules import NotAdmissible

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

RUN_ERRORS = {
    "no_rule": gettext_lazy("This funder has no rule for that month: add one first."),
    "not_draft": gettext_lazy("This run is approved already: it cannot be drafted again."),
    "own_run": gettext_lazy("You drafted this run: a second finance officer must approve it."),
    "not_approved": gettext_lazy("The run must be approved before it is paid out."),
    "not_disbursed": gettext_lazy("The run must be paid out before it is reconciled."),
}


def _visible_lines(user: User, run: PaymentRun) -> Any:
    return (
        run.lines.filter(person__in=Person.objects.visible_to(user))
        .select_related("person")
        .order_by("person__case_code")
    )


@require_http_methods(["GET", "POST"])
@module_required(Module.STIPENDS)
def runs(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = DraftForm(request.POST or None, initial={"month": timezone.localdate().strftime("%Y-%m")})
    if request.method == "POST" and form.is_valid():
        try:
            run = actions.draft(user, form.cleaned_data["funder"], form.cleaned_data["month"])
        except actions.RunError as error:
            form.add_error(None, str(RUN_ERRORS[error.code]))
        else:
            messages.success(request, _("Draft ready: check it, then ask a second finance officer to approve it."))
            return redirect("stipends:run", pk=run.pk)
    context = {"form": form, "runs": PaymentRun.objects.select_related("funder", "drafted_by", "approved_by")[:60]}
    return render(request, "stipends/runs.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@module_required(Module.STIPENDS)
def funders(request: HttpRequest) -> HttpResponse:
    form = FunderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        funder = form.save()
        record(request.user, Action.CREATE, funder, fields=sorted(form.changed_data))  # type: ignore[arg-type]
        return redirect("stipends:funder", pk=funder.pk)
    context = {
        "form": form,
        "funders": Funder.objects.annotate(enrolled=Count("enrollments", filter=Q(enrollments__end__isnull=True))),
    }
    return render(request, "stipends/funders.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@module_required(Module.STIPENDS)
def funder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    funder = get_object_or_404(Funder, pk=pk)
    rule_form = RuleForm(request.POST if "add_rule" in request.POST else None)
    enroll_form = EnrollForm(
        request.POST if "enroll" in request.POST else None, initial={"start": timezone.localdate()}
    )
    if rule_form.is_bound and rule_form.is_valid():
        rule = rule_form.save(commit=False)
        rule.funder = funder
        try:
            rule.save()
        except IntegrityError:
            rule_form.add_error("effective_from", _("There is already a rule from that date."))
        else:
            record(user, Action.CREATE, rule, fields=sorted(rule_form.changed_data))
            messages.success(request, _("Rule added."))
            return redirect("stipends:funder", pk=funder.pk)
    if enroll_form.is_bound and enroll_form.is_valid():
        person = Person.objects.visible_to(user).filter(case_code=enroll_form.cleaned_data["case_code"].strip()).first()
        if person is None:
            enroll_form.add_error("case_code", _("No person with that case code that you may see."))
        else:
            try:
                actions.enroll(user, person, funder, enroll_form.cleaned_data["start"])
            except NotAdmissible as refusal:
                enroll_form.add_error("case_code", refusal.message)
            except IntegrityError:
                enroll_form.add_error("case_code", _("Already on this funder's list."))
            else:
                messages.success(request, _("%(code)s added to the list.") % {"code": person.case_code})
                return redirect("stipends:funder", pk=funder.pk)
    enrolled = (
        Enrollment.objects.filter(funder=funder, end__isnull=True, person__in=Person.objects.visible_to(user))
        .select_related("person")
        .order_by("person__case_code")[:500]
    )
    context = {
        "funder": funder,
        "rules": funder.rules.all(),
        "rule_form": rule_form,
        "enroll_form": enroll_form,
        "enrolled": enrolled,
    }
    return render(
        request, "stipends/funder.html", context, status=400 if (rule_form.errors or enroll_form.errors) else 200
    )


@require_GET
@module_required(Module.STIPENDS)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    run = get_object_or_404(PaymentRun.objects.select_related("funder", "drafted_by", "approved_by"), pk=pk)
    lines = _visible_lines(user, run)
    record(user, Action.VIEW, run)
    context = {
        "run": run,
        "lines": lines,
        "hidden": run.people - lines.count(),
        "diff": actions.differences(run),
        "disburse_form": DisburseForm(initial={"method": run.method}),
        "upload_form": UploadForm(),
        "statuses": [(v, label) for v, label in LineStatus.choices if v != LineStatus.PENDING],
        "can_approve": run.state == RunState.DRAFT and run.drafted_by_id != user.pk,
        "counts": dict(run.lines.values_list("status").annotate(n=Count("id"))),
    }
    return render(request, "stipends/run.html", context)


def _run_or_404(pk: int) -> PaymentRun:
    return get_object_or_404(PaymentRun, pk=pk)


@require_POST
@module_required(Module.STIPENDS)
def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(pk)
    try:
        actions.approve(request.user, run)  # type: ignore[arg-type]
    except actions.RunError as error:
        messages.error(request, str(RUN_ERRORS[error.code]))
    else:
        messages.success(request, _("Approved. The cash list can be downloaded."))
    return redirect("stipends:run", pk=run.pk)


@require_POST
@module_required(Module.STIPENDS)
def run_disburse(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(pk)
    form = DisburseForm(request.POST)
    if form.is_valid():
        try:
            actions.disburse(request.user, run, form.cleaned_data["method"])  # type: ignore[arg-type]
        except actions.RunError as error:
            messages.error(request, str(RUN_ERRORS[error.code]))
        else:
            messages.success(request, _("Marked as paid out. Reconcile each line when receipts are back."))
    return redirect("stipends:run", pk=run.pk)


@require_POST
@module_required(Module.STIPENDS)
def run_reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    """By hand: one select and one receipt box per line."""
    user: User = request.user  # type: ignore[assignment]
    run = _run_or_404(pk)
    marks = []
    errors = []
    for line in _visible_lines(user, run):
        status = request.POST.get(f"status-{line.pk}", "")
        receipt = request.POST.get(f"receipt-{line.pk}", "").strip()[:64]
        if not status:
            continue
        if status not in LineStatus.values or status == LineStatus.PENDING:
            errors.append(line.person.case_code)
            continue
        if status == LineStatus.PAID and not receipt:
            errors.append(line.person.case_code)
            continue
        marks.append(actions.Mark(line.pk, status, receipt))
    if errors:
        messages.error(
            request, _("Nothing saved. A paid line needs a receipt reference: %(codes)s") % {"codes": ", ".join(errors)}
        )
    elif marks:
        try:
            actions.reconcile(user, run, marks)
        except actions.RunError as error:
            messages.error(request, str(RUN_ERRORS[error.code]))
        else:
            messages.success(request, _("%(n)s lines reconciled.") % {"n": len(marks)})
    return redirect("stipends:run", pk=run.pk)


@require_POST
@module_required(Module.STIPENDS)
def run_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """A reconciliation CSV: all rows valid, or nothing applied and each bad row named."""
    user: User = request.user  # type: ignore[assignment]
    run = _run_or_404(pk)
    form = UploadForm(request.POST, request.FILES)
    report = None
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file."))
    elif run.state not in {RunState.DISBURSED, RunState.RECONCILED}:
        messages.error(request, str(RUN_ERRORS["not_disbursed"]))
    else:
        visible = set(_visible_lines(user, run).values_list("pk", flat=True))
        report = exports.read_reconciliation(run, form.cleaned_data["file"].read(), visible)
        if report.errors:
            messages.error(request, _("Nothing was applied: fix the rows below and upload the file again."))
        else:
            actions.reconcile(user, run, report.marks)
            messages.success(request, _("%(n)s lines reconciled.") % {"n": len(report.marks)})
            return redirect("stipends:run", pk=run.pk)
    context = {"run": run, "report": report}
    return render(request, "stipends/upload_report.html", context, status=400)


@require_GET
@module_required(Module.STIPENDS)
def run_download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    run = _run_or_404(pk)
    if run.state == RunState.DRAFT and kind != "csv":
        messages.error(request, str(RUN_ERRORS["not_approved"]))
        return redirect("stipends:run", pk=run.pk)
    lines = list(_visible_lines(user, run))
    name = f"stipends-{run.funder_id}-{run.month:%Y-%m}"
    if kind == "pdf":
        body: bytes | str = exports.cash_list_pdf(run, lines, translation.get_language() or "my")
        content_type, filename = "application/pdf", f"{name}.pdf"
    elif kind == "xlsx":
        body = exports.cash_list_xlsx(run, lines)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        filename = f"{name}.xlsx"
    elif kind == "csv":
        body, content_type, filename = exports.run_csv(lines), "text/csv; charset=utf-8", f"{name}.csv"
    elif kind == "funder":
        body, content_type, filename = exports.funder_export(lines), "text/csv; charset=utf-8", f"{name}-funder.csv"
    else:
        raise PermissionDenied
    record(user, Action.EXPORT, run, fields=[kind])
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@module_required(Module.STIPENDS)
def ledger(request: HttpRequest, person_pk: int) -> HttpResponse:
    """What was paid to one person, when, by which run; their holds."""
    user: User = request.user  # type: ignore[assignment]
    person = get_object_or_404(Person.objects.visible_to(user), pk=person_pk)
    form = HoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        hold = Hold.objects.create(person=person, created_by=user, **form.cleaned_data)
        record(user, Action.CREATE, hold, fields=["kind", "reason", "start", "end"])
        messages.success(request, _("Saved."))
        return redirect("stipends:ledger", person_pk=person.pk)
    record(user, Action.VIEW, person, fields=["stipends"])
    context = {
        "person": person,
        "lines": PaymentLine.objects.filter(person=person).select_related("run", "funder").order_by("-month"),
        "holds": person.stipend_holds.all(),
        "enrollments": person.stipend_enrollments.select_related("funder"),
        "form": form,
    }
    return render(request, "stipends/ledger.html", context, status=400 if form.errors else 200)


@require_GET
@module_required(Module.STIPENDS)
def reports(request: HttpRequest) -> HttpResponse:
    """Monthly totals by funder and team; people paid; not collected."""
    user: User = request.user  # type: ignore[assignment]
    lines = PaymentLine.objects.filter(person__in=Person.objects.visible_to(user))
    by_funder = (
        lines.values("month", "funder__name", "currency")
        .annotate(
            total=Sum("amount", filter=Q(status=LineStatus.PAID)),
            planned=Sum("amount"),
            paid=Count("id", filter=Q(status=LineStatus.PAID)),
            not_collected=Count("id", filter=Q(status=LineStatus.NOT_COLLECTED)),
        )
        .order_by("-month", "funder__name")[:120]
    )
    by_team = (
        lines.values("month", "person__team__name", "currency")
        .annotate(total=Sum("amount", filter=Q(status=LineStatus.PAID)), people=Count("person", distinct=True))
        .order_by("-month", "person__team__name")[:240]
    )
    return render(request, "stipends/reports.html", {"by_funder": by_funder, "by_team": by_team})
