"""Training certificates: an Ed25519-signed statement that anyone can check by its code or its
QR code, printed in our bundled fonts, revoked only by two people, readable while sealed by
its code alone, and never saying more than the name as printed, the course, the hours, the
dates and the issuer."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from sanctuary.audit.models import Action, AuditEntry
from sanctuary.people.identity import do_decide_identity, do_request_identity
from sanctuary.training import certificates
from sanctuary.training.certificates import CertificateError
from sanctuary.training.models import (
    Application,
    AppState,
    Certificate,
    CertificateKey,
    Cohort,
    CohortState,
    Course,
    Session,
    Trade,
    TrainingSettings,
    session_days,
)
from sanctuary.vault import state
from tests.pdf_fonts import (
    LATIN,
    LATIN_BOLD,
    MYANMAR_BOLD,
    THAI_BOLD,
    assert_no_font_warnings,
    assert_set_in_bundled_fonts,
    weasyprint_warnings,
)
from tests.shelter.helpers import accepted

pytestmark = pytest.mark.django_db

ALIAS = "ကိုအောင်"  # Ko Aung, in Burmese script
TRUE_NAME = "Aung Thiha Kyaw"
FIRST_DAY = date(2026, 1, 5)  # a Monday: two weeks of six days is 12 sessions


def graduate(team: Any, make_user: Any, **person: Any) -> Application:
    """A graduated application (made directly: graduation is tested elsewhere) of a two-week
    course of 6-hour sessions, one of its 12 sessions cancelled: 66 hours."""
    officers = make_user("vetting_officer"), make_user("vetting_officer")
    trainer = make_user("trainer")
    person.setdefault("alias", ALIAS)
    person.setdefault("true_name", TRUE_NAME)
    who = accepted(team, officers, **person)
    course = Course.objects.create(
        trade=Trade.MOTORCYCLE,
        name_my="ဆိုင်ကယ်ပြုပြင်ရေး",
        name_en="Motorcycle repair",
        name_th="ซ่อมรถจักรยานยนต์",
        weeks=2,
        hours_per_session=Decimal("6.0"),
        created_by=trainer,
    )
    days = session_days(course, FIRST_DAY)
    cohort = Cohort.objects.create(
        course=course, state=CohortState.GRADUATED, start=days[0], end=days[-1], seats=5, created_by=trainer
    )
    Session.objects.bulk_create([Session(cohort=cohort, day=day, cancelled=n == 3) for n, day in enumerate(days)])
    return Application.objects.create(
        person=who, cohort=cohort, reason="wants a trade", applied_by=trainer, state=AppState.GRADUATED
    )


@pytest.fixture
def trainers(make_user: Any) -> tuple[Any, Any]:
    return make_user("trainer"), make_user("trainer")


@pytest.fixture
def app(team_a: Any, make_user: Any) -> Application:
    return graduate(team_a, make_user)


def _issue(user: Any, application: Application, **kwargs: Any) -> Certificate:
    kwargs.setdefault("name_choice", "alias")
    return certificates.do_issue_certificate(user, application, **kwargs)


def _keys() -> dict[str, bytes]:
    return certificates.keys_from_pem(certificates.keys_pem())


def _refused(code: str, call: Any, *args: Any, **kwargs: Any) -> None:
    with pytest.raises(CertificateError) as refused:
        call(*args, **kwargs)
    assert refused.value.code == code
    assert refused.value.message  # a sentence for the user, not a code


# --- Signing and checking ----------------------------------------------------------------


def test_a_signed_certificate_verifies_by_its_text_and_by_its_code(app: Application, trainers: Any) -> None:
    certificate = _issue(trainers[0], app)
    text = certificates.qr_text(certificate)
    assert re.fullmatch(r"SC1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}", text)  # base64url, no padding

    _prefix, body, _signature = text.split(".")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    statement = json.loads(raw)
    # Canonical JSON: keys sorted, no spaces, UTF-8 (not \u escapes).
    assert raw == json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert set(statement) == {"v", "code", "name", "trade", "hours", "from", "to", "issuer", "issued", "kid"}
    key = CertificateKey.objects.get()
    assert statement["kid"] == key.key_id == hashlib.sha256(bytes(key.public_key)).hexdigest()[:16]
    assert statement["name"] == ALIAS and statement["hours"] == 66
    assert statement["trade"] == {"en": "Motorcycle repair", "my": "ဆိုင်ကယ်ပြုပြင်ရေး", "th": "ซ่อมรถจักรยานยนต์"}
    assert (statement["from"], statement["to"]) == ("2026-01-05", "2026-01-17")
    assert statement["issuer"] == TrainingSettings.current().issuer_name
    assert statement["issued"] == timezone.localdate().isoformat()

    for checked in (certificates.verify(text), certificates.verify(statement["code"])):
        assert checked.ok and checked.valid and checked.revocation_checked, checked
        assert checked.name == ALIAS and checked.hours == 66 and checked.start == FIRST_DAY
        assert checked.status == "OK"
    offline = certificates.verify(text, public_keys=_keys())
    assert offline.ok and not offline.revocation_checked


def test_the_register_keeps_no_name_and_no_code_in_clear(app: Application, trainers: Any) -> None:
    certificate = _issue(trainers[0], app, name_choice="chosen", chosen_name="Min Min Oo")
    code = str(certificate.code)
    assert len(certificate.lookup) == 64 and certificate.lookup == hashlib.sha256(code.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM training_certificate")
        row = cursor.fetchone()
    dump = " ".join(str(value) for value in row)
    dump += " ".join(bytes(value).hex() for value in row if isinstance(value, bytes | memoryview))
    for secret in ("Min Min Oo", code, certificates.group_code(code), b"Min Min Oo".hex()):
        assert secret not in dump
    assert b"Min Min Oo" not in bytes(certificate.sealed)
    # The code opens it; another code does not.
    assert certificates.open_text(code, bytes(certificate.sealed)) == certificates.qr_text(certificate)
    assert certificates.open_text(certificates.new_code(), bytes(certificate.sealed)) is None


def test_one_changed_character_anywhere_in_the_qr_text_fails(app: Application, trainers: Any) -> None:
    text = certificates.qr_text(_issue(trainers[0], app))
    keys = _keys()
    assert certificates.verify_text(text, keys).ok
    for position, character in enumerate(text):
        changed = "B" if character != "B" else "C"
        forged = text[:position] + changed + text[position + 1 :]
        assert not certificates.verify_text(forged, keys).ok, position


def test_one_changed_byte_of_the_statement_or_the_signature_fails(app: Application, trainers: Any) -> None:
    text = certificates.qr_text(_issue(trainers[0], app))
    keys = _keys()
    _prefix, body, signature = text.split(".")

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    def unb64(part: str) -> bytes:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    raw, sig = bytearray(unb64(body)), bytearray(unb64(signature))
    hours_at = raw.index(b'"hours":66') + len(b'"hours":')
    raw[hours_at] = ord("9")  # 96 hours instead of 66: still valid JSON
    assert certificates.verify_text(f"SC1.{b64(bytes(raw))}.{signature}", keys).reason == "signature"
    for index in (0, 31, 63):
        flipped = bytearray(sig)
        flipped[index] ^= 0x01
        assert certificates.verify_text(f"SC1.{body}.{b64(bytes(flipped))}", keys).reason == "signature"
    # Another key (someone else's) is refused by its key id, and a signature of ours by a key
    # that is not ours fails.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = Ed25519PrivateKey.generate()
    statement = json.loads(unb64(body))
    assert certificates.verify_text(certificates.sign(statement, stranger), keys).reason == "signature"
    statement["kid"] = certificates.key_id_for(stranger.public_key().public_bytes_raw())
    assert certificates.verify_text(certificates.sign(statement, stranger), keys).reason == "unknown_key"
    assert certificates.verify_text("SC1.bm90aGluZw.AAAA", keys).reason == "format"
    assert certificates.verify_text("SC2." + text[4:], keys).reason == "version"


def test_codes_are_read_back_as_people_type_them() -> None:
    code = certificates.new_code()
    assert len(code) == 20 and set(code) <= set(certificates.CODE_ALPHABET)
    assert len({certificates.new_code() for _ in range(200)}) == 200
    grouped = certificates.group_code(code)
    assert re.fullmatch(r"([0-9A-Z]{4}-){4}[0-9A-Z]{4}", grouped)
    typed = [
        grouped,
        grouped.lower(),
        code,
        " ".join(grouped.split("-")),
        grouped.replace("-", "–"),
        f"https://x/c/{grouped}",
    ]
    for variant in typed:
        assert certificates.normalise_code(variant) == code, variant
    assert certificates.normalise_code("O0I1-L1oo-0000-0000-0000") == "00111100000000000000"
    for wrong in ("", "ABC", code + "7", code[:-1] + "U", code[:-1] + "*"):
        assert certificates.normalise_code(wrong) is None


# --- Who gets one, in which name ------------------------------------------------------------


def test_only_a_graduate_gets_a_certificate_and_only_one_live_one(app: Application, trainers: Any) -> None:
    for other in (AppState.SEATED, AppState.NOT_PASSED, AppState.WITHDRAWN, AppState.FINISHED):
        Application.objects.filter(pk=app.pk).update(state=other)
        _refused("not_graduated", _issue, trainers[0], app)
    Application.objects.filter(pk=app.pk).update(state=AppState.GRADUATED)
    first = _issue(trainers[0], app)
    _refused("live", _issue, trainers[0], app)
    certificates.do_propose_revoke(trainers[0], first, "the name was misspelt")
    _refused("live", _issue, trainers[0], app)  # proposed is not revoked yet
    certificates.do_confirm_revoke(trainers[1], first)
    second = _issue(trainers[0], app)
    assert certificates.qr_text(second) != certificates.qr_text(first)
    assert Certificate.objects.filter(application=app).count() == 2


def test_the_true_name_needs_the_users_own_grant(app: Application, trainers: Any, make_user: Any) -> None:
    trainer = trainers[0]
    _refused("no_grant", _issue, trainer, app, name_choice="true_name")
    assert not Certificate.objects.exists()
    request = do_request_identity(trainer, app.person, "the graduate asked for the true name")
    do_decide_identity(make_user("director"), request, approve=True)
    _refused("no_grant", _issue, trainers[1], app, name_choice="true_name")  # the grant is the requester's only
    certificate = _issue(trainer, app, name_choice="true_name")
    assert certificates.verify(certificates.qr_text(certificate)).name == TRUE_NAME
    # The true name is printed only for someone with a grant of their own.
    _refused("no_grant", certificates.ensure_may_print, trainers[1], certificate)
    certificates.ensure_may_print(trainer, certificate)


def test_a_chosen_name_must_not_be_the_true_name(app: Application, trainers: Any) -> None:
    for same in ("Aung Thiha Kyaw", "  aung   THIHA kyaw ", "AUNG THIHA KYAW"):
        _refused("chosen_true_name", _issue, trainers[0], app, name_choice="chosen", chosen_name=same)
    _refused("chosen_empty", _issue, trainers[0], app, name_choice="chosen", chosen_name="   ")
    _refused("chosen_long", _issue, trainers[0], app, name_choice="chosen", chosen_name="x" * 121)
    _refused("name_choice", _issue, trainers[0], app, name_choice="nickname")
    certificate = _issue(trainers[0], app, name_choice="chosen", chosen_name="Min  Min Oo")
    assert certificates.verify(certificates.qr_text(certificate)).name == "Min Min Oo"


def test_the_audit_names_fields_never_the_name(app: Application, trainers: Any) -> None:
    _issue(trainers[0], app, name_choice="chosen", chosen_name="Min Min Oo")
    entry = AuditEntry.objects.filter(object_type="training.certificate").get()
    assert entry.fields == ["code", "name_choice", "sealed"]
    assert "Min" not in json.dumps([e.fields for e in AuditEntry.objects.all()])


# --- Revoking: two people ----------------------------------------------------------------------


def test_revocation_needs_two_different_people(app: Application, trainers: Any) -> None:
    first, second = trainers
    certificate = _issue(first, app)
    _refused("not_proposed", certificates.do_confirm_revoke, second, certificate)
    _refused("reason", certificates.do_propose_revoke, first, certificate, "  ")
    certificates.do_propose_revoke(first, certificate, "issued to the wrong person")
    _refused("proposed", certificates.do_propose_revoke, second, certificate, "again")
    _refused("own_revoke", certificates.do_confirm_revoke, first, certificate)
    assert certificates.verify(str(certificate.code)).valid  # not revoked until confirmed
    certificates.do_confirm_revoke(second, certificate)
    _refused("revoked", certificates.do_confirm_revoke, second, certificate)
    _refused("revoked", certificates.do_propose_revoke, second, certificate, "again")
    certificate.refresh_from_db()
    assert certificate.revoked_by == second and certificate.revoke_reason == "issued to the wrong person"


def test_the_database_refuses_a_revocation_confirmed_by_its_proposer(app: Application, trainers: Any) -> None:
    first, _second = trainers
    certificate = _issue(first, app)
    certificates.do_propose_revoke(first, certificate, "mistake")
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(revoked_by=first, revoked_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():  # nor one that nobody proposed
        Certificate.objects.filter(pk=certificate.pk).update(
            revoke_proposed_by=None, revoked_by=_second, revoked_at=timezone.now()
        )


def test_a_revoked_certificate_is_reported_as_revoked(app: Application, trainers: Any, tmp_path: Path) -> None:
    certificate = _issue(trainers[0], app)
    code, text = str(certificate.code), certificates.qr_text(certificate)
    certificates.do_propose_revoke(trainers[0], certificate, "mistake")
    certificates.do_confirm_revoke(trainers[1], certificate)
    for checked in (certificates.verify(code), certificates.verify(text)):
        assert checked.ok and checked.revoked and not checked.valid and checked.status == "REVOKED"
        assert checked.revoked_at is not None

    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify_certificate", certificates.group_code(code).lower(), stdout=out)
    assert exited.value.code == 1
    assert "REVOKED" in out.getvalue() and ALIAS in out.getvalue()

    page = Client().get(f"/c/{certificates.group_code(code)}?lang=en")
    assert page.status_code == 200
    day = timezone.localtime(certificate.revoked_at or timezone.now()).date()
    assert f"Revoked on {day:%Y-%m-%d}" in page.content.decode()
    _refused("revoked_pdf", certificates.certificate_pdf, Certificate.objects.get(pk=certificate.pk))


# --- The public page ---------------------------------------------------------------------------


def test_the_public_page_works_while_sealed_and_sets_no_cookie(app: Application, trainers: Any) -> None:
    certificate = _issue(trainers[0], app)
    code = certificates.group_code(str(certificate.code))
    state.seal()
    assert state.is_sealed()
    client = Client()
    for url, lang in ((f"/c/{code}", "my"), (f"/c/{code}?lang=en", "en"), (f"/c/{code.lower()}/?lang=th", "th")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, url
        assert response["Content-Language"] == lang
        assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "no-referrer"
        page = response.content.decode()
        assert ALIAS in page and "66" in page and "2026-01-05" in page and "2026-01-17" in page
        assert {"my": "ဆိုင်ကယ်ပြုပြင်ရေး", "en": "Motorcycle repair", "th": "ซ่อมรถจักรยานยนต์"}[lang] in page
        assert app.person.case_code not in page and TRUE_NAME not in page
        assert "<script" not in page and "http://" not in page and "https://" not in page
        assert 'name="viewport"' in page
        assert "/people/" not in page and "/training/" not in page  # no link to any record
    form = client.get("/c/?lang=en")
    assert form.status_code == 200 and not form.cookies and "<form" in form.content.decode()
    assert 'method="post"' not in form.content.decode()
    typed = client.get("/c/", {"code": str(certificate.code).lower().replace("0", "o"), "lang": "en"})
    assert typed.status_code == 200 and ALIAS in typed.content.decode() and not typed.cookies
    assert client.get("/c/key.pem").status_code == 200


def test_a_wrong_or_unknown_code_is_a_plain_not_found(app: Application, trainers: Any) -> None:
    certificate = _issue(trainers[0], app)
    code = str(certificate.code)
    state.seal()
    client = Client()
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    for url in (f"/c/{wrong}", f"/c/{certificates.new_code()}", "/c/not-a-code", f"/c/?code={wrong}&lang=en"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert not response.cookies
        page = response.content.decode()
        assert ALIAS not in page and 'id="not-found"' in page
    # What was typed stays in the field.
    assert wrong in client.get("/c/", {"code": wrong}).content.decode()
    assert client.post(f"/c/{code}").status_code == 405  # GET only


def test_the_public_key_page_verifies_certificates(app: Application, trainers: Any) -> None:
    text = certificates.qr_text(_issue(trainers[0], app))
    response = Client().get("/c/key.pem")
    assert response["Content-Type"].startswith("text/plain") and not response.cookies
    assert certificates.verify_text(text, certificates.keys_from_pem(response.content.decode())).ok


# --- The PDF ----------------------------------------------------------------------------------


def _pdf_text(pdf: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    return "\n".join(document[n].get_textpage().get_text_range() for n in range(len(document)))


def test_the_pdf_is_set_in_our_fonts_and_its_qr_code_verifies(app: Application, trainers: Any) -> None:
    import pypdfium2 as pdfium
    import zxingcpp

    certificate = _issue(trainers[0], app)
    text = certificates.qr_text(certificate)
    with weasyprint_warnings() as warnings:
        pdf = certificates.certificate_pdf(certificate, language="th")
        english = certificates.certificate_pdf(certificate, language="en")
    assert pdf.startswith(b"%PDF")
    assert_no_font_warnings(warnings)
    # The alias in Burmese and the course in Thai (both bold); in English the labels in Latin.
    assert_set_in_bundled_fonts(pdf, {MYANMAR_BOLD: "ကအင", THAI_BOLD: "ซอม"})
    assert_set_in_bundled_fonts(english, {MYANMAR_BOLD: "ကအင", LATIN: "Thi", LATIN_BOLD: "Cer"})

    image = pdfium.PdfDocument(pdf)[0].render(scale=3).to_pil()
    found = [barcode for barcode in zxingcpp.read_barcodes(image) if barcode.format == zxingcpp.BarcodeFormat.QRCode]
    assert [barcode.text for barcode in found] == [text]
    assert certificates.verify(found[0].text).valid
    assert certificates.qr_text_from_pdf(pdf) == text  # attached, for verify_certificate


def test_the_pdf_says_nothing_about_the_persons_past(app: Application, trainers: Any, settings: Any) -> None:
    settings.CERTIFICATE_VERIFY_BASE = "https://check.example.org"
    certificate = _issue(trainers[0], app)
    code = certificates.group_code(str(certificate.code))
    printed = _pdf_text(certificates.certificate_pdf(certificate, language="en"))
    assert "Motorcycle repair" in printed and "66" in printed and "2026-01-05" in printed
    assert TrainingSettings.current().issuer_name in printed
    assert code in printed and f"https://check.example.org/c/{code}" in printed
    for word in ("defector", "army", "unit", "rank", "soldier", "military"):
        assert not re.search(rf"\b{word}\b", printed, re.IGNORECASE), word
    assert app.person.case_code not in printed and TRUE_NAME not in printed

    settings.CERTIFICATE_VERIFY_BASE = ""
    assert f"/c/{code}" in _pdf_text(certificates.certificate_pdf(certificate, language="en"))


# --- verify_certificate and certificate_key ------------------------------------------------------


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_certificate", *args, stdout=out)
    except SystemExit as exited:
        return int(exited.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_verify_certificate_works_offline_with_the_key(
    app: Application, trainers: Any, tmp_path: Path, django_assert_num_queries: Any
) -> None:
    certificate = _issue(trainers[0], app)
    text = certificates.qr_text(certificate)
    pem = io.StringIO()
    call_command("certificate_key", stdout=pem)
    key_file, text_file, pdf_file = tmp_path / "key.pem", tmp_path / "cert.txt", tmp_path / "cert.pdf"
    key_file.write_text(pem.getvalue())
    text_file.write_text(text + "\n")
    pdf_file.write_bytes(certificates.certificate_pdf(certificate, language="en"))
    forged = tmp_path / "forged.txt"
    forged.write_text(text[:-2] + ("AA" if not text.endswith("AA") else "BB"))

    with django_assert_num_queries(0):
        status, out = _run(str(text_file), "--key", str(key_file))
        assert status == 0 and out.strip().endswith("revocation is not known") and ALIAS in out
        status, out = _run(str(pdf_file), "--key", str(key_file))
        assert status == 0 and "Motorcycle repair" in out
        status, out = _run(str(forged), "--key", str(key_file))
        assert status == 1 and "INVALID" in out and ALIAS not in out
        status, out = _run(str(certificate.code), "--key", str(key_file))  # a code needs the register
        assert status == 1 and "INVALID" in out

    status, out = _run(str(certificate.code))
    assert status == 0 and "OK: signed by us, unchanged and not revoked" in out
    status, out = _run(certificates.new_code())
    assert status == 1 and "INVALID" in out


def test_certificate_key_says_when_there_is_no_key_yet() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No certificate key yet"):
        call_command("certificate_key", stdout=io.StringIO())


# --- Staff screens ------------------------------------------------------------------------------


def test_trainers_issue_download_and_revoke_through_the_screens(
    app: Application, trainers: Any, login: Any, make_user: Any, team_b: Any
) -> None:
    first, second = (login(user) for user in trainers)
    page = first.get(f"/training/applications/{app.pk}/")
    assert page.status_code == 200 and 'id="issue-certificate"' in page.content.decode()

    refused = first.post(
        f"/training/applications/{app.pk}/certificate/",
        {"name_choice": "chosen", "chosen_name": TRUE_NAME},
        follow=True,
    )
    assert "choose “The true name” instead" in refused.content.decode()
    assert not Certificate.objects.exists()
    issued = first.post(f"/training/applications/{app.pk}/certificate/", {"name_choice": "alias"})
    assert issued.status_code == 302 and issued["Location"] == f"/training/applications/{app.pk}/"
    certificate = Certificate.objects.get()
    shown = first.get(f"/training/applications/{app.pk}/").content.decode()
    assert f"/training/certificates/{certificate.pk}/pdf/?lang=en" in shown
    assert str(certificate.code) not in shown  # the code is printed, never shown on screens

    download = first.get(f"/training/certificates/{certificate.pk}/pdf/?lang=en")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="certificate-{certificate.pk}.pdf"'
    assert download["Cache-Control"] == "no-store"
    assert certificates.qr_text_from_pdf(download.content) == certificates.qr_text(certificate)
    assert AuditEntry.objects.filter(action=Action.EXPORT, object_type="training.certificate").count() == 1

    # A case worker (training_apply only) may not; a trainer of another team does not see it.
    worker = login(make_user("case_worker"))
    assert worker.post(f"/training/certificates/{certificate.pk}/revoke/", {"reason": "x"}).status_code == 403
    stranger = login(make_user("trainer", teams=[team_b]))
    assert stranger.get(f"/training/certificates/{certificate.pk}/pdf/").status_code == 404

    first.post(f"/training/certificates/{certificate.pk}/revoke/", {"reason": "misspelt"})
    own = first.post(f"/training/certificates/{certificate.pk}/revoke/confirm/", follow=True)
    assert "a second person must confirm" in own.content.decode()
    assert Certificate.objects.get().revoked_at is None
    assert f'id="confirm-revoke-{certificate.pk}"' in second.get(f"/training/applications/{app.pk}/").content.decode()
    second.post(f"/training/certificates/{certificate.pk}/revoke/confirm/")
    assert Certificate.objects.get().revoked_at is not None
    assert certificates.verify(str(certificate.code)).revoked


def test_issuing_and_printing_need_the_vault_unsealed(
    app: Application, trainers: Any, login: Any, team_a: Any, make_user: Any
) -> None:
    certificate = _issue(trainers[0], app)
    other = graduate(team_a, make_user, alias="Ko Min")
    state.seal()
    with pytest.raises(state.VaultSealed):
        _issue(trainers[0], other)
    assert not Certificate.objects.filter(application=other).exists()
    response = login(trainers[0]).get(f"/training/certificates/{certificate.pk}/pdf/")
    assert response.status_code == 503  # the sealed page, never a 500
