"""Receiving first contacts, and triaging them into people. Every write is a ``do_*`` action."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string, salted_hmac
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.intake import keys, phrases
from sanctuary.intake.models import (
    Attachment,
    FollowUp,
    PublicStatus,
    Source,
    Submission,
    TriageState,
)
from sanctuary.lib.phones import read_phone
from sanctuary.lib.refusal import Refusal
from sanctuary.matching.records import matching_record
from sanctuary.people import attribution, timeline, watch
from sanctuary.people.actions import do_add_document, do_create_person, refresh_keys_and_watch
from sanctuary.people.models import ContactPoint, DocumentKind, Force, Person, PersonEvent
from sanctuary.vault import files

if TYPE_CHECKING:
    from sanctuary.accounts.models import User
    from sanctuary.linkage.records import Record
    from sanctuary.people.forms import PersonForm

# The timeline kind of a linked first contact (declared in module.py).
TIMELINE_INTAKE = "intake"

FORM_TOKEN_MAX_AGE = 24 * 60 * 60  # a form left open for a day is still accepted
_TOKEN_SALT = "sanctuary.intake.form-token"  # noqa: S105 - a signing namespace, not a secret

# The fields of a submission's sealed payload (all text).
PAYLOAD_FIELDS = (
    "writer",
    "name",
    "channel",
    "handle",
    "force",
    "rank",
    "unit",
    "service_number",
    "location",
    "urgency",
    "story",
)


class IntakeError(Refusal):
    messages = {
        "expired": _(
            "This form was open for too long. Check your answers below and send it again. Files must be chosen again."
        ),
        "bad_token": _("This form could not be read. Check your answers below and send it again."),
        "unknown_phrase": _("We could not find this receipt phrase. Check each word and try again."),
        "expired_phrase": _("This receipt phrase has expired. If you still need help, please send the form again."),
        "merge_self": _("A submission cannot be merged into itself."),
        "linked": _("This first contact is linked to a person already."),
    }


def new_form_token() -> str:
    return signing.TimestampSigner(salt=_TOKEN_SALT).sign(get_random_string(32))


def check_form_token(token: str) -> str:
    """The raw token, or IntakeError("expired"/"bad_token")."""
    try:
        return signing.TimestampSigner(salt=_TOKEN_SALT).unsign(token, max_age=FORM_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise IntakeError("expired") from None
    except signing.BadSignature:
        raise IntakeError("bad_token") from None


def _token_hash(raw: str) -> str:
    return salted_hmac("sanctuary.intake.token-hash", raw, algorithm="sha256").hexdigest()


def already_received(token: str) -> Receipt | None:
    """The receipt of a form sent before with this token (the sender pressed "send" again),
    or None; never counted against any limit."""
    try:
        raw = check_form_token(token)
    except IntakeError:
        return None
    existing = Submission.objects.filter(form_token_hash=_token_hash(raw)).first()
    return Receipt(existing, phrases.numbers_from_token(raw), again=True) if existing else None


@dataclass(frozen=True)
class Receipt:
    submission: Submission
    phrase_numbers: list[int]
    again: bool  # the same form was sent before: nothing new was stored


def do_receive(
    fields: dict[str, str],
    uploads: list[bytes],
    token: str,
    source: str = Source.FORM,
    *,
    spam: bool = False,
    heard_via: str = "",
) -> Receipt:
    """Seal and store a submission from the public form. Files must be cleaned already
    (``clean_uploads``). The same token twice returns the first submission. ``spam``: the
    honeypot was filled in; kept as spam, without files, in case it was a person."""
    raw = check_form_token(token)
    token_hash = _token_hash(raw)
    numbers = phrases.numbers_from_token(raw)
    existing = Submission.objects.filter(form_token_hash=token_hash).first()
    if existing is not None:
        return Receipt(existing, numbers, again=True)
    try:
        submission = _store(
            fields,
            [] if spam else uploads,
            source=source,
            token_hash=token_hash,
            numbers=numbers,
            spam=spam,
            heard_via=heard_via,
        )
    except IntegrityError:  # the same form, sent twice at the same moment
        existing = Submission.objects.filter(form_token_hash=token_hash).first()
        if existing is None:
            raise
        return Receipt(existing, numbers, again=True)
    return Receipt(submission, numbers, again=False)


def clean_uploads(raw_files: list[bytes]) -> list[tuple[bytes, str]]:
    """Strip metadata from every file (raises files.FileRejected naming the first bad one)."""
    return [files.clean_upload(data) for data in raw_files]


def _store(
    fields: dict[str, str],
    uploads: list[bytes] | list[tuple[bytes, str]],
    *,
    source: str,
    token_hash: str | None,
    numbers: list[int] | None,
    logged_by: User | None = None,
    spam: bool = False,
    heard_via: str = "",
) -> Submission:
    key = keys.current_key()
    cleaned = [u if isinstance(u, tuple) else files.clean_upload(u) for u in uploads]
    payload = {name: fields.get(name, "") for name in PAYLOAD_FIELDS}
    written: list[str] = []
    try:
        with transaction.atomic():
            submission = Submission(uid=uuid.uuid4(), source=source, key=key, logged_by=logged_by)
            submission.heard_via = heard_via if attribution.is_valid(heard_via) else ""
            if spam:
                submission.state = TriageState.SPAM
            submission.payload = keys.seal(key, json.dumps(payload).encode("utf-8"), submission.aad("payload"))
            submission.form_token_hash = token_hash
            if numbers is not None:
                submission.phrase_hash = phrases.phrase_hash(numbers)
                submission.phrase_expires_at = timezone.now() + timedelta(days=settings.INTAKE_PHRASE_DAYS)
            submission.save()
            for data, content_type in cleaned:
                attachment = Attachment(submission=submission, uid=uuid.uuid4(), key=key, content_type=content_type)
                attachment.size = len(data)
                name = files.write_blob(keys.seal(key, data, attachment.aad()))
                written.append(name)
                attachment.stored_name = name
                attachment.save()
            # The audit log says that something arrived, never what or from where.
            record(logged_by, Action.CREATE, submission, fields=["payload"] + (["files"] if cleaned else []))
    except Exception:
        for name in written:
            files.delete(name)
        raise
    return submission


def do_log_contact(user: User, fields: dict[str, str], heard_via: str = "") -> Submission:
    """A first contact that came over a chat app or a call, typed in by staff: it goes
    through the same triage as the public form, with no receipt phrase."""
    return _store(fields, [], source=Source.STAFF, token_hash=None, numbers=None, logged_by=user, heard_via=heard_via)


def find_by_phrase(text: str) -> Submission:
    """The submission a receipt phrase belongs to (following merges); IntakeError or
    PhraseError when it is unknown or expired."""
    hashes = [phrases.phrase_hash(numbers) for numbers in phrases.readings(text)]
    submission = Submission.objects.filter(phrase_hash__in=hashes).first()
    if submission is None:
        raise IntakeError("unknown_phrase")
    if submission.phrase_expires_at and submission.phrase_expires_at < timezone.now():
        raise IntakeError("expired_phrase")
    return submission


def primary(submission: Submission) -> Submission:
    seen = set()
    while submission.merged_into_id and submission.pk not in seen:
        seen.add(submission.pk)
        submission = Submission.objects.get(pk=submission.merged_into_id)
    return submission


def do_add_follow_up(submission: Submission, message: str) -> FollowUp:
    key = keys.current_key()
    follow_up = FollowUp(submission=submission, uid=uuid.uuid4(), key=key)
    follow_up.payload = keys.seal(key, message.encode("utf-8"), follow_up.aad())
    with transaction.atomic():
        follow_up.save()
        # Shown in the triage queue again, whatever state the submission is in.
        Submission.objects.filter(pk__in={submission.pk, primary(submission).pk}).update(follow_up_pending=True)
    record(None, Action.CREATE, follow_up, fields=["payload"])
    return follow_up


def read_attachment(attachment: Attachment) -> bytes:
    return keys.open_for(attachment.key, files.read_blob(attachment.stored_name), attachment.aad())


# --- Triage ---------------------------------------------------------------------------------


def do_check_watch_list(submission: Submission, data: dict[str, Any]) -> int:
    """Compare a first contact (its decrypted ``data``) with the watch list, once."""
    created = watch.check_contact(submission, contact_record(data))
    Submission.objects.filter(pk=submission.pk).update(watch_checked=True)
    return created


def do_mark_follow_up_read(submission: Submission) -> None:
    """An officer has opened the submission since the sender last wrote."""
    Submission.objects.filter(pk=submission.pk).update(follow_up_pending=False)


@transaction.atomic
def do_set_state(user: User, submission: Submission, state: str, public_status: str | None = None) -> None:
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    submission.state = state
    if public_status:
        submission.public_status = public_status
    elif state == TriageState.REVIEWING and submission.public_status == PublicStatus.RECEIVED:
        submission.public_status = PublicStatus.REVIEWING
    submission.handled_by = user
    submission.handled_at = timezone.now()
    submission.save(update_fields=["state", "public_status", "handled_by", "handled_at"])
    record(user, Action.UPDATE, submission, fields=["state"] + (["public_status"] if public_status else []))


@transaction.atomic
def do_merge_submissions(user: User, primary_submission: Submission, duplicate: Submission) -> None:
    """A second message from the same sender: it is kept, shown under the first one."""
    # Both rows locked, in id order, so two opposite merges cannot make a cycle.
    list(Submission.objects.select_for_update().filter(pk__in=[primary_submission.pk, duplicate.pk]).order_by("pk"))
    if primary_submission.pk == duplicate.pk or primary(primary_submission).pk == duplicate.pk:
        raise IntakeError("merge_self")
    Submission.objects.filter(pk=duplicate.pk).update(
        merged_into=primary_submission,
        state=TriageState.MERGED,
        handled_by=user,
        handled_at=timezone.now(),
        public_status=primary_submission.public_status,
    )
    record(user, Action.MERGE, duplicate, fields=["merged_into"])


@transaction.atomic
def do_link(user: User, submission: Submission, person: Person, *, created: bool = False) -> None:
    """Attach the submission (and its files, re-encrypted under the vault) to a person."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.person_id is not None and submission.person_id != person.pk:
        raise IntakeError("linked")
    data = submission.read()
    submission.person = person
    submission.state = TriageState.LINKED
    if submission.public_status == PublicStatus.RECEIVED:
        submission.public_status = PublicStatus.REVIEWING
    submission.handled_by = user
    submission.handled_at = timezone.now()
    submission.save(update_fields=["person", "state", "public_status", "handled_by", "handled_at"])
    for attachment in submission.attachments.filter(moved_to__isnull=True):
        # Filed as documents, which need an approved true-name request to open: a photo
        # sent at first contact is often an ID card.
        document = do_add_document(user, person, read_attachment(attachment), "", DocumentKind.DOCUMENT)
        attachment.moved_to = document
        attachment.save(update_fields=["moved_to"])
        # The only copy is then the vault-encrypted one; kept until the move is committed.
        transaction.on_commit(partial(files.delete, attachment.stored_name))
    handle = (data.get("handle") or "").strip()
    if handle and not created:
        if data.get("channel") == "phone":
            handle = read_phone(handle) or handle  # else kept as typed, for an officer to correct
        known = {str(c.value) for c in person.contacts.all()}
        if handle not in known:
            ContactPoint.objects.create(person=person, kind=data.get("channel") or "other", value=handle)
            refresh_keys_and_watch(person)  # duplicate keys and the watch list see the new phone
    said = timeline.message(
        "intake.made_from" if created else "intake.linked",
        received=timezone.localtime(submission.received_at).date(),
        channel=data.get("channel") or "",
        source=submission.source,
    )
    PersonEvent.objects.create(person=person, kind=TIMELINE_INTAKE, message=said, actor=user)
    record(user, Action.UPDATE, submission, fields=["person"])


