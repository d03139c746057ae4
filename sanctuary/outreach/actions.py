"""Outreach: every write is a ``do_*`` action, in one transaction, audited by field names.

Sending, in order:

1. ``do_propose_send`` fixes the texts (copied from the template, each language with its cover)
   and the recipients (active contacts the user may see), and their fingerprint. One
   recipient: it goes at once. More than one: it waits for a second person.
2. ``do_approve_send``: a different person, who may see every recipient, approves exactly what
   was proposed (the fingerprint is checked again, under lock).
3. ``deliver``: each message is claimed by ``do_claim_message``, a contact path (the family's
   rule for a relative, the person's status for a person, asked again at the moment of sending),
   which re-checks the contact's state (a STOP since the approval wins) and reads the address
   inside the vault; the adapter sends outside any transaction; the result is recorded. A
   failure that may pass is tried again with backoff (a job queued for later); a message
   interrupted mid-send is marked failed, never sent twice without a person deciding.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ON_HOLD, require_settled
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.refusal import Refusal
from sanctuary.lib.text import normalise_auto
from sanctuary.outreach import templating, words
from sanctuary.outreach.adapters import ADAPTERS, DeliveryFailed, Outgoing
from sanctuary.outreach.models import (
    ADDRESS_INDEX,
    OPEN_MESSAGE_STATES,
    Channel,
    ChannelSettings,
    ContactState,
    Message,
    MessageState,
    OutreachContact,
    OutreachEvent,
    Reply,
    ReplyWord,
    Send,
    SendState,
    Template,
    TemplateText,
    address_key,
)
from sanctuary.people import contact
from sanctuary.people.contact import ContactRefused, How, Means
from sanctuary.vault.fields import index_for

if TYPE_CHECKING:
    from sanctuary.accounts.models import User
    from sanctuary.people.models import Person

log = logging.getLogger(__name__)

# Seconds to wait before each new attempt of a message that failed in a way that may pass.
RETRY_DELAYS = (60, 300, 1800, 7200)
# A message still "sending" after this long was cut off mid-send: marked failed, not re-sent.
INTERRUPTED_AFTER = timedelta(minutes=10)
# A contact who has not written to us for this long gets the cover text first, if there is one.
COVER_AFTER = timedelta(days=30)


class OutreachError(Refusal):
    messages = {
        "on_hold": ON_HOLD,
        "stopped": _("This contact said STOP: nobody messages them until they write to us first."),
        "blocked": _("This contact is blocked: nobody messages them."),
        "archived": _("This contact is archived: nobody messages them."),
        "no_recipients": _("Nobody to send to: choose at least one active contact."),
        "own": _("You proposed this message: a second person must approve it."),
        "not_proposed": _("This message is not waiting for approval any more."),
        "changed": _("This message changed after it was proposed: cancel it and propose it again."),
        "unseen": _("Some recipients are in teams you may not see: someone who sees them all must approve."),
        "no_language": _("The template has no text in a language these contacts can get."),
        "channel_off": _("The %(channel)s channel is not set up: a director sets it up under the outreach settings."),
        "address": _("Give the chat id, e-mail address or number for this channel."),
        "bad_email": _("This is not an e-mail address."),
        "bad_chat": _("A Telegram chat id is a number (the bot learns it when the person writes to it)."),
        "relative_by_hand": _("A relative is reached only by hand, as their rule says: choose “by hand”."),
        "target": _("Choose who to reach: the person or one of their relatives."),
        "duplicate": _("This contact exists already on this channel."),
        "insecure": _("This would send in clear over the internet: use STARTTLS or TLS (HTTPS for Telegram)."),
        "incomplete": _("Fill in the server (or token) and the sender address."),
        "not_by_hand": _("This message is not waiting to be sent by hand."),
        "not_failed": _("Only a message that failed can be tried again."),
        "state": _(
            "This change of state is not allowed: a contact who said STOP is active again only by writing START."
        ),
        "closed": _("This message is sent or cancelled already."),
        "retired": _("This template is retired."),
        "duplicate_address": _("This chat or address is already someone's contact: it cannot be a second one."),
        "bot_only": _("Replies on Telegram come from the bot itself: they cannot be typed in."),
        "confirm_own": _("You typed this reply in: a second person must confirm it."),
        "nothing_to_confirm": _("There is nothing to confirm in this reply."),
        "link_own": _("You proposed this link: a second person must confirm it."),
        "not_linked": _("This reply is not waiting for a link to be confirmed."),
        "look_first": _("The message changed, or you have not seen it yet: look at it below, then propose it."),
        "direct_limit": _(
            "You have sent %(n)d messages without a second person today: send the next ones as one message to "
            "several people, which a second person approves."
        ),
        "alias_relative": _(
            "This template fills in the person's alias: it must not go to a relative's intermediary or channel."
        ),
        "secret_again": _("The server or address changed: enter the password or token again."),
        "not_yours": _(
            "Only the person who proposed or approved it, or someone who sees every recipient, may cancel it."
        ),
        "expired": _("The appointment time has passed."),
    }


# --- The calendar ------------------------------------------------------------------------------


EVENT_FIELDS = ("kind", "on", "ends_on", "platform", "language", "topic", "speaker", "audience", "public")


def do_save_event(user: User, event: OutreachEvent | None, data: dict[str, Any]) -> OutreachEvent:
    with transaction.atomic():
        created = event is None
        event = event or OutreachEvent(created_by=user)
        changed = [name for name in EVENT_FIELDS if name in data and getattr(event, name) != data[name]]
        for name in EVENT_FIELDS:
            if name in data:
                value = data[name]
                setattr(event, name, normalise_auto(value) if isinstance(value, str) else value)
        event.full_clean(exclude=["created_by"])
        event.save()
        record(user, Action.CREATE if created else Action.UPDATE, event, fields=changed)
    return event


# --- Templates ---------------------------------------------------------------------------------


def do_save_template(user: User, template: Template | None, name: str, texts: dict[str, tuple[str, str]]) -> Template:
    """Create or edit a template: ``texts`` maps a language to (body, cover); an empty body
    removes that language. Zawgyi is converted; every placeholder is checked
    (:class:`templating.TemplateRefused` names the unsafe one)."""
    cleaned = {
        language: (normalise_auto(body or ""), normalise_auto(cover or "")) for language, (body, cover) in texts.items()
    }
    if not any(body for body, _cover in cleaned.values()):
        raise templating.TemplateRefused("empty")
    for body, cover in cleaned.values():
        if body:
            templating.check(body, cover)
    with transaction.atomic():
        created = template is None
        template = template or Template(created_by=user)
        if template.retired:
            raise OutreachError("retired")
        template.name = normalise_auto(name)
        template.save()
        changed = ["name"]
        for language, (body, cover) in cleaned.items():
            if not body:
                if TemplateText.objects.filter(template=template, language=language).delete()[0]:
                    changed.append(f"text:{language}")
                continue
            TemplateText.objects.update_or_create(
                template=template,
                language=language,
                defaults={"body": body, "cover": cover, "updated_by": user, "updated_at": timezone.now()},
            )
            changed.append(f"text:{language}")
        record(user, Action.CREATE if created else Action.UPDATE, template, fields=changed)
    return template


def do_retire_template(user: User, template: Template) -> None:
    with transaction.atomic():
        Template.objects.filter(pk=template.pk).update(retired=True)
        record(user, Action.UPDATE, template, fields=["retired"])


# --- The channels' settings ----------------------------------------------------------------------


def channel_config(channel: str) -> dict[str, Any] | None:
    """The settings of an enabled channel (decrypted), or None. Manual needs none."""
    if channel == Channel.MANUAL:
        return {}
    row = ChannelSettings.objects.filter(channel=channel, enabled=True).first()
    if row is None:
        return None
    try:
        loaded = json.loads(str(row.config))
    except ValueError:
        return None  # a placeholder while sealed, or unreadable
    return loaded if isinstance(loaded, dict) else None


def enabled_channels() -> list[str]:
    enabled = set(ChannelSettings.objects.filter(enabled=True).values_list("channel", flat=True))
    return [Channel.MANUAL, *(c for c in (Channel.EMAIL, Channel.TELEGRAM) if c in enabled)]


def do_save_channel(user: User, channel: str, config: dict[str, Any], *, enabled: bool = True) -> ChannelSettings:
    """Directors set a channel's server and credentials. A blank password or token keeps the
    one stored (it is never shown again). Sending in clear over the internet is refused."""
    adapter = ADAPTERS[channel]
    with transaction.atomic():
        row = ChannelSettings.objects.select_for_update().filter(channel=channel).first()
        stored = channel_config(channel) if row is not None else None
        merged = {key: str(config.get(key) or "").strip() for key in adapter.fields}
        if "security" in merged:
            merged["security"] = merged["security"].lower() or "starttls"
        # A secret kept from before goes only to the server it was given for: a new host, port,
        # user or API address needs it typed again (else one changed field sends the bot's
        # token, or the mailbox password, to a server of someone's choosing).
        moved = bool(stored) and any(
            merged.get(key, "") != str((stored or {}).get(key, "")) for key in ("host", "port", "username", "api")
        )
        for secret in ("password", "token"):
            if secret in merged and not merged[secret] and stored and stored.get(secret):
                if moved:
                    raise OutreachError("secret_again")
                merged[secret] = str(stored.get(secret, ""))
        problem = adapter.check_config(merged)
        if problem:
            raise OutreachError(problem)
        row = row or ChannelSettings(channel=channel, updated_by=user)
        row.config = json.dumps(merged)
        row.enabled = enabled
        row.updated_by = user
        row.updated_at = timezone.now()
        row.save()
        record(user, Action.UPDATE, row, fields=[*sorted(merged), "enabled"])
    return row


# --- Contacts --------------------------------------------------------------------------------------


def _check_address(channel: str, address: str) -> str:
    address = address.strip()
    if channel == Channel.EMAIL:
        try:
            validate_email(address)
        except ValidationError:
            raise OutreachError("bad_email") from None
    if channel == Channel.TELEGRAM and not address.isdigit():
        raise OutreachError("bad_chat")  # a private chat: groups and channels have negative ids
    if channel != Channel.MANUAL and not address:
        raise OutreachError("address")
    return address


def do_add_contact(
    user: User,
    person: Person,
    target_ref: str,
    channel: str,
    address: str = "",
    language: str = "my",
    means: str = How.DIRECT,
) -> OutreachContact:
    """Someone of a person's (the person, or a relative) we may message on a channel. Nobody is
    reached here; the target's rule is asked now, to say at once what it forbids, and again
    for each message. A relative is reached by hand only: their rule says how, and the
    intermediary or channel recorded on them is family's business."""
    if target_ref not in dict(contact.targets_of(person, user)):
        raise OutreachError("target")
    relative = not target_ref.startswith("person:")
    if relative and channel != Channel.MANUAL:
        raise OutreachError("relative_by_hand")
    if not relative:
        means = How.DIRECT
    address = "" if relative else _check_address(channel, address)
    with transaction.atomic():
        contact.check(target_ref, Means(how=means), user)  # ContactRefused: "never contact" …
        if (
            OutreachContact.objects.filter(target_ref=target_ref, channel=channel)
            .exclude(state=ContactState.ARCHIVED)
            .exists()
        ):
            raise OutreachError("duplicate")
        same = _same_address(channel, address)
        if same.exclude(state=ContactState.ARCHIVED).exists():
            raise OutreachError("duplicate_address")
        row = OutreachContact(
            person=person,
            target_ref=target_ref,
            channel=channel,
            means=means,
            address=address,
            language=language,
            created_by=user,
        )
        stopped = same.filter(opted_out=True).order_by("-stopped_at").first()
        if stopped is not None:  # an address that said STOP stays stopped, whoever's contact it becomes
            row.state, row.opted_out, row.stopped_at = ContactState.STOPPED, True, stopped.stopped_at
        row.save()
        record(
            user, Action.CREATE, row, fields=["target_ref", "channel", "language"] + (["address"] if address else [])
        )
        if channel != Channel.MANUAL and address:
            _attach_replies(row)
    return row


