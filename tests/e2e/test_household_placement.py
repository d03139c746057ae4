"""As a shelter manager would, on a 360 px phone, in Burmese: the waitlist says a man needs
three beds (his wife and daughter come with him); the placement page has them both ticked,
shown by relation and age, never by name, and offers only the family room (the shared room
has two beds, and a household does not share); one tap places all three in it, and the board
shows their beds as one household."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from sanctuary.people.models import HouseholdMember, Relation, Sex
from sanctuary.shelter.models import Bed, Room, RoomKind, Stay
from tests.e2e.conftest import screenshot
from tests.e2e.test_login_person_flow import _log_in
from tests.shelter.helpers import accepted, house

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIFE, DAUGHTER = "ဒေါ်သီတာ", "မေသက်"


def test_a_man_his_wife_and_daughter_placed_in_one_family_room(browser, live_server, make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    person = accepted(team_a, officers, alias="ကိုအောင်မြင့်")
    wife = HouseholdMember.objects.create(person=person, relation=Relation.SPOUSE, name=WIFE, sex=Sex.FEMALE)
    daughter = HouseholdMember.objects.create(
        person=person,
        relation=Relation.CHILD,
        name=DAUGHTER,
        sex=Sex.FEMALE,
        birth_date=str(timezone.localdate().year - 7),
    )
    home = house(name="House Lotus", beds=2)  # R1: a shared room of two beds
    family = Room.objects.create(house=home, name="F", kind=RoomKind.FAMILY)
    family_beds = [Bed.objects.create(room=family, label=str(n + 1)) for n in range(4)]

    manager = make_user("shelter_manager", language="my")
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="my-MM")
    page: Any = context.new_page()
    page.set_default_timeout(15_000)
    _log_in(page, live_server, manager)
    assert page.locator("html").get_attribute("lang") == "my"

    # The waitlist: three beds for this household.
    page.goto(live_server.url + "/shelter/")
    assert "3" in page.locator(f"#household-{person.pk}").inner_text()
    page.click(f"#place-{person.pk}")
    page.wait_for_url(f"**/shelter/place/{person.pk}/")

    # Both come along unless unticked; by relation and age, never by name.
    assert page.locator(f"#member-{wife.pk}").is_checked() and page.locator(f"#member-{daughter.pk}").is_checked()
    text = page.locator("main").inner_text()
    assert WIFE not in text and DAUGHTER not in text
    assert "အိမ်ထောင်ဖက်" in text and "သားသမီး" in text and "7" in text
    assert page.locator('[id^="room-"]').count() == 1  # the family room only
    page.click("#house-rules summary")
    assert page.locator("#house-rules li").count() == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 362
    screenshot(page, "household-place-my")

    page.click(f"#room-{family.pk}")
    page.wait_for_url(live_server.url + "/shelter/")
    stays = list(Stay.objects.filter(person=person).order_by("pk"))
    assert [s.occupant for s in stays] == [None, wife, daughter]
    assert [s.bed for s in stays] == family_beds[:3]
    assert {s.household_id for s in stays[1:]} == {stays[0].pk}

    # The board: three beds of one household, in Burmese words, with no name.
    rows = page.locator(f'tr[data-household="{stays[0].pk}"]')
    assert rows.count() == 3
    head_bed = rows.nth(0).inner_text()
    assert person.case_code in head_bed and "3" in head_bed.replace(person.case_code, "")
    assert "အိမ်ထောင်ဖက်" in rows.nth(1).inner_text() and "သားသမီး" in rows.nth(2).inner_text()
    board = page.locator("main").inner_text()
    assert WIFE not in board and DAUGHTER not in board
    free = page.locator("table.board tbody tr").filter(has_text="F/4").locator("td.cell").first
    assert "free" in (free.get_attribute("class") or "")
    assert page.locator(f"#household-{person.pk}").count() == 0  # off the waitlist
    screenshot(page, "household-board-my")
    context.close()
