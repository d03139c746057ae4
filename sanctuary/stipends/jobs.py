"""Stipend work that can take long, as jobs (``sanctuary.background``): drafting a month's run,
reading a reconciliation file, and making the files handed out (cash lists, bank CSV, the
funder's export)."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.background import runner
from sanctuary.stipends import actions, exports
from sanctuary.stipends.models import STIPENDS, Funder, LineStatus, PaymentLine, PaymentRun, RunState

DRAFT, RECONCILE, EXPORT = "stipends.draft", "stipends.reconcile", "stipends.export"


@runner.kind(DRAFT, module=STIPENDS, label=_("Payment run draft"), resumable=True, needs_keys=False)
def draft_job(job: runner.Context) -> None:
    """One transaction that rebuilds the month's draft: safe to run again after a crash."""
    assert job.user is not None  # noqa: S101 - a finance officer drafts
    funder = Funder.objects.get(pk=job.params["funder"])
    month = date.fromisoformat(job.params["month"])
    run = actions.do_draft_run(job.user, funder, month, on_batch=lambda done: job.progress(done, stage="lines"))
    job.count(people=run.people)
    job.report(
        str(_("Draft ready: check it, then ask a second finance officer to approve it.")),
        next_url=reverse("stipends:run", args=[run.pk]),
    )


@runner.kind(RECONCILE, module=STIPENDS, label=_("Reconciliation file"), resumable=True, needs_keys=True)
def reconcile_job(job: runner.Context) -> None:
    """All rows valid, or nothing applied and each bad row named (one transaction)."""
    assert job.user is not None  # noqa: S101 - a finance officer uploads
    run = PaymentRun.objects.get(pk=job.params["run"])
    visible = set(PaymentLine.objects.visible_to(job.user).filter(run=run).values_list("pk", flat=True))
    report = exports.read_reconciliation(run, job.input(), visible)
    next_url = reverse("stipends:run", args=[run.pk])
    if report.errors:
        rows = [str(_("Row %(row)s: %(message)s")) % {"row": row, "message": message} for row, message in report.errors]
        job.report(
            error=str(_("Nothing was applied: fix the rows below and upload the file again.")),
            next_url=next_url,
            rows=rows,
        )
        raise runner.JobRefused("rows")
    changes = [] if job.params.get("overwrite") else overwrites(run, report.marks)
    if changes:
        job.report(
            error=str(
                _(
                    "Nothing was applied: the file would change lines already reconciled. Check them, then upload "
                    "it again with “Replace lines already reconciled” ticked."
                )
            ),
            next_url=next_url,
            rows=changes,
        )
        raise runner.JobRefused("overwrite")
    actions.do_reconcile_run(job.user, run, report.marks)
    job.count(lines=len(report.marks))
    job.report(str(_("%(n)s lines reconciled.")) % {"n": len(report.marks)}, next_url=next_url)


def overwrites(run: PaymentRun, marks: list[actions.Mark]) -> list[str]:
    """The lines already reconciled that ``marks`` would change, in words: the case code and
    the status before and after (a receipt that would change is said, not quoted)."""
    done = {
        line.pk: line
        for line in PaymentLine.objects.filter(run=run, pk__in=[m.line_id for m in marks])
        .exclude(status=LineStatus.PENDING)
        .select_related("person")
    }
    said = []
    for mark in marks:
        line = done.get(mark.line_id)
        if line is None or (line.status == mark.status and str(line.receipt) == mark.receipt):
            continue
        params = {
            "code": line.person.case_code,
            "before": line.get_status_display(),
            "after": LineStatus(mark.status).label,
        }
        if line.status != mark.status:
            said.append(str(_("%(code)s: %(before)s → %(after)s")) % params)
        else:
            said.append(str(_("%(code)s: %(before)s, another receipt reference")) % params)
    return said


FORMATS = {
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "funder": ("text/csv; charset=utf-8", "csv"),
}


@runner.kind(EXPORT, module=STIPENDS, label=_("Cash list or payment file"))
def export_job(job: runner.Context) -> None:
    """The file of a run, with the lines of the people the user may see, by case code and alias."""
    assert job.user is not None  # noqa: S101 - a finance officer asks for it
    run = PaymentRun.objects.select_related("funder").get(pk=job.params["run"])
    kind = job.params["kind"]
    if run.state == RunState.DRAFT and kind != "csv":
        raise actions.RunError("not_approved")
    lines = list(
        PaymentLine.objects.visible_to(job.user).filter(run=run).select_related("person").order_by("person__case_code")
    )
    job.progress(0, len(lines), "writing")
    if kind == "pdf":
        body: bytes | str = exports.cash_list_pdf(run, lines, translation.get_language() or "my")
    elif kind == "xlsx":
        body = exports.cash_list_xlsx(run, lines)
    elif kind == "csv":
        body = exports.run_csv(lines)
    else:
        body = exports.funder_export(lines)
    content_type, extension = FORMATS[kind]
    suffix = "-funder" if kind == "funder" else ""
    filename = f"stipends-{run.funder_id}-{run.month:%Y-%m}{suffix}.{extension}"
    job.write_output(body.encode("utf-8") if isinstance(body, str) else body, content_type, filename)
    job.progress(len(lines), stage="done")
    record(job.user, Action.EXPORT, run, fields=[kind])
    job.report(next_url=reverse("stipends:run", args=[run.pk]))
