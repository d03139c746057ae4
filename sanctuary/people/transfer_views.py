"""Hand-overs between teams: thin views over ``sanctuary.people.transfers``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sanctuary.accounts.policy import Module, can_use, module_required
from sanctuary.audit.lists import shown
from sanctuary.people import transfers
from sanctuary.people.forms import TransferDecisionForm, TransferForm, TransferSettingsForm
from sanctuary.people.models import Transfer, TransferSettings, TransferState
from sanctuary.people.reach import person_or_404
from sanctuary.people.transfers import TransferRefused
from sanctuary.vault import state as vault_state

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


@require_POST
@module_required(Module.TRANSFER)
def transfer_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to hand a person over (from the person page); the form comes back with what was
    typed when it is refused."""
    from sanctuary.people.views import _detail

    user: User = request.user  # type: ignore[assignment]
    person = person_or_404(user, pk)
    form = TransferForm(request.POST, person=person)
    if vault_state.is_sealed():
        messages.error(request, _("The vault is sealed: nothing can be saved until key holders unseal it."))
        return redirect("people:detail", pk=person.pk)
    if form.is_valid():
        try:
            transfer = transfers.do_request_transfer(
                user, person, form.cleaned_data["to_team"], form.cleaned_data["reason"]
            )
        except TransferRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            if transfer.state == TransferState.DONE:
                messages.success(request, _("Handed over to %(team)s.") % {"team": transfer.to_team})
                return redirect("people:transfers")
            messages.success(request, _("Hand-over asked: the receiving team must accept it."))
            return redirect("people:detail", pk=person.pk)
    return _detail(request, person, transfer_form=form)  # the page again, with what was typed


@require_http_methods(["GET"])
@module_required(Module.TRANSFER)
def transfer_list(request: HttpRequest) -> HttpResponse:
    """Hand-overs of the user's teams: waiting for their decision, asked by them, and recent
    ones (with until when the previous team reads the page)."""
    user: User = request.user  # type: ignore[assignment]
    mine = Transfer.objects.visible_to(user).select_related(
        "person", "from_team", "to_team", "requested_by", "decided_by"
    )
    waiting = list(mine.pending().order_by("requested_at", "id")[:200])
    to_decide = [t for t in waiting if transfers.refusal_to_decide(user, t) is None]
    asked = [t for t in waiting if t not in to_decide]
    recent = list(mine.exclude(state=TransferState.PENDING).order_by("-decided_at", "-id")[:50])
    shown(request, [*waiting, *recent])
    context = {
        "to_decide": to_decide,
        "asked": asked,
        "recent": recent,
        "now": timezone.now(),
        "policy": transfers.policy(),
        "decision_form": TransferDecisionForm(),
        "may_set_policy": can_use(user, Module.STAFF),
    }
    return render(request, "people/transfers.html", context)


@require_POST
@module_required(Module.TRANSFER)
def transfer_decide(request: HttpRequest, transfer_id: int, decision: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if decision not in {"accept", "refuse"}:
        return redirect("people:transfers")
    transfer = get_object_or_404(Transfer.objects.visible_to(user), pk=transfer_id)
    form = TransferDecisionForm(request.POST)
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    try:
        transfers.do_decide_transfer(user, transfer, accept=decision == "accept", note=note)
    except TransferRefused as refusal:
        messages.error(request, refusal.message)
    else:
        accepted = decision == "accept"
        messages.success(request, _("Accepted: the person is now in your team.") if accepted else _("Refused."))
    return redirect("people:transfers")


@require_POST
@module_required(Module.TRANSFER)
def transfer_withdraw(request: HttpRequest, transfer_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    transfer = get_object_or_404(Transfer.objects.visible_to(user), pk=transfer_id)
    try:
        transfers.do_withdraw_transfer(user, transfer)
    except TransferRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Hand-over withdrawn."))
    return redirect("people:transfers")


@require_http_methods(["GET", "POST"])
@module_required(Module.STAFF)
def transfer_policy(request: HttpRequest) -> HttpResponse:
    """The organisation's hand-over policy (directors)."""
    user: User = request.user  # type: ignore[assignment]
    current = TransferSettings.current()
    form = TransferSettingsForm(request.POST or None, instance=current)
    if request.method == "POST":
        if form.is_valid():
            transfers.do_save_policy(user, form)
            messages.success(request, _("Saved."))
            return redirect("people:transfers")
        return render(request, "people/transfer_policy.html", {"form": form}, status=400)
    return render(request, "people/transfer_policy.html", {"form": form})
