"""As people would: a shelter manager places a waitlisted person in a free bed and approves
an extension; a finance officer drafts the month's run, a second approves it in Burmese,
downloads the cash list (the PDF shows Burmese script: a rendered page is checked) and
reconciles the run by uploading the CSV."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from sanctuary.shelter.models import Bed, Stay
from sanctuary.stipends.models import Enrollment, Funder, PaymentRun, RunState, StipendRule
from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.e2e.test_intake_to_arrival import _staff_page
from tests.shelter.helpers import accepted, house

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ALIAS = "ကိုမင်းထက်"


def test_place_extend_draft_approve_pay_reconcile(
    page, browser, live_server, make_user, team_a, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    person = accepted(team_a, officers, alias=ALIAS)
    house(name="House Lotus", beds=2)

    # Shelter: two clicks from the waitlist to a bed, then an extension.
    manager = _staff_page(browser, live_server, make_user("shelter_manager", language="en"))
    manager.goto(live_server.url + "/shelter/")
    manager.click(f"#place-{person.pk}")
    bed = Bed.objects.order_by("pk").first()
    manager.click(f"#bed-{bed.pk}")
    manager.wait_for_url(live_server.url + "/shelter/")
    stay = Stay.objects.get()
    assert stay.person == person and stay.bed == bed
    screenshot(manager, "shelter-board-en")
    manager.goto(live_server.url + f"/shelter/stays/{stay.pk}/")
    new_end = stay.planned_end + timedelta(days=30)
    manager.fill("#id_requested_end", new_end.isoformat())
    manager.fill("#id_reason", "Still looking for work")
    manager.click("#request-extension")
    manager.wait_for_load_state()
    extension = stay.extensions.get()
    manager.click(f"#approve-{extension.pk}")
    manager.wait_for_load_state()
    stay.refresh_from_db()
    assert stay.planned_end == new_end
    assert manager.locator("#planned-end").inner_text().startswith(new_end.isoformat())

    # Stipends: maker drafts, checker approves (in Burmese), cash list, pay out, reconcile.
    funder = Funder.objects.create(name="Community Fund")
    StipendRule.objects.create(funder=funder, effective_from=date(2026, 1, 1), single_amount=700, family_amount=1400)
    maker_user = make_user("finance_officer", language="en")
    Enrollment.objects.create(person=person, funder=funder, start=date(2026, 1, 1), added_by=maker_user)
    month = timezone.localdate().replace(day=1)
    maker = _staff_page(browser, live_server, maker_user)
    maker.goto(live_server.url + "/stipends/")
    maker.select_option("#id_funder", str(funder.pk))
    maker.fill("#id_month", month.strftime("%Y-%m"))
    maker.click("#draft-run")
    maker.wait_for_url("**/background/*/")  # drafted as a job; its page leads on to the run
    maker.click("#job-next")
    maker.wait_for_url("**/stipends/runs/*/")
    run = PaymentRun.objects.get()
    assert run.people == 1 and maker.locator("#approve-run").count() == 0  # not the maker
    checker = _staff_page(browser, live_server, make_user("finance_officer", language="my"))
    checker.goto(live_server.url + f"/stipends/runs/{run.pk}/")
    checker.click("#approve-run")
    checker.wait_for_selector("#download-pdf")
    checker.click("#download-pdf")
    checker.wait_for_url("**/background/*/")  # the cash list is made as a job, for this user only
    with checker.expect_download() as download:
        checker.click("#job-download")
    pdf_path = tmp_path / "cash-list.pdf"
    download.value.save_as(pdf_path)
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf_path))
    image = document[0].render(scale=2).to_pil()
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / "cash-list-my.png")
    text = document[0].get_textpage().get_text_range()
    assert "ကို" in text and person.case_code in text
    assert sum(image.convert("L").histogram()[:128]) > 2000  # dark pixels: text and rules
    checker.goto(live_server.url + f"/stipends/runs/{run.pk}/")
    screenshot(checker, "stipend-run-my")
    checker.click("#disburse-run")
    checker.wait_for_load_state()
    checker.click("#download-csv")
    checker.wait_for_url("**/background/*/")
    with checker.expect_download() as download:
        checker.click("#job-download")
    csv_path = tmp_path / "run.csv"
    download.value.save_as(csv_path)
    header, row = csv_path.read_text(encoding="utf-8").strip().splitlines()
    csv_path.write_text(f"{header}\n{row.replace(',,,', ',paid,R-0001,05/11/2026')}\n", encoding="utf-8")
    checker.click("#job-next")
    checker.wait_for_url(f"**/stipends/runs/{run.pk}/")
    checker.set_input_files("#id_file", str(csv_path))
    checker.click("#upload-csv")
    checker.wait_for_url("**/background/*/")
    screenshot(checker, "stipend-reconcile-job-my")
    checker.click("#job-next")
    checker.wait_for_url(f"**/stipends/runs/{run.pk}/")
    run.refresh_from_db()
    assert run.state == RunState.RECONCILED
    assert run.lines.get().receipt == "R-0001"
    screenshot(checker, "stipend-reconciled-my")
