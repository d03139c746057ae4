"""Consent records: every state change, the one require() every sharing path asks, plain
words on the person page, and nothing ever deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models.deletion import ProtectedError
from django.utils import timezone, translation

from sanctuary import consent
from sanctuary.audit.models import AuditEntry
from sanctuary.consent import actions
from sanctuary.consent.actions import Answer, ConsentRuleError
from sanctuary.consent.models import Category, ConsentEvent, ConsentRecord, Method, Purpose, State
from sanctuary.consent.rules import ConsentRefused
from sanctuary.people.models import DocumentKind, PersonDocument
from tests.consent import helpers
from tests.factories import PersonFactory
from tests.vault.images import jpeg_with_exif

pytestmark = pytest.mark.django_db


def _states(record: ConsentRecord) -> list[tuple[str, str]]:
    return list(ConsentEvent.objects.filter(record=record).values_list("from_state", "to_state"))


def test_requested_then_given_then_withdrawn(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = PersonFactory(team=team_a)
    clinic = helpers.partner()
    asked = helpers.requested(user, person, Purpose.SHARING, recipient=clinic)
    assert asked.state == State.REQUESTED
    with pytest.raises(ConsentRefused) as refused:
        consent.require(person, Purpose.SHARING, clinic)
    assert refused.value.code == "requested"

    today = timezone.localdate()
    answer = Answer(state=State.GIVEN, given_on=today, expires_on=today + timedelta(days=30), method=Method.SPOKEN)
    given = actions.do_answer_consent(user, asked, answer)
    assert consent.require(person, Purpose.SHARING, clinic).pk == given.pk

    actions.do_withdraw_consent(user, given, withdrawn_on=today, reason="changed her mind")
    with pytest.raises(ConsentRefused) as refused:
        consent.require(person, Purpose.SHARING, clinic)
    assert refused.value.code == "withdrawn"
    assert _states(given) == [("", "requested"), ("requested", "given"), ("given", "withdrawn")]
    # Final: it cannot be given again, answered or renewed.
    for call in (
        lambda: actions.do_answer_consent(user, given, answer),
        lambda: actions.do_withdraw_consent(user, given, withdrawn_on=today),
        lambda: actions.do_renew_consent(
            user, given, notice_version="2", notice_language="my", retain_until=today, answer=answer
        ),
    ):
        with pytest.raises(ConsentRuleError) as error:
            call()
        assert error.value.code == "final"


def test_refused_is_final_and_blocks(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = PersonFactory(team=team_a)
    asked = helpers.requested(user, person, Purpose.TRACING)
    refused = actions.do_answer_consent(user, asked, Answer(state=State.REFUSED))
    assert _states(refused) == [("", "requested"), ("requested", "refused")]
    with pytest.raises(ConsentRefused) as error:
        consent.require(person, Purpose.TRACING)
    assert error.value.code == "refused"
    with pytest.raises(ConsentRuleError):
        actions.do_answer_consent(
            user, refused, Answer(state=State.GIVEN, given_on=timezone.localdate(), method="signed")
        )


def test_expiry_takes_effect_the_day_after(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = PersonFactory(team=team_a)
    record = helpers.given(user, person, Purpose.STATISTICS, category=Category.PUBLIC, days_ago=10, expires_in=0)
    assert consent.require(person, Purpose.STATISTICS).pk == record.pk  # the last day still counts
    ConsentRecord.objects.filter(pk=record.pk).update(
        given_on=timezone.localdate() - timedelta(days=20), expires_on=timezone.localdate() - timedelta(days=1)
    )
    record.refresh_from_db()
    assert record.effective_state == State.EXPIRED
    with pytest.raises(ConsentRefused) as error:
        consent.require(person, Purpose.STATISTICS)
    assert error.value.code == "expired"


def test_renewal_replaces_and_keeps_the_old_record(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = PersonFactory(team=team_a)
    old = helpers.given(user, person, Purpose.PHOTOGRAPHS, days_ago=400, expires_in=-30)
    assert old.effective_state == State.EXPIRED
    today = timezone.localdate()
    renewal = actions.do_renew_consent(
        user,
        old,
        notice_version="2026-2",
        notice_language="th",
        retain_until=today + timedelta(days=3650),
        answer=Answer(state=State.GIVEN, given_on=today, method=Method.THUMBPRINT),
    )
    old.refresh_from_db()
    assert old.state == State.RENEWED and renewal.renews_id == old.pk
    assert consent.require(person, Purpose.PHOTOGRAPHS).pk == renewal.pk
    assert ConsentRecord.objects.filter(person=person).count() == 2


def test_a_named_partner_or_a_category(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = PersonFactory(team=team_a)
    clinic = helpers.partner()
    lawyer = helpers.partner("Legal Aid Partner", "legal_aid")
    helpers.given(user, person, Purpose.SHARING, category=Category.CLINIC)
    assert consent.require(person, Purpose.SHARING, clinic)  # any partner clinic
    with pytest.raises(ConsentRefused) as error:
        consent.require(person, Purpose.SHARING, lawyer)
    assert error.value.code == "none"
    with pytest.raises(ValueError):
        consent.require(person, Purpose.SHARING)  # sharing always names who receives it
    with pytest.raises(ConsentRuleError) as rule:
        helpers.given(user, person, Purpose.SHARING, category=Category.INTERNAL)
    assert rule.value.code == "needs_named"


def test_a_relative_must_be_named_with_a_reason(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = PersonFactory(team=team_a)
    answer = Answer(state=State.GIVEN, given_on=timezone.localdate(), method=Method.SPOKEN, given_by="relative")
    with pytest.raises(ConsentRuleError) as error:
        actions.do_record_consent(
            user,
            person,
            purpose=Purpose.CARE,
            recipient=None,
            category=Category.INTERNAL,
            notice_version="1",
            notice_language="my",
            retain_until=actions.default_retention(),
            answer=answer,
        )
    assert error.value.code == "relative_needs_name"
    assert not ConsentRecord.objects.exists()


def test_nothing_is_deleted(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = PersonFactory(team=team_a)
    record = helpers.given(user, person)
    with pytest.raises(ProtectedError):
        person.delete()
    with pytest.raises(ProtectedError):
        record.delete()  # its history holds on to it
    assert ConsentRecord.objects.filter(pk=record.pk).exists()


def test_database_refuses_a_record_without_recipients(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = PersonFactory(team=team_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentRecord.objects.create(
            person=person,
            purpose=Purpose.CARE,
            category="",
            notice_version="1",
            notice_language="my",
            retain_until=timezone.localdate(),
            recorded_by=user,
        )


def test_audit_names_fields_never_values(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = PersonFactory(team=team_a)
    today = timezone.localdate()
    answer = Answer(
        state=State.GIVEN,
        given_on=today,
        method=Method.SPOKEN,
        given_by="relative",
        relative_name="Daw Khin Myint Zq",
        relative_relation="mother",
        relative_reason="He is in hospital Zq",
    )
    record = actions.do_record_consent(
        user,
        person,
        purpose=Purpose.CARE,
        recipient=None,
        category=Category.INTERNAL,
        notice_version="1",
        notice_language="my",
        retain_until=actions.default_retention(),
        answer=answer,
    )
    entry = AuditEntry.objects.filter(object_type="consent.consentrecord", object_id=str(record.pk)).get()
    dumped = str(entry.__dict__)
    assert "relative_name" in dumped and "Zq" not in dumped


def test_the_person_page_says_it_in_plain_words(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = PersonFactory(team=team_a)
    clinic = helpers.partner()
    helpers.given(user, person, Purpose.SHARING, recipient=clinic, expires_in=30)
    client = login(user)
    for language in ("my", "en", "th"):
        with translation.override(language):
            expected = str(Purpose.SHARING.label)
        user.language = language
        user.save(update_fields=["language"])
        page = login(user).get(f"/people/{person.pk}/").content.decode()
        assert expected in page and "Border Health Clinic" in page, language
    assert client.get(f"/consent/person/{person.pk}/").status_code == 200


def test_scan_is_an_encrypted_document_of_the_person(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = PersonFactory(team=team_a)
    client = login(user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {
        "purpose": "care",
        "category": "internal",
        "state": "given",
        "given_on": timezone.localdate().isoformat(),
        "method": "thumbprint",
        "given_by": "person",
        "notice_version": "2026-1",
        "notice_language": "my",
        "retain_until": (timezone.localdate() + timedelta(days=4000)).isoformat(),
        "scan": SimpleUploadedFile("form.jpg", jpeg_with_exif("thumb"), content_type="image/jpeg"),
    }
    response = client.post(f"/consent/person/{person.pk}/", data)
    assert response.status_code == 302
    record = ConsentRecord.objects.get(person=person)
    assert record.scan is not None and record.scan.kind == DocumentKind.CONSENT
    assert PersonDocument.objects.get(pk=record.scan_id).read_file().startswith(b"\xff\xd8")
    # A signed form shows the true name: it opens only under the two-person true-identity rule.
    assert client.get(f"/people/{person.pk}/documents/{record.scan_id}/").status_code == 404


def test_bad_input_keeps_what_was_typed_in_burmese(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker", language="my")
    person = PersonFactory(team=team_a)
    today = timezone.localdate()
    data = {
        "purpose": "care",
        "category": "internal",
        "state": "given",
        "given_on": today.isoformat(),
        "expires_on": (today - timedelta(days=3)).isoformat(),
        "method": "signed",
        "given_by": "person",
        "notice_version": "NOTICE-77",
        "notice_language": "my",
        "retain_until": (today + timedelta(days=4000)).isoformat(),
        "note": "typed note stays",
    }
    response = login(user).post(f"/consent/person/{person.pk}/", data)
    assert response.status_code == 400
    page = response.content.decode()
    with translation.override("my"):
        message = translation.gettext("The expiry date is before the date the consent was given.")
    assert message in page and "NOTICE-77" in page and "typed note stays" in page
    assert not ConsentRecord.objects.exists()


def test_withdrawal_page_and_refusal_in_the_users_language(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker", language="th")
    person = PersonFactory(team=team_a)
    record = helpers.given(user, person)
    client = login(user)
    response = client.post(f"/consent/{record.pk}/withdraw/", {"withdrawn_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == State.WITHDRAWN
    again = client.post(f"/consent/{record.pk}/withdraw/", {"withdrawn_on": timezone.localdate().isoformat()})
    assert again.status_code == 400
    with translation.override("th"):
        message = translation.gettext(
            "This record is closed (refused, withdrawn or renewed): record a new consent instead."
        )
    assert message in again.content.decode()


def test_people_readers_see_but_only_consent_roles_write(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    reader = make_user("shelter_manager")
    person = PersonFactory(team=team_a)
    client = login(reader)
    assert client.get(f"/consent/person/{person.pk}/").status_code == 200
    assert client.post(f"/consent/person/{person.pk}/", {"purpose": "care"}).status_code == 403
    assert not ConsentRecord.objects.exists()
