"""Writing and verifying the audit chain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection, models, transaction
from django.utils import timezone

from sanctuary.audit.models import GENESIS_HASH, Action, AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from sanctuary.accounts.models import User

# Any constant: the advisory lock that serialises appends on PostgreSQL.
_PG_LOCK_KEY = 7_356_221_001


def lock_chain() -> None:
    """Serialise appends so two writers never chain onto the same previous entry.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the IMMEDIATE transaction mode
    set in settings already holds the database write lock for the whole transaction.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def record(
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str = "",
    object_id: str | int = "",
    fields: Iterable[str] = (),
    username: str = "",
) -> AuditEntry:
    """Append one entry. ``fields`` are names of changed fields, never their values."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    actor_username = username or (actor.get_username() if actor is not None and actor.is_authenticated else "")
    # No savepoint of its own: an append either happens with the caller's transaction or the
    # whole transaction fails, so the savepoint would cost two queries for nothing.
    with transaction.atomic(savepoint=False):
        lock_chain()
        last = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
        entry = AuditEntry(
            seq=(last.seq + 1) if last else 1,
            at=timezone.now(),
            actor_id=actor_id,
            actor_username=actor_username[:150],
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            fields=sorted(set(fields)),
            prev_hash=last.hash if last else GENESIS_HASH,
        )
        entry.hash = entry.compute_hash()
        entry.save(force_insert=True)
        from sanctuary.audit.checkpoints import after_append  # it imports lock_chain from here

        after_append(entry)
    return entry


def record_list(
    actor: User | AnonymousUser | None,
    name: str,
    person_ids: Iterable[int],
    *,
    page: int = 1,
    searched: bool = False,
) -> AuditEntry:
    """One entry for one page of a list of people: which people it showed (their ids only:
    never an alias, never what was searched for), the list's name and the page number.
    A page that showed nobody is recorded too: an empty answer is an answer."""
    shown = [f"person:{int(pk)}" for pk in person_ids]
    return record(
        actor,
        Action.LIST,
        object_type=name[:64],
        object_id=int(page),
        fields=[*shown, *(["searched"] if searched else [])],
    )


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    pk: int | None
    reason: str

    def __str__(self) -> str:
        return f"audit entry #{self.seq} (row id {self.pk}): {self.reason}"


def verify_chain(batch_size: int = 5000) -> tuple[int, ChainProblem | None]:
    """Walk the chain in order; return (entries checked, first problem or None)."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    queryset = AuditEntry.objects.order_by("seq")
    # Iterate by seq in batches: constant memory on millions of entries.
    last_seq = 0
    while True:
        batch = list(queryset.filter(seq__gt=last_seq)[:batch_size])
        if not batch:
            break
        for entry in batch:
            if entry.seq != expected_seq:
                reason = (
                    "missing entry before this one (deleted?)" if entry.seq > expected_seq else "sequence out of order"
                )
                return checked, ChainProblem(int(entry.seq), entry.pk, reason)
            if entry.prev_hash != expected_prev:
                return checked, ChainProblem(
                    int(entry.seq), entry.pk, "does not follow the previous entry (deleted or reordered)"
                )
            if entry.compute_hash() != entry.hash:
                return checked, ChainProblem(int(entry.seq), entry.pk, "content does not match its hash (edited)")
            expected_prev = entry.hash
            expected_seq += 1
            checked += 1
        last_seq = batch[-1].seq
    return checked, None