@transaction.atomic
def do_create_person_from_submission(
    user: User, submission: Submission, form: PersonForm, formsets: list[Any]
) -> Person:
    """A new person from a first contact: created and linked together, or neither."""
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.person_id is not None:
        raise IntakeError("linked")
    person = do_create_person(user, form, formsets)
    do_link(user, locked, person, created=True)
    return person


# Channels whose handle is a phone number.
PHONE_CHANNELS = frozenset({"phone", "signal", "whatsapp", "viber", "line"})


def contact_record(data: dict[str, Any]) -> Record:
    """What a first contact says, as the matcher sees a person (for the watch list and the
    people already on file who may be the same)."""
    phones = [data.get("handle", "")] if data.get("channel") in PHONE_CHANNELS else []
    fields = {
        "alias": data.get("name", ""),
        "service_number": data.get("service_number", ""),
        "force": data.get("force", ""),
        "unit": data.get("unit", ""),
    }
    return matching_record("intake", fields, phones)


def prefill(data: dict[str, Any]) -> dict[str, Any]:
    """Initial values of the person form from a submission."""
    initial: dict[str, Any] = {
        "alias": data.get("name", ""),
        "rank": data.get("rank", ""),
        "unit": data.get("unit", ""),
        "service_number": data.get("service_number", ""),
    }
    if data.get("force") in Force.values:
        initial["force"] = data["force"]
    return initial
