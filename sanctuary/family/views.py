"""Family screens: a person's relatives (the contact rule first), what happened to each, the
contacts made, and the searches for missing relatives. Views are thin: they fetch through
``visible_to``, validate a form and call one ``do_*`` action; a refusal is shown beside its
field in the user's language, with everything typed kept. A relative's name and village are
shown only to a user holding the person's true-identity grant (``people.identity``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import module_required
from sanctuary.audit.lists import page_of_people
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.consent.rules import ConsentRefused
from sanctuary.family import actions
from sanctuary.family.actions import FIELD_OF, FamilyRuleError
from sanctuary.family.forms import (
    ContactForm,
    EventForm,
    OpenTracingForm,
    OutcomeForm,
    RelativeForm,
    TraceForm,
    TracingStateForm,
)
from sanctuary.family.models import (
    FAMILY,
    TRANSITIONS,
    ContactRule,
    How,
    Relative,
    TracingAction,
    TracingRequest,
    TracingState,
)
from sanctuary.family.search import likely_people
from sanctuary.people.contact import ContactRefused
from sanctuary.people.models import IdentityRequest, Person
from sanctuary.people.reach import person_or_404

if TYPE_CHECKING:
    from django import forms

    from sanctuary.accounts.models import User

PAGE_SIZE = 25


def _status(form: forms.BaseForm) -> int:
    return 400 if form.is_bound else 200


def _refuse(form: forms.BaseForm, error: Any) -> None:
    field = FIELD_OF.get(error.code, "") if isinstance(error, FamilyRuleError) else ""
    form.add_error(field if field in form.fields else None, error.message)


def _person(request: HttpRequest, pk: int) -> Person:
    return person_or_404(request.user, pk, merged_into__isnull=True)


def _relative(request: HttpRequest, pk: int) -> Relative:
    return get_object_or_404(Relative.objects.visible_to(request.user).select_related("person"), pk=pk)  # type: ignore[arg-type]


def _tracing(request: HttpRequest, pk: int) -> TracingRequest:
    return get_object_or_404(
        TracingRequest.objects.visible_to(request.user).select_related("person", "relative"),  # type: ignore[arg-type]
        pk=pk,
    )


def shows_identity(user: User, person: Person) -> bool:
    """Name and village only under an approved, unexpired true-identity grant."""
    return IdentityRequest.objects.active_grant(user, person) is not None


# --- Relatives ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@module_required(FAMILY)
def relative_add(request: HttpRequest, person_pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    person = _person(request, person_pk)
    form = RelativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            relative = actions.do_add_relative(user, person, form.action_data())
        except FamilyRuleError as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Relative saved."))
            return redirect("family:relative", pk=relative.pk)
    return render(request, "family/relative_form.html", {"form": form, "person": person}, status=_status(form))


def _relative_page(request: HttpRequest, relative: Relative, status: int = 200, **forms: Any) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    identity = shows_identity(user, relative.person)
    tracing = list(relative.tracing_requests.all())
    context = {
        "relative": relative,
        "person": relative.person,
        "identity": identity,
        "events": relative.events.select_related("recorded_by"),
        "contacts": relative.contacts.select_related("made_by"),
        "tracing": tracing,
        "open_tracing": next((t for t in tracing if t.is_open), None),
        "form": forms.get("form") or RelativeForm(relative=relative, identity=identity),
        "open_form": forms.get("open_form") or OpenTracingForm(),
    }
    return render(request, "family/relative.html", context, status=status)


@require_http_methods(["GET", "POST"])
@module_required(FAMILY)
def relative(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = _relative(request, pk)
    identity = shows_identity(user, found.person)
    if request.method == "GET":
        record(user, Action.VIEW, found)
        if identity:
            record(user, Action.IDENTITY_VIEWED, found.person, fields=["relatives"])
        return _relative_page(request, found)
    form = RelativeForm(request.POST, relative=found, identity=identity)
    if form.is_valid():
        try:
            actions.do_update_relative(user, found, form.action_data())
        except FamilyRuleError as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("family:relative", pk=found.pk)
    return _relative_page(request, found, 400, form=form)


@require_http_methods(["GET", "POST"])
@module_required(FAMILY)
def event_add(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = _relative(request, pk)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_record_event(user, found, form.cleaned_data)
        except FamilyRuleError as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Recorded."))
            return redirect("family:relative", pk=found.pk)
    context = {"form": form, "relative": found, "person": found.person}
    return render(request, "family/event_form.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
@module_required(FAMILY)
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = _relative(request, pk)
    means: dict[str, str] = {ContactRule.INTERMEDIARY: How.INTERMEDIARY, ContactRule.CHANNEL: How.CHANNEL}
    how = means.get(found.contact_rule, How.DIRECT)
    form = ContactForm(request.POST or None, initial={"on": timezone.localdate(), "how": how})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_record_contact(user, found, form.means(), data["on"], data.get("note", ""))
        except (ContactRefused, FamilyRuleError) as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Contact recorded."))
            return redirect("family:relative", pk=found.pk)
    context = {"form": form, "relative": found, "person": found.person}
    return render(request, "family/contact_form.html", context, status=_status(form))


# --- Tracing -----------------------------------------------------------------------------------------


@require_POST
@module_required(FAMILY)
def tracing_open(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = _relative(request, pk)
    form = OpenTracingForm(request.POST)
    if form.is_valid():
        try:
            tracing = actions.do_open_tracing(user, found, form.cleaned_data.get("note", ""))
        except (ConsentRefused, FamilyRuleError) as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Search opened."))
            return redirect("family:tracing", pk=tracing.pk)
    return _relative_page(request, found, 400, open_form=form)


def _tracing_page(request: HttpRequest, tracing: TracingRequest, status: int = 200, **forms: Any) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    identity = shows_identity(user, tracing.person)
    context = {
        "tracing": tracing,
        "relative": tracing.relative,
        "person": tracing.person,
        "identity": identity,
        "steps": tracing.actions.select_related("recipient"),
        "trace_form": forms.get("trace_form") or TraceForm(),
        "state_form": forms.get("state_form") or TracingStateForm(),
        "next_states": [(state, TracingState(state).label) for state in sorted(TRANSITIONS[tracing.state])],
        "outcome_form": OutcomeForm(),
        # Only with the grant: the matcher compares the relative's name and village.
        "matches": likely_people(user, tracing.relative) if identity and tracing.is_open else None,
    }
    return render(request, "family/tracing.html", context, status=status)


@require_GET
@module_required(FAMILY)
def tracing(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = _tracing(request, pk)
    record(user, Action.VIEW, found)
    if shows_identity(user, found.person):
        record(user, Action.IDENTITY_VIEWED, found.person, fields=["relatives"])
    return _tracing_page(request, found)


@require_POST
@module_required(FAMILY)
def trace(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = _tracing(request, pk)
    form = TraceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_trace(
                user, found, data["kind"], data["recipient"], form.means(), data.get("asked", ""), data["asked_on"]
            )
        except (ConsentRefused, ContactRefused, FamilyRuleError) as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Recorded."))
            return redirect("family:tracing", pk=found.pk)
    return _tracing_page(request, found, 400, trace_form=form)


@require_POST
@module_required(FAMILY)
def tracing_state(request: HttpRequest, pk: int) -> HttpResponse:
    found = _tracing(request, pk)
    form = TracingStateForm(request.POST)
    if form.is_valid():
        try:
            actions.do_change_tracing(request.user, found, form.cleaned_data["state"])  # type: ignore[arg-type]
        except FamilyRuleError as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Change recorded."))
            return redirect("family:tracing", pk=found.pk)
    return _tracing_page(request, found, 400, state_form=form)


@require_POST
@module_required(FAMILY)
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_object_or_404(TracingAction.objects.visible_to(request.user).select_related("request"), pk=pk)  # type: ignore[arg-type]
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what came of it."))
    else:
        try:
            actions.do_record_outcome(request.user, step, form.cleaned_data["outcome"], form.cleaned_data["note"])  # type: ignore[arg-type]
        except FamilyRuleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Recorded."))
    return redirect("family:tracing", pk=step.request_id)


@require_GET
@module_required(FAMILY)
def tracing_list(request: HttpRequest) -> HttpResponse:
    """Open searches, oldest change first, paged: a fixed number of queries."""
    rows = (
        TracingRequest.objects.visible_to(request.user)  # type: ignore[arg-type]
        .still_open()
        .select_related("person", "relative")
        .order_by("changed_at", "id")
    )
    page = page_of_people(request, rows, PAGE_SIZE)
    return render(request, "family/tracing_list.html", {"page": page})
