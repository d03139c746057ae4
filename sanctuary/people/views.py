"""Person list, page, create and edit. Every fetch goes through ``Person.objects.visible_to``.

The person page is assembled from the core's parts and the panels every registered module
declares (``sanctuary.lib.stages``): the core never imports a stage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.models import Team
from sanctuary.accounts.policy import (
    Module,
    NotSettled,
    can_approve_identity,
    can_use,
    module_required,
    require_settled,
    sees_all_people,
)
from sanctuary.audit.lists import page_of_people, shown
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib import stages
from sanctuary.lib.refusal import Refusal
from sanctuary.matching.actions import candidates_for, do_queue_likely_duplicates
from sanctuary.matching.models import MatchReview
from sanctuary.matching.records import matching_record
from sanctuary.people import presave, transfers
from sanctuary.people.actions import (
    CaseWorkerRefused,
    StatusRefused,
    case_workers_for,
    do_add_document,
    do_assign_case_worker,
    do_change_status,
    do_create_person,
    do_update_person,
    form_token_hash,
    new_form_token,
)
from sanctuary.people.admission import NotAdmissible, admission_block
from sanctuary.people.forms import (
    ContactFormSet,
    DocumentForm,
    HouseholdFormSet,
    IdentityRequestForm,
    PersonForm,
    PersonSearchForm,
    StatusForm,
    TransferForm,
)
from sanctuary.people.identity import (
    IDENTITY_FIELDS,
    IdentityRuleError,
    do_decide_identity,
    do_request_identity,
    grant_minutes,
)
from sanctuary.people.models import (
    DocumentKind,
    IdentityRequest,
    IdentityRequestStatus,
    Person,
    PersonDocument,
    Transfer,
    TransferApproval,
)
from sanctuary.people.reach import person_or_404
from sanctuary.vault import state as vault_state
from sanctuary.vault.http import accept_upload, file_response

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


LIST_FIELDS = ("id", "uid", "case_code", "alias", "status", "force", "created_at", "team__name")


def _teams_for(user: User) -> QuerySet[Team]:
    """Teams a user may assign people to: all for directors, else their own."""
    return Team.objects.all() if sees_all_people(user) else Team.objects.filter(id__in=user.team_ids)


@require_http_methods(["GET", "POST"])
@module_required(Module.PEOPLE)
def person_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PersonSearchForm(request.POST or None, teams=_teams_for(user))
    # Only what the list shows: less to read, and no other field is decrypted.
    people = Person.objects.visible_to(user).select_related("team").only(*LIST_FIELDS)
    page_number = 1
    searched = False
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        if query and vault_state.is_sealed():
            messages.error(request, _("Search needs the vault unsealed: names are encrypted."))
        elif query:
            by_identifier = form.cleaned_data.get("identifier") and sees_all_people(user)
            people = people.search(query, identifiers=bool(by_identifier))
            searched = True
            # Which kind of search, never what was searched for.
            record(user, Action.SEARCH, object_type="people.person", fields=["identifier" if by_identifier else "q"])
        if form.cleaned_data["status"]:
            people = people.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["team"]:
            people = people.filter(team=form.cleaned_data["team"])
        if form.cleaned_data.get("mine"):
            people = people.filter(case_worker=user)
        page_number = form.cleaned_data["page"] or 1
    page = page_of_people(
        request,
        people.order_by("-created_at", "-id"),
        settings.PERSON_LIST_PAGE_SIZE,
        number=page_number,
        person="pk",
        searched=searched,
    )
    context = {"form": form, "page": page, "paginator": page.paginator}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "people/_person_results.html", context)
    return render(request, "people/person_list.html", context)


@require_http_methods(["GET"])
@module_required(Module.PEOPLE)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    person = person_or_404(user, pk, Person.objects.readable_by(user).select_related("team", "case_worker"))
    handed_over = transfers.read_access(user, person)
    if handed_over is not None:
        return _read_only(request, person, handed_over)
    return _detail(request, person)


def _read_only(request: HttpRequest, person: Person, handed_over: Any) -> HttpResponse:
    """The page of a person handed over from the user's team, while the policy lets that team
    read it: the record and its timeline, and nothing to change (every write, and every
    stage's part of the page, asks ``visible_to``, which no longer includes them)."""
    user: User = request.user  # type: ignore[assignment]
    record(user, Action.VIEW, person, fields=["handed_over"])
    context = {
        "person": person,
        "handed_over": handed_over,
        "contacts": person.contacts.all(),
        "events": person.events.select_related("actor")[:100],
        "can_edit": False,
    }
    return render(request, "people/person_read_only.html", context)


def _detail(
    request: HttpRequest,
    person: Person,
    document_form: DocumentForm | None = None,
    transfer_form: TransferForm | None = None,
) -> HttpResponse:
    """The person page; ``document_form`` (a refused upload's) and ``transfer_form`` (a
    refused hand-over's) are shown with what was typed, with a 400."""
    user: User = request.user  # type: ignore[assignment]
    record(user, Action.VIEW, person)
    events = person.events.select_related("actor")[:100]
    grant = IdentityRequest.objects.active_grant(user, person)
    if grant is not None:
        record(user, Action.IDENTITY_VIEWED, person, fields=[*IDENTITY_FIELDS, "household", "documents"])
    pending = IdentityRequest.objects.filter(
        requester=user, person=person, status=IdentityRequestStatus.PENDING
    ).exists()
    context: dict[str, Any] = {
        "person": person,
        "contacts": person.contacts.all(),
        "household": person.household.all() if grant else [],
        "identity_grant": grant,
        "identity_pending": pending,
        "identity_form": IdentityRequestForm(),
        "documents": person.documents.all() if grant else person.documents.filter(kind=DocumentKind.PHOTO),
        "document_form": document_form or DocumentForm(),
        "events": events,
        "can_edit": can_use(user, Module.PEOPLE_EDIT),
        "case_workers": case_workers_for(person) if can_use(user, Module.PEOPLE_EDIT) else [],
        "status_form": StatusForm(initial={"status": person.status}, current=person.status),
        "admission_block": admission_block(person),
        "transfer": _transfer_context(user, person, transfer_form),
        "action_panels": panels(request, person, "actions"),
        "card_panels": panels(request, person, "cards"),
    }
    refused = document_form is not None or transfer_form is not None
    return render(request, "people/person_detail.html", context, status=400 if refused else 200)


def _transfer_context(user: User, person: Person, form: TransferForm | None = None) -> dict[str, Any] | None:
    """The hand-over part of the person page: the waiting hand-over, or the form to ask."""
    if not transfers.may_hand_over(user):
        return None
    pending = Transfer.objects.pending().filter(person=person).select_related("to_team", "requested_by").first()
    return {
        "pending": pending,
        "may_withdraw": pending is not None and transfers.may_withdraw(user, pending),
        "may_decide": pending is not None and transfers.refusal_to_decide(user, pending) is None,
        "form": form or (TransferForm(person=person) if pending is None else None),
        "needs_approval": transfers.policy().approval != TransferApproval.NONE,
    }


def panels(request: HttpRequest, person: Person, place: str) -> list[SafeString]:
    """The person-page parts every module declares (buttons or cards), rendered for this user:
    only modules the user may use, only parts that have something to show."""
    user: User = request.user  # type: ignore[assignment]
    rendered = []
    for panel in stages.person_panels(place):
        if panel.module and not can_use(user, panel.module):
            continue
        context = panel.context(request, person)
        if context is not None:
            # Our own templates, rendered with autoescape: safe to place in the page.
            rendered.append(mark_safe(render_to_string(panel.template, context, request)))
    return rendered


SaveNew = Callable[["User", PersonForm, list[Any]], Person]


def person_form_page(
    request: HttpRequest,
    person: Person | None,
    *,
    initial: dict[str, Any] | None = None,
    contact_initial: list[dict[str, str]] | None = None,
    save_new: SaveNew | None = None,
    intro: str = "",
    back_url: str = "",
) -> HttpResponse:
    """The person form, with likely matches shown before saving. A module that creates a
    person from something of its own (intake, from a first contact) passes ``initial``
    values and its own ``save_new`` action, which creates the person and links it in one
    transaction."""
    user: User = request.user  # type: ignore[assignment]
    teams = _teams_for(user)
    data = request.POST if request.method == "POST" else None
    initial = dict(initial or {})
    if person is None and len(user.team_ids) >= 1:
        initial.setdefault("team", sorted(user.team_ids)[0])
    sealed = vault_state.is_sealed()
    if sealed and person is not None:
        messages.error(request, _("The vault is sealed: records cannot be edited until key holders unseal it."))
        return redirect("people:detail", pk=person.pk)
    form = PersonForm(data, instance=person, teams=teams, initial=initial)
    instance = person or Person()
    # Prefilled rows are shown as initial values, but a posted form is compared with no
    # initial: otherwise a row sent back unchanged counts as "not filled in" and is dropped
    # (the handle a first contact wrote from, lost on save).
    contacts = ContactFormSet(data, instance=instance, prefix="contacts", initial=[] if data else contact_initial or [])
    formsets: list[Any] = [contacts]
    # Editing shows the true identity only to a user holding an approved request; creating
    # is write-only (the person typing it knows it).
    shows_identity = person is None or IdentityRequest.objects.active_grant(user, person) is not None
    if person is not None and request.method == "GET":
        record(user, Action.VIEW, person)
        if shows_identity:
            record(user, Action.IDENTITY_VIEWED, person, fields=[*IDENTITY_FIELDS, "household"])
    household = HouseholdFormSet(data, instance=instance, prefix="household") if shows_identity else None
    if household is not None:
        formsets.append(household)
    else:
        for name in IDENTITY_FIELDS:
            del form.fields[name]
    # One token per new-person form, kept while the form is shown again: "back" and "save"
    # once more finds the person this form created instead of creating a second one.
    form_token = ""
    if person is None:
        form_token = (data.get("form_token", "") if data else "") or new_form_token()
        token_hash = form_token_hash(form_token) if data else None
        earlier = Person.objects.filter(form_token_hash=token_hash).first() if token_hash else None
        if earlier is not None:
            return _already_saved(request, user, earlier)
    if request.method == "POST":
        valid = form.is_valid()
        for formset in formsets:
            valid = formset.is_valid() and valid
        if valid and sealed:
            messages.error(request, _("The vault is sealed: nothing can be saved until key holders unseal it."))
            valid = False
        matches: list[tuple[int, list[str]]] = []
        check = None
        if valid:
            try:
                check = presave.start(user)
            except presave.TooManyChecks:
                messages.error(request, _("Too many checks in the last hour: nothing was saved. Try again later."))
                refused: dict[str, Any] = {"form": form, "contacts": contacts, "household": household, "person": person}
                return _form_page(request, {**refused, "intro": intro}, form_token, 429)
            matches = _likely_matches(form, contacts, person)
            if person is not None:  # pairs already in the queue (decided or not) are not asked again
                known = MatchReview.objects.filter(
                    Q(person_a=person, person_b__in=[pk for pk, _r in matches])
                    | Q(person_b=person, person_a__in=[pk for pk, _r in matches])
                ).values_list("person_a", "person_b")
                seen = {pk for pair in known for pk in pair}
                matches = [(pk, rules) for pk, rules in matches if pk not in seen]
            found = presave.sort(user, check, matches)
            if found.shown and not request.POST.get("confirm_new"):
                # Shown before saving: the user says whether this is someone already known.
                # Only people they may see, and only keys they may know; the rest is withheld.
                context: dict[str, Any] = {
                    "form": form,
                    "contacts": contacts,
                    "household": household,
                    "person": person,
                    "intro": intro,
                    "back_url": back_url,
                    "matches": found.listed(),
                }
                return _form_page(request, context, form_token, 409)
        if valid:
            if person is None:
                form.instance.form_token_hash = token_hash
                try:
                    person = (save_new or do_create_person)(user, form, formsets)
                except IntegrityError:  # the same form saved at the same moment in another tab
                    earlier = Person.objects.filter(form_token_hash=token_hash).first() if token_hash else None
                    if earlier is None:
                        raise
                    return _already_saved(request, user, earlier)
                except Refusal as refusal:  # e.g. the first contact was linked by a colleague meanwhile
                    messages.error(request, refusal.message)
                    context = {"form": form, "contacts": contacts, "household": household, "person": None}
                    return _form_page(request, {**context, "intro": intro}, form_token, 409)
                messages.success(request, _("Person %(code)s created.") % {"code": person.case_code})
            else:
                do_update_person(user, form, formsets)
                messages.success(request, _("Changes saved."))
            presave.saved(check)
            # Every match goes to the review queue, shown or withheld: reviewers who may see
            # both people decide it. The user is told only of the ones they were shown.
            do_queue_likely_duplicates(user, person, matches)
            if any(pk in found.shown for pk, _r in matches):
                messages.info(request, _("Possible duplicates were added to the review queue."))
            converted = form.converted_labels() + [
                label for fs in formsets for f in fs.forms for label in f.converted_labels()
            ]
            if converted:
                messages.info(
                    request,
                    _("Converted from Zawgyi to Unicode: %(fields)s") % {"fields": ", ".join(sorted(set(converted)))},
                )
            return redirect("people:detail", pk=person.pk)
        if not sealed:
            messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
    context = {
        "form": form,
        "contacts": contacts,
        "household": household,
        "person": person,
        "intro": intro,
        "back_url": back_url,
    }
    status = 200 if request.method != "POST" else (503 if sealed else 400)
    return _form_page(request, context, form_token, status)


def _form_page(request: HttpRequest, context: dict[str, Any], form_token: str, status: int) -> HttpResponse:
    """The person form; a new person's form carries its one-time token, kept across errors."""
    return render(request, "people/person_form.html", {**context, "form_token": form_token}, status=status)


def _already_saved(request: HttpRequest, user: User, earlier: Person) -> HttpResponse:
    messages.info(request, _("This form was saved already: here is the person it created."))
    if Person.objects.visible_to(user).filter(pk=earlier.pk).exists():
        return redirect("people:detail", pk=earlier.pk)
    return redirect("people:list")


def _likely_matches(form: PersonForm, contacts: Any, person: Person | None) -> list[tuple[int, list[str]]]:
    """People sharing a blocking key (phone, NRC, name with birth year …) with what was typed.
    Fields this user may not see (the true identity) are taken from the stored record."""
    phones = [
        f.cleaned_data.get("value", "")
        for f in contacts.forms
        if f.cleaned_data.get("kind") == "phone" and not f.cleaned_data.get("DELETE")
    ]
    fields: dict[str, object] = {}
    if person is not None:
        fields.update({name: getattr(person, name) for name in IDENTITY_FIELDS if name not in form.cleaned_data})
    fields.update(form.cleaned_data)
    return candidates_for(matching_record("new", fields, phones), exclude=person.pk if person else None)


@require_http_methods(["GET", "POST"])
@module_required(Module.PEOPLE_EDIT)
def person_create(request: HttpRequest) -> HttpResponse:
    return person_form_page(request, None)


@require_http_methods(["GET", "POST"])
@module_required(Module.PEOPLE_EDIT)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_or_404(request.user, pk)
    return person_form_page(request, person)


@require_POST
@module_required(Module.PEOPLE_EDIT)
def person_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the pipeline status; htmx swaps the status box and timeline in place."""
    user: User = request.user  # type: ignore[assignment]
    person = person_or_404(user, pk)
    form = StatusForm(request.POST, current=person.status)
    ok = form.is_valid()
    if ok:
        try:
            do_change_status(user, person, form.cleaned_data["status"], form.cleaned_data["note"])
        except (NotAdmissible, StatusRefused) as refusal:
            form.add_error("status", refusal.message)
            ok = False
    if ok:
        person.refresh_from_db()
        form = StatusForm(initial={"status": person.status}, current=person.status)
        if not request.htmx:  # type: ignore[attr-defined]
            messages.success(request, _("Status updated."))
            return redirect("people:detail", pk=person.pk)
    context = {
        "person": person,
        "status_form": form,
        "events": person.events.select_related("actor")[:100],
        "can_edit": True,
        "status_saved": ok,
    }
    if request.htmx:  # type: ignore[attr-defined]
        # htmx swaps only 2xx responses: errors come back as 200 inside the partial.
        return render(request, "people/_status_and_timeline.html", context)
    return render(request, "people/person_status.html", context, status=400)


@require_POST
@module_required(Module.PEOPLE)
def identity_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to see a person's true identity; a second person must approve."""
    user: User = request.user  # type: ignore[assignment]
    person = person_or_404(user, pk)
    form = IdentityRequestForm(request.POST)
    if form.is_valid():
        do_request_identity(user, person, form.cleaned_data["reason"])
        messages.success(request, _("Request sent. A director or delegate must approve it."))
    else:
        messages.error(request, _("Please give a reason for seeing the true identity."))
    return redirect("people:detail", pk=person.pk)


@require_POST
@module_required(Module.PEOPLE_EDIT)
def case_worker_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Name the person's case worker (or nobody), among the active case workers of their team."""
    user: User = request.user  # type: ignore[assignment]
    person = person_or_404(user, pk)
    chosen = request.POST.get("case_worker", "")
    worker = case_workers_for(person).filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if chosen and worker is None:
        messages.error(request, CaseWorkerRefused("not_eligible").message)
        return redirect("people:detail", pk=person.pk)
    do_assign_case_worker(user, person, worker)
    messages.success(request, _("Saved."))
    return redirect("people:detail", pk=person.pk)


@require_GET
def identity_queue(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not can_approve_identity(user):
        raise PermissionDenied
    try:  # a waiting approver is told until when, and shown no request meanwhile
        require_settled(user)
        on_hold = ""
    except NotSettled as refused:
        on_hold = refused.message
    waiting = (
        IdentityRequest.objects.visible_to(user)
        .filter(status=IdentityRequestStatus.PENDING)
        .exclude(requester=user)
        .select_related("person", "requester")
        .order_by("created_at")
    )
    pending = shown(request, waiting.none() if on_hold else waiting)
    context = {"pending": pending, "minutes": grant_minutes(), "on_hold": on_hold}
    return render(request, "people/identity_queue.html", context)


@require_POST
def identity_decide(request: HttpRequest, request_id: int, decision: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not can_approve_identity(user) or decision not in {"approve", "refuse"}:
        raise PermissionDenied
    identity = get_object_or_404(IdentityRequest.objects.visible_to(user), pk=request_id)
    try:
        do_decide_identity(user, identity, approve=decision == "approve")
    except IdentityRuleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Approved.") if decision == "approve" else _("Refused."))
    return redirect("people:identity_queue")


@require_POST
@module_required(Module.PEOPLE_EDIT)
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    person = person_or_404(user, pk)
    form = DocumentForm(request.POST, request.FILES)
    if not accept_upload(
        request,
        form,
        lambda data: do_add_document(user, person, data, form.cleaned_data["title"], form.cleaned_data["kind"]),
    ):
        return _detail(request, person, document_form=form)  # the title and kind typed stay
    return redirect("people:detail", pk=person.pk)


@require_GET
@module_required(Module.PEOPLE)
def document_view(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    person = person_or_404(user, pk)
    documents = PersonDocument.objects.visible_to(user).filter(person=person)
    if IdentityRequest.objects.active_grant(user, person) is None:
        documents = documents.filter(kind=DocumentKind.PHOTO)  # identity papers need approval
    document = get_object_or_404(documents, pk=document_id)
    data = document.read_file()
    record(user, Action.VIEW, document)
    return file_response(data, document.content_type)
