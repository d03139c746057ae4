"""Is the missing relative perhaps someone already in our records?

The sought relative's name and home village are compared with the people on file by the
Burmese-aware matcher (``sanctuary.matching``: phonetic name keys in both scripts, under
keyed HMACs), inside the server, only while the vault is unsealed and only while the
person's consent for tracing is in force. Nothing is published, exported or sent anywhere.

A match says that someone's **true** name and hometown are those of the relative: it
discloses that person's identity. So a candidate is shown by case code only when the user
also holds an active true-identity grant on them (and that is audited as
``identity_viewed``); the others are only counted ("a director can review them"). The audit
entry of the search names the fields compared, never their values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils import timezone

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.consent.models import Purpose
from sanctuary.consent.rules import find as find_consent
from sanctuary.matching.actions import candidates_for
from sanctuary.matching.records import matching_record
from sanctuary.people.models import IdentityRequest, IdentityRequestStatus, Person
from sanctuary.vault import state

if TYPE_CHECKING:
    from sanctuary.accounts.models import User
    from sanctuary.family.models import Relative

SHOWN = 10


@dataclass(frozen=True)
class Matches:
    """Candidates the user may know by case code (a grant on each), and how many others."""

    shown: list[Person] = field(default_factory=list)
    others: int = 0


def likely_people(user: User, relative: Relative) -> Matches | None:
    """People on file who may be this relative, best first; None while the vault is sealed or
    without the person's consent for tracing."""
    if state.is_sealed() or find_consent(relative.person, Purpose.TRACING) is None:
        return None
    found = matching_record(f"relative:{relative.pk}", {"true_name": relative.name, "hometown": relative.village})
    ranked = [pk for pk, _rules in candidates_for(found, exclude=relative.person_id)]
    record(user, Action.SEARCH, relative, fields=["name", "village"])
    if not ranked:
        return Matches()
    visible = {
        p.pk: p for p in Person.objects.visible_to(user).filter(pk__in=ranked[: SHOWN * 5]).only("pk", "case_code")
    }
    granted = set(
        IdentityRequest.objects.filter(
            requester=user,
            person_id__in=list(visible),
            status=IdentityRequestStatus.APPROVED,
            expires_at__gt=timezone.now(),
        ).values_list("person_id", flat=True)
    )
    shown = [visible[pk] for pk in ranked if pk in granted][:SHOWN]
    for person in shown:
        record(user, Action.IDENTITY_VIEWED, person, fields=["true_name", "hometown"])
    return Matches(shown=shown, others=len(ranked) - len(shown))
