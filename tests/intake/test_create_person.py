"""A person created from a first contact keeps everything the form was filled with: the
handle they wrote from is saved as a contact even when the officer changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from sanctuary.intake import actions
from sanctuary.people.models import ContactPoint, Person
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def test_the_prefilled_handle_is_saved_with_the_person(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    receipt = actions.do_receive(
        {"story": "I want to leave", "handle": "@ko_aung_tg", "channel": "telegram", "name": "Ko Aung"},
        [],
        actions.new_form_token(),
    )
    client = login(make_user("intake_officer"))
    url = reverse("intake:create_person", args=[receipt.submission.pk])
    page = client.get(url).content.decode()
    assert "@ko_aung_tg" in page
    data = form_data(page, "alias")  # the officer only presses "Save"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get()
    assert [(c.kind, str(c.value)) for c in ContactPoint.objects.filter(person=person)] == [("telegram", "@ko_aung_tg")]
    step = person.events.select_related("person").get(kind="intake")
    received = timezone.localtime(receipt.submission.received_at).date().isoformat()
    with translation.override("en"):  # what happened, said in the reader's language
        assert step.lines == [f"Record made from a first contact of {received} (Public form, Telegram)"]


def test_back_then_save_on_the_new_person_form_creates_one_person(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    from tests.people.test_person_pages import person_data

    client = login(make_user("intake_officer"))
    page = client.get(reverse("people:create")).content.decode()
    token = form_data(page, "alias")["form_token"]
    data = {**person_data(team_a.pk), "form_token": token}
    first = client.post(reverse("people:create"), data)
    assert first.status_code == 302 and Person.objects.count() == 1
    again = client.post(reverse("people:create"), data, follow=True)  # back, then save once more
    assert Person.objects.count() == 1
    assert again.redirect_chain[-1][0] == first["Location"]
    assert "saved already" in again.content.decode()
    # A new form is a new token: a second person is created as asked.
    other = form_data(client.get(reverse("people:create")).content.decode(), "alias")["form_token"]
    assert other != token
    client.post(
        reverse("people:create"), {**person_data(team_a.pk, alias="Ko Other"), "form_token": other, "confirm_new": "1"}
    )
    assert Person.objects.count() == 2


def test_a_forged_token_is_ignored(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.people.actions import form_token_hash

    assert form_token_hash("made-up:value") is None
    client = login(make_user("intake_officer"))
    from tests.people.test_person_pages import person_data

    assert client.post(reverse("people:create"), {**person_data(team_a.pk), "form_token": "x:y"}).status_code == 302
    assert Person.objects.get().form_token_hash is None


def test_a_new_person_defaults_to_force_not_known(make_user, login) -> None:  # type: ignore[no-untyped-def]
    page = login(make_user("intake_officer")).get(reverse("people:create")).content.decode()
    assert form_data(page, "alias")["force"] == "unknown"


def test_their_own_story_is_on_the_person_page_for_those_who_read_first_contacts(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.audit.models import Action, AuditEntry
    from tests.factories import PersonFactory

    person = PersonFactory(team=team_a)
    receipt = actions.do_receive(
        {"story": "I left my unit in Sagaing in March.", "handle": "@x1"}, [], actions.new_form_token()
    )
    officer = make_user("intake_officer")
    actions.do_link(officer, receipt.submission, person)
    page = login(officer).get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "I left my unit in Sagaing in March." in page
    assert AuditEntry.objects.filter(
        action=Action.VIEW, object_type="intake.submission", object_id=str(receipt.submission.pk), actor_id=officer.pk
    ).exists()
    # A role that does not read first contacts does not see it on the person page either.
    assert "I left my unit" not in login(make_user("shelter_manager")).get(f"/people/{person.pk}/").content.decode()
