"""The watch list, vetting's side: someone rejected or flagged who comes back, under another
name or through another door, raises an alert for the vetting team.

Comparison is by the duplicate finder's blind-indexed blocking keys (phone, NRC, service
number, name keys paired with a birth date or an identifier), so it works on encrypted data
and never compares a name in clear. The core calls it through ``sanctuary.people.watch``
(registered in ``vetting/module.py``), so no other app imports vetting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from sanctuary.matching.actions import candidates_for
from sanctuary.matching.records import record_for
from sanctuary.people.models import Person
from sanctuary.vetting.models import WatchAlert
from sanctuary.vetting.rules import is_watched

if TYPE_CHECKING:
    from sanctuary.linkage.records import Record


def alert(watched_id: int, rules: list[str], *, person_id: int | None = None, submission: Any = None) -> bool:
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


class VettingWatchList:
    """What ``sanctuary.people.watch`` does once vetting is installed."""

    def check_person(self, person: Person) -> int:
        """Alerts for this person against the watch list, or, when they are on it, for
        everyone on file who shares a key with them. Returns the number of new alerts."""
        fresh = Person.objects.prefetch_related("contacts").get(pk=person.pk)
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

    def check_contact(self, contact: Any, record: Record) -> int:
        """Alerts for a first contact (``contact`` is the intake submission)."""
        candidates = candidates_for(record)
        watched = is_watched([pk for pk, _rules in candidates])
        return sum(alert(pk, rules, submission=contact) for pk, rules in candidates if pk in watched)

    def open_alerts_for_contact(self, contact: Any) -> int:
        return WatchAlert.objects.filter(submission=contact, resolved_at__isnull=True).count()

    def pair_found(self, a: int, b: int, rules: list[str]) -> None:
        """A likely duplicate of someone rejected or flagged alerts the vetting team too."""
        watched = is_watched([a, b])
        for one, other in ((a, b), (b, a)):
            if one in watched:
                alert(one, rules, person_id=other)


def check_person(person: Person) -> int:
    return VettingWatchList().check_person(person)
