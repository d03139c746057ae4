"""As people would, on a 360 px phone, in Burmese: a trainer writes a course (its Burmese name
typed in Zawgyi) and starts a cohort; a case worker applies for three people; one trainer
proposes the selection and a second confirms it; attendance is taken with one tap per person;
an assessment is recorded; one trainer proposes the graduation and the second approves it;
the certificate is issued and downloaded (its Burmese set in our bundled font), and anyone can
check it on the public page, which shows the name as printed and nothing that leads to the
record."""

from __future__ import annotations

import importlib
import re
import tempfile
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from sanctuary.training import actions
from sanctuary.training.models import (
    Application,
    AppState,
    Attendance,
    AttendanceStatus,
    Certificate,
    Cohort,
    CohortState,
    Course,
    StatusSet,
)
from tests.e2e.test_login_person_flow import _log_in
from tests.pdf_fonts import assert_set_in_bundled_fonts
from tests.shelter.helpers import accepted

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Screenshots for people to look at (not committed): /tmp/shots/training-*.png.
SHOTS = Path(tempfile.gettempdir()) / "shots"
ZAWGYI = "ဖုန္းျပင္"
UNICODE = "ဖုန်းပြင်"
ALIASES = ("ကိုအောင်မင်း", "ကိုဇော်ဝင်း", "ကိုသန့်ဇင်")
# Burmese status labels (migration 0002), as the trainer taps them.
LATE, ABSENT = "နောက်ကျ", "ပျက်ကွက်"
PRESENT, LATE_CODE, ABSENT_CODE = "present", "late", "absent"
# The name and the course are printed bold (certificate_pdf.html): Noto Sans Myanmar Bold.
MYANMAR_BOLD = "noto-sans-myanmar-myanmar-700-normal.woff2"
CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}\b")


def _phone(browser: Any, live_server: Any, user: Any | None = None) -> Any:
    """A 360 px phone; logged in (password and TOTP) when a user is given."""
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="my-MM")
    page = context.new_page()
    page.set_default_timeout(15_000)
    if user is not None:
        _log_in(page, live_server, user)
        assert page.locator("html").get_attribute("lang") == "my"
    return page


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"training-{name}.png"), full_page=True)


def _submit(page: Any, selector: str) -> None:
    # A full-page screenshot resizes the viewport and back; the field still focused then
    # pulls the page back to itself when it loses focus, between the press and the release
    # of the click, which then lands on the field. Leave the field first, as a thumb would.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    with page.expect_navigation():
        page.click(selector)


