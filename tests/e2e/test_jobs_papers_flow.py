"""As people would, on a 360 px phone, in Burmese: a case worker proposes an accepted person for
a mechanic's job, records the interview, the offer and the first day; adds the work permit that
depends on that employer; then the job ends, and the work-permit alert appears on the person's
page and in the papers to act on, with the days left to find a new employer."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import ngettext

from sanctuary.jobs.models import Placement, PlacementState
from sanctuary.legal.models import DocumentType, Paper, PermitClock
from tests.e2e.test_login_person_flow import _log_in
from tests.jobs import helpers
from tests.shelter.helpers import accepted

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "shots"


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"jobs-{name}.png"), full_page=True)


def _submit(page: Any, selector: str) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")
    with page.expect_navigation():
        page.click(selector)


def test_a_job_ends_and_the_work_permit_clock_starts(browser, live_server, make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("case_worker", language="my", username="worker")
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    person = accepted(team_a, officers, alias="ကိုဇော်ဝင်း")
    opening = helpers.opening(worker)
    url, today = live_server.url, timezone.localdate()

    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="my-MM")
    page = context.new_page()
    page.set_default_timeout(15_000)
    _log_in(page, live_server, worker)
    assert page.locator("html").get_attribute("lang") == "my"

    # 1. Propose, interview, offer, first day (thirty days ago).
    page.goto(f"{url}/people/{person.pk}/")
    page.click("#propose-job")
    page.select_option("#id_opening", str(opening.pk))
    _shot(page, "propose-my")
    _submit(page, "#save-proposal")
    placement = Placement.objects.get(person=person)
    _submit(page, "#advance")
    _submit(page, "#advance")
    page.fill("#id_started_on", (today - timedelta(days=30)).isoformat())
    page.fill("#id_wage", "450")
    _submit(page, "#start-job")
    placement.refresh_from_db()
    assert placement.state == PlacementState.STARTED
    assert page.evaluate("document.documentElement.scrollWidth") <= 362

    # 2. The work permit, tied to this employer.
    page.goto(f"{url}/people/{person.pk}/")
    page.click("#add-paper")
    permit = DocumentType.objects.get(code="work_permit")
    page.select_option("#id_doc_type", str(permit.pk))
    page.fill("#id_number", "WP-2026-118")
    page.fill("#id_issued_on", (today - timedelta(days=30)).isoformat())
    page.fill("#id_expires_on", (today + timedelta(days=700)).isoformat())
    page.select_option("#id_employer", opening.employer.ref)
    _shot(page, "permit-my")
    _submit(page, "main form button[type=submit]")
    assert Paper.objects.get(person=person).employer_ref == opening.employer.ref

    # 3. The job ends ten days ago: sixty days from then, fifty are left.
    page.goto(f"{url}/jobs/placements/{placement.pk}/")
    page.fill("#id_ended_on", (today - timedelta(days=10)).isoformat())
    page.select_option("#id_reason", "exploited")
    page.fill("#id_note", "လုပ်ခ မပေးဘူး")
    _submit(page, "#end-job")
    clock = PermitClock.objects.get(person=person)
    assert (clock.deadline - today).days == 50
    with translation.override("my"):
        days_left = ngettext("%(n)d day left to find a new employer", "%(n)d days left to find a new employer", 50) % {
            "n": 50
        }
    assert page.url == f"{url}/people/{person.pk}/"
    assert days_left in page.locator(f"#clock-{clock.pk}").inner_text()
    _shot(page, "person-clock-my")
    page.goto(f"{url}/papers/")
    assert days_left in page.locator("#clocks").inner_text()
    _shot(page, "papers-to-act-on-my")
    assert page.evaluate("document.documentElement.scrollWidth") <= 362
    context.close()
