"""The only way into counselling notes: writing one, and reading one after checking who asks.

Text is encrypted under the counselling scope (``vault.state.scope_cipher``), with associated
data binding it to its table, row and person, so a note copied to another row or person does
not open. :func:`read` checks on every call that the reader holds a counsellor's role and may
see the person, or holds an emergency grant approved by a second person and not yet expired.
Each read under a grant is audited and counted on the grant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.models import Role
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.care.models import CounsellingNote, EmergencyAccess, counsellor_roles
from sanctuary.lib.refusal import Refusal
from sanctuary.people.models import Person
from sanctuary.vault import crypto, state

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

SCOPE = "counselling"


class NoteRefused(Refusal):
    messages = {
        "scope": _(
            "Counselling notes are open only to counsellors. Managers and directors see that sessions happened, "
            "never what was said; in an emergency a counsellor lead and a director can open them together."
        ),
        "sealed": _("The vault is sealed: notes cannot be read or written until key holders unseal it."),
    }


def _aad(note: CounsellingNote) -> bytes:
    return crypto.aad_for(note._meta.db_table, "body", str(note.uid), str(note.person.uid))


def seal_body(note: CounsellingNote, text: str) -> None:
    """Encrypt ``text`` into a new note (before it is saved)."""
    try:
        cipher = state.scope_cipher(SCOPE)
    except state.VaultSealed:
        raise NoteRefused("sealed") from None
    note.body = cipher.encrypt(text.encode("utf-8"), _aad(note), prefix=crypto.BOUND_PREFIX)


def grant_for(user: User, person: Person) -> EmergencyAccess | None:
    """The user's emergency access to this person's notes, approved and not expired."""
    return (
        EmergencyAccess.objects.filter(
            person=person, requested_by=user, approved_at__isnull=False, expires_at__gt=timezone.now()
        )
        .order_by("-approved_at")
        .first()
    )


def _as_counsellor(user: User, person: Person) -> bool:
    """A counsellor of the person's teams. A director never reads as a counsellor, even one
    who also holds a counsellor's role: directors open notes only with a second person."""
    if not user.is_authenticated or Role.DIRECTOR in user.roles or not counsellor_roles(user):
        return False
    return Person.objects.visible_to(user).filter(pk=person.pk).exists()


def may_read(user: User, person: Person) -> bool:
    return _as_counsellor(user, person) or grant_for(user, person) is not None


def read(user: User, note: CounsellingNote) -> str:
    """The note's text for this user, or ``NoteRefused``. Checked on every read."""
    return read_all(user, note.person, [note])[0]


def read_all(user: User, person: Person, found: list[CounsellingNote]) -> list[str]:
    """The texts of these notes of one person: who may read is checked once, now; under an
    emergency grant the read is counted and audited."""
    grant = None
    if not _as_counsellor(user, person):
        grant = grant_for(user, person)
        if grant is None:
            raise NoteRefused("scope")
    try:
        cipher = state.scope_cipher(SCOPE)
    except state.VaultSealed:
        raise NoteRefused("sealed") from None
    texts = []
    for note in found:
        if note.person_id != person.pk:
            raise NoteRefused("scope")
        texts.append(cipher.decrypt(note.body, _aad(note)).decode("utf-8"))
    if grant is not None and found:
        with transaction.atomic():
            EmergencyAccess.objects.filter(pk=grant.pk).update(reads=F("reads") + 1)
            for note in found:
                record(user, Action.VIEW, note, fields=["body"])
    return texts


def open_for_merge(note: CounsellingNote) -> str:
    """The text of a note being moved by a merge, to encrypt it again for the kept person.
    Only ``care.actions.merge_care`` calls this, inside the merge's transaction; the text
    never leaves that function."""
    return state.scope_cipher(SCOPE).decrypt(note.body, _aad(note)).decode("utf-8")
