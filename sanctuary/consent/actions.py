"""Every write of consent: recording, answering, withdrawing and renewing a record.

Each is one transaction with an event in the record's history and an audit entry (field
names only). Nothing is ever deleted. A withdrawal locks the record, so a sharing action
that asked :func:`sanctuary.consent.require` a moment earlier either finished before it or
waits and then finds the consent gone; listeners (``rules.on_withdrawn``) close what was
still open for that recipient in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.consent import rules
from sanctuary.consent.models import (
    NEEDS_RECIPIENT,
    Category,
    ConsentEvent,
    ConsentRecord,
    GivenBy,
    Purpose,
    Recipient,
    State,
)
from sanctuary.lib.bounds import CONSENT_GIVEN, REFUSALS, refuse_outside
from sanctuary.lib.refusal import Refusal
from sanctuary.people.actions import do_add_document
from sanctuary.people.models import DocumentKind, PersonDocument

if TYPE_CHECKING:
    from sanctuary.accounts.models import User
    from sanctuary.people.models import Person


class ConsentRuleError(Refusal):
    messages = {
        "final": _("This record is closed (refused, withdrawn or renewed): record a new consent instead."),
        "not_requested": _("Only a consent that was asked for and not answered yet can be answered."),
        "not_given": _("Only a consent that was given can be withdrawn or renewed."),
        "given_needs_method": _("Say how the consent was given: spoken, signed or thumbprint."),
        "given_needs_date": _("Give the date the consent was given."),
        "relative_needs_name": _("A relative gave it: write their name and why they gave it."),
        "needs_named": _("This purpose needs a partner organisation or a category of partners, not our staff alone."),
        "public_only_statistics": _("Only statistics go to the public, and only as anonymous numbers."),
        "expiry_before_given": _("The expiry date is before the date the consent was given."),
        "retention_before_given": _("The record must be kept at least until the consent ends."),
        "future": _("The date given cannot be in the future."),
        "withdrawn_before_given": _("The withdrawal date is before the consent was given."),
        "inactive_recipient": _("This partner is no longer in use: choose another one."),
        "needs_disclosure": _(
            "Testimony: ask whether the person's name may be disclosed to a court (yes, no, or ask again)."
        ),
        "recipient_fixed": _(
            "Consents name this partner as it is: its name and kind cannot change. Add a new partner instead."
        ),
        **REFUSALS,
    }


@dataclass
class Answer:
    """What was answered: the state and, for a given consent, how and for how long."""

    state: str  # State.GIVEN, State.REFUSED or State.REQUESTED
    given_on: date | None = None
    expires_on: date | None = None
    method: str = ""
    given_by: str = GivenBy.PERSON
    relative_name: str = ""
    relative_relation: str = ""
    relative_reason: str = ""
    scan: bytes | None = None
    name_disclosure: str = ""  # testimony: NameDisclosure


def _event(consent: ConsentRecord, before: str, actor: User) -> None:
    ConsentEvent.objects.create(record=consent, from_state=before, to_state=consent.state, by=actor)


def _check_answer(answer: Answer) -> None:
    if answer.state == State.GIVEN:
        if answer.given_on is None:
            raise ConsentRuleError("given_needs_date")
        if answer.given_on > timezone.localdate():
            raise ConsentRuleError("future")
        if not answer.method:
            raise ConsentRuleError("given_needs_method")
        if answer.expires_on is not None and answer.expires_on < answer.given_on:
            raise ConsentRuleError("expiry_before_given")
    if answer.given_by == GivenBy.RELATIVE and not (answer.relative_name.strip() and answer.relative_reason.strip()):
        raise ConsentRuleError("relative_needs_name")


def _apply_answer(actor: User, consent: ConsentRecord, answer: Answer) -> list[str]:
    consent.state = answer.state
    consent.given_by = answer.given_by
    consent.relative_name = answer.relative_name if answer.given_by == GivenBy.RELATIVE else ""
    consent.relative_relation = answer.relative_relation if answer.given_by == GivenBy.RELATIVE else ""
    consent.relative_reason = answer.relative_reason if answer.given_by == GivenBy.RELATIVE else ""
    consent.method = answer.method
    if consent.purpose == Purpose.TESTIMONY:
        if answer.state == State.GIVEN and not answer.name_disclosure:
            raise ConsentRuleError("needs_disclosure")
        consent.name_disclosure = answer.name_disclosure
    if answer.state == State.GIVEN:
        consent.given_on, consent.expires_on = answer.given_on, answer.expires_on
    if answer.state != State.REQUESTED:
        consent.answered_at = timezone.now()
    if consent.expires_on and consent.retain_until < consent.expires_on:
        raise ConsentRuleError("retention_before_given")
    fields = ["state", "given_by", "method", "given_on", "expires_on"]
    if consent.purpose == Purpose.TESTIMONY:
        fields.append("name_disclosure")
    if consent.given_by == GivenBy.RELATIVE:
        fields += ["relative_name", "relative_relation", "relative_reason"]
    if answer.scan:
        consent.scan = _store_scan(actor, consent.person, answer.scan, consent.purpose)
        fields.append("scan")
    return fields


def _store_scan(actor: User, person: Person, data: bytes, purpose: str) -> PersonDocument:
    return do_add_document(actor, person, data, str(Purpose(purpose).label), kind=DocumentKind.CONSENT)


def _check_recipient(purpose: str, recipient: Recipient | None, category: str) -> None:
    if recipient is not None and not recipient.active:
        raise ConsentRuleError("inactive_recipient")
    if purpose in NEEDS_RECIPIENT and recipient is None and category in ("", Category.INTERNAL, Category.PUBLIC):
        raise ConsentRuleError("needs_named")
    if category == Category.PUBLIC and purpose != Purpose.STATISTICS:
        raise ConsentRuleError("public_only_statistics")


@transaction.atomic
def do_record_consent(
    actor: User,
    person: Person,
    *,
    purpose: str,
    recipient: Recipient | None,
    category: str,
    notice_version: str,
    notice_language: str,
    retain_until: date,
    answer: Answer,
    note: str = "",
) -> ConsentRecord:
    """A new record: asked only (requested), or asked and answered at once."""
    _check_recipient(purpose, recipient, category)
    _check_answer(answer)
    consent = ConsentRecord(
        person=person,
        purpose=purpose,
        recipient=recipient,
        category="" if recipient is not None else category,
        notice_version=notice_version,
        notice_language=notice_language,
        retain_until=retain_until,
        note=note,
        recorded_by=actor,
    )
    fields = _apply_answer(actor, consent, answer)
    consent.save()
    ConsentEvent.objects.create(record=consent, from_state="", to_state=State.REQUESTED, by=actor)
    if consent.state != State.REQUESTED:
        _event(consent, State.REQUESTED, actor)
    extra = ["note"] if note else []
    record(actor, Action.CREATE, consent, fields=["purpose", "recipient", "notice_version", *fields, *extra])
    if consent.state == State.REFUSED:  # a later "no" ends what an earlier "yes" allowed
        rules.withdrawn(consent, actor)
    return consent


def _locked(consent: ConsentRecord) -> ConsentRecord:
    return ConsentRecord.objects.select_for_update().get(pk=consent.pk)


@transaction.atomic
def do_answer_consent(actor: User, consent: ConsentRecord, answer: Answer) -> ConsentRecord:
    """A requested record gets its answer: given or refused."""
    consent = _locked(consent)
    if consent.is_final:
        raise ConsentRuleError("final")
    if consent.state != State.REQUESTED or answer.state not in (State.GIVEN, State.REFUSED):
        raise ConsentRuleError("not_requested")
    _check_answer(answer)
    fields = _apply_answer(actor, consent, answer)
    consent.save()
    _event(consent, State.REQUESTED, actor)
    record(actor, Action.STATUS, consent, fields=fields)
    if consent.state == State.REFUSED:
        rules.withdrawn(consent, actor)
    return consent


@transaction.atomic
def do_withdraw_consent(actor: User, consent: ConsentRecord, *, withdrawn_on: date, reason: str = "") -> ConsentRecord:
    """Withdrawn at once, everywhere: the listeners close what depended on it."""
    refuse_outside(withdrawn_on, CONSENT_GIVEN, ConsentRuleError)
    consent = _locked(consent)
    if consent.is_final:
        raise ConsentRuleError("final")
    if consent.state != State.GIVEN:
        raise ConsentRuleError("not_given")
    if consent.given_on and withdrawn_on < consent.given_on:
        raise ConsentRuleError("withdrawn_before_given")
    if withdrawn_on > timezone.localdate():
        raise ConsentRuleError("future")
    consent.state, consent.withdrawn_on, consent.withdraw_reason = State.WITHDRAWN, withdrawn_on, reason
    consent.save()
    _event(consent, State.GIVEN, actor)
    record(actor, Action.STATUS, consent, fields=["state", "withdrawn_on", *(["withdraw_reason"] if reason else [])])
    rules.withdrawn(consent, actor)
    return consent


@transaction.atomic
def do_renew_consent(
    actor: User,
    consent: ConsentRecord,
    *,
    notice_version: str,
    notice_language: str,
    retain_until: date,
    answer: Answer,
) -> ConsentRecord:
    """A given record (in force or expired) is replaced by a new one for the same purpose and
    recipients; the old one is kept, marked renewed, and points to its successor."""
    consent = _locked(consent)
    if consent.is_final:
        raise ConsentRuleError("final")
    if consent.state != State.GIVEN:
        raise ConsentRuleError("not_given")
    if answer.state != State.GIVEN:
        raise ConsentRuleError("given_needs_method")
    _check_answer(answer)
    renewal = ConsentRecord(
        person=consent.person,
        purpose=consent.purpose,
        recipient=consent.recipient,
        category=consent.category,
        notice_version=notice_version,
        notice_language=notice_language,
        retain_until=retain_until,
        renews=None,
        recorded_by=actor,
    )
    fields = _apply_answer(actor, renewal, answer)
    consent.state = State.RENEWED
    consent.save(update_fields=["state"])
    _event(consent, State.GIVEN, actor)
    renewal.renews = consent
    renewal.save()
    ConsentEvent.objects.create(record=renewal, from_state="", to_state=State.GIVEN, by=actor)
    record(actor, Action.STATUS, consent, fields=["state"])
    record(actor, Action.CREATE, renewal, fields=["renews", "notice_version", *fields])
    return renewal


@transaction.atomic
def do_save_recipient(actor: User, recipient: Recipient, changed: list[str]) -> Recipient:
    """A partner's name and kind are what consents name: once a consent refers to the partner
    (by name, or by its kind as a category), they stay; add a new partner instead."""
    created = recipient.pk is None
    if not created and {"name", "kind"} & set(changed):
        before = Recipient.objects.select_for_update().get(pk=recipient.pk)
        named = ConsentRecord.objects.filter(recipient=before).exists()
        by_kind = "kind" in changed and ConsentRecord.objects.filter(category=before.kind).exists()
        if named or by_kind:
            raise ConsentRuleError("recipient_fixed")
    recipient.save()
    record(actor, Action.CREATE if created else Action.UPDATE, recipient, fields=changed)
    return recipient


def default_retention(given_on: date | None = None) -> date:
    """Records are kept ten years from when they were made, unless the organisation says more."""
    from django.conf import settings

    start = given_on or timezone.localdate()
    years = int(getattr(settings, "CONSENT_RETENTION_YEARS", 10))
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def merge_consents(merge: Any) -> None:
    """Consents of the folded record belong to the kept one: all of them, as history."""
    merge.move(ConsentRecord.objects.all())