def _same_address(channel: str, address: str) -> Any:
    """Every contact row (archived ones too) on this channel with this address."""
    if not address:
        return OutreachContact.objects.none()
    return OutreachContact.objects.filter(channel=channel, address_index=index_for(ADDRESS_INDEX, address, address_key))


# Staff changes of state. A STOP is theirs: staff cannot make a stopped contact active.
STAFF_MOVES: dict[str, set[str]] = {
    ContactState.ACTIVE: {ContactState.BLOCKED, ContactState.ARCHIVED},
    ContactState.STOPPED: {ContactState.BLOCKED, ContactState.ARCHIVED},
    ContactState.BLOCKED: {ContactState.ACTIVE, ContactState.ARCHIVED},  # unblocked: STOPPED if they opted out
    ContactState.ARCHIVED: {ContactState.ACTIVE},  # back: STOPPED if they opted out
}


def do_change_contact_state(user: User, row: OutreachContact, new_state: str) -> OutreachContact:
    with transaction.atomic():
        row = OutreachContact.objects.select_for_update().get(pk=row.pk)
        if new_state not in STAFF_MOVES.get(row.state, set()):
            raise OutreachError("state")
        if new_state == ContactState.ACTIVE and row.opted_out:
            new_state = ContactState.STOPPED
        old = row.state
        row.state = new_state
        row.state_changed_at = timezone.now()
        row.save(update_fields=["state", "state_changed_at"])
        record(user, Action.STATUS, row, fields=[f"state:{old}->{new_state}"])
        if new_state in (ContactState.BLOCKED, ContactState.ARCHIVED, ContactState.STOPPED):
            _skip_open(row, new_state)
    return row


