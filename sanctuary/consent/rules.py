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
    """The record that allows this use now, or None. No lock."""
    allowed, _reason = _decide(_records(person, purpose, lock=False), recipient)
    return allowed


def _records(person: Any, purpose: str, lock: bool) -> list[ConsentRecord]:
    """Every record of this person and purpose, newest first; locked inside a transaction, so
    a withdrawal waits for a sharing action that relied on a record, and the other way round."""
    rows = ConsentRecord.objects.filter(person_id=person.pk, purpose=purpose).select_related("recipient")
    if lock and transaction.get_connection().in_atomic_block:
        rows = rows.select_for_update(of=("self",))
    return list(rows.order_by("-requested_at", "-pk"))


# States that decide; a record only asked (no answer yet) or replaced by a renewal does not.
DECISIVE = (State.GIVEN, State.EXPIRED, State.REFUSED, State.WITHDRAWN)
VETO = (State.REFUSED, State.WITHDRAWN)


def _newest_decisive(records: list[ConsentRecord]) -> ConsentRecord | None:
    return next((r for r in records if r.effective_state in DECISIVE), None)


def _decide(records: list[ConsentRecord], recipient: Recipient | None) -> tuple[ConsentRecord | None, Any]:
    """(the record that allows it, or None with the record that explains why not).

    The newest answer decides, never an older one still lying around: a later refusal or
    withdrawal ends an earlier consent for the same recipients. A named partner is decided by
    the records naming it first — its refusal or withdrawal vetoes any category that would
    cover it ("any clinic, but not that one") — then by the records of its category. Internal
    use (no recipient) is decided only by records for our staff or for anonymous numbers.
    """
    if recipient is None:
        levels = [[r for r in records if r.recipient_id is None and r.category in (Category.INTERNAL, Category.PUBLIC)]]
    else:
        levels = [
            [r for r in records if r.recipient_id == recipient.pk],
            [r for r in records if r.recipient_id is None and r.category == recipient.kind],
        ]
    explain: ConsentRecord | None = None
    for level in levels:
        newest = _newest_decisive(level)
        if newest is None:
            explain = explain or next(iter(level), None)
            continue
        if newest.in_force:
            return newest, None
        if newest.effective_state in VETO:
            return None, newest
        explain = explain or newest  # expired, or given from a day still to come: look wider
    return None, explain


def require(person: Any, purpose: str, recipient: Recipient | None = None) -> ConsentRecord:
    """The record that allows this use now, or :class:`ConsentRefused` saying why not."""
    if purpose in NEEDS_RECIPIENT and recipient is None:
        raise ValueError(f"consent for {purpose} always names its recipient")
    allowed, reason = _decide(_records(person, purpose, lock=True), recipient)
    if allowed is not None:
        return allowed
    words = {"purpose": Purpose(purpose).label, "recipient": _recipient_words(recipient)}
    state = reason.effective_state if reason is not None else ""
    if reason is not None and state == State.EXPIRED:
        raise ConsentRefused("expired", date=_day(reason.expires_on), **words)
    if reason is not None and state == State.WITHDRAWN:
        raise ConsentRefused("withdrawn", date=_day(reason.withdrawn_on), **words)
    if state == State.REFUSED:
        raise ConsentRefused("refused", **words)
    if state == State.REQUESTED:
        raise ConsentRefused("requested", **words)
    raise ConsentRefused("none", **words)


def in_force_for(people: Any, purpose: str, on: Any = None) -> Any:
    """The people of ``people`` whose consent for ``purpose``, for internal use or anonymous
    numbers (no named recipient), is in force on ``on`` (today): decided as :func:`require`
    decides for one person (the newest given, refused or withdrawn record decides; given and
    not expired allows), in one query over clear columns, for counting many people at once
    (statistics). Nothing is decrypted and nothing is locked."""
    from django.db.models import OuterRef, Q, Subquery
    from django.utils import timezone

    day = on or timezone.localdate()
    newest = ConsentRecord.objects.filter(
        person=OuterRef("pk"),
        purpose=purpose,
        recipient__isnull=True,
        category__in=(Category.INTERNAL, Category.PUBLIC),
        state__in=(State.GIVEN, State.REFUSED, State.WITHDRAWN),
    ).order_by("-requested_at", "-pk")
    allowing = ConsentRecord.objects.filter(state=State.GIVEN, given_on__lte=day).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=day)
    )
    return people.annotate(_deciding=Subquery(newest.values("pk")[:1])).filter(_deciding__in=allowing.values("pk"))
