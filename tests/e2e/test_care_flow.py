"""As people would, on a 360 px phone, in Burmese: a case worker records a person's consent
and makes a care plan from the arrival template (its due items appear, the overdue ones on the
dashboard); a counsellor records a session with a note; the director opens the same page and
sees that a session happened but not the note; with a counsellor lead's approval the director
reads it, and the counsellor is shown that afterwards."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from sanctuary.care.models import CareItem, CarePlan, CounsellingNote, EmergencyAccess
from sanctuary.consent.models import ConsentRecord
from tests.e2e.test_login_person_flow import _log_in
from tests.factories import PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "shots"
NOTE = "ညက အိပ်မပျော်ဘူး၊ စစ်ဆေးရေးဂိတ်အကြောင်း ပြောပြတယ်"


def _phone(browser: Any, live_server: Any, user: Any) -> Any:
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="my-MM")
    page = context.new_page()
    page.set_default_timeout(15_000)
    _log_in(page, live_server, user)
    assert page.locator("html").get_attribute("lang") == "my"
    return page


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"care-{name}.png"), full_page=True)


def _submit(page: Any, selector: str) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")
    with page.expect_navigation():
        page.click(selector)


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 362


def test_consent_care_plan_and_a_note_the_director_cannot_open(browser, live_server, make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("case_worker", language="my", username="worker")
    counsellor = make_user("counsellor", language="my", username="counsellor")
    lead = make_user("counsellor", "counsellor_lead", language="my", username="lead")
    director = make_user("director", language="my", username="director")
    person = PersonFactory(team=team_a, alias="ကိုအောင်မင်း")
    url = live_server.url
    today = timezone.localdate()

    # 1. The case worker records the person's consent to care (read to them, signed).
    page = _phone(browser, live_server, worker)
    page.goto(f"{url}/people/{person.pk}/")
    page.click("#consents-link")
    page.select_option("#id_purpose", "care")
    page.select_option("#id_category", "internal")
    page.select_option("#id_method", "signed")
    page.fill("#id_notice_version", "2026-1")
    page.select_option("#id_notice_language", "my")
    _shot(page, "consent-form-my")
    _submit(page, "#save-consent")
    assert ConsentRecord.objects.get(person=person).state == "given"
    _no_sideways_scroll(page)

    # 2. … and makes a care plan from the arrival template, arrived ten days ago: the medical
    #    check, counselling intake and legal check are overdue, the review is still to come.
    page.goto(f"{url}/people/{person.pk}/")
    page.click("#new-care-plan")
    page.select_option("#id_template", label="ရောက်ရှိချိန် စောင့်ရှောက်မှု အစီအစဉ်")
    page.fill("#id_arrived_on", (today - timedelta(days=10)).isoformat())
    page.fill("#id_assessment", "သွားကိုက်နေတယ်")
    _shot(page, "plan-new-my")
    _submit(page, "#make-plan")
    plan = CarePlan.objects.get(person=person)
    assert plan.items.count() == 4 and CareItem.objects.filter(plan=plan).overdue().count() == 3
    assert page.locator(".care-item.overdue").count() == 3
    assert "ဆေးစစ်ဆေးခြင်း" in page.locator("main").inner_text()
    _shot(page, "plan-my")
    _no_sideways_scroll(page)
    page.goto(url + "/")
    assert page.locator("#care-overdue").inner_text() == "3"
    _shot(page, "dashboard-my")
    page.context.close()

    # 3. The counsellor records a session with a note.
    page = _phone(browser, live_server, counsellor)
    page.goto(f"{url}/care/person/{person.pk}/counselling/")
    page.fill("#id_note", NOTE)
    _submit(page, "#save-session")
    assert CounsellingNote.objects.filter(person=person).count() == 1
    assert NOTE in page.locator("main").inner_text()
    _shot(page, "counselling-my")
    counsellor_page = page

    # 4. The director sees that a session happened, not what was said.
    boss = _phone(browser, live_server, director)
    boss.goto(f"{url}/care/person/{person.pk}/counselling/")
    text = boss.locator("main").inner_text()
    assert NOTE not in text and boss.locator("#notes-closed").count() == 1
    assert "1" in boss.locator("#session-summary").inner_text()
    _shot(boss, "director-closed-my")

    # 5. In an emergency the director asks, the counsellor lead approves, the director reads.
    boss.click("#emergency-form summary, details:has(#emergency-form) > summary")
    boss.fill("#id_reason", "အသက်အန္တရာယ် ရှိနိုင်လို့")
    _submit(boss, "#ask-emergency")
    access = EmergencyAccess.objects.get(person=person)
    second = _phone(browser, live_server, lead)
    second.goto(f"{url}/care/emergency/")
    _submit(second, f"#approve-{access.pk}")
    second.context.close()
    boss.goto(f"{url}/care/person/{person.pk}/counselling/")
    assert NOTE in boss.locator("main").inner_text()
    boss.context.close()
    access.refresh_from_db()
    assert access.reads == 1

    # 6. The counsellor is told, on the dashboard.
    page = counsellor_page
    page.goto(url + "/")
    assert page.locator("#h-counselling-card").count() == 1
    _shot(page, "counsellor-told-my")