def _skip_open(row: OutreachContact, reason: str) -> None:
    """A contact who may not be messaged any more: their messages not yet sent are not sent."""
    Message.objects.filter(contact=row, state__in=(*OPEN_MESSAGE_STATES, MessageState.COVER_SENT)).update(
        state=MessageState.SKIPPED, error=reason
    )


def skip_for_target(target_ref: str) -> None:
    """A target's rule changed (``contact.on_rule_changed``): what waits for it was prepared
    under the old rule and is not sent; propose it again."""
    for row in OutreachContact.objects.filter(target_ref=target_ref):
        _skip_open(row, "rule_changed")


def _apply_word(row: OutreachContact, word: str, at: datetime) -> None:
    """STOP and START, in any state. Blocked and archived contacts keep their state; what
    they said is kept (``opted_out``) for when they are brought back."""
    old = row.state
    if word == ReplyWord.STOP:
        row.opted_out = True
        row.stopped_at = at
        if row.state == ContactState.ACTIVE:
            row.state = ContactState.STOPPED
    elif word == ReplyWord.START:
        row.opted_out = False
        if row.state == ContactState.STOPPED:
            row.state = ContactState.ACTIVE
    if row.state != old:
        row.state_changed_at = at
        record(None, Action.STATUS, row, fields=[f"state:{old}->{row.state}", f"word:{word}"])
    if word == ReplyWord.STOP:
        _skip_open(row, "stopped")


