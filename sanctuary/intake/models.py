"""First contact: what the public form receives, and what staff log from chats and calls.

A submission is encrypted the moment it arrives, to the intake public key (see
``sanctuary.vault.crypto.seal_to``), whether or not the vault is unsealed: the database only
ever holds ciphertext, the time it came, and workflow state. The private key is a
vault-encrypted value, so submissions are readable only while key holders have unsealed.
No IP address, user agent or anything else about the sender's connection is stored.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import can_use, sees_all_people
from sanctuary.people.models import Person
from sanctuary.vault import crypto
from sanctuary.vault.fields import EncryptedModel, EncryptedTextField

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


class IntakeKey(EncryptedModel):
    """The X25519 key pair submissions are encrypted to. The newest one is used."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("private_key",)

    public_key = models.BinaryField(max_length=32, verbose_name=_("public key"))
    private_key = EncryptedTextField(verbose_name=_("private key"))  # hex, encrypted under the vault's data key
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("intake key")
        verbose_name_plural = _("intake keys")

    def __str__(self) -> str:
        return f"intake key {self.pk}"


class Source(models.TextChoices):
    FORM = "form", _("Public form")
    STAFF = "staff", _("Logged by staff")


class TriageState(models.TextChoices):
    NEW = "new", _("New")
    REVIEWING = "reviewing", _("Being reviewed")
    LINKED = "linked", _("Linked to a person")
    MERGED = "merged", _("Merged into another submission")
    SPAM = "spam", _("Spam")


class PublicStatus(models.TextChoices):
    """The only thing the sender can see, with their receipt phrase."""

    RECEIVED = "received", _("Received")
    REVIEWING = "reviewing", _("Being reviewed")
    WILL_CONTACT = "will_contact", _("We will contact you")


INTAKE = "intake"  # the access module of intake officers (declared in module.py)


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def visible_to(self, user: User) -> SubmissionQuerySet:
        """Intake officers see unlinked submissions and those of people they may see."""
        if not user.is_authenticated or not can_use(user, INTAKE):
            return self.none()
        if sees_all_people(user):
            return self.all()
        return self.filter(models.Q(person__isnull=True) | models.Q(person__in=Person.objects.visible_to(user)))


class Submission(models.Model):
    """One first contact. ``payload`` is a sealed box holding a JSON object of the form's
    fields; everything else is workflow state in clear."""

    uid = models.UUIDField(unique=True, editable=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.FORM, verbose_name=_("source"))
    key = models.ForeignKey(IntakeKey, on_delete=models.PROTECT, related_name="+", verbose_name=_("key"))
    payload = models.TextField(verbose_name=_("content"))
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received on"))
    state = models.CharField(
        max_length=12, choices=TriageState.choices, default=TriageState.NEW, verbose_name=_("state")
    )
    public_status = models.CharField(
        max_length=16,
        choices=PublicStatus.choices,
        default=PublicStatus.RECEIVED,
        verbose_name=_("status shown to the sender"),
    )
    # HMAC of the receipt phrase's word numbers (sanctuary.intake.phrases); null for staff logs.
    phrase_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, verbose_name=_("phrase fingerprint")
    )
    phrase_expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("phrase expires on"))
    # HMAC of the form's one-time token: the same form sent twice is stored once.
    form_token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, verbose_name=_("form token fingerprint")
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intake_submissions",
        verbose_name=_("person"),
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("merged into")
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("handled on"))
    watch_checked = models.BooleanField(
        default=False, verbose_name=_("watch list checked")
    )  # compared with the watch list yet
    # The sender wrote again (with their phrase) since an officer last opened it.
    follow_up_pending = models.BooleanField(default=False, verbose_name=_("follow-up waiting"))
    # "How did you hear of us?": an opaque reference (``sanctuary.people.attribution``), in
    # clear so the attribution report counts while sealed; it names no person.
    heard_via = models.CharField(max_length=32, blank=True, default="", verbose_name=_("heard of us through"))

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "received_at"], name="submission_state_idx")]
        verbose_name = _("first contact")
        verbose_name_plural = _("first contacts")

    def __str__(self) -> str:
        return f"submission {self.pk}"

    def aad(self, part: str) -> bytes:
        return crypto.aad_for("intake_submission", part, str(self.uid))

    def read(self) -> dict[str, Any]:
        """The decrypted fields (the vault must be unsealed)."""
        from sanctuary.intake.keys import open_for

        data: dict[str, Any] = json.loads(open_for(self.key, self.payload, self.aad("payload")))
        return data


class SubmissionPartQuerySet(models.QuerySet[Any]):
    """Follow-ups and files: visible with their submission."""

    def visible_to(self, user: User) -> Any:
        return self.filter(submission__in=Submission.objects.visible_to(user))


class FollowUp(models.Model):
    """A further message from the sender, sent with their receipt phrase."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("first contact")
    )
    uid = models.UUIDField(unique=True, editable=False)
    key = models.ForeignKey(IntakeKey, on_delete=models.PROTECT, related_name="+", verbose_name=_("key"))
    payload = models.TextField(verbose_name=_("content"))
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received on"))

    objects = SubmissionPartQuerySet.as_manager()

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("follow-up message")
        verbose_name_plural = _("follow-up messages")

    def __str__(self) -> str:
        return f"follow-up {self.pk}"

    def aad(self) -> bytes:
        # Bound to its submission too: moved to another one, it no longer opens.
        return crypto.aad_for("intake_followup", str(self.submission.uid), str(self.uid))

    def read(self) -> str:
        from sanctuary.intake.keys import open_for

        return open_for(self.key, self.payload, self.aad()).decode("utf-8")


class Attachment(models.Model):
    """A photo or PDF sent with a submission: metadata stripped, then sealed to the intake
    key and written to disk under a random name."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("first contact")
    )
    uid = models.UUIDField(unique=True, editable=False)
    key = models.ForeignKey(IntakeKey, on_delete=models.PROTECT, related_name="+", verbose_name=_("key"))
    stored_name = models.CharField(max_length=64, unique=True, verbose_name=_("stored file name"))
    content_type = models.CharField(max_length=64, verbose_name=_("file type"))
    size = models.PositiveIntegerField(verbose_name=_("size"))
    moved_to = models.ForeignKey(
        "people.PersonDocument",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moved to"),
    )

    objects = SubmissionPartQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"attachment {self.pk}"

    def aad(self) -> bytes:
        return crypto.aad_for("intake_attachment", str(self.submission.uid), str(self.uid))
