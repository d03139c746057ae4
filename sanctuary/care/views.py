"""Care screens: the care items list, a person's care plan (assessment, needs, items,
services), referrals, counselling (sessions, notes, scales, emergency access), groups and the
plan templates.

Views are thin: they fetch through ``visible_to``, validate a form and call one ``do_*``
action; a refusal is shown in the user's language with what was typed kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import can_use, module_required
from sanctuary.audit.lists import audit_shown, ids_of, page_of_people
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.care import actions, notes
from sanctuary.care.actions import CareError
from sanctuary.care.forms import (
    AddendumForm,
    AssessmentForm,
    CareSettingsForm,
    CompleteForm,
    EmergencyForm,
    GroupForm,
    ItemForm,
    NeedForm,
    PlanForm,
    ReferralAnswerForm,
    ReferralCloseForm,
    ReferralForm,
    ScaleForm,
    SessionForm,
    TemplateForm,
    TemplateItemFormSet,
)
from sanctuary.care.models import (
    CARE,
    CARE_CONFIG,
    COUNSELLING,
    CareItem,
    CarePlan,
    CareSettings,
    CounsellingNote,
    CounsellingSession,
    EmergencyAccess,
    GroupSession,
    PlanState,
    PlanTemplate,
    Referral,
    ReferralState,
    ScaleScore,
    counsellor_roles,
)
from sanctuary.consent.rules import ConsentRefused
from sanctuary.people.models import Person
from sanctuary.people.reach import person_or_404

PAGE = 50


def _status(*forms: Any) -> int:
    return 400 if any(f is not None and f.is_bound for f in forms) else 200


def _person(request: HttpRequest, pk: int) -> Person:
    return person_or_404(request.user, pk)


def _plan(request: HttpRequest, pk: int) -> CarePlan:
    return get_object_or_404(CarePlan.objects.visible_to(request.user).select_related("person", "template"), pk=pk)  # type: ignore[arg-type]


def _refusal(form: Any, error: Exception) -> None:
    form.add_error(None, getattr(error, "message", str(error)))


# --- Care items and plans -----------------------------------------------------------------------------


@require_GET
@module_required(CARE)
def items(request: HttpRequest) -> HttpResponse:
    """Open items across the user's teams, overdue first; "mine" narrows to the user's."""
    mine = request.GET.get("mine") == "1"
    rows = (
        CareItem.objects.visible_to(request.user)  # type: ignore[arg-type]
        .open()
        .select_related("person", "template_item", "provider", "assigned_to")
        .order_by("due_on", "pk")
    )
    if mine:
        rows = rows.filter(assigned_to=request.user)
    page = page_of_people(request, rows, PAGE)
    context = {"page": page, "today": timezone.localdate(), "mine": mine}
    return render(request, "care/items.html", context)


@require_http_methods(["GET", "POST"])
@module_required(CARE)
def plan_new(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = _person(request, person_pk)
    existing = CarePlan.objects.visible_to(request.user).filter(person=person, state=PlanState.OPEN).first()  # type: ignore[arg-type]
    if existing is not None:
        return redirect("care:plan", existing.pk)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = actions.do_create_plan(
                request.user,  # type: ignore[arg-type]
                person,
                template=data.get("template"),
                arrived_on=data["arrived_on"],
                assessment=data.get("assessment") or "",
            )
        except (CareError, ConsentRefused) as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Care plan made."))
            return redirect("care:plan", plan.pk)
    return render(request, "care/plan_new.html", {"person": person, "form": form}, status=_status(form))


@require_GET
@module_required(CARE)
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_page(request, _plan(request, pk))


def _plan_page(request: HttpRequest, plan: CarePlan, **forms: Any) -> HttpResponse:
    plan_items = list(
        CareItem.objects.visible_to(request.user)  # type: ignore[arg-type]
        .filter(plan=plan)
        .select_related("template_item", "provider", "need", "done_by")
        .order_by("due_on", "pk")
    )
    context = {
        "plan": plan,
        "person": plan.person,
        "today": timezone.localdate(),
        "needs": list(plan.needs.all()),
        "open_items": [i for i in plan_items if i.is_open],
        "closed_items": [i for i in plan_items if not i.is_open],
        "referrals": Referral.objects.visible_to(request.user).filter(person=plan.person).select_related("recipient"),  # type: ignore[arg-type]
        "assessment_form": forms.get("assessment") or AssessmentForm(initial={"assessment": plan.assessment}),
        "need_form": forms.get("need") or NeedForm(),
        "item_form": forms.get("item") or ItemForm(),
        "complete_form": forms.get("complete") or CompleteForm(),
        "failed_item": forms.get("failed_item"),
        "open": plan.state == PlanState.OPEN,
    }
    return render(request, "care/plan.html", context, status=_status(*forms.values()) if forms else 200)


@require_POST
@module_required(CARE)
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    care_plan = _plan(request, pk)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        try:
            actions.do_update_assessment(request.user, care_plan, form.cleaned_data.get("assessment") or "")  # type: ignore[arg-type]
        except CareError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("care:plan", care_plan.pk)
    return _plan_page(request, care_plan, assessment=form)


@require_POST
@module_required(CARE)
def need_add(request: HttpRequest, pk: int) -> HttpResponse:
    care_plan = _plan(request, pk)
    form = NeedForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_add_need(
                request.user,  # type: ignore[arg-type]
                care_plan,
                area=data["area"],
                description=data["description"],
                goals=data.get("goals") or "",
                due_on=data.get("due_on"),
            )
        except CareError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Need added."))
            return redirect("care:plan", care_plan.pk)
    return _plan_page(request, care_plan, need=form)


@require_POST
@module_required(CARE)
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    care_plan = _plan(request, pk)
    form = ItemForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_add_item(
                request.user,  # type: ignore[arg-type]
                care_plan,
                area=data["area"],
                service=data["service"],
                title=data.get("title") or "",
                due_on=data["due_on"],
                provider=data.get("provider"),
                appointment_at=data.get("appointment_at"),
            )
        except CareError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Added to the plan."))
            return redirect("care:plan", care_plan.pk)
    return _plan_page(request, care_plan, item=form)


def _item(request: HttpRequest, pk: int) -> CareItem:
    return get_object_or_404(CareItem.objects.visible_to(request.user).select_related("plan__person"), pk=pk)  # type: ignore[arg-type]


@require_POST
@module_required(CARE)
def item_done(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = CompleteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_complete_item(
                request.user,  # type: ignore[arg-type]
                item,
                outcome=data.get("outcome") or "",
                follow_up_on=data.get("follow_up_on"),
            )
        except CareError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Marked done."))
            return redirect("care:plan", item.plan_id)
    return _plan_page(request, item.plan, complete=form, failed_item=item.pk)


@require_POST
@module_required(CARE)
def item_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    try:
        actions.do_cancel_item(request.user, item)  # type: ignore[arg-type]
    except CareError as error:
        messages.error(request, error.message)
    return redirect("care:plan", item.plan_id)


@require_POST
@module_required(CARE)
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    care_plan = _plan(request, pk)
    try:
        actions.do_close_plan(request.user, care_plan)  # type: ignore[arg-type]
    except CareError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Care plan closed."))
    return redirect("care:plan", care_plan.pk)


# --- Referrals ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@module_required(CARE)
def refer(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = _person(request, person_pk)
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = actions.do_refer(
                request.user,  # type: ignore[arg-type]
                person,
                recipient=data["recipient"],
                area=data["area"],
                shared=data["shared"],
                summary=data.get("summary") or "",
            )
        except (CareError, ConsentRefused) as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Referral recorded as sent."))
            return redirect("care:referral", referral.pk)
    return render(request, "care/refer.html", {"person": person, "form": form}, status=_status(form))


def _referral(request: HttpRequest, pk: int) -> Referral:
    found = Referral.objects.visible_to(request.user).select_related("person", "recipient", "consent", "sent_by")  # type: ignore[arg-type]
    return get_object_or_404(found, pk=pk)


@require_GET
@module_required(CARE)
def referral(request: HttpRequest, pk: int) -> HttpResponse:
    return _referral_page(request, _referral(request, pk))


def _referral_page(request: HttpRequest, ref: Referral, **forms: Any) -> HttpResponse:
    context = {
        "referral": ref,
        "person": ref.person,
        "answer_form": forms.get("answer") or (ReferralAnswerForm() if ref.state == ReferralState.SENT else None),
        "close_form": forms.get("close")
        or (ReferralCloseForm() if ref.state in (ReferralState.SENT, ReferralState.ACCEPTED) else None),
    }
    return render(request, "care/referral.html", context, status=_status(*forms.values()) if forms else 200)


@require_POST
@module_required(CARE)
def referral_answer(request: HttpRequest, pk: int) -> HttpResponse:
    ref = _referral(request, pk)
    form = ReferralAnswerForm(request.POST)
    if form.is_valid():
        try:
            actions.do_answer_referral(
                request.user,  # type: ignore[arg-type]
                ref,
                accepted=form.cleaned_data["answer"] == "accepted",
                reason=form.cleaned_data.get("reason") or "",
            )
        except CareError as error:
            _refusal(form, error)
        else:
            return redirect("care:referral", ref.pk)
    return _referral_page(request, ref, answer=form)


@require_POST
@module_required(CARE)
def referral_close(request: HttpRequest, pk: int) -> HttpResponse:
    ref = _referral(request, pk)
    form = ReferralCloseForm(request.POST)
    if form.is_valid():
        try:
            actions.do_close_referral(
                request.user,  # type: ignore[arg-type]
                ref,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data.get("note") or "",
            )
        except CareError as error:
            _refusal(form, error)
        else:
            return redirect("care:referral", ref.pk)
    return _referral_page(request, ref, close=form)


# --- Counselling --------------------------------------------------------------------------------------


@require_GET
@module_required(COUNSELLING)
def counselling(request: HttpRequest, person_pk: int) -> HttpResponse:
    return _counselling_page(request, _person(request, person_pk))


def _counselling_page(request: HttpRequest, person: Person, **forms: Any) -> HttpResponse:
    user: Any = request.user
    sessions = list(CounsellingSession.objects.visible_to(user).filter(person=person).select_related("counsellor"))
    readable = notes.may_read(user, person)
    written: list[tuple[CounsellingNote, str]] = []
    if readable:
        found = list(CounsellingNote.objects.visible_to(user).filter(person=person).select_related("person", "author"))
        written = list(zip(found, notes.read_all(user, person, found), strict=True))
        if counsellor_roles(user):
            record(user, Action.VIEW, person, object_type="care.counsellingnotes", fields=["body"])
    grants = (
        EmergencyAccess.objects.visible_to(user).filter(person=person).select_related("requested_by", "approved_by")
    )
    summary = CounsellingSession.objects.filter(person=person).aggregate(
        n=Count("pk"), first=Min("held_on"), last=Max("held_on")
    )
    context = {
        "person": person,
        "sessions": sessions,
        "summary": summary,
        "readable": readable,
        "notes": written,
        "is_counsellor": counsellor_roles(user),
        "grants": grants,
        "scales": ScaleScore.objects.visible_to(user).filter(person=person) if counsellor_roles(user) else None,
        "session_form": forms.get("session") or SessionForm(),
        "addendum_form": forms.get("addendum") or AddendumForm(),
        "emergency_form": forms.get("emergency") or EmergencyForm(),
        "scale_form": forms.get("scale") or ScaleForm(),
        "may_ask": actions._is_lead(user) or actions._is_director(user),
    }
    return render(request, "care/counselling.html", context, status=_status(*forms.values()) if forms else 200)


@require_POST
@module_required(COUNSELLING)
def session_new(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = _person(request, person_pk)
    form = SessionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_record_session(
                request.user,  # type: ignore[arg-type]
                person,
                kind=data["kind"],
                held_on=data["held_on"],
                minutes=data["minutes"],
                note=data.get("note") or "",
            )
        except (CareError, notes.NoteRefused, ConsentRefused) as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Session recorded."))
            return redirect("care:counselling", person.pk)
    return _counselling_page(request, person, session=form)


@require_POST
@module_required(COUNSELLING)
def note_addendum(request: HttpRequest, pk: int) -> HttpResponse:
    found = CounsellingNote.objects.visible_to(request.user)  # type: ignore[arg-type]
    note = get_object_or_404(found.select_related("person", "session"), pk=pk)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            actions.do_add_note(request.user, note.session, form.cleaned_data["text"], addendum_to=note)  # type: ignore[arg-type]
        except (CareError, notes.NoteRefused) as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Addendum added."))
            return redirect("care:counselling", note.person_id)
    return _counselling_page(request, note.person, addendum=form)


@require_POST
@module_required(COUNSELLING)
def scale_new(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = _person(request, person_pk)
    form = ScaleForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_scale(
                request.user,  # type: ignore[arg-type]
                person,
                when=form.cleaned_data["when"],
                taken_on=form.cleaned_data["taken_on"],
                answers=form.answers(),
            )
        except CareError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Scale recorded."))
            return redirect("care:counselling", person.pk)
    return _counselling_page(request, person, scale=form)


@require_POST
@module_required(COUNSELLING)
def emergency_request(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = _person(request, person_pk)
    form = EmergencyForm(request.POST)
    if form.is_valid():
        try:
            actions.do_request_emergency(request.user, person, form.cleaned_data["reason"])  # type: ignore[arg-type]
        except CareError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Asked. A second person must approve it."))
            return redirect("care:counselling", person.pk)
    return _counselling_page(request, person, emergency=form)


def _grant(request: HttpRequest, pk: int) -> EmergencyAccess:
    return get_object_or_404(EmergencyAccess.objects.visible_to(request.user).select_related("person"), pk=pk)  # type: ignore[arg-type]


@require_POST
@module_required(COUNSELLING)
def emergency_answer(request: HttpRequest, pk: int) -> HttpResponse:
    access = _grant(request, pk)
    try:
        actions.do_answer_emergency(request.user, access, approve=request.POST.get("answer") == "approve")  # type: ignore[arg-type]
    except CareError as error:
        messages.error(request, error.message)
    return redirect("care:emergencies")


@require_POST
@module_required(COUNSELLING)
def emergency_ack(request: HttpRequest, pk: int) -> HttpResponse:
    access = _grant(request, pk)
    try:
        actions.do_ack_emergency(request.user, access)  # type: ignore[arg-type]
    except CareError as error:
        messages.error(request, error.message)
    return redirect("care:emergencies")


@require_GET
@module_required(COUNSELLING)
def emergencies(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    rows = EmergencyAccess.objects.visible_to(user).select_related("person", "requested_by", "approved_by")
    pending = list(rows.filter(approved_at__isnull=True, refused_at__isnull=True)[:100])
    answered = list(rows.exclude(approved_at__isnull=True)[:50])
    audit_shown(request, [*ids_of(pending), *ids_of(answered)])
    context = {
        "pending": pending,
        "answered": answered,
        "user_id": user.pk,
        "is_counsellor": counsellor_roles(user),
        "may_answer": actions._is_lead(user) or actions._is_director(user),
    }
    return render(request, "care/emergencies.html", context)


@require_http_methods(["GET", "POST"])
@module_required(COUNSELLING)
def groups(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_record_group(
                request.user,  # type: ignore[arg-type]
                kind=data["kind"],
                held_on=data["held_on"],
                minutes=data["minutes"],
                case_codes=form.codes(),
            )
        except CareError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Group recorded."))
            return redirect("care:groups")
    found = GroupSession.objects.visible_to(request.user)  # type: ignore[arg-type]
    rows = found.annotate(came=Count("attendance")).select_related("facilitator").order_by("-held_on", "-pk")
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(request, "care/groups.html", {"form": form, "page": page}, status=_status(form))


# --- Templates and settings ---------------------------------------------------------------------------


@require_GET
@module_required(CARE_CONFIG)
def templates(request: HttpRequest) -> HttpResponse:
    rows = PlanTemplate.objects.visible_to(request.user).prefetch_related("items")  # type: ignore[arg-type]
    return render(
        request,
        "care/templates.html",
        {"templates": rows, "settings_form": CareSettingsForm(instance=CareSettings.current())},
    )


@require_http_methods(["GET", "POST"])
@module_required(CARE_CONFIG)
def template_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    template = get_object_or_404(PlanTemplate.objects.visible_to(request.user), pk=pk) if pk else PlanTemplate()  # type: ignore[arg-type]
    form = TemplateForm(request.POST or None, instance=template)
    formset = TemplateItemFormSet(request.POST or None, instance=template, prefix="items")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        actions.do_save_template(request.user, form, formset)  # type: ignore[arg-type]
        messages.success(request, _("Template saved."))
        return redirect("care:templates")
    return render(
        request,
        "care/template_form.html",
        {"form": form, "formset": formset, "template": template},
        status=_status(form),
    )


@require_POST
@module_required(CARE_CONFIG)
def care_settings(request: HttpRequest) -> HttpResponse:
    current = CareSettings.current()
    form = CareSettingsForm(request.POST, instance=current)
    if form.is_valid():
        actions.do_save_settings(request.user, form)  # type: ignore[arg-type]
        messages.success(request, _("Saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("care:templates")


def may_use_care(user: Any) -> bool:
    return can_use(user, CARE)
