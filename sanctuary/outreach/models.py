"""Reaching out: the calendar of talks, posts and campaigns; message templates in three
languages; the people we may message (and their STOP); sends proposed by one person and, for
more than one recipient, approved by another; and the outbox.

In clear: the calendar (it is public outreach), templates (they may hold only an alias and an
appointment time, never a true name or a place), contact states, and the outbox's states. An
outbox row names its recipient by case code and contact row, never by a number: the address
(a Telegram chat, an e-mail address, a phone for the manual channel) is encrypted on the
contact, bound to its person, and read inside the vault at the moment of sending. A reply's
words are encrypted too; the STOP or START they carried is kept in clear as a state.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sanctuary.accounts.policy import ModuleQuerySet, can_use
from sanctuary.people.models import PersonScopedQuerySet
from sanctuary.vault.fields import BlindIndexField, EncryptedModel, EncryptedQuerySet, EncryptedTextField

# Access modules (declared in module.py, granted in accounts.policy.STAGE_GRANTS).
OUTREACH = "outreach"
OUTREACH_CONFIG = "outreach_config"  # the channels' credentials: directors only
# What strangers write to the bot: first contacts, so for intake (and directors), not every team.
OUTREACH_REPLIES = "outreach_replies"


ADDRESS_INDEX = "outreach.address"


def address_key(value: str) -> str:
    """A chat id, an e-mail address or a number as compared: trimmed, case-folded."""
    return (value or "").strip().casefold()


class Language(models.TextChoices):
    MY = "my", "မြန်မာ"
    EN = "en", "English"
    TH = "th", "ไทย"


# --- The calendar ----------------------------------------------------------------------------------


class Platform(models.TextChoices):
    FACEBOOK = "facebook", _("Facebook")
    TELEGRAM = "telegram", _("Telegram")
    TIKTOK = "tiktok", _("TikTok")
    YOUTUBE = "youtube", _("YouTube")
    RADIO = "radio", _("Radio")
    OTHER = "other", pgettext_lazy("platform", "Other")


class EventKind(models.TextChoices):
    TALK = "talk", _("Online talk")
    POST = "post", _("Post")
    CAMPAIGN = "campaign", _("Campaign")


class EventQuerySet(ModuleQuerySet):
    module = OUTREACH


class OutreachEvent(models.Model):
    """A talk, a post or a campaign. ``public``: offered on the public intake form as an
    answer to "how did you hear of us?" (a Sunday talk is; a campaign of direct messages
    through relatives is not)."""

    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices, default=EventKind.TALK)
    on = models.DateField(_("date"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    platform = models.CharField(_("channel"), max_length=12, choices=Platform.choices, default=Platform.FACEBOOK)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.MY)
    topic = models.CharField(pgettext_lazy("outreach", "topic"), max_length=200)
    speaker = models.CharField(_("speaker (alias)"), max_length=100, blank=True)
    audience = models.PositiveIntegerField(_("audience reported by the platform"), null=True, blank=True)
    public = models.BooleanField(_("offered on the public form"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["on"], name="outreach_event_on")]
        verbose_name = _("outreach event")
        verbose_name_plural = _("outreach events")

    def __str__(self) -> str:
        return f"{self.on:%Y-%m-%d} {self.get_platform_display()}: {self.topic}"

    @property
    def ref(self) -> str:
        return f"event:{self.pk}"


# --- Templates -------------------------------------------------------------------------------------


class TemplateQuerySet(ModuleQuerySet):
    module = OUTREACH


class Template(models.Model):
    name = models.CharField(_("name"), max_length=100)
    retired = models.BooleanField(default=False, verbose_name=_("retired"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))

    objects = TemplateQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return self.name


class TemplateTextQuerySet(EncryptedQuerySet):
    def visible_to(self, user: object) -> Any:
        return self.all() if can_use(user, OUTREACH) else self.none()  # type: ignore[arg-type]


class TemplateText(EncryptedModel):
    """The template in one language. ``cover``: an optional first message that says nothing
    (no placeholder at all); the message itself follows once the person replies. Encrypted: a
    message may say when and where to meet."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("body", "cover")

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="texts", verbose_name=_("template"))
    language = models.CharField(max_length=2, choices=Language.choices, verbose_name=_("language"))
    body = EncryptedTextField(_("message"), max_length=2000)
    cover = EncryptedTextField(_("cover text (optional)"), max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("updated by")
    )
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated on"))

    objects = TemplateTextQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "language"], name="outreach_text_one_per_language")]
        verbose_name = _("template text")
        verbose_name_plural = _("template texts")

    def __str__(self) -> str:
        return f"{self.template_id}:{self.language}"


