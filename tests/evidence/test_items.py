"""Items: uploads stream through the evidence handler into the store, encrypted as they
arrive, with both hashes taken on the way; nothing of the file is kept for anyone refused.
Custody is the audit chain's entries under the item's id. Directors do not see evidence."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sanctuary.audit.models import AuditEntry
from sanctuary.evidence import actions, store
from sanctuary.evidence.models import Item
from sanctuary.vault import files
from tests.conftest import verified_client
from tests.evidence import helpers

pytestmark = pytest.mark.django_db


def _store_files() -> set[str]:
    return {p.name for p in files.storage_dir().iterdir() if p.name.startswith("ev-")}


def _form(data: bytes, name: str = "radio-log.wav") -> dict[str, Any]:
    return {
        "file": SimpleUploadedFile(name, data, content_type="audio/wav"),
        "kind": "audio",
        "title": "Radio log, 3 March",
        "received_how": "copied",
        "received_note": "",
    }


def test_an_upload_is_kept_bit_for_bit_and_hashed_on_arrival(make_user: Any, person_a: Any) -> None:
    officer = make_user("evidence_officer")
    testimony = helpers.testimony(officer, person_a)
    data = os.urandom(3 * store.CHUNK + 12345)  # several chunks, a ragged end
    response = verified_client(officer).post(reverse("evidence:item_add", args=[testimony.pk]), _form(data))
    assert response.status_code == 302, response.content[:500]
    item = Item.objects.get()
    assert item.size == len(data)
    assert str(item.sha256) == hashlib.sha256(data).hexdigest()
    assert str(item.sha512) == hashlib.sha512(data).hexdigest()
    assert data[:64] not in store.path_of(item.stored_name).read_bytes()  # encrypted at rest
    with store.reading(item.stored_name) as plain:
        assert plain.read() == data
    custody = AuditEntry.objects.filter(object_type="evidence.item", object_id=str(item.pk))
    assert list(custody.values_list("action", flat=True)) == ["create"]
    download = verified_client(officer).get(reverse("evidence:item_download", args=[item.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == data  # type: ignore[attr-defined]
    assert "radio-log" not in download["Content-Disposition"]  # our name, not the sender's
    assert custody.filter(action="view").count() == 1


def test_refused_uploads_leave_nothing(make_user: Any, person_a: Any, person_b: Any, settings: Any) -> None:
    officer = make_user("evidence_officer")
    mine = helpers.testimony(officer, person_a)
    other_team = helpers.testimony(officer, person_b)
    before = _store_files()
    for user, testimony in (
        (make_user("director"), mine),  # directors do not get evidence
        (make_user("case_worker"), mine),
        (officer, other_team),  # another team's person
    ):
        response = verified_client(user).post(reverse("evidence:item_add", args=[testimony.pk]), _form(b"x" * 5000))
        assert response.status_code in (403, 404)
    invalid = verified_client(officer).post(
        reverse("evidence:item_add", args=[mine.pk]), {**_form(b"y" * 5000), "title": ""}
    )
    assert invalid.status_code == 400  # the form comes back; the file is not kept
    settings.EVIDENCE_MAX_BYTES = 10_000
    too_big = verified_client(officer).post(reverse("evidence:item_add", args=[mine.pk]), _form(b"z" * 20_000))
    assert too_big.status_code == 400
    assert "limit" in too_big.content.decode() or too_big.context["form"].errors
    assert _store_files() == before
    assert not Item.objects.exists()


def test_a_working_copy_links_to_its_original(make_user: Any, person_a: Any) -> None:
    officer = make_user("evidence_officer")
    testimony = helpers.testimony(officer, person_a)
    original = helpers.item(officer, testimony)
    response = verified_client(officer).post(
        reverse("evidence:item_copy", args=[original.pk]),
        {**_form(b"redacted copy", "copy.pdf"), "derivative_kind": "redacted"},
    )
    assert response.status_code == 302
    copy = Item.objects.exclude(pk=original.pk).get()
    assert copy.original_id == original.pk and copy.derivative_kind == "redacted"
    entries = AuditEntry.objects.filter(object_type="evidence.item", object_id=str(original.pk))
    assert entries.filter(action="copy").exists()  # the original's custody shows the copy
    with pytest.raises(actions.EvidenceRuleError):  # no copy of a copy
        actions.do_receive_item(
            officer,
            testimony,
            store.write_bytes(b"again"),
            {"kind": "other", "title": "t", "received_how": "other"},
            original=copy,
        )


def test_a_changed_file_is_not_handed_out(make_user: Any, person_a: Any) -> None:
    officer = make_user("evidence_officer")
    item = helpers.item(officer, helpers.testimony(officer, person_a))
    original = b"%PDF-1.4 the same size, other bytes"
    item = helpers.item(officer, item.testimony, original)
    same_size = store.write_bytes(b"%PDF-1.4 the same size, other bytez")
    os.replace(store.path_of(same_size.name), store.path_of(item.stored_name))
    response = verified_client(officer).get(reverse("evidence:item_download", args=[item.pk]))
    sent = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert sent != b"%PDF-1.4 the same size, other bytez"  # cut: never handed out whole
    item.refresh_from_db()
    assert item.hash_failed_at is not None
    again = verified_client(officer).get(reverse("evidence:item_download", args=[item.pk]))
    assert again.status_code == 302  # marked: refused from now on
    desk = verified_client(officer).get(reverse("evidence:testimonies")).content.decode()
    assert reverse("evidence:item", args=[item.pk]) in desk


def test_directors_do_not_see_evidence_anywhere(make_user: Any, person_a: Any) -> None:
    officer, director = make_user("evidence_officer"), make_user("director")
    testimony = helpers.testimony(officer, person_a, unit="Needle Battalion 77")
    client = verified_client(director)
    page = client.get(reverse("people:detail", args=[person_a.pk])).content.decode()
    dashboard = client.get(reverse("dashboard")).content.decode()
    for text in (page, dashboard):
        assert reverse("evidence:testimony", args=[testimony.pk]) not in text
        assert reverse("evidence:testimonies") not in text
    officer_page = verified_client(officer).get(reverse("people:detail", args=[person_a.pk])).content.decode()
    assert reverse("evidence:testimony", args=[testimony.pk]) in officer_page


def test_the_screening_form_explains_why_a_summary(make_user: Any, person_a: Any) -> None:
    officer = make_user("evidence_officer", language="my")
    page = verified_client(officer).get(reverse("evidence:testimony_new", args=[person_a.pk])).content.decode()
    assert 'id="why-summary"' in page
    assert "discredit" not in page  # shown in Burmese, not English


def test_testimony_consent_asks_about_the_name_in_court(make_user: Any, person_a: Any) -> None:
    """Testimony consent is not complete without the court question; the answer is shown in
    plain words and travels in the package's consent record."""
    from sanctuary.consent import words
    from sanctuary.consent.actions import ConsentRuleError

    director = make_user("director")
    recipient = helpers.investigator()
    with pytest.raises(ConsentRuleError) as refused:
        helpers.testimony_consent(director, person_a, recipient, disclosure="")
    assert refused.value.code == "needs_disclosure"
    record = helpers.testimony_consent(director, person_a, recipient, disclosure="ask")
    from django.utils import translation

    with translation.override("en"):
        assert "Ask them again" in words.sentence(record)
    page = verified_client(director).get(reverse("people:detail", args=[person_a.pk])).content.decode()
    assert "IIMM" not in page  # who agreed to testify is for evidence officers only
    director_form = verified_client(director).get(reverse("consent:person", args=[person_a.pk])).context["form"]
    assert "testimony" not in dict(director_form.fields["purpose"].choices)
    officer = make_user("evidence_officer")
    assert "IIMM" in verified_client(officer).get(reverse("people:detail", args=[person_a.pk])).content.decode()
    response = verified_client(officer).post(
        reverse("consent:person", args=[person_a.pk]),
        {
            "purpose": "testimony",
            "recipient": recipient.pk,
            "state": "given",
            "given_on": "2026-01-05",
            "method": "signed",
            "given_by": "person",
            "notice_version": "2026-1",
            "notice_language": "my",
            "retain_until": "2040-01-01",
        },
    )
    assert response.status_code == 400
    assert "name_disclosure" in response.context["form"].errors


