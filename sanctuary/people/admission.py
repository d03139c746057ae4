"""Who may be housed, paid or sent on a journey: one question every stage asks here.

The answer is vetting's: ``sanctuary/vetting/module.py`` registers its rule at startup
(:func:`register`), so the person model, shelter, stipends and journeys ask through this one
narrow interface and never import vetting. Without a registered rule nobody is admissible:
the rule fails closed.

The rule has three parts, each asked where it is needed:

- :func:`admission_block` (one person: ``Person.save``, ``Stay.save``, ``Enrollment.save``,
  ``Journey.save``, the person page), and :func:`ensure_admissible` which raises;
- :func:`admissible` (a queryset: waitlists, payment runs), the same rule as a query;
- :func:`must_room_alone` (shelter's house rules: people who may be housed, but only alone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from sanctuary.lib.refusal import Refusal

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from sanctuary.people.models import Person


class NotAdmissible(Refusal):
    messages = {
        "rejected": _("This person was rejected in vetting: they cannot be housed, paid or sent on a journey."),
        "flagged": _("This person has an open risk flag: clear it in vetting first."),
        "not_accepted": _("This person has not been accepted in vetting by two officers yet."),
        "no_rule": _("No admission rule is installed: nobody can be housed, paid or sent on a journey."),
    }


@dataclass(frozen=True)
class AdmissionRule:
    block: Callable[[Person], str | None]  # a NotAdmissible code, or None
    admissible: Callable[[QuerySet[Person]], QuerySet[Person]]
    must_room_alone: Callable[[Iterable[int]], set[int]]


_rule: AdmissionRule | None = None


def register(rule: AdmissionRule) -> None:
    global _rule
    _rule = rule


def admission_block(person: Person) -> str | None:
    """Why this person cannot be housed, paid or sent on a journey, or None when they can."""
    if _rule is None:
        return "no_rule"
    return _rule.block(person)


def ensure_admissible(person: Person) -> None:
    code = admission_block(person)
    if code is not None:
        raise NotAdmissible(code)


def admissible(people: QuerySet[Person]) -> QuerySet[Person]:
    return people.none() if _rule is None else _rule.admissible(people)


def must_room_alone(person_ids: Iterable[int]) -> set[int]:
    """Of these people, those who may be housed only in a room to themselves."""
    ids = list(person_ids)
    return set(ids) if _rule is None else _rule.must_room_alone(ids)