def test_course_to_certificate_in_burmese_at_360px(  # type: ignore[no-untyped-def]
    browser, live_server, make_user, team_a, tmp_path: Path
) -> None:
    _default_statuses(make_user("director"))
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    people = [accepted(team_a, officers, alias=alias) for alias in ALIASES]
    one = make_user("trainer", language="my", username="trainer_one")
    two = make_user("trainer", language="my", username="trainer_two")
    worker = make_user("case_worker", language="my")
    today = timezone.localdate()
    url = live_server.url

    # 1. Trainer one writes the course; the Burmese name is typed in Zawgyi. Every day of the
    #    week for one week.
    trainer = _phone(browser, live_server, one)
    trainer.goto(url + "/training/courses/new/")
    trainer.select_option("#id_trade", "phone")
    trainer.fill("#id_name_my", ZAWGYI)
    trainer.fill("#id_name_en", "Phone repair")
    trainer.fill("#id_name_th", "ซ่อมโทรศัพท์")
    trainer.fill("#id_weeks", "1")
    trainer.check("#id_weekday_list_6")  # Sunday too: Monday to Saturday are ticked already
    trainer.fill("#id_seats", "3")
    _shot(trainer, "course-form-my")
    _submit(trainer, "#save-course")
    course = Course.objects.get()
    assert course.name_my == UNICODE and course.weekdays == "0123456"
    assert UNICODE in trainer.locator("h1").inner_text()  # the cohort form, shown converted

    # 2. … and starts a cohort from it (its trainer is a director's choice, left empty), dated
    #    so that its last day is today: every session has been held when it graduates. Then it
    #    takes applications.
    trainer.fill("#id_start", (today - timedelta(days=6)).isoformat())
    _submit(trainer, "#create-cohort")
    cohort = Cohort.objects.get()
    assert cohort.end == today and cohort.sessions.count() == 7
    assert trainer.url == f"{url}/training/cohorts/{cohort.pk}/"
    assert UNICODE in trainer.locator("h1").inner_text()
    _submit(trainer, "#state-enrolling")
    cohort.refresh_from_db()
    assert cohort.state == CohortState.ENROLLING

    # 3. A case worker applies for three admissible people.
    case_worker = _phone(browser, live_server, worker)
    for person in people:
        case_worker.goto(f"{url}/training/apply/{person.pk}/?cohort={cohort.pk}")
        case_worker.fill("#id_reason", "ဖုန်းပြင်ဆိုင် ဖွင့်ချင်လို့")
        if person == people[0]:
            _shot(case_worker, "apply-my")
        _submit(case_worker, "main form button[type=submit]")
        assert "/training/applications/" in case_worker.url
    assert Application.objects.filter(cohort=cohort, state=AppState.APPLIED).count() == 3
    case_worker.context.close()

    # 4. Trainer one proposes the list; trainer two, on another phone, confirms it.
    trainer.goto(f"{url}/training/cohorts/{cohort.pk}/selection/")
    _submit(trainer, "#propose-selection")
    assert trainer.locator("#pending-selection").count() == 1
    assert trainer.locator("#confirm-selection").count() == 0  # not the one who proposed
    _shot(trainer, "selection-proposed-my")
    second = _phone(browser, live_server, two)
    second.goto(f"{url}/training/cohorts/{cohort.pk}/selection/")
    _submit(second, "#confirm-selection")
    assert Application.objects.filter(cohort=cohort, state=AppState.SEATED).count() == 3
    # The one thing a browser cannot do is wait a week: as if the list had been confirmed the
    # day before the first session (attendance counts from the day a person got the seat).
    Application.objects.filter(cohort=cohort).update(seated_at=timezone.now() - timedelta(days=7))

    # 5. The cohort runs. The first five days were marked (through the actions): the third
    #    person never came. The trainer takes the last two on the phone, one tap per person
    #    who is not simply present.
    trainer.goto(f"{url}/training/cohorts/{cohort.pk}/")
    _submit(trainer, "#state-running")
    apps = {a.person_id: a for a in Application.objects.filter(cohort=cohort)}
    first, late, absent = (apps[p.pk] for p in people)
    status = {s.code: s.pk for s in AttendanceStatus.objects.filter(status_set=StatusSet.current())}
    for session in cohort.sessions.filter(day__lt=today - timedelta(days=1)):
        marks = {first.pk: status["present"], late.pk: status["present"], absent.pk: status["absent"]}
        actions.do_take_attendance(one, session, marks)
    trainer.reload()
    assert trainer.locator("#take-attendance").count() == 1
    _shot(trainer, "cohort-running-my")
    _submit(trainer, "#take-attendance")
    assert trainer.url == f"{url}/training/cohorts/{cohort.pk}/attendance/{today.isoformat()}/"
    rows = trainer.locator("#attendance-form fieldset.mark")
    assert rows.count() == 3
    assert trainer.locator("#not-saved").count() == 1
    _shot(trainer, "attendance-before-my")
    trainer.locator(f"#row-{late.pk} .segment span", has_text=LATE).click()
    trainer.locator(f"#row-{absent.pk} .segment span", has_text=ABSENT).click()
    assert trainer.locator(f"#row-{absent.pk} input:checked + span").inner_text() == ABSENT
    _check_phone_layout(trainer)
    _shot(trainer, "attendance-tapped-my")
    _submit(trainer, "#save-attendance")
    assert trainer.locator("#not-saved").count() == 0
    _shot(trainer, "attendance-saved-my")
    yesterday = (today - timedelta(days=1)).isoformat()
    _submit(trainer, f"a[href$='/attendance/{yesterday}/']")  # the day before, from the page
    assert trainer.locator("#not-saved").count() == 1
    trainer.locator(f"#row-{absent.pk} .segment span", has_text=ABSENT).click()
    _submit(trainer, "#save-attendance")
    for day, expected in (
        (today, (PRESENT, LATE_CODE, ABSENT_CODE)),
        (today - timedelta(days=1), (PRESENT, PRESENT, ABSENT_CODE)),
    ):
        marks = {
            m.application_id: m.status.code
            for m in Attendance.objects.filter(session__day=day).select_related("status")
        }
        assert marks == dict(zip((first.pk, late.pk, absent.pk), expected, strict=True)), day

    # 6. A practical assessment, on the application page, for the two who came.
    for app in (first, late):
        trainer.goto(f"{url}/training/applications/{app.pk}/")
        trainer.fill("#id_name", "ဖုန်းမျက်နှာပြင် လဲခြင်း")
        trainer.check("#id_passed")
        _submit(trainer, "#add-assessment")
        assert app.assessments.get().passed
    _shot(trainer, "application-assessed-my")

    # 7. Graduation: trainer one proposes, trainer two approves. The first (100 %) and the one
    #    late once (96.4 %) pass; the third (0 %, no assessment) does not.
    trainer.goto(f"{url}/training/cohorts/{cohort.pk}/graduation/")
    _submit(trainer, "#propose-graduation")
    assert trainer.locator("#pending-graduation").count() == 1
    _shot(trainer, "graduation-proposed-my")
    second.goto(f"{url}/training/cohorts/{cohort.pk}/graduation/")
    _submit(second, "#approve-graduation")
    cohort.refresh_from_db()
    assert cohort.state == CohortState.GRADUATED
    states = dict(Application.objects.filter(cohort=cohort).values_list("pk", "state"))
    assert states == {first.pk: AppState.GRADUATED, late.pk: AppState.GRADUATED, absent.pk: AppState.NOT_PASSED}
    second.context.close()

    # 8. The certificate: issued under the alias, downloaded in Burmese.
    trainer.goto(f"{url}/training/applications/{first.pk}/")
    assert trainer.locator("input[name=name_choice][value=alias]").is_checked()
    _submit(trainer, "#issue-certificate")
    certificate = Certificate.objects.get()
    _shot(trainer, "certificate-issued-my")
    with trainer.expect_download() as download:
        trainer.click(f"#certificate-{certificate.pk} a[lang=my]")
    pdf_path = tmp_path / "certificate.pdf"
    download.value.save_as(pdf_path)
    assert download.value.suggested_filename == f"certificate-{certificate.pk}.pdf"  # says nothing of the person
    pdf = pdf_path.read_bytes()
    text = _render_first_page(pdf)
    assert people[0].case_code not in text
    code = CODE.search(text)
    assert code is not None, text
    # Every font embedded is one of our bundled files, and the Burmese of the alias and of the
    # course came from our Noto Sans Myanmar Bold, with its glyphs.
    assert_set_in_bundled_fonts(pdf, {MYANMAR_BOLD: "ကအမဖပ"})
    trainer.context.close()

    # 9. Anyone checks it: a fresh phone, not logged in, the printed address.
    stranger = _phone(browser, live_server)
    response = stranger.goto(f"{url}/c/{code.group(0)}")
    assert response is not None and response.status == 200
    body = stranger.locator("body").inner_text()
    assert ALIASES[0] in body and UNICODE in body
    for person in people:
        assert person.case_code not in body
        assert person.case_code not in stranger.content()
    assert "ဖုန်းပြင်ဆိုင်" not in body  # the application's reason stays in the record
    assert stranger.context.cookies() == []
    _shot(stranger, "verify-my")
    stranger.context.close()


