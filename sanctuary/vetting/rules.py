"""Who may be housed, paid or sent on a journey: vetting's admission rule.

A person is admissible when two vetting officers accepted them (the latest confirmed
decision is "accept"), they are not rejected, and no blocking risk flag is open. The rule is
registered at startup on the core's one interface for it (``sanctuary.people.admission``,
see ``vetting/module.py``): the person, stay, enrollment and journey models ask there when
they save, so the rule holds whatever the screen, and no other stage imports vetting.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet

from sanctuary.people.models import Person, Status
from sanctuary.vetting.models import BLOCKING_FLAGS, DecisionState, FlagKind, Outcome, RiskFlag, VettingDecision


def latest_outcome(person: Person) -> str | None:
    return (
        VettingDecision.objects.filter(person_id=person.pk, state=DecisionState.CONFIRMED)
        .order_by("-second_at", "-id")
        .values_list("outcome", flat=True)
        .first()
    )


def open_blocking_flags(person: Person) -> bool:
    return RiskFlag.objects.filter(person_id=person.pk, cleared_at__isnull=True, kind__in=BLOCKING_FLAGS).exists()


def admission_block(person: Person) -> str | None:
    """Why this person cannot be housed or paid (a ``NotAdmissible`` code), or None."""
    if person.pk is None:
        return "not_accepted"
    outcome = latest_outcome(person)
    if person.status == Status.REJECTED or outcome == Outcome.REJECTED:
        return "rejected"
    if open_blocking_flags(person):
        return "flagged"
    if outcome != Outcome.ACCEPTED:
        return "not_accepted"
    return None


def is_watched(person_ids: list[int]) -> set[int]:
    """Which of these people are on the watch list: rejected (by status or by their latest
    confirmed decision), or with any open flag."""
    if not person_ids:
        return set()
    rejected = set(Person.objects.filter(pk__in=person_ids, status=Status.REJECTED).values_list("pk", flat=True))
    latest: dict[int, str] = {}
    confirmed = VettingDecision.objects.filter(person_id__in=person_ids, state=DecisionState.CONFIRMED)
    for person_id, outcome in confirmed.order_by("second_at", "id").values_list("person_id", "outcome"):
        latest[person_id] = outcome
    rejected |= {pk for pk, outcome in latest.items() if outcome == Outcome.REJECTED}
    flagged = set(
        RiskFlag.objects.filter(person_id__in=person_ids, cleared_at__isnull=True).values_list("person_id", flat=True)
    )
    return rejected | flagged


def admissible(people: QuerySet[Person]) -> QuerySet[Person]:
    """The same rule as ``admission_block``, as a query for whole lists (waitlists, payment
    runs): latest confirmed decision "accept", not rejected, no blocking flag open.

    "Latest accepted" is written as "an accepted decision with no later confirmed one"
    (EXISTS / NOT EXISTS, index lookups per person) rather than an "ORDER BY … LIMIT 1"
    value compared inside IN (…), which PostgreSQL cannot turn into a join: 10 s instead
    of well under one for 20,000 people."""
    later = VettingDecision.objects.filter(person=OuterRef("person"), state=DecisionState.CONFIRMED).filter(
        Q(second_at__gt=OuterRef("second_at")) | Q(second_at=OuterRef("second_at"), pk__gt=OuterRef("pk"))
    )
    latest_accepted = VettingDecision.objects.filter(
        person=OuterRef("pk"), state=DecisionState.CONFIRMED, outcome=Outcome.ACCEPTED
    ).exclude(Exists(later))
    blocking = RiskFlag.objects.filter(person=OuterRef("pk"), cleared_at__isnull=True, kind__in=BLOCKING_FLAGS)
    return people.exclude(status=Status.REJECTED).filter(Exists(latest_accepted)).exclude(Exists(blocking))


def must_room_alone(person_ids: Iterable[int]) -> set[int]:
    """People with an open "dangerous to house with others" flag: housed, but only alone."""
    flagged = RiskFlag.objects.filter(person_id__in=list(person_ids), kind=FlagKind.DANGEROUS, cleared_at__isnull=True)
    return set(flagged.values_list("person_id", flat=True))
