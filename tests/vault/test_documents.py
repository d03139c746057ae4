"""Photos lose their metadata and are encrypted on disk; bad uploads are refused clearly."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sanctuary.audit.models import Action, AuditEntry
from sanctuary.people.models import PersonDocument
from sanctuary.vault import files
from tests.vault.images import jpeg_with_exif

pytestmark = pytest.mark.django_db


def test_photo_is_stripped_encrypted_and_served_back(make_user, login, person_a) -> None:  # type: ignore[no-untyped-def]
    client: Client = login(make_user("case_worker"))
    photo = jpeg_with_exif("Secret Owner Name")
    assert b"Secret Owner Name" in photo
    upload = SimpleUploadedFile("IMG_Ko_Thiha.jpg", photo, content_type="image/jpeg")
    response = client.post(f"/people/{person_a.pk}/documents/", {"file": upload, "kind": "photo", "title": "face"})
    assert response.status_code == 302
    document = PersonDocument.objects.get()
    on_disk = (files.storage_dir() / document.stored_name).read_bytes()
    assert b"Secret Owner Name" not in on_disk and b"JFIF" not in on_disk and b"Thiha" not in on_disk
    assert "Thiha" not in document.stored_name
    served = client.get(f"/people/{person_a.pk}/documents/{document.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served.content.startswith(b"\xff\xd8") and b"Secret Owner Name" not in served.content
    assert AuditEntry.objects.filter(action=Action.VIEW, object_type="people.persondocument").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<script>alert(1)</script>", "Only photos (JPEG, PNG, WebP)"),
        (b"GIF89a" + b"\x00" * 20, "Only photos (JPEG, PNG, WebP)"),
        (b"\xff\xd8" + b"\x00" * (files.MAX_BYTES + 1), "larger than 10 MB"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(make_user, login, person_a, content, message) -> None:  # type: ignore[no-untyped-def]
    client: Client = login(make_user("case_worker"))
    upload = SimpleUploadedFile("x.jpg", content, content_type="image/jpeg")
    response = client.post(f"/people/{person_a.pk}/documents/", {"file": upload, "kind": "photo"}, follow=True)
    assert message in response.content.decode()
    assert not PersonDocument.objects.exists()


def test_other_teams_cannot_fetch_a_document(make_user, login, person_a, team_b) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.people.actions import do_add_document
    from tests.vault.images import tiny_png

    owner = make_user("case_worker")
    document = do_add_document(owner, person_a, tiny_png(), "", "photo")
    outsider = login(make_user("case_worker", teams=[team_b]))
    assert outsider.get(f"/people/{person_a.pk}/documents/{document.pk}/").status_code == 404


def test_identity_documents_need_an_approved_request(make_user, login, person_a) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.people.actions import do_add_document
    from sanctuary.people.identity import do_decide_identity, do_request_identity
    from tests.vault.images import tiny_png

    worker = make_user("case_worker")
    document = do_add_document(worker, person_a, tiny_png(), "NRC card", "document")
    client: Client = login(worker)
    assert "NRC card" not in client.get(f"/people/{person_a.pk}/").content.decode()
    assert client.get(f"/people/{person_a.pk}/documents/{document.pk}/").status_code == 404
    do_decide_identity(make_user("director"), do_request_identity(worker, person_a, "papers"), approve=True)
    assert client.get(f"/people/{person_a.pk}/documents/{document.pk}/").status_code == 200


def test_a_refused_upload_keeps_the_title_typed(make_user, login, person_a) -> None:  # type: ignore[no-untyped-def]
    """The file cannot be kept (browsers never refill a file field), but what was typed with
    it is: the page comes back with the title and kind, and the reason (issue 16)."""
    client: Client = login(make_user("case_worker"))
    upload = SimpleUploadedFile("x.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    response = client.post(
        f"/people/{person_a.pk}/documents/", {"file": upload, "kind": "photo", "title": "Unit card, back side"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Unit card, back side"' in page and "Only photos (JPEG, PNG, WebP)" in page
    assert not PersonDocument.objects.exists()


def test_a_refused_proof_keeps_its_title(make_user, login, person_a) -> None:  # type: ignore[no-untyped-def]
    client: Client = login(make_user("vetting_officer"))
    upload = SimpleUploadedFile("x.jpg", b"GIF89a" + b"\x00" * 20, content_type="image/jpeg")
    response = client.post(f"/vetting/{person_a.pk}/proof/", {"file": upload, "title": "Discharge letter"})
    assert response.status_code == 400
    assert 'value="Discharge letter"' in response.content.decode()
    assert not PersonDocument.objects.exists()
