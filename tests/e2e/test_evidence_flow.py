"""As people would, on a 360 px phone, in Burmese: a case worker records that a relative was
detained; an evidence officer screens the person's testimony and adds a document; the officer
records the person's consent to pass it to the IIMM (the name not to be disclosed); the officer
proposes a package, a second officer releases it; the downloaded file verifies with the
recipient's key (``verify_package``), the original inside identical to what was uploaded."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from sanctuary.consent.models import ConsentRecord
from sanctuary.evidence.models import Item, Package, PackageState, Testimony
from sanctuary.family.models import RelativeEvent
from tests.e2e.test_login_person_flow import _log_in
from tests.evidence import helpers
from tests.factories import PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "shots"


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"evidence-{name}.png"), full_page=True)


def _submit(page: Any, selector: str) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")
    with page.expect_navigation():
        page.click(selector)


def _narrow(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 362


def _session(browser: Any, live_server: Any, user: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="my-MM", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    _log_in(page, live_server, user)
    assert page.locator("html").get_attribute("lang") == "my"
    return context, page


def test_testimony_to_a_verified_package(browser, live_server, make_user, team_a, tmp_path) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("case_worker", language="my", username="worker")
    first = make_user("evidence_officer", language="my", username="officer1")
    second = make_user("evidence_officer", language="my", username="officer2")
    person = PersonFactory(team=team_a, alias="ကိုဇော်ဝင်း")
    key, secret = helpers.key(first)  # the IIMM's public key, given to us; they keep the secret
    url = live_server.url

    # 1. The case worker: a relative at home, detained.
    context, page = _session(browser, live_server, worker)
    page.goto(f"{url}/people/{person.pk}/")
    page.click("#add-relative")
    page.select_option("#id_relation", "mother")
    page.fill("#id_name", "ဒေါ်ခင်")
    page.fill("#id_village", "ရွာသစ်ကုန်း")
    _submit(page, "#save-relative")
    page.click("#add-event")
    page.select_option("#id_kind", "detained")
    page.fill("#id_on", "၂၀၂၆")
    page.select_option("#id_source", "person")
    _submit(page, "#save-event")
    assert RelativeEvent.objects.filter(kind="detained").count() == 1
    context.close()

    # 2. The first officer screens the testimony and adds a document.
    context, page = _session(browser, live_server, first)
    page.goto(f"{url}/people/{person.pk}/")
    page.click("#add-testimony")
    assert page.locator("#why-summary").is_visible()
    page.select_option("#id_involvement", "received_orders")
    page.check("input[name=order_kinds][value=arson]")
    page.fill("#id_when", "၂၀၂၂ မတ်လ")
    page.select_option("#id_region", "sagaing")
    page.fill("#id_unit", "ခြေလျင်တပ်ရင်း ၁၂၃")
    page.fill("#id_summary_my", "ရွာမီးရှို့ရန် ရေဒီယိုဖြင့် အမိန့်ရခဲ့သည်။")
    page.fill("#id_summary_en", "Received a radio order to burn a village.")
    page.fill("#id_orders_received", "ရေဒီယို၊ နှစ်ကြိမ်")
    _shot(page, "screening-my")
    _narrow(page)
    _submit(page, "#testimony-form button[type=submit]")
    testimony = Testimony.objects.get(person=person)
    _submit(page, "#mark-ready")
    page.click("#add-item")
    original = b"%PDF-1.4\n" + bytes(range(256)) * 200 + b"\n%%EOF\n"
    page.set_input_files("#id_file", files=[{"name": "amein.pdf", "mimeType": "application/pdf", "buffer": original}])
    page.select_option("#id_kind", "document")
    page.fill("#id_title", "တပ်ရင်း အမိန့်စာ")
    page.select_option("#id_received_how", "in_person")
    _submit(page, "#item-form button[type=submit]")
    item = Item.objects.get(testimony=testimony)
    assert page.locator("#sha256").inner_text().strip() == str(item.sha256)
    _shot(page, "item-my")
    _narrow(page)

    # 3. The officer records the person's consent for the IIMM: the name not to go to a court.
    page.goto(f"{url}/consent/person/{person.pk}/")
    page.select_option("#id_purpose", "testimony")
    page.select_option("#id_recipient", str(key.recipient.pk))
    page.check("#id_state_0")
    page.select_option("#id_method", "signed")
    page.select_option("#id_name_disclosure", "no")
    page.fill("#id_notice_version", "2026-1")
    _submit(page, "main form button[type=submit]")
    consent = ConsentRecord.objects.get(person=person, purpose="testimony")
    assert consent.state == "given" and consent.name_disclosure == "no"

    # 4. The first officer proposes; the second releases; the package is built.
    page.goto(f"{url}/evidence/{testimony.pk}/")
    page.click("#new-package")
    page.select_option("#id_key", str(key.pk))
    page.check(f"input[name=items][value='{item.pk}']")
    _submit(page, "#package-form button[type=submit]")
    package = Package.objects.get(testimony=testimony)
    assert page.locator("#needs-second").is_visible()  # not by the one who proposed
    context.close()
    context, page = _session(browser, live_server, second)
    page.goto(f"{url}/evidence/keys/")
    assert page.locator(f"#key-{key.pk}").is_visible()
    # Plain (link-like) buttons use the bundled fonts too, not a system font without Burmese.
    fonts = page.evaluate(f"getComputedStyle(document.querySelector('#key-{key.pk} button.linklike')).fontFamily")
    assert "Noto Sans Myanmar" in fonts
    _shot(page, "keys-my")
    _narrow(page)
    page.goto(f"{url}/evidence/")
    _shot(page, "desk-my")
    _narrow(page)
    page.click(f"a[href='/evidence/packages/{package.pk}/']")
    _shot(page, "release-my")
    _submit(page, "#release-package")
    package.refresh_from_db()
    assert package.state == PackageState.BUILT, package.failure
    with page.expect_download() as download_info:
        page.click("#download-package")
    downloaded = tmp_path / "package.tar.age"
    download_info.value.save_as(downloaded)
    _shot(page, "package-my")
    _narrow(page)
    context.close()

    # 5. What the investigator does: verify with their key; the original is identical.
    identity = tmp_path / "iimm.key"
    identity.write_text(secret + "\n")
    out = io.StringIO()
    call_command("verify_package", str(downloaded), identity=str(identity), extract=str(tmp_path / "bag"), stdout=out)
    assert "VERIFIED" in out.getvalue()
    bag = next((tmp_path / "bag").iterdir())
    assert (bag / "data" / "originals" / "001.pdf").read_bytes() == original
