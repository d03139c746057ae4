"""Jobs screens: openings (and who fits them), employers, proposing a person, a placement with
its steps, and follow-ups. Thin: fetched through ``visible_to``, one ``do_*`` action each, a
refusal shown in the user's language with what was typed kept."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.models import User
from sanctuary.accounts.policy import module_required
from sanctuary.audit.lists import audit_shown, ids_of
from sanctuary.jobs import actions
from sanctuary.jobs.actions import JobsError
from sanctuary.jobs.forms import (
    CloseForm,
    EmployerForm,
    EndForm,
    FlagForm,
    FollowUpForm,
    OpeningForm,
    ProposeForm,
    StartForm,
)
from sanctuary.jobs.models import JOBS, Employer, FollowUp, Opening, Placement, PlacementState
from sanctuary.people.admission import NotAdmissible
from sanctuary.people.reach import person_or_404

PAGE = 50


def _status(*forms: Any) -> int:
    return 400 if any(f is not None and f.is_bound for f in forms) else 200


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # logged in: the middleware saw to it


def _refusal(form: Any, error: Exception) -> None:
    form.add_error(None, getattr(error, "message", str(error)))


@require_GET
@module_required(JOBS)
def openings(request: HttpRequest) -> HttpResponse:
    rows = (
        Opening.objects.visible_to(request.user)  # type: ignore[arg-type]
        .select_related("employer")
        .annotate(working=Count("placements", filter=Q(placements__state=PlacementState.STARTED)))
        .order_by("-open", "-created_at", "-pk")
    )
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    due = FollowUp.objects.visible_to(request.user).due().count()  # type: ignore[arg-type]
    return render(request, "jobs/openings.html", {"page": page, "due": due})


@require_http_methods(["GET", "POST"])
@module_required(JOBS)
def opening_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    opening = get_object_or_404(Opening.objects.visible_to(request.user), pk=pk) if pk else Opening()  # type: ignore[arg-type]
    form = OpeningForm(request.POST or None, instance=opening)
    if request.method == "POST" and form.is_valid():
        saved = actions.do_save_opening(request.user, form.save(commit=False), list(form.changed_data))  # type: ignore[arg-type]
        messages.success(request, _("Saved."))
        return redirect("jobs:opening", saved.pk)
    return render(request, "jobs/opening_form.html", {"form": form, "opening": opening}, status=_status(form))


@require_GET
@module_required(JOBS)
def opening(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Opening.objects.visible_to(request.user).select_related("employer"), pk=pk)  # type: ignore[arg-type]
    placements = list(Placement.objects.visible_to(request.user).filter(opening=found).select_related("person"))  # type: ignore[arg-type]
    fits = list(actions.candidates(request.user, found)) if found.open and not found.employer.flag else []
    audit_shown(request, [*ids_of(fits, "person.pk"), *ids_of(placements)])
    context = {"opening": found, "placements": placements, "candidates": fits}
    return render(request, "jobs/opening.html", context)


@require_GET
@module_required(JOBS)
def employers(request: HttpRequest) -> HttpResponse:
    rows = Employer.objects.visible_to(request.user).annotate(n=Count("openings")).order_by("code_name")  # type: ignore[arg-type]
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(request, "jobs/employers.html", {"page": page})


@require_http_methods(["GET", "POST"])
@module_required(JOBS)
def employer_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    employer = get_object_or_404(Employer.objects.visible_to(request.user), pk=pk) if pk else Employer()  # type: ignore[arg-type]
    form = EmployerForm(request.POST or None, instance=employer)
    flag_form = FlagForm(initial={"flag": employer.flag, "reason": employer.flag_reason if employer.pk else ""})
    if request.method == "POST" and form.is_valid():
        actions.do_save_employer(request.user, form.save(commit=False), list(form.changed_data))  # type: ignore[arg-type]
        messages.success(request, _("Saved."))
        return redirect("jobs:employers")
    context = {"form": form, "employer": employer, "flag_form": flag_form}
    return render(request, "jobs/employer_form.html", context, status=_status(form))


@require_POST
@module_required(JOBS)
def employer_flag(request: HttpRequest, pk: int) -> HttpResponse:
    employer = get_object_or_404(Employer.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    form = FlagForm(request.POST)
    if form.is_valid():
        try:
            actions.do_flag_employer(
                _user(request), employer, form.cleaned_data.get("flag") or "", form.cleaned_data.get("reason") or ""
            )
        except JobsError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("jobs:employer_edit", employer.pk)
    context = {"form": EmployerForm(instance=employer), "employer": employer, "flag_form": form}
    return render(request, "jobs/employer_form.html", context, status=400)


@require_http_methods(["GET", "POST"])
@module_required(JOBS)
def propose(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = person_or_404(request.user, person_pk)
    form = ProposeForm(request.POST or None, initial={"opening": request.GET.get("opening")})
    if request.method == "POST" and form.is_valid():
        try:
            placement = actions.do_propose(
                request.user,  # type: ignore[arg-type]
                person,
                form.cleaned_data["opening"],
                form.cleaned_data.get("note") or "",
            )
        except (JobsError, NotAdmissible) as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Proposed."))
            return redirect("jobs:placement", placement.pk)
    suggested = actions.openings_for(person)
    context = {"person": person, "form": form, "suggested": suggested}
    return render(request, "jobs/propose.html", context, status=_status(form))


def _placement(request: HttpRequest, pk: int) -> Placement:
    found = Placement.objects.visible_to(request.user).select_related("person", "opening__employer")  # type: ignore[arg-type]
    return get_object_or_404(found, pk=pk)


@require_GET
@module_required(JOBS)
def placement(request: HttpRequest, pk: int) -> HttpResponse:
    return _placement_page(request, _placement(request, pk))


def _placement_page(request: HttpRequest, found: Placement, **forms: Any) -> HttpResponse:
    state = found.state
    context = {
        "placement": found,
        "person": found.person,
        "today": timezone.localdate(),
        "follow_ups": found.follow_ups.all(),
        "start_form": forms.get("start") or (StartForm() if state == PlacementState.OFFERED else None),
        "end_form": forms.get("end")
        or (EndForm(started_on=found.started_on) if state == PlacementState.STARTED else None),
        "close_form": forms.get("close")
        or (
            CloseForm()
            if state in (PlacementState.PROPOSED, PlacementState.INTERVIEW, PlacementState.OFFERED)
            else None
        ),
        "follow_up_form": FollowUpForm(),
        "can_advance": state in (PlacementState.PROPOSED, PlacementState.INTERVIEW),
    }
    return render(request, "jobs/placement.html", context, status=_status(*forms.values()) if forms else 200)


@require_POST
@module_required(JOBS)
def advance(request: HttpRequest, pk: int) -> HttpResponse:
    found = _placement(request, pk)
    try:
        actions.do_advance(request.user, found)  # type: ignore[arg-type]
    except JobsError as error:
        messages.error(request, error.message)
    return redirect("jobs:placement", found.pk)


@require_POST
@module_required(JOBS)
def start(request: HttpRequest, pk: int) -> HttpResponse:
    found = _placement(request, pk)
    form = StartForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_start(
                _user(request), found, started_on=data["started_on"], wage=data["wage"], wage_unit=data["wage_unit"]
            )
        except (JobsError, NotAdmissible) as error:
            _refusal(form, error)
        else:
            return redirect("jobs:placement", found.pk)
    return _placement_page(request, found, start=form)


@require_POST
@module_required(JOBS)
def end(request: HttpRequest, pk: int) -> HttpResponse:
    found = _placement(request, pk)
    form = EndForm(request.POST, started_on=found.started_on)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_end(
                _user(request), found, ended_on=data["ended_on"], reason=data["reason"], note=data.get("note") or ""
            )
        except JobsError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("The job is recorded as ended."))
            return redirect("people:detail", found.person_id)
    return _placement_page(request, found, end=form)


@require_POST
@module_required(JOBS)
def close(request: HttpRequest, pk: int) -> HttpResponse:
    found = _placement(request, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            actions.do_close_before_start(
                _user(request), found, outcome=form.cleaned_data["outcome"], note=form.cleaned_data.get("note") or ""
            )
        except JobsError as error:
            _refusal(form, error)
        else:
            return redirect("jobs:placement", found.pk)
    return _placement_page(request, found, close=form)


@require_POST
@module_required(JOBS)
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(FollowUp.objects.visible_to(request.user).select_related("placement"), pk=pk)  # type: ignore[arg-type]
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_follow_up(
                _user(request),
                found,
                still_employed=form.cleaned_data["still_employed"],
                wage=form.cleaned_data.get("wage"),
            )
        except JobsError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Say whether they still work there."))
    return redirect("jobs:placement", found.placement_id)
