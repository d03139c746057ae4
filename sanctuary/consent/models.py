"""Consent records: what a person agreed to, for which purpose, shared with whom, until when.

The model follows ISO/IEC TS 27560 (consent record information structure), in the shape
OpenSPP gives it: one record per purpose and recipient, who gave it (the person, or a named
relative and why), the notice shown (version and language), how it was given (spoken,
signed, thumbprint, with a scan), when, until when, how long the record is kept, and every
change of state as an event (``ConsentEvent``). The record's ``uid`` is its 27560 record id.

States: requested → given | refused; given → withdrawn | renewed (a new record replaces it);
a given record past its expiry is *expired* (computed from the date, so it takes effect the
moment the day passes, with no job to run). Refused, withdrawn and renewed are final: a new
record is needed. Nothing is deleted: rows are protected and no action removes one.

Every module that shares or uses data for a purpose asks :func:`sanctuary.consent.require`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import Module, ModuleQuerySet
from sanctuary.people.models import Person, PersonDocument, PersonScopedQuerySet
from sanctuary.vault.fields import EncryptedModel, EncryptedTextField

if TYPE_CHECKING:
    pass


class Purpose(models.TextChoices):
    CARE = "care", _("Care: medical, counselling and support")
    SHARING = "sharing", _("Sharing with a partner organisation")
    TRACING = "tracing", _("Tracing relatives")
    TESTIMONY = "testimony", _("Passing testimony to an investigator")
    STATISTICS = "statistics", _("Being counted in published statistics")
    PHOTOGRAPHS = "photographs", _("Photographs")


# Purposes whose consent always names who receives the data (a category or an organisation);
# asking ``require`` for one of them without a recipient is a programming error.
NEEDS_RECIPIENT = frozenset({Purpose.SHARING, Purpose.TESTIMONY})


class RecipientKind(models.TextChoices):
    """Who receives data: the kinds of partner, also used as the categories a consent may
    name instead of one organisation ("any partner clinic")."""

    CLINIC = "clinic", _("Partner clinics and hospitals")
    LEGAL_AID = "legal_aid", _("Partner lawyers and legal aid")
    NGO = "ngo", _("Partner organisations")
    UN = "un", _("UN agencies")
    INVESTIGATOR = "investigator", _("International investigators")
    EMPLOYER = "employer", _("Employers")


class Category(models.TextChoices):
    """Recipients named as a category; partner kinds plus the two that are not partners."""

    INTERNAL = "internal", _("Our organisation's staff only")
    CLINIC = "clinic", _("Partner clinics and hospitals")
    LEGAL_AID = "legal_aid", _("Partner lawyers and legal aid")
    NGO = "ngo", _("Partner organisations")
    UN = "un", _("UN agencies")
    INVESTIGATOR = "investigator", _("International investigators")
    EMPLOYER = "employer", _("Employers")
    PUBLIC = "public", _("The public, as anonymous numbers only")


class RecipientQuerySet(ModuleQuerySet):
    module = Module.CONSENT


class Recipient(models.Model):
    """A partner organisation or investigator data may be passed to: the organisation's
    directory, named in consents, referrals and testimony. Organisations, not people: clear."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=RecipientKind.choices)
    description = models.CharField(_("what they do"), max_length=300, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    objects = RecipientQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name


class State(models.TextChoices):
    REQUESTED = "requested", _("Asked, no answer yet")
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    RENEWED = "renewed", _("Replaced by a renewal")
    EXPIRED = "expired", _("Expired")  # never stored: a given record past its expiry


FINAL = frozenset({State.REFUSED, State.WITHDRAWN, State.RENEWED})


class GivenBy(models.TextChoices):
    PERSON = "person", _("The person themself")
    RELATIVE = "relative", _("A relative, on their behalf")


class Relation(models.TextChoices):
    """Who gave it on the person's behalf: a choice, never free text on every person page."""

    PARENT = "parent", _("Parent")
    SPOUSE = "spouse", _("Spouse or partner")
    SIBLING = "sibling", _("Brother or sister")
    CHILD = "child", _("Adult son or daughter")
    GUARDIAN = "guardian", _("Guardian")
    OTHER = "other", _("Other relative")


class NameDisclosure(models.TextChoices):
    """Testimony only: whether the person's name may be given to a court (asked on every
    testimony consent; investigators read it in the package's consent record)."""

    YES = "yes", _("Yes: my name may be disclosed to a court")
    NO = "no", _("No: my name must not be disclosed")
    ASK = "ask", _("Ask me again before any disclosure")


class Method(models.TextChoices):
    SPOKEN = "spoken", _("Spoken (recorded by staff)")
    SIGNED = "signed", _("Signed")
    THUMBPRINT = "thumbprint", _("Thumbprint")


class NoticeLanguage(models.TextChoices):
    MY = "my", _("Burmese")
    EN = "en", _("English")
    TH = "th", _("Thai")
    OTHER = "other", _("Another language, interpreted")


# A version label (2026-1, v3.2), never a sentence: it is stored in clear.
NOTICE_VERSION = RegexValidator(
    r"^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$", _("Letters, digits, dots and dashes only, for example 2026-1.")
)


# Purposes whose records only users of one module may see or record (purpose -> module):
# testimony is for evidence officers, as the evidence itself is (the evidence stage registers
# it). That a person agreed to testify is as dangerous as the testimony.
RESTRICTED_PURPOSES: dict[str, str] = {}


def restrict_purpose(purpose: str, module: str) -> None:
    RESTRICTED_PURPOSES[purpose] = module


def hidden_purposes(user: Any) -> list[str]:
    """The purposes whose records ``user`` may not see."""
    from sanctuary.accounts.policy import can_use

    return [purpose for purpose, module in RESTRICTED_PURPOSES.items() if not can_use(user, module)]


class ConsentQuerySet(PersonScopedQuerySet):
    module = Module.PEOPLE  # everyone who may see the person sees what they agreed to, but

    def visible_to(self, user: Any) -> Any:  # restricted purposes only with their module
        hidden = hidden_purposes(user)
        rows = super().visible_to(user)
        return rows.exclude(purpose__in=hidden) if hidden else rows

    def in_force(self, on: date | None = None) -> Any:
        """Given and not expired on ``on`` (today)."""
        day = on or timezone.localdate()
        return self.filter(state=State.GIVEN, given_on__lte=day).filter(
            models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=day)
        )