def _trusted(row: OutreachContact, reply: Reply) -> bool:
    """Whether a reply may lift a STOP or count as "they wrote first": one from the bot, one on
    the by-hand channel (the staff member is the channel), or one a second person confirmed. A
    STOP always counts."""
    return reply.recorded_by_id is None or row.channel == Channel.MANUAL or reply.confirmed_by_id is not None


def _take_reply(row: OutreachContact, reply: Reply) -> None:
    """Apply a reply to its contact, and a STOP to every contact with the same address
    (archived ones too, and a second record of the person after a merge)."""
    trusted = _trusted(row, reply)
    word = reply.word if trusted or reply.word == ReplyWord.STOP else ReplyWord.NONE
    rows = [row]
    if word == ReplyWord.STOP and row.address_index:
        rows = list(OutreachContact.objects.filter(channel=row.channel, address_index=row.address_index))
    for each in OutreachContact.objects.select_for_update().filter(pk__in=[r.pk for r in rows]).order_by("pk"):
        _apply_word(each, word, reply.received_at)
        if trusted and each.pk == row.pk and (each.last_reply_at is None or reply.received_at > each.last_reply_at):
            each.last_reply_at = reply.received_at
        each.save(update_fields=["state", "state_changed_at", "opted_out", "stopped_at", "last_reply_at"])
    if trusted and word != ReplyWord.STOP:
        # They wrote back: what waited behind a cover text goes now.
        waiting = Message.objects.filter(contact=row, state=MessageState.COVER_SENT)
        sends = list(waiting.values_list("send_id", flat=True).distinct())
        waiting.update(state=MessageState.QUEUED, next_attempt_at=None)
        for send in Send.objects.filter(pk__in=sends, state=SendState.APPROVED).select_related(
            "approved_by", "proposed_by"
        ):
            _start_delivery(send, send.approved_by or send.proposed_by)


def do_record_reply(
    user: User | None,
    row: OutreachContact | None,
    channel: str,
    text: str,
    *,
    sender: str = "",
    external_id: str = "",
    received_at: datetime | None = None,
) -> Reply | None:
    """A message that came back: typed in by staff for a contact (manual, e-mail), or fetched
    from the bot (``sender`` a chat id; matched to its contact by blind index). STOP and START
    take effect at once. The same update fetched twice is stored once (None)."""
    text = normalise_auto(text or "")
    if user is not None and row is not None and row.channel == Channel.TELEGRAM:
        raise OutreachError("bot_only")
    with transaction.atomic():
        if row is None and sender:
            same = _same_address(channel, sender)
            row = same.exclude(state=ContactState.ARCHIVED).first() or same.first()
        reply = Reply(
            contact=row,
            channel=channel,
            sender=sender,
            text=text,
            word=words.classify(text),
            external_id=external_id,
            received_at=received_at or timezone.now(),
            recorded_by=user,
        )
        try:
            with transaction.atomic():
                reply.save()
        except IntegrityError:
            return None  # this update was stored before
        record(user, Action.CREATE, reply, fields=["text"] + (["word"] if reply.word else []))
        if row is not None:
            _take_reply(row, reply)
    return reply


def _attach_replies(row: OutreachContact) -> None:
    """Replies from this address that waited unmatched now belong to the contact."""
    waiting = list(
        Reply.objects.filter(contact__isnull=True, channel=row.channel, sender_index=row.address_index).order_by(
            "received_at", "id"
        )
    )
    for reply in waiting:
        Reply.objects.filter(pk=reply.pk).update(contact=row)
        _take_reply(row, reply)


def do_confirm_reply(user: User, reply: Reply) -> Reply:
    """A second person confirms a START (or a first word after STOP) typed in for an e-mail
    contact: only then does it lift the STOP."""
    with transaction.atomic():
        reply = Reply.objects.select_for_update(of=("self",)).select_related("contact").get(pk=reply.pk)
        if reply.contact is None or not needs_confirming(reply):
            raise OutreachError("nothing_to_confirm")
        if reply.recorded_by_id == user.pk:
            raise OutreachError("confirm_own")
        require_settled(user, OutreachError)
        reply.confirmed_by = user
        reply.save(update_fields=["confirmed_by"])
        record(user, Action.UPDATE, reply, fields=["confirmed_by"])
        _take_reply(reply.contact, reply)
    return reply


def needs_confirming(reply: Reply) -> bool:
    """A reply typed in by staff for an e-mail contact, waiting for a second person."""
    return (
        reply.contact is not None
        and reply.recorded_by_id is not None
        and reply.confirmed_by_id is None
        and reply.word != ReplyWord.STOP
        and not _trusted(reply.contact, reply)
    )


