"""Stipend screens. Payment lines are shown for people the user may see (the access policy);
finance officers normally hold every team. Files go out by case code and alias only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import module_required
from sanctuary.audit.lists import audit_shown, ids_of, shown
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.background import runner
from sanctuary.people.admission import NotAdmissible
from sanctuary.people.models import Person
from sanctuary.people.reach import hand_over_hint, person_or_404
from sanctuary.stipends import actions, exports, jobs
from sanctuary.stipends.forms import DisburseForm, DraftForm, EnrollForm, FunderForm, HoldForm, RuleForm, UploadForm
from sanctuary.stipends.models import STIPENDS, Enrollment, Funder, LineStatus, PaymentLine, PaymentRun, RunState

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


def _visible_lines(user: User, run: PaymentRun) -> Any:
    return PaymentLine.objects.visible_to(user).filter(run=run).select_related("person").order_by("person__case_code")


@require_http_methods(["GET", "POST"])
@module_required(STIPENDS)
def runs(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = DraftForm(request.POST or None, initial={"month": timezone.localdate().strftime("%Y-%m")})
    if request.method == "POST" and form.is_valid():
        funder, month = form.cleaned_data["funder"], form.cleaned_data["month"]
        try:
            actions.check_can_draft(funder, month)
        except actions.RunError as error:
            form.add_error(None, error.message)
        else:
            job = runner.start(jobs.DRAFT, user, params={"funder": funder.pk, "month": month.isoformat()})
            return redirect("background:detail", pk=job.pk)
    runs = PaymentRun.objects.visible_to(user).select_related("funder", "drafted_by", "approved_by")[:60]
    context = {"form": form, "runs": runs}
    return render(request, "stipends/runs.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@module_required(STIPENDS)
def funders(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = FunderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        funder = actions.do_add_funder(user, form)
        return redirect("stipends:funder", pk=funder.pk)
    context = {
        "form": form,
        "funders": Funder.objects.visible_to(user).annotate(
            enrolled=Count("enrollments", filter=Q(enrollments__end__isnull=True))
        ),
    }
    return render(request, "stipends/funders.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@module_required(STIPENDS)
def funder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    funder = get_object_or_404(Funder.objects.visible_to(user), pk=pk)
    rule_form = RuleForm(request.POST if "add_rule" in request.POST else None)
    enroll_form = EnrollForm(
        request.POST if "enroll" in request.POST else None, initial={"start": timezone.localdate()}
    )
    if rule_form.is_bound and rule_form.is_valid():
        try:
            actions.do_add_rule(user, funder, rule_form)
        except actions.RunError as error:
            rule_form.add_error("effective_from", error.message)
        else:
            messages.success(request, _("Rule added."))
            return redirect("stipends:funder", pk=funder.pk)
    if enroll_form.is_bound and enroll_form.is_valid():
        person = Person.objects.visible_to(user).filter(case_code=enroll_form.cleaned_data["case_code"].strip()).first()
        if person is None:
            hint = hand_over_hint(user, enroll_form.cleaned_data["case_code"])
            enroll_form.add_error("case_code", " ".join([_("No person with that case code that you may see."), hint]))
        else:
            try:
                actions.do_enroll(user, person, funder, enroll_form.cleaned_data["start"])
            except (NotAdmissible, actions.RunError) as refusal:
                enroll_form.add_error("case_code", refusal.message)
            else:
                messages.success(request, _("%(code)s added to the list.") % {"code": person.case_code})
                return redirect("stipends:funder", pk=funder.pk)
    enrolled = shown(
        request,
        Enrollment.objects.visible_to(user)
        .filter(funder=funder, end__isnull=True)
        .select_related("person")
        .order_by("person__case_code")[:500],
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
@module_required(STIPENDS)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    run = get_object_or_404(
        PaymentRun.objects.visible_to(user).select_related("funder", "drafted_by", "approved_by"), pk=pk
    )
    return _run_page(request, run)


def _run_page(
    request: HttpRequest, run: PaymentRun, typed: dict[int, tuple[str, str]] | None = None, bad: set[int] | None = None
) -> HttpResponse:
    """The run page. After a refused reconciliation, ``typed`` holds every line's status and
    receipt as sent and ``bad`` the lines refused: shown again, nothing typed lost (400)."""
    user: User = request.user  # type: ignore[assignment]
    lines = list(_visible_lines(user, run))
    for line in lines:
        line.typed_status, line.typed_receipt = (typed or {}).get(line.pk, ("", ""))  # type: ignore[attr-defined]
        line.typed_bad = line.pk in (bad or set())  # type: ignore[attr-defined]
    record(user, Action.VIEW, run)
    diff = actions.differences(run, user)
    changes = [row[0].pk for key in ("added", "removed", "changed") for row in diff[key]]
    audit_shown(request, [*ids_of(lines), *changes])
    context = {
        "run": run,
        "lines": lines,
        "hidden": run.people - len(lines),
        "diff": diff,
        "disburse_form": DisburseForm(initial={"method": run.method}),
        "upload_form": UploadForm(),
        "statuses": [(v, label) for v, label in LineStatus.choices if v != LineStatus.PENDING],
        "can_approve": run.state == RunState.DRAFT and run.drafted_by_id != user.pk,
        "version": actions.run_fingerprint(run) if run.state == RunState.DRAFT else "",
        "counts": dict(run.lines.values_list("status").annotate(n=Count("id"))),
        "to_review": [line for line in lines if line.needs_review],
    }
    return render(request, "stipends/run.html", context, status=400 if bad else 200)


def _run_or_404(request: HttpRequest, pk: int) -> PaymentRun:
    return get_object_or_404(PaymentRun.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]


@require_POST
@module_required(STIPENDS)
def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    try:
        actions.do_approve_run(request.user, run, seen=request.POST.get("version", ""))  # type: ignore[arg-type]
    except actions.RunError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Approved. The cash list can be downloaded."))
    return redirect("stipends:run", pk=run.pk)


@require_POST
@module_required(STIPENDS)
def run_disburse(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_or_404(request, pk)
    form = DisburseForm(request.POST)
    if form.is_valid():
        try:
            actions.do_disburse_run(request.user, run, form.cleaned_data["method"])  # type: ignore[arg-type]
        except actions.RunError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Marked as paid out. Reconcile each line when receipts are back."))
    return redirect("stipends:run", pk=run.pk)


@require_POST
@module_required(STIPENDS)
def run_reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    """By hand: one select and one receipt box per line."""
    user: User = request.user  # type: ignore[assignment]
    run = _run_or_404(request, pk)
    marks = []
    errors = []
    typed: dict[int, tuple[str, str]] = {}
    bad: set[int] = set()
    for line in _visible_lines(user, run):
        status = request.POST.get(f"status-{line.pk}", "")
        receipt = request.POST.get(f"receipt-{line.pk}", "").strip()[:64]
        typed[line.pk] = (status, receipt)
        if not status:
            continue
        if (
            status not in LineStatus.values
            or status == LineStatus.PENDING
            or (status == LineStatus.PAID and not receipt)
        ):
            errors.append(line.person.case_code)
            bad.add(line.pk)
            continue
        marks.append(actions.Mark(line.pk, status, receipt))
    if errors:
        # Nothing is saved, and nothing typed is lost: the page comes back with every line as sent.
        messages.error(
            request, _("Nothing saved. A paid line needs a receipt reference: %(codes)s") % {"codes": ", ".join(errors)}
        )
        return _run_page(
            request, PaymentRun.objects.select_related("funder", "drafted_by", "approved_by").get(pk=run.pk), typed, bad
        )
    if marks:
        try:
            actions.do_reconcile_run(user, run, marks)
        except actions.RunError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(n)s lines reconciled.") % {"n": len(marks)})
    return redirect("stipends:run", pk=run.pk)


@require_POST
@module_required(STIPENDS)
def run_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """A reconciliation CSV: all rows valid, or nothing applied and each bad row named."""
    user: User = request.user  # type: ignore[assignment]
    run = _run_or_404(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file."))
    elif run.state not in {RunState.DISBURSED, RunState.RECONCILED}:
        messages.error(request, actions.RunError("not_disbursed").message)
    else:
        upload = form.cleaned_data["file"]
        if upload.size > exports.MAX_CSV_BYTES:
            messages.error(request, _("The file is larger than 2 MB."))
        else:
            params = {"run": run.pk, "overwrite": bool(form.cleaned_data["overwrite"])}
            job = runner.start(jobs.RECONCILE, user, params=params, input_data=upload.read())
            return redirect("background:detail", pk=job.pk)
    return redirect("stipends:run", pk=run.pk)


@require_POST
@module_required(STIPENDS)
def run_download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Make a run's file (cash list, bank CSV, the funder's export) as a job; the job's page
    hands it to the user who asked, once."""
    user: User = request.user  # type: ignore[assignment]
    run = _run_or_404(request, pk)
    if kind not in jobs.FORMATS:
        raise PermissionDenied
    if run.state == RunState.DRAFT and kind != "csv":
        messages.error(request, actions.RunError("not_approved").message)
        return redirect("stipends:run", pk=run.pk)
    job = runner.start(jobs.EXPORT, user, params={"run": run.pk, "kind": kind})
    return redirect("background:detail", pk=job.pk)


