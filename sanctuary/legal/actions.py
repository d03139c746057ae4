"""Every write of the legal stage: one transaction each, with its audit record (field names
only, never values) and, for what a case worker must see in the person's history (an arrest,
a permit clock), a step on the timeline.

The rules live here, not in the forms, so the screens, the demo and the work-permit listener
refuse the same things with the same words (:class:`LegalRuleError`). Each refusal names the
form field it belongs to (:data:`FIELD_OF`), so a view shows it beside what was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.legal.models import (
    OPEN_DETENTION,
    Detention,
    DetentionCall,
    DetentionChange,
    DocumentRequest,
    DocumentType,
    HandlerKind,
    LegalSettings,
    Paper,
    PaperChange,
    PaperStatus,
    PermitClock,
)
from sanctuary.lib.bounds import (
    EVENT_SINCE_1988,
    LEGAL_EXPECTED,
    LEGAL_STEP,
    PAPER_EXPIRES,
    PAPER_ISSUED,
    REFUSALS,
    refuse_outside,
)
from sanctuary.lib.refusal import Refusal
from sanctuary.people import timeline, work
from sanctuary.people.actions import do_add_document
from sanctuary.people.models import DocumentKind, PersonEvent
from sanctuary.vault import files

if TYPE_CHECKING:
    from sanctuary.accounts.models import User
    from sanctuary.people.models import Person

TIMELINE = "legal"  # PersonEvent.kind (declared in module.py)


class LegalRuleError(Refusal):
    messages = {
        "expires_before_issue": _("The expiry date cannot be before the issue date."),
        "embassy_risk": _(
            "This route needs contact with the Myanmar embassy, which can expose the person and their family "
            "at home. Explain the risk to the person, then tick the box to confirm you did."
        ),
        "not_tied": _("This type of paper is not tied to an employer: leave the employer empty."),
        "unknown_employer": _("This employer is not one of the person's employers."),
        "type_inactive": _("This type of paper is not in use any more."),
        "same_status": _("The paper is already in that state."),
        "future": _("The date cannot be in the future."),
        "before_issue": _("A paper cannot change before the day it was issued (%(day)s)."),
        "resolved": _("This was already dealt with."),
        "closed": _("This detention is closed."),
        "same_detention_status": _("The detention is already in that state."),
        "before_arrest": _("The date cannot be before the arrest (%(day)s)."),
        "handler_user": _("Choose the staff member who handles it."),
        "handler_name": _("Write the name of the agent or lawyer."),
        "expected_before_submitted": _("The expected date cannot be before the day it was handed in."),
        "done_before_submitted": _("The day it was done cannot be before the day it was handed in."),
        "negative_cost": _("The cost cannot be below zero."),
        "type_code_taken": _("Another type of paper has this code."),
        **REFUSALS,
    }


# Which form field each refusal is shown beside ("" = above the form).
FIELD_OF = {
    "expires_before_issue": "expires_on",
    "embassy_risk": "risk_explained",
    "not_tied": "employer",
    "unknown_employer": "employer",
    "type_inactive": "doc_type",
    "same_status": "status",
    "future": "on",
    "before_issue": "on",
    "same_detention_status": "status",
    "before_arrest": "on",
    "handler_user": "handler_user",
    "handler_name": "handler_name",
    "expected_before_submitted": "expected_on",
    "done_before_submitted": "done_on",
    "negative_cost": "cost",
    "type_code_taken": "code",
}


def _timeline(person: Person, actor: User | None, code: str, **params: Any) -> None:
    """A step on the person timeline: one of the messages ``module.py`` declares (encrypted,
    like a note: "detained" is about someone)."""
    PersonEvent.objects.create(person=person, kind=TIMELINE, message=timeline.message(code, **params), actor=actor)


# --- Papers ---------------------------------------------------------------------------------------


def _check_paper(person: Person, data: Mapping[str, Any], before: Paper | None) -> tuple[str, str]:
    """The rules of a paper as typed; returns the employer's (ref, code name) to store."""
    doc_type: DocumentType = data["doc_type"]
    if not doc_type.active and (before is None or before.doc_type_id != doc_type.pk):
        raise LegalRuleError("type_inactive")
    issued, expires = data.get("issued_on"), data.get("expires_on")
    refuse_outside(issued, PAPER_ISSUED, LegalRuleError)
    refuse_outside(expires, PAPER_EXPIRES, LegalRuleError)
    if issued and expires and expires < issued:
        raise LegalRuleError("expires_before_issue")
    newly_embassy = doc_type.embassy_route and (before is None or before.doc_type_id != doc_type.pk)
    if newly_embassy and not data.get("risk_explained"):
        raise LegalRuleError("embassy_risk")
    ref = data.get("employer") or ""
    if not ref:
        return "", ""
    if not doc_type.ties_to_employer:
        raise LegalRuleError("not_tied")
    if before is not None and ref == before.employer_ref:
        return ref, before.employer_name  # a former employer may no longer be listed
    names = {employer.ref: employer.code_name for employer in work.employers_of(person.pk)}
    if ref not in names:
        raise LegalRuleError("unknown_employer")
    return ref, names[ref]


