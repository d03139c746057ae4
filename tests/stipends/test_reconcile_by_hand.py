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


def test_a_file_never_silently_overwrites_lines_reconciled_by_hand(team_a, officers, finance, funder) -> None:  # type: ignore[no-untyped-def]
    """A line marked by hand and then a file saying otherwise: nothing is applied, the job's
    page names what would change; uploaded again with "replace" ticked, it is applied."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sanctuary.background.models import Job
    from sanctuary.stipends import actions
    from tests.conftest import verified_client

    run, (a, b) = _disbursed(team_a, officers, finance, funder, n=2)
    actions.do_reconcile_run(finance[0], run, [actions.Mark(a.pk, LineStatus.RETURNED, "")])
    client = verified_client(finance[0])
    header = "line,case_code,amount,currency,status,receipt,paid_on"
    rows = [
        f"{a.pk},{a.person.case_code},700.00,THB,paid,R1,2026-11-05",
        f"{b.pk},{b.person.case_code},700,THB,paid,R2,",
    ]
    body = ("\n".join([header, *rows]) + "\n").encode()

    def upload(**extra: str) -> str:
        data = {"file": SimpleUploadedFile("run.csv", body, content_type="text/csv"), **extra}
        return client.post(f"/stipends/runs/{run.pk}/upload/", data, follow=True).content.decode()

    page = upload()
    assert "already reconciled" in page and f"{a.person.case_code}:" in page
    assert Job.objects.filter(kind="stipends.reconcile").latest("pk").error == "overwrite"
    assert PaymentLine.objects.get(pk=a.pk).status == LineStatus.RETURNED  # the hand mark holds
    assert PaymentLine.objects.get(pk=b.pk).status == LineStatus.PENDING  # and nothing else applied
    page = upload(overwrite="on")
    assert "2 lines reconciled" in page
    assert PaymentLine.objects.get(pk=a.pk).status == LineStatus.PAID
    # The same file again changes nothing already reconciled: no question asked.
    assert "2 lines reconciled" in upload()
