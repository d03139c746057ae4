"""As people would: a soldier writes through the public form in Burmese, with a photo, while
the server is sealed; after unsealing an intake officer turns it into a person; two vetting
officers accept them; a coordinator plans the journey and records the arrival; the soldier
checks the status with the receipt phrase."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from sanctuary.intake.models import PublicStatus, Submission
from sanctuary.journeys.models import Journey
from sanctuary.people.models import Person, Status
from sanctuary.vault import state
from sanctuary.vetting.models import VettingCheck
from tests.e2e.conftest import screenshot
from tests.e2e.test_login_person_flow import _log_in
from tests.vault.images import jpeg_with_exif

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NAME = "ကိုဇော်မင်း"
STORY = "ကျွန်တော် တပ်ကနေ ထွက်ချင်ပါတယ်။ စခန်းမှာ မလုံခြုံတော့ဘူး။"


def _staff_page(browser, live_server, user):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    _log_in(page, live_server, user)
    return page


def test_from_public_form_to_arrival(  # type: ignore[no-untyped-def]
    page, browser, live_server, make_user, team_a, vault_shares, tmp_path: Path
) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_with_exif("Owner Secret Name"))

    # 1. The visitor, on a 360 px phone, in Burmese (the default). The server is sealed.
    state.seal()
    page.goto(live_server.url + "/intake/")
    assert page.locator("html").get_attribute("lang") == "my"
    page.check("#id_writer_0")
    page.fill("#id_name", NAME)
    page.select_option("#id_channel", "signal")
    page.fill("#id_handle", "+66 81 765 4321")
    page.select_option("#id_location", "kayin")
    page.check("#id_urgency_0")
    page.fill("#id_story", STORY)
    page.fill("#id_unit", "ခမရ ၃၄၅")
    page.set_input_files("#id_files", str(photo))
    screenshot(page, "intake-form-my")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#receipt-phrase")
    phrase = page.locator("#receipt-phrase").inner_text().strip()
    assert len(phrase.split()) == 6
    assert page.context.cookies() == []  # no cookie, before or after sending
    screenshot(page, "intake-receipt-my")

    submission = Submission.objects.get()
    assert STORY not in submission.payload and NAME not in submission.payload
    with pytest.raises(state.VaultSealed):
        submission.read()

    # 2. Key holders unseal; an intake officer triages the contact into a person.
    state.unseal_with_shares(vault_shares[:2])
    intake = _staff_page(browser, live_server, make_user("intake_officer", language="en"))
    intake.goto(live_server.url + "/triage/")
    intake.click(f"a[href='/triage/{submission.pk}/']")
    assert STORY in intake.locator("#sub-story").inner_text()
    assert intake.locator("#no-matches").count() == 1
    intake.click("#create-person")
    assert intake.locator("#id_alias").input_value() == NAME
    intake.fill("#id_birth_date", "1998")
    intake.click("main form button[type=submit]")
    intake.wait_for_url("**/people/*/")
    person = Person.objects.get()
    assert person.alias == NAME and person.status == Status.FIRST_CONTACT
    assert person.documents.count() == 1  # the photo moved, re-encrypted under the vault
    intake.goto(live_server.url + f"/triage/{submission.pk}/")
    intake.select_option("#id_public_status", PublicStatus.WILL_CONTACT)
    intake.click("form[action$='/public_status/'] button[type=submit]")
    intake.wait_for_load_state()
    screenshot(intake, "triage-detail-en")

    # 3. Two different vetting officers: one confirms the checks and proposes, one confirms.
    first = _staff_page(browser, live_server, make_user("vetting_officer", language="en"))
    first.goto(live_server.url + f"/vetting/{person.pk}/")
    for check in VettingCheck.objects.filter(active=True):
        form = first.locator(f"form[action='/vetting/{person.pk}/check/{check.pk}/']")
        form.locator("select").select_option("confirmed")
        form.locator("button").click()
        first.wait_for_load_state()
    first.check("#id_outcome_0")
    first.fill("#id_reason", "Platoon sergeant vouched; unit matches.")
    first.click("#propose-decision")
    first.wait_for_load_state()
    person.refresh_from_db()
    assert person.status == Status.VETTING  # one officer is not enough
    second = _staff_page(browser, live_server, make_user("vetting_officer", language="my"))
    second.goto(live_server.url + f"/vetting/{person.pk}/")
    second.fill("#id_reason", "သဘောတူပါတယ်")
    second.click("#confirm-decision")
    second.wait_for_selector("#admissible")
    screenshot(second, "vetting-accepted-my")
    person.refresh_from_db()
    assert person.status == Status.ACCEPTED

    # 4. A coordinator plans the journey and records the arrival.
    coordinator = _staff_page(browser, live_server, make_user("case_worker", language="en"))
    coordinator.goto(live_server.url + f"/people/{person.pk}/")
    coordinator.click("#plan-journey")
    coordinator.fill("#id_meeting_point", "Tea shop near the bus station")
    coordinator.fill("#id_transport_cost", "1200")
    for n, place in enumerate(["Base", "Town", "Border", "Safe zone"]):
        coordinator.fill(f"#id_stages-{n}-place", place)
    coordinator.click("main form button[type=submit]")
    coordinator.wait_for_url("**/journeys/*/")
    coordinator.select_option("#id_status", "under_way")
    coordinator.click("#journey-status-save")
    coordinator.wait_for_load_state()
    coordinator.select_option("#id_status", "arrived")
    coordinator.click("#journey-status-save")
    coordinator.wait_for_load_state()
    screenshot(coordinator, "journey-arrived-en")
    person.refresh_from_db()
    assert person.status == Status.ARRIVED
    assert Journey.objects.get().status == "arrived"
    # Another case worker of the same team does not see the journey.
    colleague = _staff_page(browser, live_server, make_user("case_worker", language="en"))
    colleague.goto(live_server.url + f"/people/{person.pk}/")
    assert colleague.locator("#plan-journey").count() == 0
    assert "Tea shop" not in colleague.content()

    # 5. The visitor comes back with the phrase (typed without spaces, as Burmese often is).
    page.goto(live_server.url + "/intake/status/")
    page.fill("#id_phrase", phrase.replace(" ", ""))
    page.click("main form button[type=submit]")
    page.wait_for_selector("#public-status")
    with translation.override("my"):
        expected = str(PublicStatus.WILL_CONTACT.label)
    assert page.locator("#public-status").inner_text() == expected
    assert page.context.cookies() == []
    screenshot(page, "intake-status-my")
