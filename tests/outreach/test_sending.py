"""Sending: one recipient goes at once, several need a second person; what was approved is
what goes; STOP wins at every step; each adapter against its stand-in server, with a failure
and its retry; nothing logged or audited with an address."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sanctuary.audit.models import AuditEntry
from sanctuary.family.models import ContactRule
from sanctuary.outreach import actions, templating
from sanctuary.outreach.actions import OutreachError
from sanctuary.outreach.models import (
    Channel,
    ContactState,
    Message,
    MessageState,
    OutreachContact,
    Send,
    SendState,
)
from sanctuary.people.contact import ContactRefused, How
from sanctuary.people.models import Status
from sanctuary.vault import state as vault_state
from tests.factories import PersonFactory
from tests.family import helpers as family_helpers
from tests.outreach import helpers
from tests.outreach.standins import smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def second(make_user: Any) -> Any:
    return make_user("intake_officer", username="second")


@pytest.fixture
def people(team_a: Any) -> list[Any]:
    return [PersonFactory(team=team_a, alias=f"Ko Lin {n}", status=Status.ACCEPTED) for n in range(3)]


def _chats(worker: Any, people: list[Any]) -> list[OutreachContact]:
    return [helpers.contact(worker, p, Channel.TELEGRAM, str(5550 + n)) for n, p in enumerate(people)]


# --- One recipient, several recipients ---------------------------------------------------------------


def test_one_recipient_goes_at_once_by_hand_with_the_alias(worker: Any, people: list[Any]) -> None:
    row = helpers.contact(worker, people[0])
    proposed = actions.do_propose_send(worker, helpers.template(worker), [row])
    send = proposed.send
    assert send.state == SendState.APPROVED and send.approved_by is None and send.recipients == 1
    message = Message.objects.get(send=send)
    assert message.state == MessageState.BY_HAND and message.case_code == people[0].case_code
    assert actions.by_hand_text(message) == "Ko Lin 0 ရေ၊ မင်္ဂလာပါ"
    actions.do_mark_sent(worker, message)
    send.refresh_from_db()
    assert send.state == SendState.DONE
    with pytest.raises(OutreachError) as again:
        actions.do_mark_sent(worker, message)
    assert again.value.code == "not_by_hand"


def test_a_broadcast_waits_for_a_second_person_and_goes_to_the_bot(
    worker: Any, second: Any, people: list[Any], bot: Any
) -> None:
    rows = _chats(worker, people)
    send = actions.do_propose_send(worker, helpers.template(worker), rows).send
    assert send.state == SendState.PROPOSED and bot.sent == []
    assert set(send.messages.values_list("state", flat=True)) == {MessageState.WAITING}
    with pytest.raises(OutreachError) as own:
        actions.do_approve_send(worker, send)
    assert own.value.code == "own" and bot.sent == []
    actions.do_approve_send(second, send)
    send.refresh_from_db()
    assert send.state == SendState.DONE and send.approved_by == second
    assert sorted(m["chat_id"] for m in bot.sent) == ["5550", "5551", "5552"]
    assert {m["text"] for m in bot.sent} == {f"Ko Lin {n} ရေ၊ မင်္ဂလာပါ" for n in range(3)}
    assert set(send.messages.values_list("state", flat=True)) == {MessageState.SENT}
    with pytest.raises(OutreachError) as twice:
        actions.do_approve_send(second, send)
    assert twice.value.code == "not_proposed"
    assert len(bot.sent) == 3


def test_the_database_refuses_a_broadcast_without_a_second_person(worker: Any, people: list[Any]) -> None:
    rows = [helpers.contact(worker, p) for p in people[:2]]
    send = actions.do_propose_send(worker, helpers.template(worker), rows).send
    with pytest.raises(IntegrityError), transaction.atomic():
        Send.objects.filter(pk=send.pk).update(state=SendState.APPROVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Send.objects.filter(pk=send.pk).update(state=SendState.APPROVED, approved_by=worker)


def test_what_is_approved_is_what_was_proposed(worker: Any, second: Any, people: list[Any]) -> None:
    rows = [helpers.contact(worker, p) for p in people[:2]]
    send = actions.do_propose_send(worker, helpers.template(worker), rows).send
    # Someone with the database's hands changes the text after the proposal.
    send.texts = json.dumps({"my": {"body": "Come to the house at 12 Bo Aung Kyaw St", "cover": ""}})
    send.save()
    with pytest.raises(OutreachError) as changed:
        actions.do_approve_send(second, send)
    assert changed.value.code == "changed"
    assert set(Message.objects.filter(send=send).values_list("state", flat=True)) == {MessageState.WAITING}


def test_an_approver_who_cannot_see_every_recipient_is_refused(
    worker: Any, make_user: Any, people: list[Any], team_b: Any
) -> None:
    rows = [helpers.contact(worker, p) for p in people[:2]]
    send = actions.do_propose_send(worker, helpers.template(worker), rows).send
    elsewhere = make_user("case_worker", teams=[team_b], username="elsewhere")
    with pytest.raises(OutreachError) as unseen:
        actions.do_approve_send(elsewhere, send)
    assert unseen.value.code == "unseen"


def test_editing_the_template_after_proposing_does_not_change_the_send(
    worker: Any, second: Any, people: list[Any], bot: Any
) -> None:
    template = helpers.template(worker)
    send = actions.do_propose_send(worker, template, _chats(worker, people[:2])).send
    actions.do_save_template(worker, template, "Hello", {"my": ("Something else, {alias}", ""), "en": ("", "")})
    actions.do_approve_send(second, send)
    assert {m["text"] for m in bot.sent} == {"Ko Lin 0 ရေ၊ မင်္ဂလာပါ", "Ko Lin 1 ရေ၊ မင်္ဂလာပါ"}


def test_appointment_and_language_fallback(
    worker: Any, second: Any, people: list[Any], bot: Any, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    thai = helpers.contact(worker, people[0], Channel.TELEGRAM, "7001", language="th")
    burmese = helpers.contact(worker, people[1], Channel.TELEGRAM, "7002", language="my")
    template = helpers.template(worker, en=("See you at {appointment}, {alias}", ""), my=("{appointment} {alias}", ""))
    with pytest.raises(templating.TemplateRefused) as missing:
        actions.do_propose_send(worker, template, [thai, burmese])
    assert missing.value.code == "appointment"
    at = timezone.make_aware(timezone.datetime(2026, 12, 9, 10, 30))
    send = actions.do_propose_send(worker, template, [thai, burmese], appointment=at).send
    assert dict(send.messages.values_list("contact_id", "language")) == {thai.pk: "en", burmese.pk: "my"}
    actions.do_approve_send(second, send)
    texts = {m["chat_id"]: m["text"] for m in bot.sent}
    assert texts == {"7001": "See you at 2026-12-09 10:30, Ko Lin 0", "7002": "2026-12-09 10:30 Ko Lin 1"}


# --- STOP and START ------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["STOP", "stop!", "ရပ်", "ရပ်ပါ။", "หยุด", "/stop"])
def test_a_stop_in_each_language_stops_the_contact_and_a_later_broadcast_skips_it(
    word: str, worker: Any, second: Any, people: list[Any], bot: Any
) -> None:
    rows = _chats(worker, people)
    bot.add_update(5550, word)
    assert actions.poll_telegram().new == 1
    assert actions.Reply.objects.get(contact=rows[0]).word == "stop"
    rows[0].refresh_from_db()
    assert rows[0].state == ContactState.STOPPED and rows[0].opted_out
    proposed = actions.do_propose_send(worker, helpers.template(worker), rows)
    assert proposed.left_out == 1 and proposed.send.recipients == 2
    actions.do_approve_send(second, proposed.send)
    assert sorted(m["chat_id"] for m in bot.sent) == ["5551", "5552"]
    with pytest.raises(OutreachError) as refused:
        actions.do_propose_send(worker, helpers.template(worker), [rows[0]])
    assert refused.value.code == "stopped"


def test_a_longer_message_is_not_a_stop_and_start_brings_them_back(worker: Any, people: list[Any]) -> None:
    row = helpers.contact(worker, people[0])
    actions.do_record_reply(worker, row, Channel.MANUAL, "please stop the war")
    row.refresh_from_db()
    assert row.state == ContactState.ACTIVE
    actions.do_record_reply(worker, row, Channel.MANUAL, "ရပ်")
    row.refresh_from_db()
    assert row.state == ContactState.STOPPED
    with pytest.raises(OutreachError) as staff:
        actions.do_change_contact_state(worker, row, ContactState.ACTIVE)
    assert staff.value.code == "state"
    actions.do_record_reply(worker, row, Channel.MANUAL, "เริ่ม")
    row.refresh_from_db()
    assert row.state == ContactState.ACTIVE and not row.opted_out


def test_a_stopped_contact_who_writes_first_may_get_a_direct_answer_never_a_broadcast(
    worker: Any, people: list[Any]
) -> None:
    rows = [helpers.contact(worker, p) for p in people[:2]]
    actions.do_record_reply(worker, rows[0], Channel.MANUAL, "STOP")
    later = timezone.now() + timedelta(minutes=5)
    actions.do_record_reply(worker, rows[0], Channel.MANUAL, "Is my brother safe?", received_at=later)
    rows[0].refresh_from_db()
    assert rows[0].state == ContactState.STOPPED and rows[0].wrote_since_stop
    direct = actions.do_propose_send(worker, helpers.template(worker), [rows[0]]).send
    assert Message.objects.get(send=direct).state == MessageState.BY_HAND
    broadcast = actions.do_propose_send(worker, helpers.template(worker), rows)
    assert broadcast.left_out == 1 and broadcast.send.recipients == 1


def test_a_stop_after_approval_wins_over_the_queued_message(
    worker: Any, second: Any, people: list[Any], bot: Any
) -> None:
    rows = _chats(worker, people)
    send = actions.do_propose_send(worker, helpers.template(worker), rows).send
    bot.add_update(5551, "ရပ်")  # arrives between the proposal and the approval: fetched at delivery
    actions.do_approve_send(second, send)
    assert sorted(m["chat_id"] for m in bot.sent) == ["5550", "5552"]
    skipped = Message.objects.get(send=send, contact=rows[1])
    assert skipped.state == MessageState.SKIPPED and skipped.error == "stopped"


def test_stop_and_start_from_a_blocked_contact_are_kept_for_when_they_are_unblocked(
    worker: Any, people: list[Any]
) -> None:
    row = helpers.contact(worker, people[0])
    actions.do_change_contact_state(worker, row, ContactState.BLOCKED)
    actions.do_record_reply(worker, row, Channel.MANUAL, "STOP")
    row.refresh_from_db()
    assert row.state == ContactState.BLOCKED and row.opted_out
    actions.do_change_contact_state(worker, row, ContactState.ACTIVE)
    row.refresh_from_db()
    assert row.state == ContactState.STOPPED
    with pytest.raises(OutreachError) as refused:
        actions.do_propose_send(worker, helpers.template(worker), [row])
    assert refused.value.code == "stopped"


def test_replies_to_the_bot_are_fetched_matched_and_linked(
    worker: Any, second: Any, people: list[Any], bot: Any
) -> None:
    known = helpers.contact(worker, people[0], Channel.TELEGRAM, "8001")
    bot.add_update(8001, "STOP")
    bot.add_update(8002, "/start")
    bot.add_update(8002, "ကျွန်တော် ပါ။")
    assert actions.poll_telegram().new == 3
    assert actions.poll_telegram().new == 0  # the offset moved on: nothing twice
    known.refresh_from_db()
    assert known.state == ContactState.STOPPED
    waiting = list(actions.Reply.objects.filter(contact__isnull=True).order_by("id"))
    assert [r.word for r in waiting] == ["start", ""]
    actions.do_propose_link(worker, waiting[0], people[1])
    assert OutreachContact.objects.filter(person=people[1]).count() == 0  # one person's word is not enough
    with pytest.raises(OutreachError) as own:
        actions.do_confirm_link(worker, waiting[0])
    assert own.value.code == "link_own"
    linked = actions.do_confirm_link(second, waiting[0])
    assert linked.channel == Channel.TELEGRAM and str(linked.address) == "8002"
    assert actions.Reply.objects.filter(contact=linked).count() == 2
    linked.refresh_from_db()
    assert linked.state == ContactState.ACTIVE and linked.last_reply_at is not None


# --- Adapters against their stand-ins, failures and retries -------------------------------------


def test_telegram_failure_is_retried_with_backoff_and_then_sent(
    worker: Any, second: Any, people: list[Any], bot: Any
) -> None:
    rows = _chats(worker, people[:2])
    bot.fail_next = [(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})]
    send = actions.do_propose_send(worker, helpers.template(worker), rows).send
    actions.do_approve_send(second, send)
    retrying = Message.objects.get(send=send, state=MessageState.RETRY)
    assert retrying.error == "telegram_502" and retrying.attempts == 1
    assert retrying.next_attempt_at is not None and retrying.next_attempt_at > timezone.now() + timedelta(seconds=50)
    # A job is queued for when the retry is due, not before.
    later = DBTaskResult.objects.filter(run_after__gt=timezone.now()).order_by("-enqueued_at").first()
    assert later is not None and abs((later.run_after - retrying.next_attempt_at).total_seconds()) < 1
    assert len(bot.sent) == 1
    counts = actions.deliver_due(send, second, now=timezone.now())  # not due yet: nothing tried
    assert counts == {} and len(bot.sent) == 1
    counts = actions.deliver_due(send, second, now=retrying.next_attempt_at + timedelta(seconds=1))
    assert counts == {MessageState.SENT: 1} and len(bot.sent) == 2
    send.refresh_from_db()
    assert send.state == SendState.DONE


def test_telegram_429_waits_as_long_as_it_says_and_403_is_an_opt_out(
    worker: Any, second: Any, people: list[Any], bot: Any
) -> None:
    rows = _chats(worker, people[:2])
    bot.fail_next = [
        (429, {"ok": False, "error_code": 429, "parameters": {"retry_after": 900}}),
        (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
    ]
    send = actions.do_propose_send(worker, helpers.template(worker), rows).send
    before = timezone.now()
    actions.do_approve_send(second, send)
    first, other = (Message.objects.get(send=send, contact=row) for row in rows)
    assert first.state == MessageState.RETRY and first.next_attempt_at >= before + timedelta(seconds=900)
    assert other.state == MessageState.FAILED and other.error == "telegram_blocked"
    rows[1].refresh_from_db()
    assert rows[1].state == ContactState.STOPPED and rows[1].opted_out


def test_smtp_delivers_and_retries_a_temporary_refusal_but_not_a_permanent_one(
    worker: Any, second: Any, people: list[Any], director: Any
) -> None:
    with smtp_server() as (inbox, port):
        helpers.smtp(director, port)
        rows = [
            helpers.contact(worker, people[0], Channel.EMAIL, "ko.lin0@example.org"),
            helpers.contact(worker, people[1], Channel.EMAIL, "ko.lin1@example.org"),
        ]
        inbox.refuse_next = ["451 4.3.0 Try again later", "550 5.1.1 No such user"]
        send = actions.do_propose_send(worker, helpers.template(worker), rows).send
        actions.do_approve_send(second, send)
        first, other = (Message.objects.get(send=send, contact=row) for row in rows)
        assert first.state == MessageState.RETRY and first.error == "smtp_refused"
        assert other.state == MessageState.FAILED and other.error == "smtp_refused"
        assert inbox.messages == []
        actions.deliver_due(send, second, now=first.next_attempt_at + timedelta(seconds=1))
        first.refresh_from_db()
        assert first.state == MessageState.SENT
        envelope, mail = inbox.messages[0]
        assert envelope.rcpt_tos == ["ko.lin0@example.org"]
        assert mail.get_payload(decode=True).decode().rstrip("\r\n") == "Ko Lin 0 ရေ၊ မင်္ဂလာပါ"
        assert mail["Message-ID"] == first.external_id
        # The failed one is tried again only when a person says so.
        actions.do_retry_message(second, other)
        other.refresh_from_db()
        assert other.state == MessageState.SENT and len(inbox.messages) == 2


def test_a_channel_that_would_send_in_clear_over_the_internet_is_refused(director: Any) -> None:
    for channel, config in (
        (Channel.EMAIL, {"host": "smtp.example.org", "security": "none", "from_email": "a@example.org"}),
        (Channel.TELEGRAM, {"token": "1:x", "api": "http://api.telegram.org"}),
    ):
        with pytest.raises(OutreachError) as refused:
            actions.do_save_channel(director, channel, config)
        assert refused.value.code == "insecure"


def test_the_bot_token_is_kept_when_left_blank_and_never_stored_in_clear(director: Any) -> None:
    actions.do_save_channel(director, Channel.TELEGRAM, {"token": "123:SECRET-TOKEN-VALUE", "api": ""})
    actions.do_save_channel(director, Channel.TELEGRAM, {"token": "", "api": ""})
    assert actions.channel_config(Channel.TELEGRAM) == {"token": "123:SECRET-TOKEN-VALUE", "api": ""}
    # Pointing the bot at another server needs the token typed again: it never follows a new address.
    with pytest.raises(OutreachError) as moved:
        actions.do_save_channel(director, Channel.TELEGRAM, {"token": "", "api": "http://127.0.0.1:9/"})
    assert moved.value.code == "secret_again"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT config FROM outreach_channelsettings")
        stored = cursor.fetchone()[0]
    assert "SECRET" not in stored
    assert "SECRET" not in str(list(AuditEntry.objects.values_list("fields", flat=True)))


def test_nothing_is_logged_or_audited_with_an_address(
    worker: Any, second: Any, people: list[Any], bot: Any, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    rows = _chats(worker, people)
    bot.fail_next = [(500, {"ok": False})]
    actions.do_approve_send(second, actions.do_propose_send(worker, helpers.template(worker), rows).send)
    bot.add_update(5550, "STOP")
    actions.poll_telegram()
    logged = caplog.text + str(list(AuditEntry.objects.values_list("object_type", "object_id", "fields")))
    for address in ("5550", "5551", "5552", bot.token):
        assert address not in logged
    assert "Ko Lin" not in logged


# --- Whom a message may reach: the contact check --------------------------------------------------


def test_a_relative_is_reached_only_as_their_rule_says_checked_again_at_sending(worker: Any, people: list[Any]) -> None:
    person = people[0]
    never = family_helpers.relative(worker, person, ContactRule.NEVER)
    with pytest.raises(ContactRefused) as refused:
        actions.do_add_contact(worker, person, never.ref, Channel.MANUAL)
    assert refused.value.code == "never"
    with pytest.raises(OutreachError) as channel:
        actions.do_add_contact(worker, person, never.ref, Channel.TELEGRAM, "9001")
    assert channel.value.code == "relative_by_hand"
    mother = family_helpers.relative(worker, person, ContactRule.INTERMEDIARY)
    with pytest.raises(ContactRefused):
        actions.do_add_contact(worker, person, mother.ref, Channel.MANUAL, means=How.DIRECT)
    row = actions.do_add_contact(worker, person, mother.ref, Channel.MANUAL, means=How.INTERMEDIARY)
    assert row.address == "" and row.means == How.INTERMEDIARY
    with pytest.raises(OutreachError) as alias:  # the intermediary is not told the defector's alias
        actions.do_propose_send(worker, helpers.template(worker), [row])
    assert alias.value.code == "alias_relative"
    plain = helpers.template(worker, my=("သားက နေကောင်းပါတယ်", ""))
    first = actions.do_propose_send(worker, plain, [row]).send
    assert Message.objects.get(send=first).state == MessageState.BY_HAND
    # The rule is tightened: the next message is refused at the moment of sending, and audited.
    from sanctuary.family.models import Relative

    Relative.objects.filter(pk=mother.pk).update(contact_rule=ContactRule.NEVER)
    second_send = actions.do_propose_send(worker, plain, [row]).send
    message = Message.objects.get(send=second_send)
    assert message.state == MessageState.SKIPPED and message.error == "never"
    assert AuditEntry.objects.filter(object_type="contact.refused", object_id=str(mother.pk), fields=["never"]).exists()


def test_a_captured_person_is_never_messaged(worker: Any, second: Any, people: list[Any], bot: Any) -> None:
    rows = _chats(worker, people[:2])
    send = actions.do_propose_send(worker, helpers.template(worker), rows).send
    people[1].__class__.objects.filter(pk=people[1].pk).update(status=Status.CAPTURED)
    actions.do_approve_send(second, send)
    assert [m["chat_id"] for m in bot.sent] == ["5550"]
    assert Message.objects.get(send=send, contact=rows[1]).error == "captured"


def test_nothing_is_sent_while_sealed(worker: Any, people: list[Any]) -> None:
    row = helpers.contact(worker, people[0])
    send = Send.objects.create(
        template=helpers.template(worker),
        texts={"my": {"body": "hi", "cover": ""}},
        recipients=1,
        fingerprint="-",
        state=SendState.APPROVED,
        proposed_by=worker,
    )
    message = Message.objects.create(send=send, contact=row, case_code="x", language="my", state=MessageState.QUEUED)
    vault_state.seal()
    assert actions.deliver(message, worker) == MessageState.SKIPPED
    message.refresh_from_db()
    assert message.error == "sealed"


# --- Cover texts ---------------------------------------------------------------------------------


def test_a_cover_text_goes_first_and_the_message_only_after_they_reply(
    worker: Any, people: list[Any], bot: Any
) -> None:
    row = helpers.contact(worker, people[0], Channel.TELEGRAM, "6001")
    template = helpers.template(worker, my=("{alias}၊ ခရီးစဉ်အတွက် အဆင်သင့်ပါ", "မင်္ဂလာပါ၊ နေကောင်းလား။"))
    send = actions.do_propose_send(worker, template, [row]).send
    assert [m["text"] for m in bot.sent] == ["မင်္ဂလာပါ၊ နေကောင်းလား။"]
    message = Message.objects.get(send=send)
    assert message.state == MessageState.COVER_SENT
    bot.add_update(6001, "ဟုတ်ကဲ့")
    actions.deliver_due(send, worker)
    assert [m["text"] for m in bot.sent][1] == "Ko Lin 0၊ ခရီးစဉ်အတွက် အဆင်သင့်ပါ"
    message.refresh_from_db()
    assert message.state == MessageState.SENT


def test_an_interrupted_send_is_failed_for_a_person_to_decide_never_sent_twice(worker: Any, people: list[Any]) -> None:
    row = helpers.contact(worker, people[0])
    send = actions.do_propose_send(worker, helpers.template(worker), [row]).send
    message = Message.objects.get(send=send)
    Message.objects.filter(pk=message.pk).update(
        state=MessageState.SENDING, next_attempt_at=timezone.now() - timedelta(minutes=11)
    )
    assert actions.recover_interrupted() == 1
    message.refresh_from_db()
    assert message.state == MessageState.FAILED and message.error == "interrupted"
