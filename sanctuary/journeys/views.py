"""Journey screens: each journey is fetched through ``Journey.objects.visible_to`` (its
coordinator and directors only); every view of one is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import module_required
from sanctuary.audit.lists import audit_shown, ids_of
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.journeys import actions
from sanctuary.journeys.forms import CheckInForm, JourneyForm, ReceivedForm, StageFormSet, StatusForm, coordinators_for
from sanctuary.journeys.models import ACTIVE_STATUSES, JOURNEYS, CheckIn, Journey, Stage
from sanctuary.people.admission import NotAdmissible, admission_block
from sanctuary.people.models import Person, Status
from sanctuary.people.reach import person_or_404
from sanctuary.vault import state as vault_state

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


def _journey(request: HttpRequest, pk: int) -> Journey:
    return get_object_or_404(Journey.objects.visible_to(request.user).select_related("person", "coordinator"), pk=pk)  # type: ignore[arg-type]


@require_GET
@module_required(JOURNEYS)
def journey_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    journeys = Journey.objects.visible_to(user).select_related("person", "coordinator")
    missed = list(CheckIn.objects.missed().filter(journey__in=journeys).select_related("journey__person"))
    active = list(journeys.filter(status__in=["planned", "under_way", "lost_contact"]).order_by("depart_from", "id"))
    ended = list(journeys.exclude(status__in=["planned", "under_way", "lost_contact"]).order_by("-ended_at")[:50])
    audit_shown(request, [*ids_of(missed, "journey.person_id"), *ids_of(active), *ids_of(ended)])
    context = {"active": active, "ended": ended, "missed": missed}
    return render(request, "journeys/list.html", context)


def _form_page(request: HttpRequest, person: Person, journey: Journey | None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if vault_state.is_sealed():
        messages.error(request, _("The vault is sealed: nothing can be saved until key holders unseal it."))
        return redirect("people:detail", pk=person.pk)
    data = request.POST if request.method == "POST" else None
    initial = {"coordinator": user.pk} if journey is None else {}
    form = JourneyForm(data, instance=journey, initial=initial, coordinators=coordinators_for(person.team_id))
    stages = StageFormSet(data, instance=journey or Journey(), prefix="stages")
    if request.method == "POST":
        if form.is_valid() and stages.is_valid():
            try:
                saved = actions.do_save_journey(user, form, stages, person=person)
            except (NotAdmissible, actions.JourneyRuleError) as refusal:
                messages.error(request, refusal.message)
            except IntegrityError:  # another journey was started for them a moment ago
                messages.error(request, _("A journey is planned for accepted people who are not already on one."))
            else:
                messages.success(request, _("Journey saved."))
                if not Journey.objects.visible_to(user).filter(pk=saved.pk).exists():  # handed to another coordinator
                    return redirect("people:detail", pk=person.pk)
                return redirect("journeys:detail", pk=saved.pk)
        else:
            messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
    context = {"form": form, "stages": stages, "person": person, "journey": journey}
    return render(request, "journeys/form.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@module_required(JOURNEYS)
def journey_create(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = person_or_404(request.user, person_pk)
    block = admission_block(person)
    if block is not None:
        messages.error(request, NotAdmissible(block).message)
        return redirect("people:detail", pk=person.pk)
    if person.status != Status.ACCEPTED or Journey.objects.filter(person=person, status__in=ACTIVE_STATUSES).exists():
        messages.error(request, _("A journey is planned for accepted people who are not already on one."))
        return redirect("people:detail", pk=person.pk)
    return _form_page(request, person, None)


@require_http_methods(["GET", "POST"])
@module_required(JOURNEYS)
def journey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    journey = _journey(request, pk)
    return _form_page(request, journey.person, journey)


@require_GET
@module_required(JOURNEYS)
def journey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _journey(request, pk))


def _detail_page(
    request: HttpRequest, journey: Journey, status: int = 200, check_in_form: CheckInForm | None = None
) -> HttpResponse:
    """The journey, its stages and check-ins; a check-in form given keeps what was typed."""
    record(request.user, Action.VIEW, journey)  # type: ignore[arg-type]
    context: dict[str, Any] = {
        "journey": journey,
        "stages": journey.stages.all(),
        "check_ins": journey.check_ins.all(),
        "status_form": StatusForm(initial={"status": journey.status}),
        "check_in_form": check_in_form or CheckInForm(),
        "received_form": ReceivedForm(),
    }
    return render(request, "journeys/detail.html", context, status=status)


@require_POST
@module_required(JOURNEYS)
def journey_status(request: HttpRequest, pk: int) -> HttpResponse:
    journey = _journey(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            actions.do_set_status(request.user, journey, form.cleaned_data["status"])  # type: ignore[arg-type]
        except (actions.JourneyRuleError, NotAdmissible) as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Journey status updated."))
    return redirect("journeys:detail", pk=journey.pk)


@require_POST
@module_required(JOURNEYS)
def stage_reached(request: HttpRequest, pk: int, stage_id: int) -> HttpResponse:
    journey = _journey(request, pk)
    stage = get_object_or_404(Stage.objects.visible_to(request.user).filter(journey=journey), pk=stage_id)  # type: ignore[arg-type]
    try:
        actions.do_stage_reached(request.user, stage)  # type: ignore[arg-type]
    except NotAdmissible as refusal:  # flagged or rejected since the journey was planned
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Stage reached."))
    return redirect("journeys:detail", pk=journey.pk)


@require_POST
@module_required(JOURNEYS)
def check_in_add(request: HttpRequest, pk: int) -> HttpResponse:
    journey = _journey(request, pk)
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            actions.do_expect_check_in(request.user, journey, form.cleaned_data["due_at"])  # type: ignore[arg-type]
        except actions.JourneyRuleError as refusal:
            form.add_error("due_at", refusal.message)
        else:
            messages.success(request, _("Check-in expected."))
            return redirect("journeys:detail", pk=journey.pk)
    messages.error(request, _("Give the date and time of the check-in."))
    return _detail_page(request, journey, 400, check_in_form=form)


@require_POST
@module_required(JOURNEYS)
def check_in_received(request: HttpRequest, pk: int, check_in_id: int) -> HttpResponse:
    journey = _journey(request, pk)
    check_in = get_object_or_404(CheckIn.objects.visible_to(request.user).filter(journey=journey), pk=check_in_id)  # type: ignore[arg-type]
    form = ReceivedForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    actions.do_check_in_received(request.user, check_in, note)  # type: ignore[arg-type]
    messages.success(request, _("Check-in received."))
    return redirect("journeys:detail", pk=journey.pk)
