"""As people would: after a restart the app is sealed; two key holders unseal on the page;
a case worker asks for a true name, a director approves, the case worker sees it, and it
disappears when the approval runs out."""

from __future__ import annotations

import time

import pytest

from sanctuary.vault import state
from tests.e2e.conftest import screenshot
from tests.e2e.test_login_person_flow import _log_in
from tests.factories import PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_unseal_then_two_person_rule(browser, page, live_server, vault_shares, make_user, team_a, settings) -> None:  # type: ignore[no-untyped-def]
    settings.IDENTITY_GRANT_MINUTES = 0.1  # six seconds
    person = PersonFactory(team=team_a, alias="Ko Lin Lin", true_name="Aung Lin Htet")
    worker = make_user("case_worker", language="en")
    director = make_user("director", language="en", username="dir")
    state.seal()  # as after a restart

    page.goto(live_server.url + "/unseal/")
    assert "sealed" in page.locator("h1").inner_text()
    assert "0 of 2" in page.locator("#unseal-progress").inner_text()
    page.fill("#id_share", vault_shares[1])
    page.click("main button[type=submit]")
    assert "1 of 2" in page.locator("#unseal-progress").inner_text()
    screenshot(page, "unseal-1-of-2")
    page.fill("#id_share", vault_shares[2].lower())  # holders may type in lower case
    page.click("main button[type=submit]")
    assert "unsealed" in page.locator("h1").inner_text()
    assert not state.is_sealed()

    _log_in(page, live_server, worker)
    page.goto(f"{live_server.url}/people/{person.pk}/")
    assert "Ko Lin Lin" in page.locator("h1").inner_text()
    assert "Aung Lin Htet" not in page.content()
    page.fill("#id_reason", "Passport application at the embassy")
    page.click("#identity button[type=submit]")
    assert "waiting" in page.locator("#identity").inner_text()

    boss_context = browser.new_context(viewport={"width": 1024, "height": 800}, locale="en-US")
    boss = boss_context.new_page()
    _log_in(boss, live_server, director)
    boss.goto(live_server.url + "/people/identity-requests/")
    assert "Passport application" in boss.locator("#identity-requests").inner_text()
    screenshot(boss, "identity-queue")
    boss.click("#identity-requests button:has-text('Approve')")
    assert "No requests are waiting" in boss.locator("#identity-requests").inner_text()
    boss_context.close()

    page.reload()
    assert page.locator("#true-name").inner_text() == "Aung Lin Htet"
    screenshot(page, "true-name-granted")
    time.sleep(6.5)
    page.reload()
    assert page.locator("#true-name").count() == 0
    assert "Aung Lin Htet" not in page.content()
