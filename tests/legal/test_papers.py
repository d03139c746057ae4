"""Papers through the screens: the expiry alert comes and goes, an expiry before the issue
date is refused on its field in the user's language with everything typed kept, the embassy
route is refused until the risk was explained, a work permit names one of the person's
employers, the scan is stored as the person's encrypted document, and every change of state
is recorded with its day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from sanctuary.audit.models import AuditEntry
from sanctuary.legal import actions
from sanctuary.legal.actions import LegalRuleError
from sanctuary.legal.models import LegalSettings, Paper, PaperChange, PaperStatus
from sanctuary.lib import bounds
from sanctuary.people.models import DocumentKind, PersonDocument
from tests.factories import PersonFactory
from tests.legal import helpers
from tests.vault.images import tiny_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user("case_worker")


@pytest.fixture
def person(team_a: Any) -> Any:
    return PersonFactory(team=team_a)


def _data(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data = {
        "doc_type": str(helpers.doc_type("pink_card").pk),
        "status": "issued",
        "number": "0-1234-56789-01-2",
        "issuer": "Mae Sot district office",
        "issued_on": helpers.iso(today - timedelta(days=300)),
        "expires_on": helpers.iso(today + timedelta(days=400)),
        "notes": "Kept by the person",
    }
    data.update(overrides)
    return data


def test_a_paper_expiring_within_60_days_is_to_act_on_until_it_is_renewed(worker: Any, person: Any, login: Any) -> None:
    client = login(worker)
    today = timezone.localdate()
    response = client.post(
        f"/papers/people/{person.pk}/paper/", _data(expires_on=helpers.iso(today + timedelta(days=59)))
    )
    assert response.status_code == 302
    found = Paper.objects.get()
    assert found.number == "0-1234-56789-01-2" and found.issuer == "Mae Sot district office"
    page = client.get("/papers/").content.decode()
    assert f"/papers/{found.pk}/" in page and "expires in 59 days" in page
    assert "Papers (1)" in client.get("/").content.decode()  # the nav badge
    renewed = _data(expires_on=helpers.iso(today + timedelta(days=61)))
    del renewed["status"]
    assert client.post(f"/papers/{found.pk}/", renewed).status_code == 302
    assert f"/papers/{found.pk}/" not in client.get("/papers/").content.decode()
    assert "Papers (1)" not in client.get("/").content.decode()


def test_an_expired_paper_is_still_to_act_on_and_a_lost_one_is_not(worker: Any, person: Any, login: Any) -> None:
    today = timezone.localdate()
    old = helpers.paper(worker, person, issued_on=today - timedelta(days=800), expires_on=today - timedelta(days=3))
    client = login(worker)
    assert "expired 3 days ago" in client.get("/papers/").content.decode()
    response = client.post(f"/papers/{old.pk}/status/", {"status": "lost", "on": helpers.iso(today)})
    assert response.status_code == 302
    assert f"/papers/{old.pk}/" not in client.get("/papers/").content.decode()


def test_the_warning_period_is_the_organisations(worker: Any, person: Any) -> None:
    today = timezone.localdate()
    paper = helpers.paper(worker, person, issued_on=today - timedelta(days=10), expires_on=today + timedelta(days=30))
    assert Paper.objects.visible_to(worker).to_renew().filter(pk=paper.pk).exists()
    row = LegalSettings.current()
    row.expiry_warning_days = 20
    actions.do_save_settings(worker, row)
    assert not Paper.objects.visible_to(worker).to_renew().filter(pk=paper.pk).exists()
    row.expiry_warning_days = 45
    actions.do_save_settings(worker, row)
    assert Paper.objects.visible_to(worker).to_renew().filter(pk=paper.pk).exists()


def test_an_expiry_before_the_issue_date_is_refused_in_burmese_keeping_what_was_typed(
    make_user: Any, person: Any, login: Any
) -> None:
    worker = make_user("case_worker", language="my")
    today = timezone.localdate()
    data = _data(
        issued_on=helpers.iso(today), expires_on=helpers.iso(today - timedelta(days=1)), number="MM-778899", issuer=""
    )
    response = login(worker).post(f"/papers/people/{person.pk}/paper/", data)
    page = response.content.decode()
    assert response.status_code == 400 and not Paper.objects.exists()
    with translation.override("my"):
        message = str(LegalRuleError("expires_before_issue").message)
        cancel = translation.gettext("Cancel")
    assert message in page and 'lang="my"' in page and page.count(message) == 1
    assert cancel != "Cancel" and cancel in page  # the page is in Burmese
    assert "MM-778899" in page and "Kept by the person" in page and helpers.iso(today - timedelta(days=1)) in page


def test_the_database_refuses_an_expiry_before_the_issue_date_too(worker: Any, person: Any) -> None:
    from django.db import IntegrityError, transaction

    today = timezone.localdate()
    paper = helpers.paper(worker, person, issued_on=today, expires_on=today)
    with pytest.raises(IntegrityError), transaction.atomic():
        Paper.objects.filter(pk=paper.pk).update(expires_on=today - timedelta(days=1))


def test_the_embassy_route_is_refused_until_the_risk_was_explained(worker: Any, person: Any, login: Any) -> None:
    client = login(worker)
    passport = helpers.doc_type("ci_passport")
    form = client.get(f"/papers/people/{person.pk}/paper/").content.decode()
    assert 'id="embassy-warning"' in form and "Myanmar embassy" in form
    data = _data(doc_type=str(passport.pk), number="MA123456", status="applied")
    response = client.post(f"/papers/people/{person.pk}/paper/", data)
    page = response.content.decode()
    assert response.status_code == 400 and not Paper.objects.exists()
    assert LegalRuleError("embassy_risk").message in page and "MA123456" in page
    response = client.post(f"/papers/people/{person.pk}/paper/", {**data, "risk_explained": "on"})
    assert response.status_code == 302
    saved = Paper.objects.get()
    assert saved.doc_type == passport and saved.risk_explained_by == worker and saved.status == PaperStatus.APPLIED


def test_a_work_permit_names_one_of_the_persons_employers(worker: Any, person: Any, login: Any) -> None:
    client = login(worker)
    permit, card = helpers.doc_type("work_permit"), helpers.doc_type("pink_card")
    with helpers.employers(("employer:7", "Orchard North")):
        assert "Orchard North" in client.get(f"/papers/people/{person.pk}/paper/").content.decode()
        refused = client.post(f"/papers/people/{person.pk}/paper/", _data(doc_type=str(card.pk), employer="employer:7"))
        assert refused.status_code == 400 and LegalRuleError("not_tied").message in refused.content.decode()
        unknown = client.post(
            f"/papers/people/{person.pk}/paper/", _data(doc_type=str(permit.pk), employer="employer:9")
        )
        assert unknown.status_code == 400 and not Paper.objects.exists()
        saved = client.post(f"/papers/people/{person.pk}/paper/", _data(doc_type=str(permit.pk), employer="employer:7"))
    assert saved.status_code == 302
    paper = Paper.objects.get()
    assert (paper.employer_ref, paper.employer_name) == ("employer:7", "Orchard North")


def test_the_scan_is_the_persons_encrypted_paper_document(worker: Any, person: Any, login: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(worker)
    upload = SimpleUploadedFile("card.png", tiny_png(), content_type="image/png")
    response = client.post(f"/papers/people/{person.pk}/paper/", {**_data(), "file": upload})
    assert response.status_code == 302
    paper = Paper.objects.get()
    document = PersonDocument.objects.get(person=person)
    assert paper.scan == document and document.kind == DocumentKind.PAPER
    assert document.read_file() and document.content_type == "image/png"
    page = client.get(f"/papers/{paper.pk}/").content.decode()
    assert f"/people/{person.pk}/documents/{document.pk}/" in page


def test_a_refused_file_saves_no_paper(worker: Any, person: Any, login: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("card.png", b"not an image at all", content_type="image/png")
    response = login(worker).post(f"/papers/people/{person.pk}/paper/", {**_data(), "file": upload})
    assert response.status_code == 400
    assert not Paper.objects.exists() and not PersonDocument.objects.exists()
    assert "0-1234-56789-01-2" in response.content.decode()


def test_every_change_of_state_is_recorded_with_its_day(worker: Any, person: Any, login: Any) -> None:
    today = timezone.localdate()
    paper = helpers.paper(worker, person, status="applied")
    client = login(worker)
    assert client.post(f"/papers/{paper.pk}/status/", {"status": "issued", "on": helpers.iso(today)}).status_code == 302
    seized_on = today - timedelta(days=0)
    assert (
        client.post(f"/papers/{paper.pk}/status/", {"status": "seized", "on": helpers.iso(seized_on)}).status_code
        == 302
    )
    changes = list(PaperChange.objects.filter(paper=paper).order_by("id").values_list("old_status", "new_status"))
    assert changes == [("", "applied"), ("applied", "issued"), ("issued", "seized")]
    paper.refresh_from_db()
    assert paper.status == PaperStatus.SEIZED and paper.status_on == seized_on
    same = client.post(f"/papers/{paper.pk}/status/", {"status": "seized", "on": helpers.iso(today)})
    assert same.status_code == 400 and LegalRuleError("same_status").message in same.content.decode()
    future = client.post(
        f"/papers/{paper.pk}/status/", {"status": "lost", "on": helpers.iso(today + timedelta(days=2))}
    )
    ahead = str(bounds.MESSAGE % bounds.limits_shown(bounds.LEGAL_STEP))  # a day to come is outside the range
    assert future.status_code == 400 and ahead in future.content.decode()
    entries = AuditEntry.objects.filter(object_type="legal.paper", object_id=str(paper.pk))
    assert entries.filter(fields=["status"]).count() == 2
    assert "0-1234" not in str(list(entries.values_list("fields", flat=True)))


def test_a_number_typed_in_zawgyi_is_stored_in_unicode(worker: Any, person: Any, login: Any) -> None:
    response = login(worker).post(f"/papers/people/{person.pk}/paper/", _data(notes="ဖုန္းျပင္"))
    assert response.status_code == 302
    assert Paper.objects.get().notes == "ဖုန်းပြင်"


def test_a_paper_of_another_team_is_not_found(worker: Any, person_b: Any, login: Any) -> None:
    paper = helpers.paper(worker, person_b)
    client = login(worker)
    assert client.get(f"/papers/{paper.pk}/").status_code == 404
    assert f"/papers/{paper.pk}/" not in client.get("/papers/").content.decode()
