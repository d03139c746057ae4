"""The side doors a review found, each closed: one person may not lift a STOP, reach a relative
after their rule was tightened, change what a colleague sends, mass-message one by one, send to
a group, move the bot's token to another server, or read strangers' first contacts from
another team."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanctuary.family import actions as family_actions
from sanctuary.family.models import ContactRule
from sanctuary.outreach import actions
from sanctuary.outreach.actions import OutreachError
from sanctuary.outreach.models import (
    Channel,
    ContactState,
    Message,
    MessageState,
    OutreachContact,
    Reply,
    Send,
    SendState,
)
from sanctuary.people.contact import ContactRefused, How
from sanctuary.people.models import Status
from tests.factories import PersonFactory
from tests.family import helpers as family_helpers
from tests.outreach import helpers
from tests.outreach.standins import smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def second(make_user: Any) -> Any:
    return make_user("case_worker", username="second")


@pytest.fixture
def person(team_a: Any) -> Any:
    return PersonFactory(team=team_a, alias="Ko Lin", status=Status.ACCEPTED)


# --- A STOP stays a STOP -------------------------------------------------------------------------


def test_archiving_and_adding_the_same_chat_again_keeps_the_stop(worker: Any, person: Any, bot: Any) -> None:
    row = helpers.contact(worker, person, Channel.TELEGRAM, "3001")
    bot.add_update(3001, "STOP")
    actions.poll_telegram()
    actions.do_change_contact_state(worker, row, ContactState.ARCHIVED)
    again = helpers.contact(worker, person, Channel.TELEGRAM, "3001")
    assert again.state == ContactState.STOPPED and again.opted_out
    with pytest.raises(OutreachError) as refused:
        actions.do_propose_send(worker, helpers.template(worker), [again])
    assert refused.value.code == "stopped" and bot.sent == []


def test_one_chat_cannot_be_two_contacts(worker: Any, person: Any, team_a: Any) -> None:
    helpers.contact(worker, person, Channel.TELEGRAM, "3002")
    other = PersonFactory(team=team_a, status=Status.ACCEPTED)
    with pytest.raises(OutreachError) as refused:
        helpers.contact(worker, other, Channel.TELEGRAM, "3002")
    assert refused.value.code == "duplicate_address"


def test_a_stop_while_archived_is_kept_and_a_stop_reaches_every_record_of_the_address(
    worker: Any, person: Any, team_a: Any, bot: Any
) -> None:
    row = helpers.contact(worker, person, Channel.TELEGRAM, "3003")
    actions.do_change_contact_state(worker, row, ContactState.ARCHIVED)
    bot.add_update(3003, "ရပ်")
    actions.poll_telegram()
    row.refresh_from_db()
    assert row.opted_out and row.state == ContactState.ARCHIVED
    actions.do_change_contact_state(worker, row, ContactState.ACTIVE)
    row.refresh_from_db()
    assert row.state == ContactState.STOPPED  # brought back, still stopped


def test_staff_cannot_type_a_reply_for_the_bot_and_an_email_start_needs_a_second_person(
    worker: Any, second: Any, person: Any, team_a: Any, bot: Any
) -> None:
    chat = helpers.contact(worker, person, Channel.TELEGRAM, "3004")
    with pytest.raises(OutreachError) as bot_only:
        actions.do_record_reply(worker, chat, Channel.TELEGRAM, "Is my brother safe?")
    assert bot_only.value.code == "bot_only"
    other = PersonFactory(team=team_a, status=Status.ACCEPTED)
    with smtp_server() as (_inbox, port):
        helpers.smtp(worker, port)
        mail = helpers.contact(worker, other, Channel.EMAIL, "someone@example.org")
        actions.do_record_reply(worker, mail, Channel.EMAIL, "STOP")
        mail.refresh_from_db()
        assert mail.state == ContactState.STOPPED  # a STOP counts at once, whoever types it
        start = actions.do_record_reply(worker, mail, Channel.EMAIL, "START")
        later = actions.do_record_reply(
            worker, mail, Channel.EMAIL, "Please help", received_at=timezone.now() + timedelta(minutes=1)
        )
        mail.refresh_from_db()
        assert mail.state == ContactState.STOPPED and not mail.wrote_since_stop  # one person's word
        with pytest.raises(OutreachError) as stopped:
            actions.do_propose_send(worker, helpers.template(worker), [mail])
        assert stopped.value.code == "stopped"
        assert start is not None and later is not None
        with pytest.raises(OutreachError) as own:
            actions.do_confirm_reply(worker, start)
        assert own.value.code == "confirm_own"
        actions.do_confirm_reply(second, start)
        mail.refresh_from_db()
        assert mail.state == ContactState.ACTIVE


# --- By hand: asked again at the moment it is sent --------------------------------------------


def test_a_tightened_rule_drops_what_waits_to_be_sent_by_hand(worker: Any, person: Any, make_user: Any) -> None:
    plain = helpers.template(worker, my=("နေကောင်းလား", ""))
    # An intermediary rule; the message waits by hand; the rule is then tightened to "never".
    mother = family_helpers.relative(worker, person, ContactRule.INTERMEDIARY)
    via = actions.do_add_contact(worker, person, mother.ref, Channel.MANUAL, means=How.INTERMEDIARY)
    waiting = Message.objects.get(send=actions.do_propose_send(worker, plain, [via]).send)
    assert waiting.state == MessageState.BY_HAND
    family_actions.do_update_relative(worker, mother, {"contact_rule": ContactRule.NEVER})
    waiting.refresh_from_db()
    assert waiting.state == MessageState.SKIPPED and waiting.error == "rule_changed"
    with pytest.raises(ContactRefused) as never:
        actions.do_mark_sent(worker, waiting)
    assert never.value.code == "never"


def test_marking_sent_by_hand_asks_the_rule_and_the_stop_again(worker: Any, person: Any, login: Any) -> None:
    row = helpers.contact(worker, person)
    send = actions.do_propose_send(worker, helpers.template(worker), [row]).send
    message = Message.objects.get(send=send)
    Message.objects.filter(pk=message.pk).update(state=MessageState.BY_HAND)
    OutreachContact.objects.filter(pk=row.pk).update(state=ContactState.STOPPED)
    page = login(worker).get(f"/outreach/sends/{send.pk}/").content.decode()
    assert "Ko Lin" not in page  # the text is not shown to be sent
    with pytest.raises(OutreachError) as refused:
        actions.do_mark_sent(worker, message)
    assert refused.value.code == "stopped"
    person.__class__.objects.filter(pk=person.pk).update(status=Status.CAPTURED)
    OutreachContact.objects.filter(pk=row.pk).update(state=ContactState.ACTIVE)
    with pytest.raises(ContactRefused) as captured:
        actions.do_mark_sent(worker, message)
    assert captured.value.code == "captured"


# --- One person's messages -----------------------------------------------------------------------


def test_direct_messages_without_a_second_person_are_limited_per_day(worker: Any, team_a: Any, settings: Any) -> None:
    settings.OUTREACH_DIRECT_PER_DAY = 3
    template = helpers.template(worker)
    rows = [helpers.contact(worker, PersonFactory(team=team_a, status=Status.ACCEPTED)) for _ in range(4)]
    for row in rows[:3]:
        actions.do_propose_send(worker, template, [row])
    with pytest.raises(OutreachError) as limited:
        actions.do_propose_send(worker, template, [rows[3]])
    assert limited.value.code == "direct_limit" and "3" in limited.value.message
    assert Send.objects.count() == 3


def test_a_group_or_channel_is_not_a_chat(worker: Any, person: Any) -> None:
    with pytest.raises(OutreachError) as refused:
        helpers.contact(worker, person, Channel.TELEGRAM, "-1001234567890")
    assert refused.value.code == "bad_chat"


def test_a_rejected_person_is_never_messaged(worker: Any, person: Any) -> None:
    row = helpers.contact(worker, person)
    person.__class__.objects.filter(pk=person.pk).update(status=Status.REJECTED)
    send = actions.do_propose_send(worker, helpers.template(worker), [row]).send
    message = Message.objects.get(send=send)
    assert message.state == MessageState.SKIPPED and message.error == "rejected"


def test_a_past_appointment_is_refused(worker: Any, person: Any) -> None:
    row = helpers.contact(worker, person)
    template = helpers.template(worker, my=("{appointment}", ""))
    with pytest.raises(OutreachError) as refused:
        actions.do_propose_send(worker, template, [row], appointment=timezone.now() - timedelta(hours=1))
    assert refused.value.code == "expired"


# --- The channels' settings ----------------------------------------------------------------------


def test_smtp_security_is_one_of_the_known_values_and_the_bot_only_talks_to_telegram(director: Any) -> None:
    for security in ("", "STARTTLS", "tls", "plain"):
        config = {"host": "smtp.example.org", "security": security, "from_email": "a@example.org"}
        if security in ("", "STARTTLS"):  # read as STARTTLS: accepted, never sent in clear
            actions.do_save_channel(director, Channel.EMAIL, {**config, "password": "x"})
            assert actions.channel_config(Channel.EMAIL)["security"] == "starttls"  # type: ignore[index]
        else:
            with pytest.raises(OutreachError):
                actions.do_save_channel(director, Channel.EMAIL, config)
    with pytest.raises(OutreachError) as elsewhere:
        actions.do_save_channel(director, Channel.TELEGRAM, {"token": "1:x", "api": "https://collector.example.org"})
    assert elsewhere.value.code == "insecure"


def test_the_bot_api_never_follows_a_redirect(director: Any, worker: Any, person: Any) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    followed: list[str] = []

    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            followed.append(self.path)
            self.send_response(307)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_address[1]}/elsewhere")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        helpers.telegram(director, f"http://127.0.0.1:{server.server_address[1]}", "1:token")
        row = helpers.contact(worker, person, Channel.TELEGRAM, "3010")
        send = actions.do_propose_send(worker, helpers.template(worker), [row]).send
    finally:
        server.shutdown()
        server.server_close()
    assert followed == ["/bot1:token/getUpdates"]  # asked once, the redirect not followed
    assert Message.objects.get(send=send).state == MessageState.RETRY  # nothing read: nothing sent yet


# --- Strangers' messages, sends of other teams ------------------------------------------------------


def test_strangers_messages_are_for_intake_and_linking_takes_two(
    worker: Any, make_user: Any, person: Any, login: Any
) -> None:
    reply = actions.do_record_reply(None, None, Channel.TELEGRAM, "I am a captain in LIB 77", sender="3020")
    assert reply is not None
    assert not Reply.objects.visible_to(worker).exists()  # a case worker: not first contacts
    assert login(worker).get("/outreach/replies/").status_code == 403
    officer, other = make_user("intake_officer", username="io1"), make_user("intake_officer", username="io2")
    assert list(Reply.objects.visible_to(officer)) == [reply]
    actions.do_propose_link(officer, reply, person)
    with pytest.raises(OutreachError):
        actions.do_confirm_link(officer, reply)
    row = actions.do_confirm_link(other, reply)
    assert row.person == person and str(row.address) == "3020"


def test_a_proposed_link_is_named_only_to_readers_who_may_see_the_person(
    make_user: Any, person: Any, team_b: Any, login: Any
) -> None:
    """A stranger's reply is open to every reply reader, the person it was linked to is not:
    a reader of another team is told a link waits, never the case code."""
    reply = actions.do_record_reply(None, None, Channel.TELEGRAM, "it is me again", sender="3021")
    assert reply is not None
    actions.do_propose_link(make_user("intake_officer", username="io3"), reply, person)
    same_team = login(make_user("intake_officer", username="io4")).get("/outreach/replies/").content.decode()
    assert person.case_code in same_team and 'id="confirm-link-' in same_team
    elsewhere = make_user("intake_officer", teams=[team_b], username="io5")
    page = login(elsewhere).get("/outreach/replies/").content.decode()
    assert "it is me again" in page
    assert person.case_code not in page and 'id="confirm-link-' not in page


def test_sends_are_seen_and_cancelled_only_by_those_who_see_their_recipients(
    worker: Any, second: Any, make_user: Any, team_a: Any, team_b: Any, login: Any
) -> None:
    rows = [helpers.contact(worker, PersonFactory(team=team_a, status=Status.ACCEPTED)) for _ in range(2)]
    send = actions.do_propose_send(worker, helpers.template(worker), rows).send
    elsewhere = make_user("case_worker", teams=[team_b], username="elsewhere")
    assert not Send.objects.visible_to(elsewhere).exists()
    assert login(elsewhere).get(f"/outreach/sends/{send.pk}/").status_code == 404
    with pytest.raises(OutreachError) as refused:
        actions.do_cancel_send(elsewhere, send)
    assert refused.value.code == "not_yours"
    actions.do_cancel_send(second, send)  # a colleague who sees every recipient
    send.refresh_from_db()
    assert send.state == SendState.CANCELLED


def test_a_failed_poll_holds_telegram_messages_back(worker: Any, second: Any, team_a: Any, bot: Any) -> None:
    rows = [
        helpers.contact(worker, PersonFactory(team=team_a, status=Status.ACCEPTED), Channel.TELEGRAM, str(3030 + n))
        for n in range(2)
    ]
    send = actions.do_propose_send(worker, helpers.template(worker), rows).send
    bot.token = "changed"  # every call is now refused: the bot cannot be asked for STOPs
    actions.do_approve_send(second, send)
    assert bot.sent == []
    assert set(Message.objects.filter(send=send).values_list("error", flat=True)) == {"poll_failed"}
