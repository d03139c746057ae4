"""Writes to the person record: each one updates the timeline and the audit log together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.db import transaction
from django.forms import BaseInlineFormSet
from django.utils import timezone
from django.utils.crypto import get_random_string, salted_hmac
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib import db
from sanctuary.lib.refusal import Refusal
from sanctuary.matching.actions import refresh_match_keys
from sanctuary.people import timeline, watch
from sanctuary.people.models import DECISION_STATUSES, EventKind, Person, PersonDocument, PersonEvent, Status
from sanctuary.vault import files

if TYPE_CHECKING:
    from sanctuary.accounts.models import User
    from sanctuary.people.forms import PersonForm


def _formset_changes(formset: BaseInlineFormSet[Any, Any, Any]) -> list[str]:
    """Names (never values) of what a formset changed, e.g. ``contacts.value``."""
    prefix = formset.prefix or ""
    changed: set[str] = set()
    deleted = set(map(id, formset.deleted_forms)) if formset.can_delete else set()
    for form in formset.forms:
        if not form.has_changed():
            continue
        if id(form) in deleted:
            changed.add(prefix)
        else:
            changed.update(f"{prefix}.{name}" for name in form.changed_data)
    return sorted(changed)


def refresh_keys_and_watch(person: Person) -> None:
    """Blocking keys for the duplicate finder, then the watch list: a new or changed record
    that shares a key with someone rejected or flagged alerts the vetting team."""
    refresh_match_keys([Person.objects.prefetch_related("contacts").get(pk=person.pk)])
    watch.check_person(person)


_FORM_TOKEN_SALT = "sanctuary.people.person-form"  # noqa: S105 - a salt, not a secret
FORM_TOKEN_MAX_AGE = 7 * 24 * 3600


def new_form_token() -> str:
    """A one-time token for one new-person form (signed, so a forged one is ignored)."""
    return signing.TimestampSigner(salt=_FORM_TOKEN_SALT).sign(get_random_string(32))


def form_token_hash(token: str) -> str | None:
    """What a created person keeps of the form's token, or None for a missing, forged or
    week-old token (the form then saves as any form would)."""
    try:
        raw = signing.TimestampSigner(salt=_FORM_TOKEN_SALT).unsign(token, max_age=FORM_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    return salted_hmac(_FORM_TOKEN_SALT, raw, algorithm="sha256").hexdigest()


@transaction.atomic
def do_create_person(actor: User, form: PersonForm, formsets: Sequence[BaseInlineFormSet[Any, Any, Any]]) -> Person:
    person: Person = form.save(commit=False)
    person.created_by = actor
    person.save_with_case_code()
    form.save_m2m()
    for formset in formsets:
        formset.instance = person
        formset.save()
    PersonEvent.objects.create(person=person, kind=EventKind.CREATED, status_to=person.status, actor=actor)
    refresh_keys_and_watch(person)
    fields = sorted(set(form.changed_data) | {c for fs in formsets for c in _formset_changes(fs)})
    record(actor, Action.CREATE, person, fields=fields)
    return person


@transaction.atomic
def do_update_person(actor: User, form: PersonForm, formsets: Sequence[BaseInlineFormSet[Any, Any, Any]]) -> Person:
    person: Person = form.save()
    for formset in formsets:
        formset.save()
    fields = sorted(set(form.changed_data) | {c for fs in formsets for c in _formset_changes(fs)})
    if fields:
        refresh_keys_and_watch(person)
        # What changed, by field name (never a value): said in words when read.
        said = timeline.message("people.updated", fields=fields)
        PersonEvent.objects.create(person=person, kind=EventKind.UPDATED, message=said, actor=actor)
        record(actor, Action.UPDATE, person, fields=fields)
    return person


class CaseWorkerRefused(Refusal):
    messages = {
        "not_eligible": _("Only an active case worker of the person's team can look after them."),
    }


def case_workers_for(person: Person) -> Any:
    """Who may be named this person's case worker: active case workers of the person's team."""
    from sanctuary.accounts.models import Role, User

    return (
        User.objects.filter(is_active=True, role_grants__role=Role.CASE_WORKER, teams=person.team_id)
        .distinct()
        .order_by("username")
    )


@db.atomic
def do_assign_case_worker(actor: User, person: Person, worker: User | None) -> Person:
    """Name (or clear) the person's case worker; the change is audited (who, by id)."""
    person = Person.objects.lock(person.pk)
    if worker is not None and not case_workers_for(person).filter(pk=worker.pk).exists():
        raise CaseWorkerRefused("not_eligible")
    before = person.case_worker_id
    if before == (worker.pk if worker else None):
        return person
    Person.objects.filter(pk=person.pk).update(case_worker=worker)
    person.case_worker = worker
    fields = ["case_worker", f"case_worker:{worker.pk if worker else '-'}"]
    record(actor, Action.UPDATE, person, fields=fields)
    return person


class StatusRefused(Refusal):
    messages = {"needs_decision": _("Accepted and rejected are set by a vetting decision of two officers.")}


@db.atomic
def do_change_status(
    actor: User,
    person: Person,
    status: str,
    note: str = "",
    *,
    kind: str | None = None,
    by_decision: bool = False,
    message: str = "",
) -> PersonEvent | None:
    """Move a person along the pipeline; the timeline and the audit log record it.

    ``note`` is what the user typed; ``message`` what the stage says of the step
    (``people.timeline.message``). Accepted and rejected come only from a confirmed vetting
    decision (``by_decision``); moving into a safe house raises ``NotAdmissible`` for people
    who may not be admitted.
    """
    person = Person.objects.lock(person.pk)
    # Into accepted/rejected, or out of rejected, only by a decision: a rejected person
    # moved on by hand would drop off the watch list.
    by_hand = not by_decision and status != person.status
    if by_hand and (status in DECISION_STATUSES or person.status == Status.REJECTED):
        raise StatusRefused("needs_decision")
    if person.status == status and not note:
        return None
    previous = person.status
    person.status = status
    person.status_changed_at = timezone.now()
    person.save(update_fields=["status", "status_changed_at", "updated_at"])
    event = PersonEvent.objects.create(
        person=person,
        kind=kind or (EventKind.STATUS if previous != status else EventKind.NOTE),
        status_from=previous,
        status_to=status,
        note=note,
        message=message,
        actor=actor,
    )
    record(actor, Action.STATUS, person, fields=["status"] + (["note"] if note else []))
    return event


@transaction.atomic
def do_add_document(actor: User, person: Person, data: bytes, title: str, kind: str) -> PersonDocument:
    """Strip metadata, encrypt to disk, record the row; the file is removed if the row fails."""
    clean, content_type = files.clean_upload(data)
    document = PersonDocument(person=person, kind=kind, title=title, content_type=content_type, size=len(clean))
    document.stored_name = document.write_file(clean)
    try:
        document.uploaded_by = actor
        document.save()
    except Exception:
        files.delete(document.stored_name)
        raise
    record(actor, Action.CREATE, document, fields=["file", "title"] if title else ["file"])
    return document
