"""As people would, in Burmese on a 360 px phone: an intake officer hands an accepted person
over to the safe-house team; before that the shelter manager's place page says who can hand
them over; the manager accepts on the hand-overs page and places the person in a bed; the
intake officer still reads the page (and can change nothing)."""

from __future__ import annotations

import pytest

from sanctuary.people.models import Person, Transfer, TransferState
from sanctuary.shelter.models import Bed, Stay
from tests.e2e.conftest import screenshot
from tests.e2e.test_login_person_flow import _log_in
from tests.factories import TeamFactory
from tests.shelter.helpers import accepted, house

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ALIAS = "ကိုအောင်မြင့်"


def _phone(browser, live_server, user):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="my-MM")
    page = context.new_page()
    page.set_default_timeout(15_000)
    _log_in(page, live_server, user)
    return page


def test_hand_over_accept_and_place(browser, live_server, make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    houses = TeamFactory(name="Safe house north")
    person = accepted(team_a, (make_user("vetting_officer"), make_user("vetting_officer")), alias=ALIAS)
    house(name="House Lotus", beds=2)
    intake_user = make_user("intake_officer", language="my", display_name="Ko Intake")
    manager = _phone(browser, live_server, make_user("shelter_manager", teams=[houses], language="my"))

    # The manager follows a link to place the person: not theirs yet, and told whom to ask.
    response = manager.goto(live_server.url + f"/shelter/place/{person.pk}/")
    assert response is not None and response.status == 404
    assert "Ko Intake" in manager.locator("#out-of-reach").inner_text()
    assert ALIAS not in manager.content()

    # The intake officer hands them over, with a reason, from the person page.
    intake = _phone(browser, live_server, intake_user)
    intake.goto(live_server.url + f"/people/{person.pk}/")
    intake.select_option("#id_transfer_to_team", str(houses.pk))
    intake.fill("#id_transfer_reason", "လက်ခံပြီး: အိပ်ရာလိုသည်")
    intake.click("#hand-over")
    intake.wait_for_selector("#transfer-pending")
    screenshot(intake, "hand-over-asked-my-360")
    transfer = Transfer.objects.get(person=person)

    # The manager accepts it and places the person from the waitlist.
    manager.goto(live_server.url + "/people/hand-overs/")
    assert ALIAS in manager.locator("#transfers-to-decide").inner_text()
    screenshot(manager, "hand-overs-my-360")
    manager.click(f"#accept-{transfer.pk}")
    manager.wait_for_load_state()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.DONE and Person.objects.get(pk=person.pk).team == houses
    manager.goto(live_server.url + "/shelter/")
    manager.click(f"#place-{person.pk}")
    bed = Bed.objects.order_by("pk").first()
    manager.click(f"#bed-{bed.pk}")
    manager.wait_for_url(live_server.url + "/shelter/")
    assert Stay.objects.get().person == person

    # The intake team still reads the page for the policy's days, with nothing to change.
    intake.goto(live_server.url + f"/people/{person.pk}/")
    assert intake.locator("#handed-over").is_visible()
    assert intake.locator("main form").count() == 0
    width = intake.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    screenshot(intake, "handed-over-read-only-my-360")