class ConsentRecord(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("relative_name", "relative_reason", "note", "withdraw_reason")
    VAULT_PARENT = "person"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consents", verbose_name=_("person"))
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("named recipient"),
    )
    category = models.CharField(_("or a category of recipients"), max_length=16, choices=Category.choices, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.REQUESTED)
    given_by = models.CharField(_("given by"), max_length=12, choices=GivenBy.choices, default=GivenBy.PERSON)
    relative_name = EncryptedTextField(_("relative's name"), max_length=150, blank=True)
    relative_relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices, blank=True)
    relative_reason = EncryptedTextField(
        _("why a relative gave it"), max_length=500, blank=True, help_text=_("For example: the person is in hospital.")
    )
    notice_version = models.CharField(
        _("notice version"),
        max_length=40,
        validators=[NOTICE_VERSION],
        help_text=_("The version of the consent notice that was read or shown."),
    )
    notice_language = models.CharField(_("notice language"), max_length=8, choices=NoticeLanguage.choices)
    method = models.CharField(_("how it was given"), max_length=12, choices=Method.choices, blank=True)
    name_disclosure = models.CharField(
        _("may the name be disclosed to a court"), max_length=8, choices=NameDisclosure.choices, blank=True
    )
    scan = models.ForeignKey(
        PersonDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("scan")
    )
    note = EncryptedTextField(_("note"), max_length=1000, blank=True)
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("requested on"))
    given_on = models.DateField(_("date given"), null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    retain_until = models.DateField(
        _("keep the record until"), help_text=_("The record itself is kept this long, even after it ends.")
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdraw_reason = EncryptedTextField(_("reason given"), max_length=500, blank=True)
    renews = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewed_by", verbose_name=_("renews")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    objects = ConsentQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["purpose", "-requested_at"]
        constraints = [
            # A named organisation or a category, never neither.
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(category=""), name="consent_has_recipient"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="given") | models.Q(given_on__isnull=False), name="consent_given_has_date"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(given_on__isnull=True)
                | models.Q(expires_on__gte=models.F("given_on")),
                name="consent_expiry_after_given",
            ),
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"consent {self.pk}"

    @property
    def effective_state(self) -> str:
        """The state as of today: a given record past its expiry is expired."""
        if self.state == State.GIVEN and self.expires_on is not None and self.expires_on < timezone.localdate():
            return State.EXPIRED
        return self.state

    @property
    def effective_state_label(self) -> str:
        return str(State(self.effective_state).label)

    @property
    def in_force(self) -> bool:
        return self.effective_state == State.GIVEN and (self.given_on or date.max) <= timezone.localdate()

    @property
    def is_final(self) -> bool:
        return self.state in FINAL

    def recipient_label(self) -> str:
        return self.recipient.name if self.recipient_id else str(Category(self.category).label)  # type: ignore[union-attr]

    def covers(self, recipient: Recipient | None) -> bool:
        """Whether this record's recipients include ``recipient`` (None: internal use)."""
        if recipient is None:
            return self.recipient_id is None and self.category in (Category.INTERNAL, Category.PUBLIC)
        if self.recipient_id is not None:
            return self.recipient_id == recipient.pk
        return self.category == recipient.kind


class ConsentEvent(models.Model):
    """Every change of a record's state, in order (the 27560 event history). Append-only."""

    record = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="events", verbose_name=_("record"))
    from_state = models.CharField(max_length=12, blank=True, verbose_name=_("state before"))
    to_state = models.CharField(max_length=12, verbose_name=_("state after"))
    at = models.DateTimeField(default=timezone.now, verbose_name=_("time"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("consent change")
        verbose_name_plural = _("consent changes")

    def __str__(self) -> str:
        return f"{self.record_id}: {self.from_state}->{self.to_state}"
