"""Reconciling by hand: one bad line refuses the whole form, and the page comes back with
every line as it was typed (issue 16: nothing typed is lost)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sanctuary.stipends.models import LineStatus, PaymentLine
from tests.stipends import test_runs
from tests.stipends.test_runs import _disbursed

pytestmark = pytest.mark.django_db
officers, finance, funder = test_runs.officers, test_runs.finance, test_runs.funder


def test_one_bad_line_keeps_what_was_typed_on_the_others(team_a, officers, finance, funder, login) -> None:  # type: ignore[no-untyped-def]
    run, lines = _disbursed(team_a, officers, finance, funder, n=3)
    client = login(finance[0])
    response = client.post(
        reverse("stipends:reconcile", kwargs={"pk": run.pk}),
        {
            f"status-{lines[0].pk}": LineStatus.PAID,
            f"receipt-{lines[0].pk}": "KBZ 1111",
            f"status-{lines[1].pk}": LineStatus.PAID,  # paid, but no receipt: refused
            f"receipt-{lines[1].pk}": "",
            f"status-{lines[2].pk}": LineStatus.PAID,
            f"receipt-{lines[2].pk}": "Wave 3333",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="KBZ 1111"' in page and 'value="Wave 3333"' in page
    assert page.count('value="paid" selected') == 3
    assert "A paid line needs a receipt reference" in page and lines[1].person.case_code in page
    assert set(PaymentLine.objects.filter(run=run).values_list("status", flat=True)) == {LineStatus.PENDING}