def _attach_scan(user: User, paper: Paper, scan: bytes) -> None:
    """Store the scan as one of the person's documents (stripped, encrypted) and point the
    paper at it. The file is written before the paper's row is saved again: if that save
    fails, the file goes with the rolled-back transaction's row."""
    document = do_add_document(user, paper.person, scan, str(paper.doc_type.name), kind=DocumentKind.PAPER)
    try:
        paper.scan = document
        paper.save(update_fields=["scan"])
    except Exception:
        files.delete(document.stored_name)
        raise


@transaction.atomic
def do_add_paper(user: User, person: Person, data: Mapping[str, Any], scan: bytes | None = None) -> Paper:
    """A paper the person holds or applied for (the form has validated the values)."""
    ref, employer_name = _check_paper(person, data, None)
    doc_type: DocumentType = data["doc_type"]
    status = data.get("status") or PaperStatus.ISSUED
    paper = Paper(
        person=person,
        doc_type=doc_type,
        number=data.get("number", ""),
        issuer=data.get("issuer", ""),
        issued_on=data.get("issued_on"),
        expires_on=data.get("expires_on"),
        status=status,
        status_on=data.get("issued_on") or timezone.localdate(),
        employer_ref=ref,
        employer_name=employer_name,
        notes=data.get("notes", ""),
        risk_explained_by=user if doc_type.embassy_route else None,
        created_by=user,
    )
    paper.set_warning(LegalSettings.current().expiry_warning_days)
    paper.save()
    PaperChange.objects.create(paper=paper, new_status=status, on=paper.status_on, changed_by=user)
    fields = [name for name in ("number", "issuer", "issued_on", "expires_on", "notes") if data.get(name)]
    record(user, Action.CREATE, paper, fields=["doc_type", "status", *fields] + (["employer"] if ref else []))
    if scan is not None:
        _attach_scan(user, paper, scan)
    return paper


@transaction.atomic
def do_update_paper(user: User, paper: Paper, data: Mapping[str, Any], scan: bytes | None = None) -> Paper:
    """Correct a paper's details (its state changes through :func:`do_change_paper_status`)."""
    paper = Paper.objects.select_for_update().select_related("person", "doc_type").get(pk=paper.pk)
    ref, employer_name = _check_paper(paper.person, data, paper)
    doc_type: DocumentType = data["doc_type"]
    changed = []
    values = {
        "doc_type": doc_type,
        "number": data.get("number", ""),
        "issuer": data.get("issuer", ""),
        "issued_on": data.get("issued_on"),
        "expires_on": data.get("expires_on"),
        "employer_ref": ref,
        "notes": data.get("notes", ""),
    }
    for name, value in values.items():
        if getattr(paper, name) != value:
            changed.append("employer" if name == "employer_ref" else name)
            setattr(paper, name, value)
    if doc_type.embassy_route and "doc_type" in changed:
        paper.risk_explained_by = user
    paper.employer_name = employer_name
    paper.set_warning(LegalSettings.current().expiry_warning_days)
    paper.save()
    if changed:
        record(user, Action.UPDATE, paper, fields=changed)
    if scan is not None:
        _attach_scan(user, paper, scan)
    return paper


@transaction.atomic
def do_change_paper_status(user: User, paper: Paper, status: str, on: date) -> Paper:
    """Applied → issued, issued → lost or seized …: recorded with the day it happened."""
    refuse_outside(on, LEGAL_STEP, LegalRuleError)
    paper = Paper.objects.select_for_update().get(pk=paper.pk)
    if status == paper.status:
        raise LegalRuleError("same_status")
    if on > timezone.localdate():
        raise LegalRuleError("future")
    if paper.issued_on and on < paper.issued_on and status != PaperStatus.APPLIED:
        raise LegalRuleError("before_issue", day=paper.issued_on)
    PaperChange.objects.create(paper=paper, old_status=paper.status, new_status=status, on=on, changed_by=user)
    paper.status, paper.status_on = status, on
    paper.save(update_fields=["status", "status_on"])
    record(user, Action.UPDATE, paper, fields=["status"])
    return paper


