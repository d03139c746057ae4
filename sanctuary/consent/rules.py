"""The one question every sharing path asks: may this person's data be used or passed on
for this purpose, to this recipient, now?

:func:`require` reads the records every time (nothing is cached), and inside a transaction
it locks the record it relies on: a withdrawal saved a second earlier is seen, and one saved
while a referral is being written waits for it, so a withdrawal takes effect at once
everywhere. Modules that must act on a withdrawal (close open referrals to that partner)
register :func:`on_withdrawn`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from sanctuary.consent.models import NEEDS_RECIPIENT, Category, ConsentRecord, Purpose, Recipient, State
from sanctuary.lib.refusal import Refusal


class ConsentRefused(Refusal):
    messages = {
        "none": _(
            "There is no consent from this person for this: %(purpose)s, to %(recipient)s. "
            "Ask them, and record their answer first."
        ),
        "requested": _(
            "Consent for this was asked for but not given yet: %(purpose)s, to %(recipient)s. Nothing may be shared."
        ),
        "refused": _("This person refused consent for this: %(purpose)s, to %(recipient)s. Nothing may be shared."),
        "withdrawn": _(
            "This person withdrew their consent on %(date)s: %(purpose)s, to %(recipient)s. Nothing may be shared."
        ),
        "expired": _(
            "This person's consent expired on %(date)s: %(purpose)s, to %(recipient)s. Renew it with them first."
        ),
    }


_withdrawn: list[Callable[[ConsentRecord, Any], None]] = []


def on_withdrawn(listener: Callable[[ConsentRecord, Any], None]) -> None:
    """``listener(record, user)``, called inside the transaction of a withdrawal."""
    if listener not in _withdrawn:
        _withdrawn.append(listener)


def withdrawn(record: ConsentRecord, user: Any) -> None:
    for listener in _withdrawn:
        listener(record, user)


def _day(value: Any) -> str:
    return formats.date_format(value) if value else "—"


def _recipient_words(recipient: Recipient | None) -> str:
    return recipient.name if recipient is not None else str(Category.INTERNAL.label)


def find(person: Any, purpose: str, recipient: Recipient | None = None) -> ConsentRecord | None:
    """The record in force (a named recipient before a category), or None. No lock."""
    for record in _candidates(person, purpose, recipient, lock=False):
        if record.in_force:
            return record
    return None


def _candidates(person: Any, purpose: str, recipient: Recipient | None, lock: bool) -> list[ConsentRecord]:
    rows = ConsentRecord.objects.filter(person_id=person.pk, purpose=purpose).select_related("recipient")
    if lock and transaction.get_connection().in_atomic_block:
        rows = rows.select_for_update(of=("self",))
    found = [r for r in rows.order_by("-requested_at", "-pk") if r.covers(recipient)]
    found.sort(key=lambda r: r.recipient_id is None)  # named before category; stable: newest first
    return found


def require(person: Any, purpose: str, recipient: Recipient | None = None) -> ConsentRecord:
    """The record that allows this use now, or :class:`ConsentRefused` saying why not."""
    if purpose in NEEDS_RECIPIENT and recipient is None:
        raise ValueError(f"consent for {purpose} always names its recipient")
    records = _candidates(person, purpose, recipient, lock=True)
    for record in records:
        if record.in_force:
            return record
    words = {"purpose": Purpose(purpose).label, "recipient": _recipient_words(recipient)}
    if not records:
        raise ConsentRefused("none", **words)
    latest = max(records, key=lambda r: (r.requested_at, r.pk))
    state = latest.effective_state
    if state == State.EXPIRED:
        raise ConsentRefused("expired", date=_day(latest.expires_on), **words)
    if state == State.WITHDRAWN:
        raise ConsentRefused("withdrawn", date=_day(latest.withdrawn_on), **words)
    if state == State.REFUSED:
        raise ConsentRefused("refused", **words)
    if state == State.REQUESTED:
        raise ConsentRefused("requested", **words)
    raise ConsentRefused("none", **words)  # given with a date still to come
