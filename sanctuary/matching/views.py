"""The duplicate review queue: scan with progress, decide same / different / not sure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sanctuary.accounts.policy import Module, module_required
from sanctuary.matching.actions import do_decide, start_scan
from sanctuary.matching.models import Decision, MatchReview, ScanJob
from sanctuary.people.models import Person
from sanctuary.vault import state as vault_state

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


def _reviews_for(user: User) -> QuerySet[MatchReview]:
    visible = Person.objects.visible_to(user)
    return MatchReview.objects.filter(person_a__in=visible, person_b__in=visible)


@require_GET
@module_required(Module.DUPLICATES)
def review_queue(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    reviews = (
        _reviews_for(user)
        .filter(decision__in=[Decision.PENDING, Decision.UNSURE])
        .select_related("person_a__team", "person_b__team")
        .order_by("decision", "-score", "id")
    )
    page = Paginator(reviews, 20).get_page(request.GET.get("page"))
    job = ScanJob.objects.order_by("-pk").first()
    return render(request, "matching/review_queue.html", {"page": page, "job": job})


@require_POST
@module_required(Module.DUPLICATES)
def scan(request: HttpRequest) -> HttpResponse:
    if vault_state.is_sealed():
        messages.error(request, _("The vault is sealed: a scan needs to read names."))
        return redirect("matching:queue")
    running = ScanJob.objects.filter(finished_at__isnull=True, failed=False).first()
    if running is None:
        start_scan(request.user)  # type: ignore[arg-type]
    return redirect("matching:queue")


@require_GET
@module_required(Module.DUPLICATES)
def scan_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ScanJob, pk=pk)
    return render(request, "matching/_scan_progress.html", {"job": job})


@require_POST
@module_required(Module.DUPLICATES)
def decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if decision not in {Decision.SAME, Decision.DIFFERENT, Decision.UNSURE}:
        return HttpResponse(status=404)
    review: MatchReview = get_object_or_404(_reviews_for(user), pk=pk)
    if review.decision not in {Decision.PENDING, Decision.UNSURE}:
        messages.error(request, _("Already decided."))
        return redirect("matching:queue")
    if vault_state.is_sealed() and decision == Decision.SAME:
        messages.error(request, _("The vault is sealed: records cannot be merged until it is unsealed."))
        return redirect("matching:queue")
    do_decide(user, review, decision)
    messages.success(
        request, _("Merged: both histories are now on one record.") if decision == Decision.SAME else _("Saved.")
    )
    return redirect("matching:queue")