def test_the_desk_costs_the_same_with_many_records(
    make_user: Any, person_a: Any, team_a: Any, django_assert_max_num_queries: Any
) -> None:
    from tests.factories import PersonFactory

    officer = make_user("evidence_officer")
    client = verified_client(officer)
    for _n in range(3):
        helpers.testimony(officer, PersonFactory(team=team_a), ready=False)
    client.get(reverse("evidence:testimonies"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("evidence:testimonies"))
    for _n in range(25):
        helpers.testimony(officer, PersonFactory(team=team_a), ready=False)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("evidence:testimonies")).content.decode()
    assert page.count('href="/evidence/') >= 28


def test_the_sweep_removes_only_old_files_nobody_names(make_user: Any, person_a: Any) -> None:
    import io
    import time

    from django.core.management import call_command

    officer = make_user("evidence_officer")
    kept = helpers.item(officer, helpers.testimony(officer, person_a))
    orphan, fresh = store.write_bytes(b"killed mid-upload"), store.write_bytes(b"an upload still running")
    old = time.time() - 3 * 86400
    for name in (kept.stored_name, orphan.name):
        os.utime(store.path_of(name), (old, old))
    out = io.StringIO()
    call_command("evidence_sweep", stdout=out)
    assert out.getvalue().startswith("1 ")
    assert not store.path_of(orphan.name).exists()
    assert store.path_of(kept.stored_name).exists() and store.path_of(fresh.name).exists()