# --- Contacts --------------------------------------------------------------------------------------


class Channel(models.TextChoices):
    """How a message leaves: the adapters (``sanctuary.outreach.adapters``)."""

    MANUAL = "manual", _("By hand (copy the text, send it yourself)")
    EMAIL = "email", _("E-mail")
    TELEGRAM = "telegram", _("Telegram bot")


class ContactState(models.TextChoices):
    ACTIVE = "active", _("Active")
    STOPPED = "stopped", _("Stopped (opted out)")
    BLOCKED = "blocked", _("Blocked")
    ARCHIVED = "archived", _("Archived")


class OutreachQuerySet(PersonScopedQuerySet):
    module = OUTREACH


class OutreachContact(EncryptedModel):
    """Someone we may message: a person on file (``target_ref`` ``"person:<id>"``) or one of
    their relatives (``"relative:<id>"``, under the relative's contact rule), on one channel.

    A stopped contact is never messaged again until they write first: a reply after
    ``stopped_at`` lets a direct answer through (never a broadcast); START makes them active.
    A blocked contact is never messaged; STOP and START from them are recorded
    (``opted_out``) and take effect if they are unblocked."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("address",)
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="outreach_contacts", verbose_name=_("person")
    )
    target_ref = models.CharField(max_length=32, verbose_name=_("target"))
    # how the relative is reached (sanctuary.people.contact.How): direct, intermediary, channel
    means = models.CharField(max_length=12, default="direct", verbose_name=_("means"))
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.MANUAL)
    address = EncryptedTextField(_("chat, e-mail or number"), max_length=200, blank=True)
    # keyed hash of the address: a reply is matched to its contact without decrypting them all
    address_index = BlindIndexField(source="address", purpose=ADDRESS_INDEX, normaliser=address_key)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.MY)
    state = models.CharField(_("state"), max_length=12, choices=ContactState.choices, default=ContactState.ACTIVE)
    state_changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("state changed on"))
    opted_out = models.BooleanField(
        default=False, verbose_name=_("opted out")
    )  # the last of STOP/START they sent was STOP
    stopped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("stopped on"))
    last_reply_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last reply on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))

    objects = OutreachQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state"], name="outreach_contact_state")]
        verbose_name = _("outreach contact")
        verbose_name_plural = _("outreach contacts")

    def __str__(self) -> str:
        return f"outreach contact {self.pk}"

    @property
    def wrote_since_stop(self) -> bool:
        return bool(self.stopped_at and self.last_reply_at and self.last_reply_at > self.stopped_at)


class ReplyWord(models.TextChoices):
    NONE = "", _("A message")
    STOP = "stop", _("STOP")
    START = "start", _("START")


class EncryptedModuleQuerySet(EncryptedQuerySet):
    """Organisation-wide rows with encrypted fields: every row for users of ``module``, none
    for anyone else (``ModuleQuerySet``), and no ``update()`` that would store plain text."""

    module: ClassVar[str] = ""

    def visible_to(self, user: object) -> Any:
        return self.all() if can_use(user, self.module) else self.none()  # type: ignore[arg-type]


class ReplyQuerySet(EncryptedModuleQuerySet):
    module = OUTREACH

    def visible_to(self, user: object) -> Any:
        """Replies from contacts the user may see; those not matched to anyone (strangers
        writing to the bot: first contacts) only to users of ``outreach_replies``."""
        contacts = OutreachContact.objects.visible_to(user)  # type: ignore[arg-type]
        mine = Q(contact__in=contacts)
        if can_use(user, OUTREACH_REPLIES):  # type: ignore[arg-type]
            mine |= Q(contact__isnull=True)
        return super().visible_to(user).filter(mine)


class Reply(EncryptedModel):
    """A message that came back (Telegram, or typed in by staff for the manual and e-mail
    channels). One not matched to a contact waits to be linked to a person's contact; its
    sender's address is kept (encrypted) for that."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("text", "sender")

    contact = models.ForeignKey(
        OutreachContact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("contact"),
    )
    channel = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("channel"))
    sender = EncryptedTextField(max_length=200, blank=True, verbose_name=_("sender"))
    sender_index = BlindIndexField(source="sender", purpose=ADDRESS_INDEX, normaliser=address_key)
    text = EncryptedTextField(max_length=4000, blank=True, verbose_name=_("text"))
    word = models.CharField(max_length=8, choices=ReplyWord.choices, blank=True, default="", verbose_name=_("word"))
    external_id = models.CharField(
        max_length=32, blank=True, verbose_name=_("id at the channel")
    )  # Telegram's update id
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # A START (or a first word after STOP) typed in by staff for an e-mail contact takes effect
    # only once a second person confirms it: one person's say-so does not lift a STOP.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    # Linking a stranger's chat to a person is two-person too: a spy who writes "it is Ko X,
    # new phone" would otherwise receive Ko X's messages on one colleague's belief.
    link_person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person to link"),
    )
    link_language = models.CharField(
        max_length=2, choices=Language.choices, blank=True, verbose_name=_("language of the link")
    )
    link_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("link proposed by"),
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("linked by"),
    )

    objects = ReplyQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=~Q(external_id=""), name="outreach_reply_once"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("recorded_by")),
                name="outreach_reply_confirmed_by_another",
            ),
            models.CheckConstraint(
                condition=Q(linked_by__isnull=True)
                | (Q(link_proposed_by__isnull=False) & ~Q(linked_by=F("link_proposed_by"))),
                name="outreach_reply_linked_by_two",
            ),
        ]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"reply {self.pk}"


