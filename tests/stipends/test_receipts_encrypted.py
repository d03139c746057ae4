"""Receipt references are stored encrypted (issue 17, low): the database column never holds
what staff typed or imported, and the run page still shows it to those who may see the line."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from sanctuary.stipends import actions
from sanctuary.stipends.models import LineStatus, PaymentLine
from sanctuary.vault import state
from tests.stipends import test_runs
from tests.stipends.test_runs import _disbursed

pytestmark = pytest.mark.django_db
# The run fixtures of the reconciliation tests.
officers, finance, funder = test_runs.officers, test_runs.finance, test_runs.funder
REFERENCE = "KBZPay TX 0942 Aung 7781"


def _raw(line: PaymentLine) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT receipt, receipt_clear FROM stipends_paymentline WHERE id = %s", [line.pk])
        return cursor.fetchone()


def test_a_reference_typed_on_the_run_page_is_stored_encrypted(team_a, officers, finance, funder, login) -> None:  # type: ignore[no-untyped-def]
    run, lines = _disbursed(team_a, officers, finance, funder, n=2)
    client = login(finance[0])
    client.post(
        reverse("stipends:reconcile", kwargs={"pk": run.pk}),
        {f"status-{lines[0].pk}": LineStatus.PAID, f"receipt-{lines[0].pk}": REFERENCE},
    )
    receipt, clear = _raw(lines[0])
    assert REFERENCE not in receipt and "0942" not in receipt and receipt.startswith("s1.")
    assert clear == ""
    line = PaymentLine.objects.get(pk=lines[0].pk)
    assert line.status == LineStatus.PAID and line.receipt == REFERENCE
    page = client.get(reverse("stipends:run", kwargs={"pk": run.pk})).content.decode()
    assert REFERENCE in page


def test_a_reference_stored_in_clear_before_is_encrypted_at_the_next_unseal(  # type: ignore[no-untyped-def]
    team_a,
    officers,
    finance,
    funder,
    vault_shares,
) -> None:
    """What migration 0004 left in the clear column moves into the encrypted one when key
    holders unseal, and the clear column is emptied."""
    _run, lines = _disbursed(team_a, officers, finance, funder, n=1)
    PaymentLine.objects.filter(pk=lines[0].pk).update(receipt_clear=REFERENCE)  # as the migration leaves it
    state.seal()
    state.unseal_with_shares(vault_shares[:2])
    receipt, clear = _raw(lines[0])
    assert clear == "" and REFERENCE not in receipt
    assert PaymentLine.objects.get(pk=lines[0].pk).receipt == REFERENCE
    assert actions.do_encrypt_clear_receipts() == 0  # nothing left to move


def test_the_reference_cannot_be_written_in_clear_by_a_bulk_update(team_a, officers, finance, funder) -> None:  # type: ignore[no-untyped-def]
    _run, lines = _disbursed(team_a, officers, finance, funder, n=1)
    with pytest.raises(TypeError):
        PaymentLine.objects.filter(pk=lines[0].pk).update(receipt=REFERENCE)