def do_propose_link(user: User, reply: Reply, person: Person, language: str = "my") -> Reply:
    """A stranger's chat is (says one person) this person's: a second person confirms."""
    with transaction.atomic():
        reply = Reply.objects.select_for_update().get(pk=reply.pk)
        if reply.contact_id is not None:
            raise OutreachError("duplicate")
        if _same_address(reply.channel, str(reply.sender)).exclude(state=ContactState.ARCHIVED).exists():
            raise OutreachError("duplicate_address")
        reply.link_person, reply.link_language, reply.link_proposed_by = person, language, user
        reply.linked_by = None
        reply.save(update_fields=["link_person", "link_language", "link_proposed_by", "linked_by"])
        record(user, Action.UPDATE, reply, fields=["link_person"])
    return reply


def do_confirm_link(user: User, reply: Reply) -> OutreachContact:
    """The second person confirms: the person's contact on the bot is created with the chat
    the reply came from (and every reply from that chat is attached)."""
    with transaction.atomic():
        reply = Reply.objects.select_for_update(of=("self",)).select_related("link_person").get(pk=reply.pk)
        if reply.contact_id is not None or reply.link_person is None or reply.link_proposed_by_id is None:
            raise OutreachError("not_linked")
        if reply.link_proposed_by_id == user.pk:
            raise OutreachError("link_own")
        require_settled(user, OutreachError)
        person = reply.link_person
        reply.linked_by = user
        reply.save(update_fields=["linked_by"])
        return do_add_contact(
            user, person, f"person:{person.pk}", reply.channel, str(reply.sender), reply.link_language or "my"
        )


@dataclass(frozen=True)
class Polled:
    new: int
    ok: bool  # False: the bot could not be asked, or not everything was read (a STOP may wait there)


POLL_PAGES = 20  # getUpdates answers at most 100 at a time


def poll_telegram() -> Polled:
    """Fetch everything people sent the bot since the last time."""
    config = channel_config(Channel.TELEGRAM)
    if not config:
        return Polled(0, ok=True)
    row = ChannelSettings.objects.get(channel=Channel.TELEGRAM)
    adapter: Any = ADAPTERS[Channel.TELEGRAM]
    new, offset = 0, row.poll_offset
    for _page in range(POLL_PAGES):
        try:
            updates = adapter.updates(config, offset)
        except DeliveryFailed as failed:
            log.warning("telegram getUpdates failed: %s", failed.code)
            return Polled(new, ok=False)
        if not updates:
            return Polled(new, ok=True)
        for update in updates:
            if update.sender:
                stored = do_record_reply(
                    None, None, Channel.TELEGRAM, update.text, sender=update.sender, external_id=str(update.update_id)
                )
                new += stored is not None
            offset = max(offset, update.update_id + 1)
            ChannelSettings.objects.filter(pk=row.pk, poll_offset__lt=offset).update(poll_offset=offset)
    return Polled(new, ok=False)


# --- Proposing and approving ---------------------------------------------------------------------


def texts_of(template: Template) -> dict[str, dict[str, str]]:
    return {t.language: {"body": str(t.body), "cover": str(t.cover)} for t in template.texts.all()}