@require_http_methods(["GET", "POST"])
@module_required(STIPENDS)
def ledger(request: HttpRequest, person_pk: int) -> HttpResponse:
    """What was paid to one person, when, by which run; their holds."""
    user: User = request.user  # type: ignore[assignment]
    person = person_or_404(user, person_pk)
    form = HoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_hold(user, person, **form.cleaned_data)
        except actions.RunError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("stipends:ledger", person_pk=person.pk)
    record(user, Action.VIEW, person, fields=["stipends"])
    context = {
        "person": person,
        "lines": PaymentLine.objects.visible_to(user)
        .filter(person=person)
        .select_related("run", "funder")
        .order_by("-month"),
        "holds": person.stipend_holds.all(),
        "enrollments": person.stipend_enrollments.select_related("funder"),
        "form": form,
    }
    return render(request, "stipends/ledger.html", context, status=400 if form.errors else 200)


@require_GET
@module_required(STIPENDS)
def reports(request: HttpRequest) -> HttpResponse:
    """Monthly totals by funder and team; people paid; not collected."""
    user: User = request.user  # type: ignore[assignment]
    lines = PaymentLine.objects.visible_to(user)
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


@require_POST
@module_required(STIPENDS)
def line_review(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    """A payment kept from a merged record: a finance officer says it was looked at."""
    user: User = request.user  # type: ignore[assignment]
    run = _run_or_404(request, pk)
    line = get_object_or_404(_visible_lines(user, run), pk=line_id)
    try:
        actions.do_review_line(user, line)
    except actions.RunError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Marked as reviewed."))
    return redirect("stipends:run", pk=run.pk)
