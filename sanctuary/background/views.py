"""The jobs page: what is running, what came of it, and the files it made for you."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from sanctuary.accounts.policy import can_use
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.background import runner
from sanctuary.background.models import Job, JobState
from sanctuary.vault import files
from sanctuary.vault import state as vault_state

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


def _job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(Job.objects.visible_to(request.user).select_related("started_by"), pk=pk)


def _context(request: HttpRequest, job: Job) -> dict[str, Any]:
    rows = json.loads(str(job.rows)) if job.rows and not vault_state.is_sealed() else []
    registered = runner.kinds().get(job.kind)
    return {
        "job": job,
        "label": registered.label if registered else job.kind,
        "outcome": job.outcome,
        "rows": rows,
        "mine": job.started_by_id == request.user.pk,
    }


@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = Job.objects.visible_to(request.user).select_related("started_by")[:100]
    labels = {name: k.label for name, k in runner.kinds().items()}
    rows = [(job, labels.get(job.kind, job.kind)) for job in jobs]
    return render(request, "background/list.html", {"rows": rows})


@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if request.htmx:  # type: ignore[attr-defined]
        next_url = job.outcome.get("next_url", "")
        if job.state == JobState.DONE and next_url and not job.output_name and not job.rows:
            # Finished while the page watched: go on to where the work leads, saying what it did.
            if job.outcome.get("summary"):
                messages.success(request, job.outcome["summary"])
            response = HttpResponse("")
            response["HX-Redirect"] = next_url
            return response
        return render(request, "background/_progress.html", _context(request, job))
    return render(request, "background/detail.html", _context(request, job))


@require_POST
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file a job made, for the user who started it, once: then it is deleted."""
    user: User = request.user  # type: ignore[assignment]
    with transaction.atomic():
        job = get_object_or_404(Job.objects.visible_to(user).select_for_update(), pk=pk)
        # The one who asked, still allowed to use the module, for a job that completed.
        if job.started_by_id != user.pk or not job.output_name or job.state != JobState.DONE:
            raise Http404
        if job.module and not can_use(user, job.module):
            raise Http404
        try:
            data = files.read_decrypted(job.output_name, job.file_aad_for("output"))
        except FileNotFoundError:
            raise Http404 from None
        name = job.output_name
        job.output_name, job.downloaded_at = "", timezone.now()
        job.save(update_fields=["output_name", "downloaded_at"])
        transaction.on_commit(lambda: files.delete(name))
        record(user, Action.EXPORT, job, fields=[job.kind])
    response = HttpResponse(data, content_type=job.output_type)
    response["Content-Disposition"] = f'attachment; filename="{job.output_filename}"'
    response["Cache-Control"] = "no-store"
    return response