def seen_fingerprint(template: Template) -> str:
    """What the sender was shown of the template (its texts now): proposing needs it, so one
    person cannot change a colleague's message between their look and their send."""
    blob = json.dumps(texts_of(template), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def _direct_today(user: User) -> int:
    since = timezone.now() - timedelta(days=1)
    return Send.objects.filter(proposed_by=user, recipients=1, approved_by__isnull=True, proposed_at__gte=since).count()


def _fingerprint(texts: dict[str, Any], appointment: datetime | None, contact_ids: list[int]) -> str:
    blob = json.dumps(
        {
            "texts": texts,
            "appointment": appointment.astimezone(UTC).isoformat() if appointment else "",
            "contacts": sorted(contact_ids),
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _may_message(row: OutreachContact, *, broadcast: bool) -> str:
    """ "" when the contact may get a message now, else why not (a refusal code)."""
    if row.state == ContactState.ACTIVE:
        return ""
    if row.state == ContactState.STOPPED and not broadcast and row.wrote_since_stop:
        return ""  # they wrote first: a direct answer is allowed
    return str(row.state)


@dataclass(frozen=True)
class Proposed:
    send: Send
    left_out: int  # contacts not included (stopped, blocked, archived, no language)


def do_propose_send(
    user: User,
    template: Template,
    contacts: list[OutreachContact],
    appointment: datetime | None = None,
    *,
    seen: str | None = None,
) -> Proposed:
    """A message to the contacts chosen (only those the user may see count). One recipient
    goes at once (at most ``OUTREACH_DIRECT_PER_DAY`` a day for each person); several wait for
    a second person. A single recipient who said STOP is refused; in a broadcast they are left
    out (and counted). ``seen``: the template's fingerprint the sender was shown (the pages
    always pass it)."""
    if template.retired:
        raise OutreachError("retired")
    if seen is not None and seen != seen_fingerprint(template):
        raise OutreachError("look_first")
    if appointment is not None and appointment < timezone.now():
        raise OutreachError("expired")
    texts = texts_of(template)
    if not texts:
        raise templating.TemplateRefused("empty")
    for text in texts.values():
        if "appointment" in templating.placeholders(text["body"]) and appointment is None:
            raise templating.TemplateRefused("appointment")
    with transaction.atomic():
        ids = [c.pk for c in contacts]
        rows = list(
            OutreachContact.objects.visible_to(user).select_for_update().filter(pk__in=ids).select_related("person")
        )
        broadcast = len(rows) > 1
        chosen: list[tuple[OutreachContact, str]] = []
        left_out = 0
        enabled = set(enabled_channels())
        for row in rows:
            why = _may_message(row, broadcast=broadcast)
            if why and not broadcast:
                raise OutreachError(why)
            if row.channel not in enabled:
                if not broadcast:
                    raise OutreachError("channel_off", channel=Channel(row.channel).label)
                why = "channel_off"
            language = templating.language_for(row.language, texts)
            if language is None:
                if not broadcast:
                    raise OutreachError("no_language")
                why = "no_language"
            elif not row.target_ref.startswith("person:") and "alias" in templating.placeholders(
                texts[language]["body"]
            ):
                if not broadcast:
                    raise OutreachError("alias_relative")
                why = "alias_relative"
            if why or language is None:
                left_out += 1
            else:
                chosen.append((row, language))
        if not chosen:
            raise OutreachError("no_recipients")
        needs_second = len(chosen) > 1
        limit = int(getattr(settings, "OUTREACH_DIRECT_PER_DAY", 20))
        if not needs_second and _direct_today(user) >= limit:
            raise OutreachError("direct_limit", n=limit)
        send = Send.objects.create(
            template=template,
            texts=json.dumps(texts, ensure_ascii=False),
            appointment=appointment,
            recipients=len(chosen),
            fingerprint=_fingerprint(texts, appointment, [row.pk for row, _l in chosen]),
            state=SendState.PROPOSED if needs_second else SendState.APPROVED,
            proposed_by=user,
        )
        Message.objects.bulk_create(
            Message(
                send=send,
                contact=row,
                case_code=row.person.case_code,
                language=language,
                state=MessageState.WAITING if needs_second else MessageState.QUEUED,
            )
            for row, language in chosen
        )
        record(user, Action.CREATE, send, fields=["texts", "recipients"] + (["appointment"] if appointment else []))
        if not needs_second:
            _start_delivery(send, user)
    return Proposed(send, left_out)


def do_approve_send(user: User, send: Send) -> Send:
    """The second person approves exactly what was proposed, and it goes."""
    with transaction.atomic():
        send = Send.objects.select_for_update().get(pk=send.pk)
        if send.state != SendState.PROPOSED:
            raise OutreachError("not_proposed")
        if send.proposed_by_id == user.pk:
            raise OutreachError("own")
        require_settled(user, OutreachError)
        contact_ids = list(send.messages.values_list("contact_id", flat=True))
        if OutreachContact.objects.visible_to(user).filter(pk__in=contact_ids).count() != len(contact_ids):
            raise OutreachError("unseen")
        if (
            _fingerprint(send.text_map(), send.appointment, contact_ids) != send.fingerprint
            or len(contact_ids) != send.recipients
        ):
            raise OutreachError("changed")
        send.state = SendState.APPROVED
        send.approved_by = user
        send.approved_at = timezone.now()
        send.save(update_fields=["state", "approved_by", "approved_at"])
        send.messages.filter(state=MessageState.WAITING).update(state=MessageState.QUEUED)
        record(user, Action.UPDATE, send, fields=["approved_by", "state"])
        _start_delivery(send, user)
    return send


def do_cancel_send(user: User, send: Send) -> Send:
    """Stop what has not left yet (a proposal, or the messages still queued): the proposer,
    the approver, or someone who sees every recipient."""
    with transaction.atomic():
        send = Send.objects.select_for_update().get(pk=send.pk)
        if send.state in (SendState.DONE, SendState.CANCELLED):
            raise OutreachError("closed")
        contact_ids = list(send.messages.values_list("contact_id", flat=True))
        sees_all = OutreachContact.objects.visible_to(user).filter(pk__in=contact_ids).count() == len(contact_ids)
        if user.pk not in (send.proposed_by_id, send.approved_by_id) and not sees_all:
            raise OutreachError("not_yours")
        send.state = SendState.CANCELLED
        send.cancelled_by = user
        send.save(update_fields=["state", "cancelled_by"])
        send.messages.filter(state__in=(*OPEN_MESSAGE_STATES, MessageState.COVER_SENT)).update(
            state=MessageState.CANCELLED
        )
        record(user, Action.STATUS, send, fields=["state:cancelled"])
    return send


def _start_delivery(send: Send, user: User, run_after: datetime | None = None) -> None:
    from sanctuary.background import runner

    runner.start(DELIVER_JOB, user, params={"send": send.pk}, run_after=run_after)


DELIVER_JOB = "outreach.deliver"


# --- Delivering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    message_id: int
    channel: str
    address: str
    text: str
    cover: bool


def _body(send: Send, language: str, row: OutreachContact) -> str:
    """The message in ``language`` with the contact's alias and the appointment filled in."""
    text = send.text_map().get(language) or {}
    appointment = formats.date_format(timezone.localtime(send.appointment), "Y-m-d H:i") if send.appointment else ""
    return templating.fill(text.get("body", ""), {"alias": _alias(row), "appointment": appointment})


def _alias(row: OutreachContact) -> str:
    alias = str(row.person.alias or "")
    return "" if not alias or alias.startswith("[") else alias


@contact.path("outreach.send_message", target=lambda user, message, *rest, **named: message.contact.target_ref)
def do_claim_message(user: User, message: Message) -> Claimed | None:
    """Take one queued message to send: the target's contact rule first (a relative's rule, a
    person's status), then the contact's state (a STOP since approval wins), then the text is
    made and the address read, inside the vault. None: not to be sent (state recorded)."""
    target = OutreachContact.objects.only("target_ref", "means").get(pk=message.contact_id)
    contact.check(target.target_ref, Means(how=target.means), user)
    message = (
        Message.objects.select_for_update().select_related("send", "contact", "contact__person").get(pk=message.pk)
    )
    send = message.send
    if message.state not in (MessageState.QUEUED, MessageState.RETRY) or send.state != SendState.APPROVED:
        return None
    row = message.contact
    why = _may_message(row, broadcast=send.is_broadcast)
    if why:
        message.state, message.error = MessageState.SKIPPED, why
        message.save(update_fields=["state", "error"])
        return None
    if send.appointment is not None and send.appointment < timezone.now():
        message.state, message.error = MessageState.SKIPPED, "expired"
        message.save(update_fields=["state", "error"])
        return None
    text = send.text_map().get(message.language) or {}
    adapter = ADAPTERS[row.channel]
    cover = (
        not adapter.by_hand  # by hand, the staff member says what is safe
        and bool(text.get("cover"))
        and message.cover_sent_at is None
        and (row.last_reply_at is None or row.last_reply_at < timezone.now() - COVER_AFTER)
    )
    if cover:
        body = text["cover"]
    else:
        cover = False
        body = _body(send, message.language, row)
    message.attempts += 1
    message.state = MessageState.BY_HAND if adapter.by_hand else MessageState.SENDING
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["attempts", "state", "next_attempt_at"])
    return Claimed(message.pk, row.channel, str(row.address or ""), body, cover)


def _delay(attempts: int, retry_after: float | None) -> timedelta:
    step = RETRY_DELAYS[min(attempts - 1, len(RETRY_DELAYS) - 1)]
    return timedelta(seconds=max(step, retry_after or 0))


def deliver(message: Message, user: User) -> str:
    """Send one message; returns its new state."""
    try:
        claimed = do_claim_message(user, message)
    except ContactRefused as refused:
        Message.objects.filter(pk=message.pk).update(state=MessageState.SKIPPED, error=refused.code[:32])
        return MessageState.SKIPPED
    if claimed is None or ADAPTERS[claimed.channel].by_hand:
        return str(Message.objects.filter(pk=message.pk).values_list("state", flat=True).first())
    config = channel_config(claimed.channel)
    try:
        if config is None:
            raise DeliveryFailed("channel_off", retry=False)
        subject = str(getattr(settings, "OUTREACH_EMAIL_SUBJECT", "")) or "—"
        external = ADAPTERS[claimed.channel].send(config, Outgoing(claimed.address, claimed.text, subject))
    except DeliveryFailed as failed:
        return _failed(message.pk, failed)
    now = timezone.now()
    with transaction.atomic():
        done = Message.objects.select_for_update().get(pk=message.pk)
        if done.state != MessageState.SENDING:  # counted as interrupted meanwhile: a person decides
            record(user, Action.CREATE, object_type="outreach.delivery", object_id=done.pk, fields=["late"])
            return str(done.state)
        done.external_id = external[:64]
        done.error = ""
        if claimed.cover:
            done.state, done.cover_sent_at = MessageState.COVER_SENT, now
        else:
            done.state, done.sent_at = MessageState.SENT, now
        done.save(update_fields=["external_id", "error", "state", "cover_sent_at", "sent_at"])
        record(
            user,
            Action.CREATE,
            object_type="outreach.delivery",
            object_id=done.pk,
            fields=["cover" if claimed.cover else "body"],
        )
    return str(done.state)


def _failed(message_id: int, failed: DeliveryFailed) -> str:
    with transaction.atomic():
        message = Message.objects.select_for_update().select_related("contact").get(pk=message_id)
        if message.state != MessageState.SENDING:
            return str(message.state)
        message.error = failed.code[:32]
        if failed.retry and message.attempts <= len(RETRY_DELAYS):
            message.state = MessageState.RETRY
            message.next_attempt_at = timezone.now() + _delay(message.attempts, failed.retry_after)
        else:
            message.state = MessageState.FAILED
        message.save(update_fields=["error", "state", "next_attempt_at"])
        if failed.opted_out:  # they blocked the bot: as good as a STOP
            row = OutreachContact.objects.select_for_update().get(pk=message.contact_id)
            _apply_word(row, ReplyWord.STOP, timezone.now())
            row.save(update_fields=["state", "state_changed_at", "opted_out", "stopped_at"])
    log.info("outreach message %s failed: %s", message_id, failed.code)
    return str(message.state)


def deliver_due(send: Send, user: User, now: datetime | None = None) -> dict[str, int]:
    """One pass over a send's messages that are due; returns the count of each new state.
    Retries that are not due yet get a job queued for when the first one is."""
    now = now or timezone.now()
    recover_interrupted(now)
    polled = poll_telegram() if Channel.TELEGRAM in enabled_channels() else Polled(0, ok=True)
    counts: dict[str, int] = {}
    due = Message.objects.filter(send=send).filter(state=MessageState.QUEUED) | Message.objects.filter(
        send=send, state=MessageState.RETRY, next_attempt_at__lte=now
    )
    if not polled.ok:
        # A STOP may be waiting at the bot: nothing goes to Telegram until it has been read.
        deferred = list(due.filter(contact__channel=Channel.TELEGRAM).values_list("pk", flat=True))
        Message.objects.filter(pk__in=deferred).update(
            state=MessageState.RETRY, error="poll_failed", next_attempt_at=now + timedelta(seconds=RETRY_DELAYS[0])
        )
        due = due.exclude(pk__in=deferred)
    for message in list(due.order_by("id")):
        new_state = deliver(message, user)
        counts[new_state] = counts.get(new_state, 0) + 1
    _close_if_done(send)
    later = (
        Message.objects.filter(send=send, state=MessageState.RETRY, next_attempt_at__gt=now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if later is not None:
        _start_delivery(send, user, run_after=later)
    return counts


def _close_if_done(send: Send) -> None:
    waiting = (*OPEN_MESSAGE_STATES, MessageState.SENDING, MessageState.COVER_SENT)
    if not Message.objects.filter(send=send, state__in=waiting).exists():
        Send.objects.filter(pk=send.pk, state=SendState.APPROVED).update(state=SendState.DONE)


def recover_interrupted(now: datetime | None = None) -> int:
    """Messages cut off mid-send (the server died): failed, for a person to decide. Sending
    again on our own could message a defector twice, or after a STOP."""
    cutoff = (now or timezone.now()) - INTERRUPTED_AFTER
    return Message.objects.filter(state=MessageState.SENDING, next_attempt_at__lt=cutoff).update(
        state=MessageState.FAILED, error="interrupted"
    )


@contact.path("outreach.mark_sent", target=lambda user, message, *rest, **named: message.contact.target_ref)
def do_mark_sent(user: User, message: Message) -> Message:
    """The staff member sent it by hand (copied the text): the target's rule and the
    contact's state are asked again, now (a rule tightened or a STOP since the message was
    prepared wins)."""
    target = OutreachContact.objects.only("target_ref", "means").get(pk=message.contact_id)
    contact.check(target.target_ref, Means(how=target.means), user)
    with transaction.atomic():
        message = Message.objects.select_for_update().select_related("send", "contact").get(pk=message.pk)
        if message.state != MessageState.BY_HAND:
            raise OutreachError("not_by_hand")
        why = _may_message(message.contact, broadcast=message.send.is_broadcast)
        if why:
            raise OutreachError(why)
        message.state = MessageState.SENT
        message.sent_at = timezone.now()
        message.sent_by = user
        message.save(update_fields=["state", "sent_at", "sent_by"])
        record(user, Action.UPDATE, message, fields=["state", "sent_by"])
        _close_if_done(message.send)
    return message


def do_retry_message(user: User, message: Message) -> Message:
    """A person decides to try a failed (or interrupted) message again."""
    with transaction.atomic():
        message = Message.objects.select_for_update().select_related("send").get(pk=message.pk)
        if message.state != MessageState.FAILED or message.send.state not in (SendState.APPROVED, SendState.DONE):
            raise OutreachError("not_failed")
        message.state = MessageState.QUEUED
        message.next_attempt_at = None
        message.save(update_fields=["state", "next_attempt_at"])
        Send.objects.filter(pk=message.send_id, state=SendState.DONE).update(state=SendState.APPROVED)
        record(user, Action.UPDATE, message, fields=["state"])
        _start_delivery(message.send, user)
    return message


def refused_now(message: Message, user: User) -> str:
    """Why a message waiting to be sent by hand may not be sent now ("" if it may): asked
    before its text is shown; nothing is written."""
    row = message.contact
    try:
        contact.check(row.target_ref, Means(how=row.means), user)
    except ContactRefused as refused:
        return refused.message
    why = _may_message(row, broadcast=message.send.is_broadcast)
    return OutreachError(why).message if why else ""


def by_hand_text(message: Message) -> str:
    """The text to copy for a message sent by hand (made when it was claimed, again here)."""
    return _body(message.send, message.language, message.contact)
