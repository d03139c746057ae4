"""Counselling notes: encrypted under their own scope, read only by counsellors, append-only,
opened in an emergency only by a counsellor lead and a director together, for a limited
time, audited and shown to the counsellor afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from sanctuary.audit.models import AuditEntry
from sanctuary.care import actions, notes
from sanctuary.care.actions import CareError
from sanctuary.care.models import CounsellingNote, EmergencyAccess, GroupAttendance, GroupSession, ScaleScore
from sanctuary.consent.models import Purpose
from sanctuary.vault import crypto, state
from tests.consent import helpers
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

SECRET = "He told me about the night at the checkpoint Zq77"


@pytest.fixture
def people(make_user, team_a):  # type: ignore[no-untyped-def]
    counsellor = make_user("counsellor", username="counsellor")
    lead = make_user("counsellor", "counsellor_lead", username="lead")
    director = make_user("director", username="director")
    person = PersonFactory(team=team_a)
    helpers.given(director, person, Purpose.CARE)
    session = actions.do_record_session(
        counsellor, person, kind="individual", held_on=timezone.localdate(), minutes=50, note=SECRET
    )
    return {"counsellor": counsellor, "lead": lead, "director": director, "person": person, "session": session}


def test_the_note_is_ciphertext_the_general_key_cannot_open(people) -> None:  # type: ignore[no-untyped-def]
    note = CounsellingNote.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM care_counsellingnote WHERE id = %s", [note.pk])
        stored = cursor.fetchone()[0]
    assert SECRET not in stored and stored.startswith("s2.")
    aad = crypto.aad_for("care_counsellingnote", "body", str(note.uid), str(note.person.uid))
    with pytest.raises(crypto.DecryptError):
        state.keyring().decrypt(stored, aad)  # the vault's general data keys
    assert notes.read(people["counsellor"], note) == SECRET


def test_a_director_cannot_read_a_note(people, login) -> None:  # type: ignore[no-untyped-def]
    note = CounsellingNote.objects.get()
    with pytest.raises(notes.NoteRefused) as error:
        notes.read(people["director"], note)
    assert error.value.code == "scope"
    page = login(people["director"]).get(f"/care/person/{people['person'].pk}/counselling/").content.decode()
    assert SECRET not in page and 'id="notes-closed"' in page
    assert "1 session" in page  # directors see that sessions happened
    person_page = login(people["director"]).get(f"/people/{people['person'].pk}/").content.decode()
    assert SECRET not in person_page and 'id="counselling-panel"' in person_page


def test_a_counsellor_reads_and_the_read_is_audited(people, login) -> None:  # type: ignore[no-untyped-def]
    page = login(people["counsellor"]).get(f"/care/person/{people['person'].pk}/counselling/").content.decode()
    assert SECRET in page
    assert AuditEntry.objects.filter(object_type="care.counsellingnotes", action="view").exists()


def test_case_workers_and_other_roles_are_refused(people, make_user, login) -> None:  # type: ignore[no-untyped-def]
    case_worker = make_user("case_worker")
    with pytest.raises(notes.NoteRefused):
        notes.read(case_worker, CounsellingNote.objects.get())
    assert login(case_worker).get(f"/care/person/{people['person'].pk}/counselling/").status_code == 403


def test_notes_are_append_only(people) -> None:  # type: ignore[no-untyped-def]
    note = CounsellingNote.objects.get()
    for change in (note.save, note.delete, CounsellingNote.objects.all().delete):
        with pytest.raises(ValueError):
            change()
    with pytest.raises(ValueError):
        CounsellingNote.objects.filter(pk=note.pk).update(body="x")
    addendum = actions.do_add_note(
        people["counsellor"], people["session"], "Correction: it was at dawn", addendum_to=note
    )
    assert addendum.addendum_to_id == note.pk
    assert notes.read(people["counsellor"], note) == SECRET
    with pytest.raises(CareError) as error:
        actions.do_add_note(people["director"], people["session"], "director's words")
    assert error.value.code == "counsellor_only"


def test_emergency_access_needs_two_people_and_expires(people, login) -> None:  # type: ignore[no-untyped-def]
    lead, director, counsellor = people["lead"], people["director"], people["counsellor"]
    person, note = people["person"], CounsellingNote.objects.get()
    with pytest.raises(CareError) as error:
        actions.do_request_emergency(counsellor, person, "why")  # a plain counsellor cannot ask
    assert error.value.code == "emergency_roles"
    access = actions.do_request_emergency(director, person, "She may harm herself tonight")
    with pytest.raises(CareError) as error:
        actions.do_answer_emergency(director, access, approve=True)  # not alone
    assert error.value.code == "emergency_own"
    with pytest.raises(CareError):
        actions.do_answer_emergency(counsellor, access, approve=True)  # not a lead
    with pytest.raises(notes.NoteRefused):
        notes.read(director, note)  # asked, not approved
    actions.do_answer_emergency(lead, access, approve=True)
    assert notes.read(director, note) == SECRET
    access.refresh_from_db()
    assert access.reads == 1 and access.expires_at is not None
    assert AuditEntry.objects.filter(object_type="care.counsellingnote", action="view", actor_id=director.pk).exists()
    with pytest.raises(CareError):
        actions.do_answer_emergency(lead, access, approve=False)  # answered once

    # The counsellor sees it afterwards, on the dashboard, until they say they have seen it.
    dashboard = login(counsellor).get("/").content.decode()
    assert 'id="h-counselling-card"' in dashboard
    assert login(counsellor).post(f"/care/emergency/{access.pk}/seen/").status_code == 302
    access.refresh_from_db()
    assert access.seen_by_counsellor_at is not None

    EmergencyAccess.objects.filter(pk=access.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(notes.NoteRefused):
        notes.read(director, note)


def test_the_database_refuses_one_person_approving_their_own_request(people) -> None:  # type: ignore[no-untyped-def]
    access = actions.do_request_emergency(people["lead"], people["person"], "why")
    with pytest.raises(IntegrityError), transaction.atomic():
        EmergencyAccess.objects.filter(pk=access.pk).update(approved_by=people["lead"], approved_at=timezone.now())


def test_a_note_moved_to_another_person_does_not_open(people, team_a) -> None:  # type: ignore[no-untyped-def]
    other = PersonFactory(team=team_a)
    from django.db.models import QuerySet

    QuerySet.update(CounsellingNote.objects.filter(pk=CounsellingNote.objects.get().pk), person=other)  # a raw writer
    with pytest.raises(crypto.DecryptError):
        notes.read(people["counsellor"], CounsellingNote.objects.get())


def test_refusal_in_the_users_language(people, login) -> None:  # type: ignore[no-untyped-def]
    with translation.override("my"):
        try:
            notes.read(people["director"], CounsellingNote.objects.get())
        except notes.NoteRefused as error:
            message = error.message
    with translation.override("en"):
        english = notes.NoteRefused("scope").message
    assert message and message != english


def test_groups_are_recorded_by_case_code(people, make_user, team_b) -> None:  # type: ignore[no-untyped-def]
    counsellor, person = people["counsellor"], people["person"]
    stranger = PersonFactory(team=team_b)
    with pytest.raises(CareError) as error:
        actions.do_record_group(
            counsellor,
            kind="peer",
            held_on=timezone.localdate(),
            minutes=90,
            case_codes=[person.case_code, stranger.case_code],
        )
    assert error.value.code == "unknown_codes" and stranger.case_code in error.value.message
    group = actions.do_record_group(
        counsellor, kind="peer", held_on=timezone.localdate(), minutes=90, case_codes=[person.case_code.lower()]
    )
    assert GroupAttendance.objects.filter(group=group, person=person).exists()
    assert {f.name for f in GroupSession._meta.concrete_fields} >= {"kind", "held_on"}
    assert not [f for f in GroupSession._meta.concrete_fields if "name" in f.name]


def test_who5_scores(people) -> None:  # type: ignore[no-untyped-def]
    score = actions.do_record_scale(
        people["counsellor"], people["person"], when="before", taken_on=timezone.localdate(), answers=[3, 3, 2, 1, 4]
    )
    assert score.raw == 13 and score.percent == 52
    with pytest.raises(CareError):
        actions.do_record_scale(
            people["counsellor"], people["person"], when="after", taken_on=timezone.localdate(), answers=[6, 0, 0, 0, 0]
        )
    assert ScaleScore.objects.count() == 1


def test_a_director_with_a_counsellor_role_still_needs_a_second_person(people, make_user) -> None:  # type: ignore[no-untyped-def]
    both = make_user("director", "counsellor")
    with pytest.raises(notes.NoteRefused):
        notes.read(both, CounsellingNote.objects.get())


def test_nobody_gives_themself_a_role(people, login) -> None:  # type: ignore[no-untyped-def]
    director = people["director"]
    response = login(director).post(
        f"/accounts/staff/{director.pk}/",
        {"username": director.username, "language": "en", "roles": ["director", "counsellor"], "is_active": "on"},
    )
    assert response.status_code == 400
    director.refresh_from_db()
    assert director.roles == {"director"}


def test_a_new_counsellor_lead_waits_before_approving(people, make_user, login) -> None:  # type: ignore[no-untyped-def]
    other_director = make_user("director")
    lead = people["lead"]
    login(other_director).post(
        f"/accounts/staff/{people['counsellor'].pk}/",
        {
            "username": "counsellor",
            "language": "en",
            "roles": ["counsellor", "counsellor_lead"],
            "is_active": "on",
            "teams": [t.pk for t in people["counsellor"].teams.all()],
        },
    )
    fresh = type(lead).objects.get(pk=people["counsellor"].pk)
    assert fresh.approver_hold_until is not None
    access = actions.do_request_emergency(people["director"], people["person"], "why")
    with pytest.raises(CareError) as error:
        actions.do_answer_emergency(fresh, access, approve=True)
    assert error.value.code == "on_hold"


def test_only_the_persons_counsellor_marks_an_opening_seen(people) -> None:  # type: ignore[no-untyped-def]
    access = actions.do_request_emergency(people["director"], people["person"], "why")
    with pytest.raises(CareError):
        actions.do_ack_emergency(people["counsellor"], access)  # not approved yet
    actions.do_answer_emergency(people["lead"], access, approve=True)
    with pytest.raises(CareError):
        actions.do_ack_emergency(people["lead"], access)  # the approver, not the counsellor
    assert actions.do_ack_emergency(people["counsellor"], access).seen_by_counsellor_at is not None


def test_counselling_uses_data_only_with_care_consent(people, team_a) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.consent.rules import ConsentRefused

    stranger = PersonFactory(team=team_a)
    with pytest.raises(ConsentRefused):
        actions.do_record_session(
            people["counsellor"], stranger, kind="individual", held_on=timezone.localdate(), minutes=50, note="x"
        )
    with pytest.raises(ConsentRefused):
        actions.do_record_scale(
            people["counsellor"], stranger, when="before", taken_on=timezone.localdate(), answers=[1, 1, 1, 1, 1]
        )
    assert not CounsellingNote.objects.filter(person=stranger).exists()
