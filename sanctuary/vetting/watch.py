"""The watch list: someone rejected or flagged who comes back, under another name or through
another door, raises an alert for the vetting team.

Comparison is by the duplicate finder's blind-indexed blocking keys (phone, NRC, service
number, name keys paired with a birth date or an identifier), so it works on encrypted data
and never compares a name in clear.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from sanctuary.vetting.models import WatchAlert
from sanctuary.vetting.rules import is_watched

if TYPE_CHECKING:
    from sanctuary.intake.models import Submission
    from sanctuary.linkage.records import Record
    from sanctuary.people.models import Person


def alert(
    watched_id: int, rules: list[str], *, person_id: int | None = None, submission: Submission | None = None
) -> bool:
    lookup: dict[str, Any] = {"watched_id": watched_id}
    if person_id is not None:
        lookup["person_id"] = person_id
    else:
        lookup["submission"] = submission
    if WatchAlert.objects.filter(**lookup).exists():
        return False
    try:
        with transaction.atomic():
            WatchAlert.objects.create(rules=sorted(set(rules)), **lookup)
    except IntegrityError:  # raised by a concurrent check a moment ago
        return False
    return True


def check_person(person: Person) -> int:
    """Alerts for this person against the watch list, or, when they are on it, for
    everyone on file who shares a key with them. Returns the number of new alerts."""
    from sanctuary.matching.actions import candidates_for, record_for
    from sanctuary.people.models import Person as PersonModel

    fresh = PersonModel.objects.prefetch_related("contacts").get(pk=person.pk)
    candidates = candidates_for(record_for(fresh), exclude=fresh.pk)
    if not candidates:
        return 0
    watched = is_watched([fresh.pk, *(pk for pk, _rules in candidates)])
    created = 0
    for other, rules in candidates:
        if fresh.pk in watched:
            created += alert(fresh.pk, rules, person_id=other)
        if other in watched:
            created += alert(other, rules, person_id=fresh.pk)
    return created


def check_submission(submission: Submission, data: dict[str, str]) -> int:
    """Alerts for a first contact (decrypted ``data``) against the watch list."""
    from sanctuary.matching.actions import candidates_for

    candidates = candidates_for(record_for_submission(data))
    watched = is_watched([pk for pk, _rules in candidates])
    created = sum(alert(pk, rules, submission=submission) for pk, rules in candidates if pk in watched)
    type(submission).objects.filter(pk=submission.pk).update(watch_checked=True)
    return created


def record_for_submission(data: dict[str, str]) -> Record:
    from sanctuary.linkage.records import Record

    phone = data.get("handle", "") if data.get("channel") in {"phone", "signal", "whatsapp", "viber", "line"} else ""
    return Record(
        record_id="intake",
        name=data.get("name", ""),
        service_number=data.get("service_number", ""),
        force=data.get("force", ""),
        unit=data.get("unit", ""),
        phone=phone,
    )
