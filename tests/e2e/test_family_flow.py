"""As people would, on a 360 px phone, in Burmese: a case worker records a relative at home
with the contact rule chosen first, then records that the relative was detained (where and by
whom); the person page shows the rule first and the relative as detained now, without the
name or the village (the case worker holds no true-identity grant). A contact is then made
"through the recorded intermediary" with no name to type (the server records the one on
file), and without the grant the edit form offers no intermediary to overwrite."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from sanctuary.family.models import ContactMade, ContactRule, Relative, RelativeEvent
from tests.e2e.test_login_person_flow import _log_in
from tests.factories import PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _submit(page: Any, selector: str) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")
    with page.expect_navigation():
        page.click(selector)


def test_a_case_worker_records_a_detained_relative(browser, live_server, make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("case_worker", language="my", username="worker")
    person = PersonFactory(team=team_a, alias="ကိုဇော်ဝင်း")
    url = live_server.url
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="my-MM")
    page = context.new_page()
    page.set_default_timeout(15_000)
    _log_in(page, live_server, worker)
    assert page.locator("html").get_attribute("lang") == "my"

    # 1. The relative, through an intermediary.
    page.goto(f"{url}/people/{person.pk}/")
    page.click("#add-relative")
    assert page.locator("#id_contact_rule_0").is_checked()  # never contact, unless chosen
    page.check("#id_contact_rule_1")
    page.fill("#id_intermediary", "ဦးမောင်မောင်")
    page.select_option("#id_relation", "father")
    page.fill("#id_name", "ဦးလှမောင်")
    page.fill("#id_village", "ကျောက်ကလပ်")
    page.select_option("#id_region", "sagaing")
    page.check("#id_in_danger")
    _submit(page, "#save-relative")
    relative = Relative.objects.get(person=person)
    assert relative.contact_rule == ContactRule.INTERMEDIARY and relative.village == "ကျောက်ကလပ်"
    assert page.evaluate("document.documentElement.scrollWidth") <= 362

    # 2. His detention, known to the month.
    page.click("#add-event")
    page.select_option("#id_kind", "detained")
    page.fill("#id_on", "၂၀၂၅-၀၃")  # Burmese digits
    page.select_option("#id_source", "relative")
    page.fill("#id_detained_where", "မုံရွာ ထောင်")
    page.fill("#id_detained_by", "စစ်တပ်")
    _submit(page, "#save-event")
    event = RelativeEvent.objects.get(relative=relative)
    assert event.on == "2025-03" and event.detained_where == "မုံရွာ ထောင်"
    assert page.evaluate("document.documentElement.scrollWidth") <= 362

    # 3. The person page: the rule first, detained now, no name or village.
    page.goto(f"{url}/people/{person.pk}/")
    card = page.locator(f"#relative-{relative.pk}")
    with translation.override("my"):
        rule, detained = str(ContactRule.INTERMEDIARY.label), translation.gettext("Detained now")
    text = card.inner_text()
    assert text.index(rule) < text.index(detained)
    body = page.content()
    assert "ဦးလှမောင်" not in body and "ကျောက်ကလပ်" not in body and "ဦးမောင်မောင်" not in body
    assert page.evaluate("document.documentElement.scrollWidth") <= 362

    # 4. A contact through the recorded intermediary: nothing to type, nothing shown.
    page.goto(f"{url}/family/relatives/{relative.pk}/")
    assert page.locator("#id_intermediary").count() == 0 and page.locator("#rule-needs-grant").count() == 1
    page.click("#add-contact")
    assert page.locator("#id_through").count() == 0
    assert page.locator("#id_how_1").is_checked()  # the relative's rule: through the intermediary
    assert "ဦးမောင်မောင်" not in page.content()
    _submit(page, "#save-contact")
    made = ContactMade.objects.get(relative=relative)
    assert made.through == "ဦးမောင်မောင်" and "ဦးမောင်မောင်" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 362
    context.close()
