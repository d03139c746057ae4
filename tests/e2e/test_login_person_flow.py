"""As a person would: log in with password and TOTP, switch to Burmese, add a person typed
in Zawgyi, find them in Unicode, log out. And a lockout after wrong passwords."""

from __future__ import annotations

import pytest
from django_otp.oath import totp

from sanctuary.people.models import Person
from tests.e2e.conftest import screenshot
from tests.factories import PASSWORD, totp_device

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ZAWGYI = "ေက်ာ္ေအာင္ဝင္း"
UNICODE = "ကျော်အောင်ဝင်း"


def _log_in(page, live_server, user) -> None:  # type: ignore[no-untyped-def]
    device = totp_device(user)
    page.goto(live_server.url + "/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/")
    page.fill("#id_token", f"{totp(device.bin_key):06d}")
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def test_login_burmese_zawgyi_person_search_logout(page, live_server, make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("intake_officer", language="en")
    _log_in(page, live_server, user)
    assert page.locator("h1").inner_text().startswith("Hello")

    page.click("button[name=language][value=my]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "my"
    assert "Dashboard" not in page.locator("header").inner_text()
    # On a 360 px phone the menu is folded behind one line (<details>, no script): the page
    # starts near the top, and the menu opens with a tap.
    header = page.locator("header").bounding_box()
    assert header is not None and header["height"] < 800 / 4
    page.click("details.nav-narrow summary")
    assert page.locator("details.nav-narrow nav").is_visible()

    page.goto(live_server.url + "/people/new/")
    page.fill("#id_alias", ZAWGYI)
    page.fill("#id_birth_date", "1995")
    page.fill("#id_contacts-0-value", "09 420 123 456")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/people/*/")
    assert page.locator("h1").inner_text().startswith(UNICODE)
    assert page.locator(".messages .info").count() == 1  # told about the conversion
    screenshot(page, "person-created-my")
    person = Person.objects.get()
    assert person.alias == UNICODE

    page.goto(live_server.url + "/people/")
    page.fill("#id_q", ZAWGYI[:6])  # search typed in Zawgyi too; htmx updates as you type
    page.wait_for_function("document.querySelectorAll('#person-table tbody tr').length === 1")
    assert UNICODE in page.locator("#person-table").inner_text()
    screenshot(page, "person-search-my")
    # The search term never appears in the address bar.
    assert "?" not in page.url

    page.click("header form button[type=submit] >> nth=-1")
    page.wait_for_url("**/accounts/login/")
    page.goto(live_server.url + "/people/")
    assert "/accounts/login/" in page.url


def test_locked_out_after_wrong_passwords(page, live_server, make_user) -> None:  # type: ignore[no-untyped-def]
    from django.conf import settings

    user = make_user("case_worker", language="en")
    page.goto(live_server.url + "/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.fill("#id_username", user.username)
        page.fill("#id_password", "not-my-password")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        if "/accounts/login/" in page.url and page.locator("#id_username").count() == 0:
            break
    assert page.locator("[role=alert] h1").count() == 1
    screenshot(page, "locked-out")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/2fa/" not in page.url
    assert page.locator("[role=alert]").count() == 1