def _default_statuses(director: Any) -> None:
    """The attendance statuses migration 0002 makes: an earlier browser test flushed every table
    (a transactional test does), so they are made again, through the action, when missing."""
    if StatusSet.objects.exists():
        return
    default = importlib.import_module("sanctuary.training.migrations.0002_default_statuses").DEFAULT
    actions.do_save_statuses(director, [actions.StatusRow(*row) for row in default])


def _check_phone_layout(page: Any) -> None:
    """One row per person, every status a tap target at least 44 px high, nothing wider than the
    screen, and the save button on screen without scrolling past the list."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    boxes = page.locator("#attendance-form fieldset.mark").evaluate_all(
        "rows => rows.map(r => r.getBoundingClientRect()).map(b => [b.top, b.bottom, b.width])"
    )
    for (_, bottom, row_width), (next_top, _, _) in pairwise(boxes):
        assert bottom <= next_top  # stacked, one under another
        assert row_width <= width
    targets = page.locator("#attendance-form .segment span").evaluate_all(
        "spans => spans.map(s => s.getBoundingClientRect()).map(b => [b.width, b.height])"
    )
    assert targets and all(w >= 44 and h >= 44 for w, h in targets), targets
    save = page.locator("#save-attendance").bounding_box()
    assert save is not None and save["height"] >= 44


def _render_first_page(pdf: bytes) -> str:
    """The first page as an image (kept in /tmp/shots) and as text; the image is not blank."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    image = page.render(scale=2).to_pil()
    SHOTS.mkdir(parents=True, exist_ok=True)
    image.save(SHOTS / "training-certificate-pdf-my.png")
    histogram = image.convert("L").histogram()
    assert sum(histogram[:128]) > 2000  # dark pixels: text, the QR code, rules
    assert sum(histogram[200:]) > sum(histogram) // 2  # mostly paper
    return str(page.get_textpage().get_text_range())
