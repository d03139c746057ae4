"""Outreach pages: templates refuse unsafe placeholders and convert Zawgyi, with what was typed
kept; a broadcast is proposed and approved through the pages; "how did you hear of us?" on
the public form offers public entries only and the attribution report counts while sealed;
list pages have a bounded number of queries; a merge moves contacts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from sanctuary.intake import actions as intake_actions
from sanctuary.intake.models import Submission
from sanctuary.outreach import actions
from sanctuary.outreach.models import (
    Channel,
    EventKind,
    Message,
    MessageState,
    OutreachContact,
    Platform,
    Send,
    SendState,
    Template,
    TemplateText,
)
from sanctuary.people import attribution
from sanctuary.people.merge import do_merge
from sanctuary.people.models import Status
from sanctuary.vault import state as vault_state
from tests.factories import PersonFactory
from tests.outreach import helpers

pytestmark = pytest.mark.django_db

ZAWGYI_HELLO = "ေက်ာ္ေအာင္ဝင္း ေနေကာင္းလား"  # "Kyaw Aung Win, are you well?" typed in Zawgyi
UNICODE_HELLO = "ကျော်အောင်ဝင်း နေကောင်းလား"


@pytest.fixture
def second(make_user: Any) -> Any:
    return make_user("case_worker", username="second")


def _event(user: Any, days_ago: int, public: bool = True, topic: str = "Sunday talk") -> Any:
    return actions.do_save_event(
        user,
        None,
        {
            "kind": EventKind.TALK,
            "on": timezone.localdate() - timedelta(days=days_ago),
            "platform": Platform.FACEBOOK,
            "topic": topic,
            "public": public,
        },
    )


def test_an_unsafe_placeholder_is_refused_naming_it_and_everything_typed_is_kept(worker: Any, login: Any) -> None:
    client = login(worker)
    data = {"name": "Pick-up", "body_my": "{alias} ရေ၊ {village} မှာ စောင့်ပါ", "body_en": "Wait at {true_name}'s house"}
    response = client.post(reverse("outreach:template_add"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "{village}" in page and "{alias} ရေ၊ {village} မှာ စောင့်ပါ" in page and "Wait at {true_name}" in page
    assert not Template.objects.exists()
    response = client.post(reverse("outreach:template_add"), {"name": "x", "body_en": "Hi {alias.__class__}"})
    assert response.status_code == 400 and "{alias.__class__}" in response.content.decode()
    response = client.post(
        reverse("outreach:template_add"), {"name": "x", "body_en": "Hi {alias}", "cover_en": "Hello {alias}"}
    )
    assert response.status_code == 400 and not Template.objects.exists()


def test_a_zawgyi_template_is_stored_as_unicode(worker: Any, login: Any) -> None:
    client = login(worker)
    response = client.post(reverse("outreach:template_add"), {"name": "Hello", "body_my": f"{ZAWGYI_HELLO} {{alias}}"})
    assert response.status_code == 302
    assert TemplateText.objects.get().body == f"{UNICODE_HELLO} {{alias}}"
    # The action converts too (imports, the API): not only the form.
    template = actions.do_save_template(worker, None, "Again", {"my": (ZAWGYI_HELLO, "")})
    assert template.texts.get().body == UNICODE_HELLO


def test_a_broadcast_through_the_pages_needs_a_second_person(worker: Any, second: Any, login: Any, team_a: Any) -> None:
    people = [PersonFactory(team=team_a, status=Status.ACCEPTED) for _ in range(3)]
    for person in people:
        helpers.contact(worker, person)
    template = helpers.template(worker)
    client = login(worker)
    blind = client.post(reverse("outreach:send_new"), {"template": template.pk, "go": "propose"})
    assert blind.status_code == 400 and not Send.objects.exists()  # not without looking at the text first
    preview = client.post(reverse("outreach:send_new"), {"template": template.pk, "go": "preview"})
    page = preview.content.decode()
    assert preview.status_code == 200 and 'id="audience-count"' in page and "ရေ၊ မင်္ဂလာပါ" in page
    assert not Send.objects.exists()
    seen = _seen(page)
    response = client.post(reverse("outreach:send_new"), {"template": template.pk, "go": "propose", "seen": seen})
    send = Send.objects.get()
    assert response.status_code == 302 and send.state == SendState.PROPOSED and send.recipients == 3
    own = client.get(reverse("outreach:send", args=[send.pk])).content.decode()
    assert 'id="approve"' not in own
    client.post(reverse("outreach:send_approve", args=[send.pk]))
    send.refresh_from_db()
    assert send.state == SendState.PROPOSED
    other = login(second)
    assert 'id="approve"' in other.get(reverse("outreach:send", args=[send.pk])).content.decode()
    other.post(reverse("outreach:send_approve", args=[send.pk]))
    send.refresh_from_db()
    assert send.state == SendState.APPROVED and send.approved_by == second
    assert set(Message.objects.filter(send=send).values_list("state", flat=True)) == {MessageState.BY_HAND}
    page = other.get(reverse("outreach:send", args=[send.pk])).content.decode()
    assert page.count("I sent it") == 3 or 'id="by-hand"' in page


def _seen(page: str) -> str:
    found = re.search(r'name="seen" value="([0-9a-f]+)"', page)
    assert found is not None
    return found.group(1)


def test_a_colleague_changing_the_template_after_you_looked_stops_your_send(
    worker: Any, second: Any, login: Any, team_a: Any
) -> None:
    person = PersonFactory(team=team_a, status=Status.ACCEPTED)
    mine = helpers.contact(worker, person)
    template = helpers.template(worker)
    client = login(worker)
    data = {"template": template.pk, "contacts": str(mine.pk)}
    seen = _seen(client.post(reverse("outreach:send_new"), {**data, "go": "preview"}).content.decode())
    actions.do_save_template(second, template, "Hello", {"my": ("{alias}, come alone to checkpoint 3", "")})
    response = client.post(reverse("outreach:send_new"), {**data, "go": "propose", "seen": seen})
    assert response.status_code == 400 and not Send.objects.exists()
    assert "checkpoint 3" in response.content.decode()  # the new text is shown, to look at again


def test_a_broadcast_without_approval_is_refused_with_a_clear_message(worker: Any, team_a: Any) -> None:
    """There is no way to send a broadcast without its approval: proposing never sends."""
    people = [PersonFactory(team=team_a, status=Status.ACCEPTED) for _ in range(2)]
    rows = [helpers.contact(worker, p) for p in people]
    send = actions.do_propose_send(worker, helpers.template(worker), rows).send
    assert actions.deliver_due(send, worker) == {}
    assert set(Message.objects.filter(send=send).values_list("state", flat=True)) == {MessageState.WAITING}


def test_the_public_form_offers_public_calendar_entries_only(worker: Any, client: Any) -> None:
    public = _event(worker, 3, topic="Sunday talk: leaving safely")
    private = _event(worker, 2, public=False, topic="Messages to police families")
    old = _event(worker, 200, topic="A talk long ago")
    page = client.get("/intake/").content.decode()
    assert public.topic in page and private.topic not in page and old.topic not in page
    staff_choices = dict(attribution.choices(public=False))
    assert private.ref in staff_choices and public.ref in staff_choices
    assert attribution.is_valid(old.ref) and not attribution.is_valid("event:999999")
    assert not attribution.is_valid("person:1")


def test_attribution_counts_first_contacts_and_accepted_people_and_works_sealed(
    worker: Any, login: Any, team_a: Any, make_user: Any
) -> None:
    talk = _event(worker, 5, topic="Sunday talk")
    fields = {
        "writer": "self",
        "channel": "signal",
        "handle": "@x",
        "location": "kayin",
        "urgency": "now",
        "story": "s",
    }
    for _n in range(3):
        intake_actions.do_receive(fields, [], intake_actions.new_form_token(), heard_via=talk.ref)
    intake_actions.do_receive(fields, [], intake_actions.new_form_token(), heard_via="word:relative")
    intake_actions.do_receive(fields, [], intake_actions.new_form_token(), heard_via="person:12")  # not a source
    accepted = PersonFactory(team=team_a, status=Status.ACCEPTED)
    Submission.objects.filter(heard_via=talk.ref).order_by("id").filter(
        pk=Submission.objects.filter(heard_via=talk.ref).order_by("id").first().pk  # type: ignore[union-attr]
    ).update(person=accepted)
    assert Submission.objects.filter(heard_via="").count() == 1  # the unknown reference was dropped
    counts = attribution.counts(timezone.localdate() - timedelta(days=30), timezone.localdate())
    assert counts[talk.ref].first_contacts == 3 and counts[talk.ref].accepted == 1
    assert counts["word:relative"].first_contacts == 1
    client = login(make_user("intake_officer", username="outreacher"))
    vault_state.seal()
    response = client.get(reverse("outreach:attribution"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sunday talk" in page and "<td>3</td><td>1</td>" in page.replace("\n", "")


def test_staff_log_a_contact_with_how_they_heard(make_user: Any, login: Any) -> None:
    officer = make_user("intake_officer", username="officer")
    campaign = _event(officer, 1, public=False, topic="Police families")
    client = login(officer)
    data = {"channel": "signal", "handle": "@k", "urgency": "now", "story": "wants to leave", "heard_via": campaign.ref}
    response = client.post(reverse("intake:log"), data)
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.heard_via == campaign.ref
    # Long after, when the entry is no longer offered, the triage page still names it.
    from sanctuary.outreach.models import OutreachEvent

    OutreachEvent.objects.filter(pk=campaign.pk).update(on=timezone.localdate() - timedelta(days=400))
    page = client.get(reverse("intake:detail", args=[submission.pk])).content.decode()
    assert "Police families" in page


@pytest.mark.parametrize("name", ["outreach:calendar", "outreach:contacts", "outreach:sends", "outreach:replies"])
def test_list_pages_have_a_bounded_number_of_queries(
    name: str, worker: Any, login: Any, team_a: Any, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        person = PersonFactory(team=team_a, status=Status.ACCEPTED)
        row = helpers.contact(worker, person)
        _event(worker, n)
        actions.do_record_reply(None, None, Channel.TELEGRAM, "hi", sender=str(900 + n), external_id=str(n))
        if n % 10 == 0:
            actions.do_propose_send(worker, helpers.template(worker), [row])
    client = login(make_user("intake_officer", username="reader"))
    with django_assert_max_num_queries(25):
        assert client.get(reverse(name)).status_code == 200


def test_the_person_page_shows_outreach_contacts(worker: Any, login: Any, team_a: Any) -> None:
    person = PersonFactory(team=team_a, status=Status.ACCEPTED)
    row = helpers.contact(worker, person, Channel.MANUAL)
    page = login(worker).get(reverse("people:detail", args=[person.pk])).content.decode()
    assert reverse("outreach:contact", args=[row.pk]) in page and 'id="add-outreach-contact"' in page


def test_a_merge_moves_contacts_and_their_target(worker: Any, team_a: Any, make_user: Any) -> None:
    kept = PersonFactory(team=team_a, status=Status.ACCEPTED)
    folded = PersonFactory(team=team_a, status=Status.ACCEPTED)
    row = helpers.contact(worker, folded, Channel.MANUAL, "+66 81 000 0001")
    do_merge(make_user("director", username="boss"), kept, folded)
    row = OutreachContact.objects.get(pk=row.pk)
    assert row.person_id == kept.pk and row.target_ref == f"person:{kept.pk}"
    assert str(row.address) == "+66 81 000 0001"  # encrypted again, bound to the record kept


def test_writing_from_the_person_page_goes_to_their_contacts_only(worker: Any, login: Any, team_a: Any) -> None:
    person, other = (PersonFactory(team=team_a, status=Status.ACCEPTED) for _ in range(2))
    mine = helpers.contact(worker, person)
    helpers.contact(worker, other)
    template = helpers.template(worker)
    client = login(worker)
    page = client.get(reverse("outreach:send_new"), {"contacts": str(mine.pk)})
    assert (
        page.status_code == 200 and 'id="chosen"' in page.content.decode() and "errorlist" not in page.content.decode()
    )
    data = {"template": template.pk, "contacts": str(mine.pk)}
    seen = _seen(client.post(reverse("outreach:send_new"), {**data, "go": "preview"}).content.decode())
    client.post(reverse("outreach:send_new"), {**data, "go": "propose", "seen": seen})
    send = Send.objects.get()
    assert list(send.messages.values_list("contact_id", flat=True)) == [mine.pk] and send.state == SendState.APPROVED
