"""Testimony and evidence: a screening record (a summary for referral, never a full
statement), the original files a person hands over with their hashes at receipt, and the
referral packages two evidence officers release to an investigator.

Evidence is for evidence officers only: the access module is declared
``Access(directors=False)``, so directors do not get it with the rest.

What could lead to the person or a place is encrypted and bound to the person: the place,
the unit, the commanders named, the summaries, the linkage notes, a file's title and name,
and even its hashes (whoever holds a copy of an order could otherwise confirm, from a seized
disk, that we hold it). The region, the kinds of orders and whether documents exist are
clear, for counts. The files themselves are age streams encrypted to the organisation's
evidence key (``evidence.keys``), kept bit for bit: never re-encoded, never stripped.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sanctuary.accounts.policy import ModuleQuerySet
from sanctuary.people.models import PersonScopedQuerySet, Region
from sanctuary.vault.fields import EncryptedModel, EncryptedTextField

EVIDENCE = "evidence"  # evidence officers only (not directors: Access(directors=False))


class Involvement(models.TextChoices):
    WITNESSED = "witnessed", _("Saw it happen")
    RECEIVED_ORDERS = "received_orders", _("Received the orders")
    TOOK_PART = "took_part", _("Took part")
    HEARD = "heard", _("Heard of it from others")


class OrderKind(models.TextChoices):
    KILLING = "killing", _("Killing civilians or prisoners")
    ARSON = "arson", _("Burning villages or homes")
    AIRSTRIKE = "airstrike", _("Air strikes or shelling of civilians")
    TORTURE = "torture", _("Torture or ill-treatment")
    SEXUAL = "sexual", _("Sexual violence")
    ARREST = "arrest", _("Arbitrary arrests or disappearances")
    FORCED_LABOUR = "forced_labour", _("Forced labour or porters")
    SHIELDS = "shields", _("Civilians used as human shields")
    LOOTING = "looting", _("Looting or destroying property")
    OTHER = "other", _("Other")


class TestimonyState(models.TextChoices):
    SCREENING = "screening", _("Being screened")
    READY = "ready", _("Screened, ready for referral")
    REFERRED = "referred", _("Referred")
    CLOSED = "closed", pgettext_lazy("testimony", "Closed")


class EvidenceQuerySet(PersonScopedQuerySet):
    module = EVIDENCE


class Testimony(EncryptedModel):
    """A screening record: what the person saw or did, roughly, for a referral. Not a
    statement: investigators take the statement, and a second, different one from us could
    discredit the witness."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = (
        "when",
        "place",
        "unit",
        "commanders",
        "summary_my",
        "summary_en",
        "orders_received",
        "reports",
        "policies",
        "radio_logs",
        "documents_held",
    )
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="testimonies", verbose_name=_("person")
    )
    state = models.CharField(
        pgettext_lazy("testimony", "state"),
        max_length=10,
        choices=TestimonyState.choices,
        default=TestimonyState.SCREENING,
    )
    involvement = models.CharField(_("the person"), max_length=16, choices=Involvement.choices)
    order_kinds = models.JSONField(_("kinds of acts or orders"), default=list, blank=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, blank=True)
    when = EncryptedTextField(
        _("when, roughly"), max_length=200, help_text=_("For example: March 2022, over about two weeks.")
    )
    place = EncryptedTextField(_("place"), max_length=300, blank=True)
    unit = EncryptedTextField(_("unit"), max_length=300, blank=True, help_text=_("Battalion, division, station."))
    commanders = EncryptedTextField(_("commanders named"), max_length=1000, blank=True)
    documents_exist = models.BooleanField(_("documents exist"), default=False)
    media_exist = models.BooleanField(_("photos, video or audio exist"), default=False)
    summary_my = EncryptedTextField(_("summary for referral, in Burmese"), max_length=4000, blank=True)
    summary_en = EncryptedTextField(_("summary for referral, in English"), max_length=4000, blank=True)
    # Linkage evidence, for insiders: what ties acts to those who ordered them.
    orders_received = EncryptedTextField(_("orders received"), max_length=2000, blank=True)
    reports = EncryptedTextField(_("reports made or seen"), max_length=2000, blank=True)
    policies = EncryptedTextField(_("policies and instructions"), max_length=2000, blank=True)
    radio_logs = EncryptedTextField(_("radio logs and messages"), max_length=2000, blank=True)
    documents_held = EncryptedTextField(_("documents the person holds or knows of"), max_length=2000, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("officer")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated on"))

    objects = EvidenceQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("testimony")
        verbose_name_plural = _("testimonies")

    def __str__(self) -> str:
        return f"testimony {self.pk}"

    def order_kind_labels(self) -> list[str]:
        labels = dict(OrderKind.choices)
        return [str(labels.get(kind, kind)) for kind in self.order_kinds]


class ItemKind(models.TextChoices):
    DOCUMENT = "document", _("Document or order")
    PHOTO = "photo", _("Photograph")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Audio recording")
    RADIO = "radio", _("Radio log")
    MESSAGES = "messages", _("Messages or chat export")
    OTHER = "other", _("Other")


class ReceivedHow(models.TextChoices):
    IN_PERSON = "in_person", _("Handed over in person (paper or device)")
    COPIED = "copied", _("Copied from the person's phone or drive")
    MESSAGING = "messaging", _("Sent by a messaging app")
    EMAIL = "email", _("Sent by email")
    OTHER = "other", _("Other")


class DerivativeKind(models.TextChoices):
    REDACTED = "redacted", _("Redacted copy")
    CONVERTED = "converted", _("Converted copy")


class ThroughTestimony(EvidenceQuerySet):
    person_path = "testimony__person"


class Item(EncryptedModel):
    """One file, kept bit for bit. Its hashes are taken as it arrives (before anything else
    touches it) and checked again whenever it leaves. A working copy (redacted, converted) is
    an item of its own with ``original`` set."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("title", "filename", "sha256", "sha512", "received_note")
    VAULT_PARENT = "testimony.person"

    testimony = models.ForeignKey(
        Testimony, on_delete=models.PROTECT, related_name="items", verbose_name=_("testimony")
    )
    original = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="derivatives", verbose_name=_("original")
    )
    derivative_kind = models.CharField(_("kind of copy"), max_length=10, choices=DerivativeKind.choices, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    title = EncryptedTextField(_("what it is"), max_length=300)
    filename = EncryptedTextField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100, blank=True, verbose_name=_("file type"))
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = EncryptedTextField("SHA-256", max_length=64)
    sha512 = EncryptedTextField("SHA-512", max_length=128)
    received_how = models.CharField(_("received how"), max_length=10, choices=ReceivedHow.choices)
    received_note = EncryptedTextField(_("note on receipt"), max_length=1000, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received on"))
    stored_name = models.CharField(
        max_length=64, unique=True, editable=False, verbose_name=_("stored file name")
    )  # random; an age stream
    hash_failed_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("hash check failed on"))

    objects = ThroughTestimony.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(original__isnull=True, derivative_kind="")
                | Q(original__isnull=False) & ~Q(derivative_kind=""),
                name="evidence_item_copy_has_kind",
            ),
        ]
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence items")

    def __str__(self) -> str:
        return f"item {self.pk}"

    @property
    def is_original(self) -> bool:
        return self.original_id is None


class RecipientKeyQuerySet(ModuleQuerySet):
    module = EVIDENCE


class RecipientKey(models.Model):
    """An investigator's age public key: packages for that recipient (a ``consent.Recipient``
    of kind investigator) are encrypted to it, so only they can open them. A key is never
    edited: a new key is added and the old one retired."""

    recipient = models.ForeignKey(
        "consent.Recipient", on_delete=models.PROTECT, related_name="evidence_keys", verbose_name=_("recipient")
    )
    public_key = models.CharField(_("age public key"), max_length=100, unique=True)
    label = models.CharField(_("label"), max_length=100, blank=True, help_text=_("For example: the key's date."))
    active = models.BooleanField(_("in use"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(default=timezone.now, verbose_name=_("added on"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed on"))

    objects = RecipientKeyQuerySet.as_manager()

    class Meta:
        ordering = ["recipient__name", "-added_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("added_by")),
                name="evidence_key_two_officers",
            ),
        ]
        verbose_name = _("investigator key")
        verbose_name_plural = _("investigator keys")

    def __str__(self) -> str:
        return f"{self.recipient} {self.fingerprint}"

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.public_key.encode()).hexdigest()[:16]

    @property
    def full_fingerprint(self) -> str:
        """To read aloud with the recipient: the SHA-256 of the key, in groups of four."""
        digest = hashlib.sha256(self.public_key.encode()).hexdigest()
        return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


class PackageState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, waiting for a second officer")
    RELEASED = "released", _("Released, being built")
    BUILT = "built", _("Built, ready to download")
    FAILED = "failed", _("Stopped")
    TRANSFERRED = "transferred", _("Handed to the recipient")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


class Package(models.Model):
    """A referral package: chosen items of one testimony for one recipient, under the
    person's testimony consent for that recipient. One officer proposes, another releases
    (a database constraint); the release carries a fingerprint of what was proposed and is
    refused if anything changed since."""

    testimony = models.ForeignKey(
        Testimony, on_delete=models.PROTECT, related_name="packages", verbose_name=_("testimony")
    )
    recipient = models.ForeignKey(
        "consent.Recipient", on_delete=models.PROTECT, related_name="+", verbose_name=_("recipient")
    )
    key = models.ForeignKey(RecipientKey, on_delete=models.PROTECT, related_name="packages", verbose_name=_("key"))
    items = models.ManyToManyField(Item, related_name="packages", verbose_name=_("items"))
    consent = models.ForeignKey(
        "consent.ConsentRecord", on_delete=models.PROTECT, related_name="+", verbose_name=_("consent")
    )
    state = models.CharField(
        pgettext_lazy("package", "state"), max_length=12, choices=PackageState.choices, default=PackageState.PROPOSED
    )
    fingerprint = models.CharField(max_length=64, editable=False, verbose_name=_("fingerprint"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(default=timezone.now, verbose_name=_("proposed on"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
    )
    released_at = models.DateTimeField(null=True, blank=True, verbose_name=_("released on"))
    job = models.ForeignKey(
        "background.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("job")
    )
    stored_name = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("stored file name")
    )  # age stream to the recipient
    size = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("size"))
    sha256 = models.CharField(
        max_length=64, blank=True, verbose_name=_("SHA-256 fingerprint")
    )  # of the encrypted file, for the hand-over
    timestamped = models.BooleanField(default=False, verbose_name=_("timestamped"))
    failure = models.CharField(max_length=32, blank=True, verbose_name=_("what failed"))  # a PackageRefused code
    transferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed over by"),
    )
    transferred_at = models.DateTimeField(null=True, blank=True, verbose_name=_("handed over on"))
    downloaded_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("downloaded on")
    )  # first download: it may have left

    objects = ThroughTestimony.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            # Four eyes: the officer who proposed cannot release.
            models.CheckConstraint(
                condition=Q(released_by__isnull=True) | ~Q(released_by=F("proposed_by")),
                name="evidence_package_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["proposed", "cancelled"]) | Q(released_by__isnull=False),
                name="evidence_package_released_by_two",
            ),
        ]
        verbose_name = _("evidence package")
        verbose_name_plural = _("evidence packages")

    def __str__(self) -> str:
        return f"package {self.pk}"


class ThroughPackage(EvidenceQuerySet):
    person_path = "package__testimony__person"


class WithdrawalNotice(models.Model):
    """A consent withdrawn after a package went out: the recipient must be told. Listed until
    an officer records that the notice was sent."""

    package = models.ForeignKey(
        Package, on_delete=models.PROTECT, related_name="withdrawal_notices", verbose_name=_("package")
    )
    consent = models.ForeignKey(
        "consent.ConsentRecord", on_delete=models.PROTECT, related_name="+", verbose_name=_("consent")
    )
    listed_at = models.DateTimeField(default=timezone.now, verbose_name=_("listed on"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent on"))

    objects = ThroughPackage.as_manager()

    class Meta:
        ordering = ["sent_at", "-listed_at"]
        constraints = [models.UniqueConstraint(fields=["package", "consent"], name="evidence_notice_once")]
        verbose_name = _("withdrawal notice")
        verbose_name_plural = _("withdrawal notices")

    def __str__(self) -> str:
        return f"withdrawal notice {self.pk}"


class EvidenceKeys(models.Model):
    """One row: the organisation's evidence keys. The age identity that opens stored items and
    the Ed25519 key that signs packages are encrypted under the vault's ``evidence`` key scope
    (no general data key opens them); their public halves are clear, for verifiers."""

    one = models.BooleanField(
        default=True, unique=True, editable=False, verbose_name=_("the only row")
    )  # one row, ever
    store_public = models.CharField(max_length=100, verbose_name=_("store public key"))
    store_secret = models.TextField(
        verbose_name=_("store secret key")
    )  # sealed under vault.state.scope_cipher("evidence")
    signing_public = models.CharField(max_length=64, verbose_name=_("signing public key"))  # hex, 32 bytes
    signing_secret = models.TextField(verbose_name=_("signing secret key"))  # sealed under the same scope
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))

    class Meta:
        verbose_name = _("evidence keys")
        verbose_name_plural = _("evidence keys")

    def __str__(self) -> str:
        return "evidence keys"
