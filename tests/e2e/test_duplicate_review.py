"""As vetting officers would: one scans the register, sees a pair side by side by alias and
says "same person"; a second confirms it on a page that says what the merge will do; one
record then carries both timelines."""

from __future__ import annotations

import pytest

from sanctuary.people.models import Person
from tests.e2e.conftest import screenshot
from tests.e2e.test_login_person_flow import _log_in
from tests.matching.register import load_register

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_review_and_merge_in_the_browser(page, live_server, make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.people.actions import do_change_status

    worker = make_user("vetting_officer", language="en")
    load_register(team_a, 1200)

    _log_in(page, live_server, worker)
    page.goto(live_server.url + "/duplicates/")
    page.click("form[action$='/duplicates/scan/'] button")
    review = page.locator("section.review").first
    review.wait_for()
    links = review.locator("a")
    first_url, second_url = links.nth(0).get_attribute("href"), links.nth(1).get_attribute("href")
    first = Person.objects.get(pk=int(first_url.strip("/").split("/")[-1]))
    second = Person.objects.get(pk=int(second_url.strip("/").split("/")[-1]))
    assert first.alias in review.inner_text() and second.alias in review.inner_text()
    assert str(first.true_name) not in page.content()  # true names are not shown here
    newer = max(first, second, key=lambda p: p.pk)
    older = min(first, second, key=lambda p: p.pk)
    do_change_status(worker, newer, "vetting", "second registration")
    screenshot(page, "duplicate-review")
    review.locator("button:has-text('Same person')").click()
    assert "second reviewer" in page.locator(".messages").inner_text()
    assert Person.objects.get(pk=newer.pk).merged_into_id is None
    page.context.clear_cookies()
    _log_in(page, live_server, make_user("vetting_officer", language="en"))
    page.goto(live_server.url + "/duplicates/")
    page.locator("a:has-text('Confirm: same person, merge')").first.click()
    effects = page.locator("#merge-effects").inner_text()  # said before confirming
    assert "vetted differently" not in effects  # neither record was vetted
    screenshot(page, "duplicate-confirm")
    page.click("#confirm-merge")
    assert "Merged" in page.locator(".messages").inner_text()
    page.goto(f"{live_server.url}/people/{older.pk}/")
    timeline = page.locator(".timeline").inner_text()
    assert "second registration" in timeline and "Merged with" in timeline
    assert Person.objects.get(pk=newer.pk).merged_into_id == older.pk