# --- The work-permit clock ------------------------------------------------------------------------


def start_permit_clocks(*, person: Any, employer_ref: str, ended_on: date, user: Any) -> list[PermitClock]:
    """The listener of ``sanctuary.people.work.employment_ended`` (registered in module.py),
    called inside the transaction that ends a job: every issued, unexpired paper of the person
    tied to that employer gets a clock. Called twice for the same end, it starts nothing new."""
    days = LegalSettings.current().new_employer_days
    today = timezone.localdate()
    papers = (
        Paper.objects.filter(
            person=person, status=PaperStatus.ISSUED, doc_type__ties_to_employer=True, employer_ref=employer_ref
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .select_related("person")
    )
    started = []
    for paper in papers:
        if PermitClock.objects.filter(paper=paper, ended_on=ended_on).exists():
            continue
        clock = PermitClock(
            person=paper.person,
            paper=paper,
            employer_ref=employer_ref,
            employer_name=paper.employer_name,
            ended_on=ended_on,
            deadline=ended_on + timedelta(days=days),
        )
        try:
            with transaction.atomic():
                clock.save()
        except IntegrityError:  # the same end reported twice at once
            continue
        record(user, Action.CREATE, clock, fields=["ended_on", "deadline"])
        _timeline(paper.person, user, "legal.permit_clock", deadline=clock.deadline)
        started.append(clock)
    return started


@transaction.atomic
def do_resolve_clock(user: User, clock: PermitClock, resolution: str, note: str = "") -> PermitClock:
    clock = PermitClock.objects.select_for_update().select_related("person").get(pk=clock.pk)
    if clock.resolved_at is not None:
        raise LegalRuleError("resolved")
    clock.resolution, clock.resolution_note = resolution, note
    clock.resolved_by, clock.resolved_at = user, timezone.now()
    clock.save()
    record(user, Action.UPDATE, clock, fields=["resolution"] + (["resolution_note"] if note else []))
    return clock


# --- Arrests and detention ------------------------------------------------------------------------


@transaction.atomic
def do_record_detention(
    user: User, person: Person, occurred_on: date, authority: str, place: str = "", note: str = ""
) -> Detention:
    """An arrest or detention, with the organisation's call checklist copied onto it."""
    refuse_outside(occurred_on, EVENT_SINCE_1988, LegalRuleError)
    if occurred_on > timezone.localdate():
        raise LegalRuleError("future")
    detention = Detention.objects.create(
        person=person,
        occurred_on=occurred_on,
        authority=authority,
        place=place,
        note=note,
        status_on=occurred_on,
        created_by=user,
    )
    DetentionChange.objects.create(detention=detention, status=detention.status, on=occurred_on, changed_by=user)
    DetentionCall.objects.bulk_create(
        DetentionCall(detention=detention, position=n, label_my=my, label_en=en, label_th=th)
        for n, (my, en, th) in enumerate(LegalSettings.current().checklist())
    )
    record(user, Action.CREATE, detention, fields=["occurred_on", "authority"] + (["place"] if place else []))
    _timeline(person, user, "legal.detained", authority=authority, on=occurred_on)
    return detention


@transaction.atomic
def do_change_detention(user: User, detention: Detention, status: str, on: date, place: str = "") -> Detention:
    """Transferred (to a new place), released or deported: the last two close it."""
    refuse_outside(on, LEGAL_STEP, LegalRuleError)
    detention = Detention.objects.select_for_update().select_related("person").get(pk=detention.pk)
    if detention.closed_at is not None:
        raise LegalRuleError("closed")
    if status == detention.status and not place:
        raise LegalRuleError("same_detention_status")
    if on > timezone.localdate():
        raise LegalRuleError("future")
    if on < detention.occurred_on:
        raise LegalRuleError("before_arrest", day=detention.occurred_on)
    DetentionChange.objects.create(detention=detention, status=status, on=on, changed_by=user)
    fields = ["status"]
    detention.status, detention.status_on = status, on
    if place:
        detention.place = place
        fields.append("place")
    if status not in OPEN_DETENTION:
        detention.closed_at = timezone.now()
        _timeline(detention.person, user, "legal.detention_ended", status=status, on=on)
    detention.save()
    record(user, Action.UPDATE, detention, fields=fields)
    return detention


@transaction.atomic
def do_tick_call(user: User, call: DetentionCall, done: bool) -> DetentionCall:
    """Tick (or untick, a correction) one call of the checklist, with who and when."""
    call = DetentionCall.objects.select_for_update().get(pk=call.pk)
    call.done_by, call.done_at = (user, timezone.now()) if done else (None, None)
    call.save(update_fields=["done_by", "done_at"])
    record(user, Action.UPDATE, call, fields=["done"])
    return call


# --- Requests ------------------------------------------------------------------------------------


def _check_request(data: Mapping[str, Any], before: DocumentRequest | None) -> None:
    doc_type: DocumentType = data["doc_type"]
    if not doc_type.active and (before is None or before.doc_type_id != doc_type.pk):
        raise LegalRuleError("type_inactive")
    if data["handler_kind"] == HandlerKind.STAFF and data.get("handler_user") is None:
        raise LegalRuleError("handler_user")
    if data["handler_kind"] != HandlerKind.STAFF and not data.get("handler_name"):
        raise LegalRuleError("handler_name")
    if (data.get("cost") or Decimal(0)) < 0:
        raise LegalRuleError("negative_cost")
    submitted = data.get("submitted_on")
    refuse_outside(submitted, LEGAL_STEP, LegalRuleError)
    refuse_outside(data.get("expected_on"), LEGAL_EXPECTED, LegalRuleError)
    refuse_outside(data.get("done_on"), LEGAL_STEP, LegalRuleError)
    if submitted and data.get("expected_on") and data["expected_on"] < submitted:
        raise LegalRuleError("expected_before_submitted")
    if submitted and data.get("done_on") and data["done_on"] < submitted:
        raise LegalRuleError("done_before_submitted")
    newly_embassy = doc_type.embassy_route and (before is None or before.doc_type_id != doc_type.pk)
    if newly_embassy and not data.get("risk_explained"):
        raise LegalRuleError("embassy_risk")


REQUEST_FIELDS = (
    "doc_type",
    "handler_kind",
    "handler_name",
    "handler_user",
    "cost",
    "submitted_on",
    "expected_on",
    "done_on",
    "state",
    "submitted_what",
)


@transaction.atomic
def do_save_request(
    user: User, person: Person, data: Mapping[str, Any], request: DocumentRequest | None = None
) -> DocumentRequest:
    """Open a request for a paper, or update one (its handler, dates, cost, state)."""
    if request is not None:
        request = DocumentRequest.objects.select_for_update().get(pk=request.pk, person=person)
    _check_request(data, request)
    row = request or DocumentRequest(person=person, created_by=user)
    values = dict(data)
    if values["handler_kind"] == HandlerKind.STAFF:
        values["handler_name"] = ""
    else:
        values["handler_user"] = None
    changed = []
    for name in REQUEST_FIELDS:
        value = values.get(name, "" if name in ("handler_name", "submitted_what") else None)
        if name == "cost":
            value = value or Decimal(0)
        if name == "state":
            value = value or row.state
        if request is None or getattr(row, name) != value:
            changed.append(name)
        setattr(row, name, value)
    doc_type: DocumentType = data["doc_type"]
    if doc_type.embassy_route and "doc_type" in changed:
        row.risk_explained_by = user
    row.save()  # a new request refuses people who may not be admitted
    if changed:
        record(user, Action.CREATE if request is None else Action.UPDATE, row, fields=changed)
    return row


# --- The organisation's settings ------------------------------------------------------------------


@transaction.atomic
def do_save_settings(user: User, row: LegalSettings) -> LegalSettings:
    """Save the settings; a new warning period moves every paper's warning day with it (in
    batches: the organisation changes this once in a long while)."""
    before = LegalSettings.objects.filter(pk=row.pk).values_list("expiry_warning_days", flat=True).first()
    row.updated_by = user
    row.save()
    if before != row.expiry_warning_days:
        papers = []
        for pk, expires_on in Paper.objects.filter(expires_on__isnull=False).values_list("pk", "expires_on"):
            papers.append(Paper(pk=pk, warn_on=expires_on - timedelta(days=row.expiry_warning_days)))
        Paper.objects.bulk_update(papers, ["warn_on"], batch_size=500)
    record(user, Action.UPDATE, row, fields=["settings"])
    return row


@transaction.atomic
def do_save_type(user: User, doc_type: DocumentType) -> DocumentType:
    new = doc_type.pk is None
    if DocumentType.objects.filter(code=doc_type.code).exclude(pk=doc_type.pk).exists():
        raise LegalRuleError("type_code_taken")
    doc_type.save()
    record(user, Action.CREATE if new else Action.UPDATE, doc_type, fields=["document_type"])
    return doc_type
