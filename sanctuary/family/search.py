"""Is the missing relative perhaps someone already in our records?

The sought relative's name and home village are compared with the people on file by the
Burmese-aware matcher (``sanctuary.matching``: phonetic name keys in both scripts, under
keyed HMACs), inside the server and only while the vault is unsealed. Nothing is published,
exported or sent anywhere; the answer is shown by case code, only for people the user may
see (the relative's person was already fetched through the user's access), and the audit
entry names the fields compared, never their values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.matching.actions import candidates_for
from sanctuary.matching.records import matching_record
from sanctuary.people.models import Person
from sanctuary.vault import state

if TYPE_CHECKING:
    from sanctuary.accounts.models import User
    from sanctuary.family.models import Relative

SHOWN = 10


def likely_people(user: User, relative: Relative) -> list[Person] | None:
    """People on file who may be this relative, best first; None while the vault is sealed."""
    if state.is_sealed():
        return None
    found = matching_record(f"relative:{relative.pk}", {"true_name": relative.name, "hometown": relative.village})
    ranked = [pk for pk, _rules in candidates_for(found, exclude=relative.person_id)]
    record(user, Action.SEARCH, relative, fields=["name", "village"])
    if not ranked:
        return []
    visible = {
        p.pk: p for p in Person.objects.visible_to(user).filter(pk__in=ranked[: SHOWN * 5]).only("pk", "case_code")
    }
    return [visible[pk] for pk in ranked if pk in visible][:SHOWN]
