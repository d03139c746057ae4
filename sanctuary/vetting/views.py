"""Vetting screens. People are fetched through ``Person.objects.visible_to``; only users
whose roles include vetting reach them, and every view of a person's vetting is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import module_required
from sanctuary.audit.lists import audit_shown, ids_of
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.people.actions import do_add_document
from sanctuary.people.admission import admission_block
from sanctuary.people.models import DocumentKind, Person, PersonDocument, Status
from sanctuary.people.reach import person_or_404
from sanctuary.vault.http import accept_upload, file_response
from sanctuary.vetting import actions
from sanctuary.vetting.forms import (
    CheckItemForm,
    CheckResultForm,
    ClearFlagForm,
    FlagForm,
    NoteForm,
    ProofForm,
    ProposeForm,
    RefereeForm,
    RefereeOutcomeForm,
    SecondForm,
)
from sanctuary.vetting.models import (
    CheckResult,
    DecisionState,
    Referee,
    RefereeOutcome,
    RiskFlag,
    VettingCheck,
    VettingDecision,
    WatchAlert,
)
from sanctuary.vetting.module import VETTING, VETTING_CONFIG

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


def _person(request: HttpRequest, pk: int) -> Person:
    return person_or_404(request.user, pk)


def visible_alerts(user: User) -> Any:
    return WatchAlert.objects.visible_to(user, open_only=True).select_related("watched", "person", "submission")


def mark_visibility(user: User, alerts: Any) -> list[WatchAlert]:
    """Set ``watched_shown`` and ``person_shown`` on each alert for the template."""
    alerts = list(alerts)
    ids = {a.watched_id for a in alerts} | {a.person_id for a in alerts if a.person_id}
    visible = set(Person.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    for alert in alerts:
        alert.watched_shown = alert.watched_id in visible  # type: ignore[attr-defined]
        alert.person_shown = alert.person_id in visible  # type: ignore[attr-defined]
    return alerts


@require_GET
@module_required(VETTING)
def queue(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    people = Person.objects.visible_to(user)
    in_vetting = (
        people.filter(status__in=[Status.FIRST_CONTACT, Status.VETTING])
        .annotate(checks_done=Count("vetting_checks", distinct=True))
        .select_related("team")
        .only("id", "uid", "case_code", "alias", "status", "team__name", "created_at")
        .order_by("created_at")[:200]
    )
    waiting = (
        VettingDecision.objects.filter(state=DecisionState.PENDING, person__in=people)
        .select_related("person", "proposed_by")
        .order_by("proposed_at")
    )
    flagged = (
        RiskFlag.objects.filter(cleared_at__isnull=True, person__in=people)
        .select_related("person")
        .order_by("-raised_at")
    )
    alerts = mark_visibility(user, visible_alerts(user)[:100])
    lists = {"in_vetting": list(in_vetting), "waiting": list(waiting), "flagged": list(flagged)}
    # Alerts name only the people this user may see (the others read "another team").
    alerted = ids_of(alerts, lambda a: a.person_id if a.person_shown else None)
    alerted += ids_of(alerts, lambda a: a.watched_id if a.watched_shown else None)
    shown_ids = ids_of(lists["in_vetting"], "pk") + ids_of(lists["waiting"]) + ids_of(lists["flagged"])
    audit_shown(request, alerted + shown_ids)
    context = {
        **lists,
        "alerts": alerts,
        "required_checks": VettingCheck.objects.filter(active=True).count(),
    }
    return render(request, "vetting/queue.html", context)


def _page(request: HttpRequest, person: Person, **forms: Any) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    results = {
        r.check_item_id: r
        for r in CheckResult.objects.visible_to(user).filter(person=person).select_related("recorded_by")
    }
    checks = [
        (check, results.get(check.pk), CheckResultForm(prefix=f"c{check.pk}"))
        for check in VettingCheck.objects.visible_to(user).filter(active=True)
    ]
    decisions = list(person.vetting_decisions.select_related("proposed_by", "second_by"))
    pending = next((d for d in decisions if d.state == DecisionState.PENDING), None)
    context = {
        "person": person,
        "checks": checks,
        "referees": person.referees.select_related("recorded_by"),
        "referee_form": forms.get("referee_form") or RefereeForm(),
        "flags": person.risk_flags.select_related("raised_by", "cleared_by"),
        "flag_form": forms.get("flag_form") or FlagForm(),
        "clear_form": ClearFlagForm(),
        "notes": person.vetting_notes.select_related("author"),
        "note_form": forms.get("note_form") or NoteForm(),
        "proofs": person.documents.filter(kind=DocumentKind.PROOF),
        "proof_form": forms.get("proof_form") or ProofForm(),
        "decisions": decisions,
        "pending": pending,
        "propose_form": forms.get("propose_form") or ProposeForm(),
        "second_form": forms.get("second_form") or SecondForm(),
        "admission": admission_block(person),
        "missing_checks": actions.missing_required_checks(person),
        "alerts": mark_visibility(user, visible_alerts(user).filter(Q(watched=person) | Q(person=person))),
        "user_id": user.pk,
        "referee_outcomes": RefereeOutcome.choices,
    }
    status = 400 if any(f is not None and f.errors for f in forms.values()) else 200
    return render(request, "vetting/person.html", context, status=status)


@require_GET
@module_required(VETTING)
def person_vetting(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    record(request.user, Action.VIEW, person, fields=["vetting"])  # type: ignore[arg-type]
    return _page(request, person)


def _done(request: HttpRequest, person: Person, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("vetting:person", pk=person.pk)


def _refused(request: HttpRequest, person: Person, error: actions.VettingRuleError) -> HttpResponse:
    messages.error(request, error.message)
    return redirect("vetting:person", pk=person.pk)


@require_POST
@module_required(VETTING)
def record_check(request: HttpRequest, pk: int, check_id: int) -> HttpResponse:
    person = _person(request, pk)
    check = get_object_or_404(VettingCheck.objects.visible_to(request.user).filter(active=True), pk=check_id)
    form = CheckResultForm(request.POST, prefix=f"c{check.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose an outcome for the check."))
        return redirect("vetting:person", pk=person.pk)
    actions.do_record_check(request.user, person, check, form.cleaned_data["outcome"], form.cleaned_data["note"])  # type: ignore[arg-type]
    return _done(request, person, _("Check recorded."))


@require_POST
@module_required(VETTING)
def add_referee(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    form = RefereeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
        return _page(request, person, referee_form=form)
    fields = {name: form.cleaned_data[name] for name in RefereeForm.Meta.fields}
    actions.do_add_referee(request.user, person, **fields)  # type: ignore[arg-type]
    return _done(request, person, _("Referee added."))


@require_POST
@module_required(VETTING)
def update_referee(request: HttpRequest, pk: int, referee_id: int) -> HttpResponse:
    person = _person(request, pk)
    referee = get_object_or_404(Referee.objects.visible_to(request.user).filter(person=person), pk=referee_id)  # type: ignore[arg-type]
    form = RefereeOutcomeForm(request.POST)
    if form.is_valid():
        actions.do_update_referee(request.user, referee, form.cleaned_data["outcome"], form.cleaned_data["note"])  # type: ignore[arg-type]
        return _done(request, person, _("Referee updated."))
    messages.error(request, _("Choose what the referee said."))
    return redirect("vetting:person", pk=person.pk)


@require_POST
@module_required(VETTING)
def raise_flag(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
        return _page(request, person, flag_form=form)
    actions.do_raise_flag(request.user, person, form.cleaned_data["kind"], form.cleaned_data["reason"])  # type: ignore[arg-type]
    return _done(request, person, _("Flag raised. The person cannot be housed or paid while it is open."))


@require_POST
@module_required(VETTING)
def clear_flag(request: HttpRequest, pk: int, flag_id: int) -> HttpResponse:
    person = _person(request, pk)
    flag = get_object_or_404(RiskFlag.objects.visible_to(request.user).filter(person=person), pk=flag_id)  # type: ignore[arg-type]
    form = ClearFlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the flag no longer applies."))
        return redirect("vetting:person", pk=person.pk)
    try:
        flag = actions.do_clear_flag(request.user, flag, form.cleaned_data["reason"])  # type: ignore[arg-type]
    except actions.VettingRuleError as error:
        return _refused(request, person, error)
    if flag.cleared_at is None:
        return _done(request, person, _("Asked to clear the flag. A second vetting officer must confirm."))
    return _done(request, person, _("Flag cleared."))


@require_POST
@module_required(VETTING)
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
        return _page(request, person, note_form=form)
    actions.do_add_note(request.user, person, form.cleaned_data["text"])  # type: ignore[arg-type]
    return _done(request, person, _("Note added."))


@require_POST
@module_required(VETTING)
def add_proof(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    user: User = request.user  # type: ignore[assignment]
    form = ProofForm(request.POST, request.FILES)
    if not accept_upload(
        request, form, lambda data: do_add_document(user, person, data, form.cleaned_data["title"], DocumentKind.PROOF)
    ):
        return _page(request, person, proof_form=form)  # the title typed stays
    return redirect("vetting:person", pk=person.pk)


@require_GET
@module_required(VETTING)
def proof_view(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    person = _person(request, pk)
    proofs = PersonDocument.objects.visible_to(request.user).filter(person=person, kind=DocumentKind.PROOF)  # type: ignore[arg-type]
    document = get_object_or_404(proofs, pk=document_id)
    data = document.read_file()
    record(request.user, Action.VIEW, document)  # type: ignore[arg-type]
    return file_response(data, document.content_type)


@require_POST
@module_required(VETTING)
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    form = ProposeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
        return _page(request, person, propose_form=form)
    try:
        actions.do_propose(request.user, person, form.cleaned_data["outcome"], form.cleaned_data["reason"])  # type: ignore[arg-type]
    except actions.VettingRuleError as error:
        messages.error(request, error.message)
        return _page(request, person, propose_form=form)
    return _done(request, person, _("Proposed. A second vetting officer must confirm it."))


@require_POST
@module_required(VETTING)
def second(request: HttpRequest, pk: int, decision_id: int, answer: str) -> HttpResponse:
    person = _person(request, pk)
    decision = get_object_or_404(VettingDecision.objects.visible_to(request.user).filter(person=person), pk=decision_id)  # type: ignore[arg-type]
    user: User = request.user  # type: ignore[assignment]
    try:
        if answer == "withdraw":
            actions.do_withdraw(user, decision)
            return _done(request, person, _("Withdrawn."))
        if answer not in {"confirm", "disagree"}:
            raise PermissionDenied
        form = SecondForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please give your reason."))
            return _page(request, person, second_form=form)
        try:
            actions.do_second(user, decision, answer == "confirm", form.cleaned_data["reason"])
        except actions.VettingRuleError as error:  # the page again, with the reason as typed
            messages.error(request, error.message)
            return _page(request, person, second_form=form)
    except actions.VettingRuleError as error:
        return _refused(request, person, error)
    if answer == "confirm":
        return _done(request, person, _("Decision confirmed."))
    return _done(request, person, _("Not confirmed: the proposal lapses."))


@require_POST
@module_required(VETTING)
def resolve_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    alert = get_object_or_404(WatchAlert.objects.visible_to(user), pk=alert_id)
    if alert.resolved_at is not None:
        return redirect("vetting:queue")
    actions.do_resolve_alert(user, alert)
    messages.success(request, _("Alert marked as looked at."))
    return redirect("vetting:queue")


@require_http_methods(["GET", "POST"])
@module_required(VETTING_CONFIG)
def checklist(request: HttpRequest, check_id: int | None = None) -> HttpResponse:
    """The organisation's checklist: directors add, rename, reorder and retire checks."""
    instance = get_object_or_404(VettingCheck.objects.visible_to(request.user), pk=check_id) if check_id else None  # type: ignore[arg-type]
    form = CheckItemForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        actions.do_save_check_item(request.user, form)  # type: ignore[arg-type]
        messages.success(request, _("Checklist saved."))
        return redirect("vetting:checklist")
    context = {"form": form, "checks": VettingCheck.objects.visible_to(request.user), "editing": instance}  # type: ignore[arg-type]
    return render(request, "vetting/checklist.html", context, status=400 if form.errors else 200)