# --- Sends and the outbox --------------------------------------------------------------------------


class SendState(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for a second person's approval")
    APPROVED = "approved", _("Approved: sending")
    DONE = "done", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class SendQuerySet(EncryptedModuleQuerySet):
    module = OUTREACH

    def visible_to(self, user: object) -> Any:
        """Sends with at least one recipient the user may see (a team's messages are its own)."""
        contacts = OutreachContact.objects.visible_to(user)  # type: ignore[arg-type]
        sends = Message.objects.filter(contact__in=contacts).values("send_id")
        return super().visible_to(user).filter(pk__in=sends)


class Send(EncryptedModel):
    """One message to one or several contacts. Its texts (each language, with the cover) are
    copied from the template when proposed, and its recipients fixed then; the fingerprint of
    both is what the second person approves. To more than one recipient it needs a second
    person's approval (a database constraint, as every four-eyes rule). The texts are
    encrypted (a message may say when and where to meet)."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("texts",)

    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="sends", verbose_name=_("template"))
    texts = EncryptedTextField(
        max_length=20000, verbose_name=_("texts")
    )  # JSON: {language: {"body": ..., "cover": ...}}
    appointment = models.DateTimeField(_("appointment time"), null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0, verbose_name=_("recipients"))
    fingerprint = models.CharField(max_length=64, verbose_name=_("fingerprint"))
    state = models.CharField(
        max_length=12, choices=SendState.choices, default=SendState.PROPOSED, verbose_name=_("state")
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(default=timezone.now, verbose_name=_("proposed on"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved on"))
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )

    objects = SendQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("proposed_by")),
                name="outreach_send_four_eyes",
            ),
            # More than one recipient: approved (or sent) only by a second person.
            models.CheckConstraint(
                condition=Q(recipients__lte=1) | Q(state__in=["proposed", "cancelled"]) | Q(approved_by__isnull=False),
                name="outreach_send_broadcast_approved",
            ),
        ]
        verbose_name = _("sending")
        verbose_name_plural = _("sendings")

    def __str__(self) -> str:
        return f"send {self.pk}"

    @property
    def is_broadcast(self) -> bool:
        return self.recipients > 1

    def text_map(self) -> dict[str, dict[str, str]]:
        """The texts by language ({} while sealed)."""
        try:
            loaded = json.loads(str(self.texts))
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}


class MessageState(models.TextChoices):
    WAITING = "waiting", _("Waiting for approval")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    BY_HAND = "by_hand", _("To send by hand")
    COVER_SENT = "cover_sent", _("Cover text sent: waiting for a reply")
    SENT = "sent", _("Sent")
    RETRY = "retry", _("Failed: will try again")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")
    CANCELLED = "cancelled", pgettext_lazy("message", "Cancelled")


OPEN_MESSAGE_STATES = (MessageState.WAITING, MessageState.QUEUED, MessageState.RETRY, MessageState.BY_HAND)


class MessageQuerySet(ModuleQuerySet):
    module = OUTREACH

    def visible_to(self, user: object) -> models.QuerySet[Message]:  # type: ignore[override]
        """Messages to contacts the user may see."""
        return self.filter(contact__in=OutreachContact.objects.visible_to(user))  # type: ignore[arg-type]


class Message(models.Model):
    """One recipient of a send: the outbox. The recipient is named by the contact row and the
    case code; ``error`` is a code (``"smtp_refused"``), never a server's words (they may
    repeat the address)."""

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="messages", verbose_name=_("sending"))
    contact = models.ForeignKey(
        OutreachContact, on_delete=models.PROTECT, related_name="messages", verbose_name=_("contact")
    )
    case_code = models.CharField(max_length=16, verbose_name=_("case code"))
    language = models.CharField(max_length=2, choices=Language.choices, verbose_name=_("language"))
    state = models.CharField(
        max_length=12, choices=MessageState.choices, default=MessageState.WAITING, verbose_name=_("state")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt on"))
    error = models.CharField(max_length=32, blank=True, verbose_name=_("error"))
    external_id = models.CharField(max_length=64, blank=True, verbose_name=_("id at the channel"))
    cover_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cover message sent on"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent on"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outreach_message_due")]
        constraints = [models.UniqueConstraint(fields=["send", "contact"], name="outreach_message_once")]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"message {self.pk}"


# --- The channels' settings ------------------------------------------------------------------------


class ChannelSettingsQuerySet(EncryptedModuleQuerySet):
    module = OUTREACH_CONFIG


class ChannelSettings(EncryptedModel):
    """A channel's credentials (the SMTP server and its password, the Telegram bot's token),
    entered by a director and encrypted: a seized disk does not give away the bot, which would
    let its holder read every reply. ``config`` is a JSON object."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("config",)

    channel = models.CharField(max_length=12, choices=Channel.choices, unique=True, verbose_name=_("channel"))
    enabled = models.BooleanField(default=True, verbose_name=_("switched on"))
    config = EncryptedTextField(max_length=4000, verbose_name=_("settings"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("updated by")
    )
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated on"))
    poll_offset = models.BigIntegerField(
        default=0, verbose_name=_("polling position")
    )  # Telegram getUpdates: the next update id

    objects = ChannelSettingsQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("channel settings")
        verbose_name_plural = _("channel settings")

    def __str__(self) -> str:
        return f"{self.channel} settings"
