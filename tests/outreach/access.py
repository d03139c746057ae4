"""Access matrix: outreach (calendar, templates, contacts, sends, replies, attribution,
channel settings)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sanctuary.outreach import actions
from sanctuary.outreach.models import Channel, EventKind, Message, Platform, Reply
from tests.access import DIRECTOR, NONE, ORG, TEAM, Url

OUTREACH = frozenset({"director", "intake_officer", "case_worker"})
REPLIES = frozenset({"director", "intake_officer"})


def _pk(key: str) -> Any:
    return lambda o: {"pk": o[key]}


URLS = [
    Url("outreach:home", "GET", OUTREACH),
    Url("outreach:calendar", "GET", OUTREACH),
    Url("outreach:event", "GET", OUTREACH, ORG, _pk("outreach_event")),
    Url("outreach:templates", "GET", OUTREACH),
    Url("outreach:template_add", "GET", OUTREACH),
    Url("outreach:template_edit", "GET", OUTREACH, ORG, _pk("outreach_template")),
    Url("outreach:template_retire", "POST", OUTREACH, ORG, _pk("outreach_spare_template")),
    Url("outreach:contacts", "GET", OUTREACH),
    Url("outreach:contact_add", "GET", OUTREACH, TEAM, lambda o: {"person_pk": o["outreach_person"]}),
    Url("outreach:contact", "GET", OUTREACH, TEAM, _pk("outreach_contact")),
    Url("outreach:contact_state", "POST", OUTREACH, TEAM, _pk("outreach_contact")),
    Url("outreach:contact_reply", "POST", OUTREACH, TEAM, _pk("outreach_contact")),
    Url("outreach:replies", "GET", REPLIES),
    Url("outreach:reply_link", "POST", REPLIES, ORG, _pk("outreach_reply")),
    Url("outreach:reply_link_confirm", "POST", REPLIES, ORG, _pk("outreach_reply")),
    Url("outreach:reply_confirm", "POST", OUTREACH, TEAM, _pk("outreach_contact_reply")),
    Url("outreach:poll", "POST", OUTREACH),
    Url("outreach:send_new", "GET", OUTREACH),
    Url("outreach:sends", "GET", OUTREACH),
    Url("outreach:send", "GET", OUTREACH, TEAM, _pk("outreach_send")),
    Url("outreach:send_approve", "POST", OUTREACH, TEAM, _pk("outreach_send")),
    Url("outreach:send_cancel", "POST", OUTREACH, TEAM, _pk("outreach_proposed")),
    Url("outreach:message_sent", "POST", OUTREACH, TEAM, _pk("outreach_message")),
    Url("outreach:message_retry", "POST", OUTREACH, TEAM, _pk("outreach_message")),
    Url("outreach:attribution", "GET", OUTREACH),
    Url("outreach:settings", "GET", DIRECTOR),
    Url("outreach:channel_save", "POST", DIRECTOR, NONE, lambda o: {"channel": "email"}),
]


def objects(world: Any) -> dict[str, Any]:
    """A calendar entry, two templates, a by-hand contact for the person and one for the
    other person of the team, a message sent to one (by hand), a broadcast to both waiting for
    approval, and a Telegram reply nobody is linked to yet."""
    director = world.users["director"]
    event = actions.do_save_event(
        director,
        None,
        {"kind": EventKind.TALK, "on": date(2026, 11, 29), "platform": Platform.FACEBOOK, "topic": "Sunday talk"},
    )
    template = actions.do_save_template(director, None, "Hello", {"my": ("{alias} မင်္ဂလာပါ", "")})
    spare = actions.do_save_template(director, None, "Spare", {"en": ("Hello {alias}", "")})
    first = actions.do_add_contact(director, world.person, f"person:{world.person.pk}", Channel.MANUAL)
    second = actions.do_add_contact(director, world.other, f"person:{world.other.pk}", Channel.MANUAL)
    single = actions.do_propose_send(director, template, [first]).send
    proposed = actions.do_propose_send(director, template, [first, second]).send
    reply = actions.do_record_reply(None, None, Channel.TELEGRAM, "hello", sender="555001", external_id="9001")
    assert isinstance(reply, Reply)
    own = actions.do_record_reply(director, first, Channel.MANUAL, "thank you")
    assert isinstance(own, Reply)
    return {
        "outreach_event": event.pk,
        "outreach_template": template.pk,
        "outreach_spare_template": spare.pk,
        "outreach_person": world.person.pk,
        "outreach_contact": first.pk,
        "outreach_send": proposed.pk,
        "outreach_proposed": proposed.pk,
        "outreach_single": single.pk,
        "outreach_message": Message.objects.get(send=single, contact=first).pk,
        "outreach_reply": reply.pk,
        "outreach_contact_reply": own.pk,
    }
