"""The duplicate review queue: scan with progress, decide same / different / not sure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.db.models import Case, Count, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sanctuary.accounts.policy import Module, module_required
from sanctuary.audit.lists import page_of_people
from sanctuary.background.models import Job
from sanctuary.linkage.pprl import PPRLError
from sanctuary.matching.actions import SCAN, MatchRefused, confirmation, do_decide, merge_order, start_scan
from sanctuary.matching.models import Decision, LinkageModel, MatchReview, PartnerMatch, PartnerRun
from sanctuary.matching.partners import do_decide_partner_match, start_export, start_import
from sanctuary.people.merge import MergeRefused
from sanctuary.vault import state as vault_state
from sanctuary.vault.state import VaultSealed

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


@require_GET
@module_required(Module.DUPLICATES)
def review_queue(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    reviews = (
        MatchReview.objects.visible_to(user)
        .filter(decision__in=[Decision.PENDING, Decision.UNSURE, Decision.PROPOSED])
        .select_related("proposed_by")
        .select_related("person_a__team", "person_b__team")
        .annotate(waiting=Case(When(decision=Decision.PROPOSED, then=Value(0)), default=Value(1)))
        .order_by("waiting", "decision", "-score", "id")  # a proposal waiting for a second reviewer first
    )
    page = page_of_people(request, reviews, 20, person=("person_a_id", "person_b_id"))
    job = Job.objects.visible_to(user).filter(kind=SCAN).order_by("-pk").first()
    model = LinkageModel.objects.only("fitted_at", "learned").first()  # what the probabilities come from
    return render(request, "matching/review_queue.html", {"page": page, "job": job, "model": model})


@require_POST
@module_required(Module.DUPLICATES)
def scan(request: HttpRequest) -> HttpResponse:
    if vault_state.is_sealed():
        messages.error(request, _("The vault is sealed: a scan needs to read names."))
        return redirect("matching:queue")
    start_scan(request.user)  # type: ignore[arg-type]
    return redirect("matching:queue")


@require_GET
@module_required(Module.DUPLICATES)
def scan_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.visible_to(request.user).filter(kind=SCAN), pk=pk)
    return render(request, "matching/_scan_progress.html", {"job": job})


@require_POST
@module_required(Module.DUPLICATES)
def decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if decision not in {Decision.SAME, Decision.DIFFERENT, Decision.UNSURE}:
        return HttpResponse(status=404)
    review: MatchReview = get_object_or_404(MatchReview.objects.visible_to(user), pk=pk)
    if vault_state.is_sealed() and decision == Decision.SAME:
        messages.error(request, _("The vault is sealed: records cannot be merged until it is unsealed."))
        return redirect("matching:queue")
    seen = request.POST.get("seen", "")
    confirming = decision == Decision.SAME and review.decision == Decision.PROPOSED and review.proposed_by_id != user.pk
    if confirming and not seen:  # a confirmation is given on the page that says what the merge will do
        return redirect("matching:confirm", pk=review.pk)
    try:
        review = do_decide(user, review, decision, seen=seen)
    except (MergeRefused, MatchRefused) as refusal:
        messages.error(request, refusal.message)
        return redirect("matching:queue")
    except VaultSealed:
        messages.error(request, _("The vault is sealed: records cannot be merged until it is unsealed."))
        return redirect("matching:queue")
    if review.decision == Decision.PROPOSED:
        messages.success(request, _("Proposed: a second reviewer must confirm that it is the same person."))
    elif review.decision == Decision.SAME:
        messages.success(request, _("Merged: both histories are now on one record."))
    else:
        messages.success(request, _("Saved."))
    return redirect("matching:queue")


@require_GET
@module_required(Module.DUPLICATES)
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Before a second reviewer confirms "same person": both records, what blocks the merge,
    and what it will do (vetting again, grants ending). The button posts back the
    fingerprint of exactly this."""
    user: User = request.user  # type: ignore[assignment]
    review: MatchReview = get_object_or_404(
        MatchReview.objects.visible_to(user).select_related("person_a__team", "person_b__team"), pk=pk
    )
    if review.decision != Decision.PROPOSED or review.proposed_by_id == user.pk:
        return redirect("matching:queue")
    if vault_state.is_sealed():
        messages.error(request, _("The vault is sealed: records cannot be merged until it is unsealed."))
        return redirect("matching:queue")
    kept, folded = merge_order(review)
    shown = confirmation(user, review)
    context = {"review": review, "kept": kept, "folded": folded, "preview": shown}
    return render(request, "matching/confirm.html", context)


# --- Partner organisations (privacy-preserving linkage, docs/pprl.md) ----------------------


class ExportForm(forms.Form):
    partner = forms.CharField(label=gettext_lazy("Partner organisation"), max_length=200)
    key = forms.CharField(
        label=gettext_lazy("This run's key (agreed with the partner, at least 32 bytes, hex or base64)"),
        widget=forms.PasswordInput(render_value=False),
        max_length=400,
    )


class PairsForm(forms.Form):
    pairs = forms.FileField(label=gettext_lazy("Pairs file from the linkage unit (record_id_a,record_id_b,score)"))


@require_GET
@module_required(Module.PARTNERS)
def partners(request: HttpRequest) -> HttpResponse:
    runs = PartnerRun.objects.visible_to(request.user).annotate(n_matches=Count("matches"))  # type: ignore[arg-type]
    return render(
        request, "matching/partners.html", {"runs": runs, "export_form": ExportForm(), "pairs_form": PairsForm()}
    )


@require_POST
@module_required(Module.PARTNERS)
def partner_export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST)
    if vault_state.is_sealed():
        messages.error(request, _("The vault is sealed: encodings need the names."))
        return redirect("matching:partners")
    if form.is_valid():
        try:
            job = start_export(request.user, form.cleaned_data["partner"], form.cleaned_data["key"])  # type: ignore[arg-type]
        except PPRLError:
            form.add_error("key", _("The key must be at least 32 bytes, written in hex or base64."))
        else:
            return redirect("background:detail", pk=job.pk)
    runs = PartnerRun.objects.visible_to(request.user).annotate(n_matches=Count("matches"))  # type: ignore[arg-type]
    context = {"runs": runs, "export_form": form, "pairs_form": PairsForm()}
    return render(request, "matching/partners.html", context, status=400)


@require_POST
@module_required(Module.PARTNERS)
def partner_import(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(PartnerRun.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    form = PairsForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the pairs file to import."))
        return redirect("matching:partner_run", pk=run.pk)
    if vault_state.is_sealed():
        messages.error(request, _("The vault is sealed: the file can be read only when it is unsealed."))
        return redirect("matching:partner_run", pk=run.pk)
    job = start_import(request.user, run, form.cleaned_data["pairs"].read())  # type: ignore[arg-type]
    return redirect("background:detail", pk=job.pk)


def _run_context(run: PartnerRun, errors: list[str] | None = None) -> dict[str, object]:
    matches = run.matches.select_related("person").filter(decision__in=[Decision.PENDING, Decision.UNSURE])
    return {"run": run, "matches": matches, "pairs_form": PairsForm(), "errors": errors or []}


@require_GET
@module_required(Module.PARTNERS)
def partner_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(PartnerRun.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    return render(request, "matching/partner_run.html", _run_context(run))


@require_POST
@module_required(Module.PARTNERS)
def partner_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in {Decision.SAME, Decision.DIFFERENT, Decision.UNSURE}:
        return HttpResponse(status=404)
    match = get_object_or_404(PartnerMatch.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    do_decide_partner_match(request.user, match, decision)  # type: ignore[arg-type]
    return redirect("matching:partner_run", pk=match.run_id)
