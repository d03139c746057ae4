"""The audit log is a hash chain: any edit, deletion or reordering is found and named."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from sanctuary.audit.log import record, verify_chain
from sanctuary.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db


@contextmanager
def tamper_allowed() -> Iterator[None]:
    """Play the attacker who owns the database: switch off PostgreSQL's append-only triggers
    on the entries and the checkpoints."""
    tables = ("audit_auditentry", "audit_checkpoint")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    else:
        yield


def _chain(n: int = 5) -> list[AuditEntry]:
    return [record(None, Action.VIEW, object_type="people.person", object_id=i, fields=["alias"]) for i in range(n)]


def _verify(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        call_command("verify_audit")
    return int(exc.value.code or 0), capsys.readouterr().err


def test_intact_chain_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    """An untouched log verifies: exit 0, with the head hash printed."""
    entries = _chain()
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "OK: 6 entries intact" in out  # and the vault's "signing key created" entry
    assert entries[-1].hash in out
    assert entries[1].prev_hash == entries[0].hash


def test_edited_entry_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    """Changing any field of an entry breaks its hash; verify_audit exits 1 naming it."""
    entries = _chain()
    with tamper_allowed():
        AuditEntry.objects.filter(pk=entries[2].pk).update(actor_username="someone-else")
    code, err = _verify(capsys)
    assert code == 1
    assert f"audit entry #{entries[2].seq} " in err
    assert "edited" in err


def test_deleted_entry_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    """Deleting an entry leaves a gap: the entry after it is named."""
    entries = _chain()
    with tamper_allowed():
        AuditEntry.objects.filter(pk=entries[1].pk).delete()
    code, err = _verify(capsys)
    assert code == 1
    assert f"audit entry #{entries[2].seq} " in err


def test_reordered_entries_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    """Swapping the positions of two entries breaks the chain at the first of them."""
    entries = _chain()
    a, b = entries[1], entries[3]
    with tamper_allowed(), transaction.atomic():
        AuditEntry.objects.filter(pk=a.pk).update(seq=10_000)
        AuditEntry.objects.filter(pk=b.pk).update(seq=a.seq)
        AuditEntry.objects.filter(pk=a.pk).update(seq=b.seq)
    code, err = _verify(capsys)
    assert code == 1
    assert f"audit entry #{a.seq} " in err


def test_rehashed_edit_still_breaks_the_next_link() -> None:
    """An attacker who edits an entry and recomputes its hash still breaks the next entry."""
    entries = _chain()
    victim = AuditEntry.objects.get(pk=entries[2].pk)
    victim.fields = ["nothing"]
    new_hash = victim.compute_hash()
    with tamper_allowed():
        AuditEntry.objects.filter(pk=victim.pk).update(fields=["nothing"], hash=new_hash)
    checked, problem = verify_chain()
    assert problem is not None
    assert problem.seq == entries[3].seq
    assert checked == entries[3].seq - 1


def test_postgres_trigger_refuses_update_and_delete() -> None:
    """On PostgreSQL the database itself refuses to change or delete an entry (the test runs
    in the PostgreSQL pass; on SQLite there is no trigger, and the chain alone shows it)."""
    entry = _chain(1)[0]
    if connection.vendor != "postgresql":
        AuditEntry.objects.filter(pk=entry.pk).update(action="login")
        assert verify_chain()[1] is not None
        return
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="login")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_entries_hold_field_names_never_values(login, make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    """Creating a person audits the changed field names; the values appear nowhere in the log."""
    user = make_user("case_worker")
    client = login(user)
    response = client.post(
        "/people/new/",
        {
            "alias": "Ko Secretalias",
            "true_name": "Secret Truename",
            "sex": "male",
            "force": "army",
            "rank_group": "unknown",
            "region": "unknown",
            "team": team_a.pk,
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "0",
            "contacts-0-kind": "phone",
            "contacts-0-value": "09 420 123 456",
            "household-TOTAL_FORMS": "0",
            "household-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action=Action.CREATE, object_type="people.person").latest("seq")
    assert "true_name" in entry.fields
    assert "contacts.value" in entry.fields
    dump = " ".join(str(e.canonical()) for e in AuditEntry.objects.all())
    for secret in ("Secretalias", "Secret Truename", "420123456"):
        assert secret not in dump
