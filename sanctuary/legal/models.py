"""Legal papers with expiry clocks: the papers a person holds or applied for, the requests
someone is handling for them, the work-permit clock when a job ends, and arrests or
detentions by Thai authorities.

What identifies the person is encrypted and bound to them (a paper's number, notes, where
they are held, who handles a request and what was handed in). Types, statuses, dates,
amounts and the issuing office are clear, so the alerts ("papers to act on") are plain
queries that work while the vault is sealed: they say that case ``2026-0012`` has a pink
card expiring in 20 days, never who that is.

A paper's ``warn_on`` (its expiry less the organisation's warning days) is kept on the row,
so the nav badge and the dashboard ask one indexed date question instead of reading the
settings and doing date arithmetic in SQL, which SQLite and PostgreSQL spell differently.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ModuleQuerySet
from sanctuary.people import admission
from sanctuary.people.models import PersonScopedQuerySet
from sanctuary.vault.fields import EncryptedModel, EncryptedTextField

# Access modules (declared in module.py, granted in accounts.policy.STAGE_GRANTS).
LEGAL = "legal"  # case workers: papers, requests, clocks, detentions
LEGAL_CONFIG = "legal_config"  # directors: document types, alert periods, the call checklist


def _in_language(row: Any, stem: str) -> str:
    lang = (get_language() or "my")[:2]
    return str(getattr(row, f"{stem}_{lang}", "") or getattr(row, f"{stem}_en", ""))


# --- The organisation's settings ---------------------------------------------------------------


class DocumentTypeQuerySet(ModuleQuerySet):
    """Document types are the organisation's: every case worker chooses from them; only
    ``legal_config`` edits them (the views check that)."""

    module = LEGAL

    def in_use(self) -> DocumentTypeQuerySet:
        return self.filter(active=True)


class DocumentType(models.Model):
    code = models.SlugField(_("code"), max_length=24, unique=True)
    name_my = models.CharField(_("name in Burmese"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120)
    name_th = models.CharField(_("name in Thai"), max_length=120)
    embassy_route = models.BooleanField(
        _("needs contact with the Myanmar embassy"),
        default=False,
        help_text=_("Staff are warned, and must confirm they explained the risk, before choosing it."),
    )
    ties_to_employer = models.BooleanField(
        _("tied to an employer (a work permit)"),
        default=False,
        help_text=_("When the job ends, a clock starts for finding a new employer."),
    )
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = DocumentTypeQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _in_language(self, "name")


class LegalSettings(models.Model):
    """One row (made by migration 0002): when an expiry alerts, how long a person has to find
    a new employer, and who to call when someone is detained."""

    expiry_warning_days = models.PositiveSmallIntegerField(
        _("alert this many days before a paper expires"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    new_employer_days = models.PositiveSmallIntegerField(
        _("days to find a new employer after a job ends"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    checklist_my = models.TextField(_("who to call, in Burmese"), blank=True, help_text=_("One per line."))
    checklist_en = models.TextField(_("who to call, in English"), help_text=_("One per line."))
    checklist_th = models.TextField(_("who to call, in Thai"), blank=True, help_text=_("One per line."))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated on"))

    class Meta:
        verbose_name = _("legal settings")
        verbose_name_plural = _("legal settings")

    def __str__(self) -> str:
        return "legal settings"

    @classmethod
    def current(cls) -> LegalSettings:
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls.objects.create(checklist_en="")

    def checklist(self) -> list[tuple[str, str, str]]:
        """The call checklist as (Burmese, English, Thai) per item: line ``n`` of each
        language is item ``n``; a language with fewer lines falls back to English."""

        def lines(text: str) -> list[str]:
            return [line.strip() for line in text.splitlines() if line.strip()]

        my, en, th = lines(self.checklist_my), lines(self.checklist_en), lines(self.checklist_th)
        count = max(len(my), len(en), len(th))

        def at(items: list[str], n: int) -> str:
            return items[n] if n < len(items) else ""

        return [(at(my, n), at(en, n) or at(my, n) or at(th, n), at(th, n)) for n in range(count)]


# --- Papers ----------------------------------------------------------------------------------------


class PaperStatus(models.TextChoices):
    APPLIED = "applied", pgettext_lazy("paper", "Applied for")
    ISSUED = "issued", pgettext_lazy("paper", "Issued")
    EXPIRED = "expired", pgettext_lazy("paper", "Expired")
    LOST = "lost", pgettext_lazy("paper", "Lost")
    SEIZED = "seized", pgettext_lazy("paper", "Seized")


class Standing(models.TextChoices):
    """What a paper is worth today (computed, never stored)."""

    VALID = "valid", _("valid")
    EXPIRING = "expiring", _("expiring soon")
    EXPIRED = "expired", _("expired")
    MISSING = "missing", _("missing (lost or seized)")
    PENDING = "pending", _("applied for, not issued yet")


class LegalQuerySet(PersonScopedQuerySet):
    module = LEGAL


class PaperQuerySet(LegalQuerySet):
    def to_renew(self, today: date | None = None) -> PaperQuerySet:
        """Issued papers whose expiry is within the warning days, or past."""
        return self.filter(status=PaperStatus.ISSUED, warn_on__lte=today or timezone.localdate())


class Paper(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("number", "notes")
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="papers", verbose_name=_("person")
    )
    doc_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="papers", verbose_name=_("type of paper")
    )
    number = EncryptedTextField(_("number"), max_length=100, blank=True)
    issuer = models.CharField(
        _("issued by"), max_length=200, blank=True, help_text=_("The office, for example “Mae Sot immigration”.")
    )
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    warn_on = models.DateField(
        null=True, blank=True, editable=False, verbose_name=_("warn on")
    )  # expires_on less the warning days
    status = models.CharField(
        pgettext_lazy("paper", "state"), max_length=10, choices=PaperStatus.choices, default=PaperStatus.ISSUED
    )
    status_on = models.DateField(_("since"), default=timezone.localdate)
    employer_ref = models.CharField(
        max_length=40, blank=True, verbose_name=_("employer reference")
    )  # "employer:<id>" (sanctuary.people.work)
    employer_name = models.CharField(_("employer"), max_length=120, blank=True)  # its code name
    scan = models.ForeignKey(
        "people.PersonDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scan"),
    )
    notes = EncryptedTextField(_("notes"), max_length=2000, blank=True)
    risk_explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("risk explained by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    objects = PaperQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["doc_type__order", "-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(issued_on__isnull=True) | Q(expires_on__gte=F("issued_on")),
                name="legal_paper_expires_after_issue",
            ),
        ]
        indexes = [models.Index(fields=["status", "warn_on"], name="legal_paper_to_renew")]
        verbose_name = _("paper")
        verbose_name_plural = _("papers")

    def __str__(self) -> str:
        return f"paper {self.pk}"

    def set_warning(self, warning_days: int) -> None:
        self.warn_on = self.expires_on - timedelta(days=warning_days) if self.expires_on else None

    def days_left(self, today: date | None = None) -> int | None:
        if self.expires_on is None:
            return None
        return (self.expires_on - (today or timezone.localdate())).days

    def standing(self, warning_days: int, today: date | None = None) -> str:
        today = today or timezone.localdate()
        if self.status in (PaperStatus.LOST, PaperStatus.SEIZED):
            return Standing.MISSING
        if self.status == PaperStatus.APPLIED:
            return Standing.PENDING
        if self.status == PaperStatus.EXPIRED or (self.expires_on is not None and self.expires_on < today):
            return Standing.EXPIRED
        if self.expires_on is not None and self.expires_on <= today + timedelta(days=warning_days):
            return Standing.EXPIRING
        return Standing.VALID

    def standing_label(self, warning_days: int) -> str:
        return str(Standing(self.standing(warning_days)).label)


class ThroughPaper(LegalQuerySet):
    person_path = "paper__person"


class PaperChange(models.Model):
    """A paper's state as it changed (applied, issued, lost, seized …), with the day it
    happened: the history a lawyer asks for."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="changes", verbose_name=_("paper"))
    old_status = models.CharField(max_length=10, choices=PaperStatus.choices, blank=True, verbose_name=_("old status"))
    new_status = models.CharField(max_length=10, choices=PaperStatus.choices, verbose_name=_("new status"))
    on = models.DateField(_("on"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("changed on"))

    objects = ThroughPaper.as_manager()

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("paper change")
        verbose_name_plural = _("paper changes")

    def __str__(self) -> str:
        return f"paper change {self.pk}"


# --- The work-permit clock -------------------------------------------------------------------------


class ClockResolution(models.TextChoices):
    NEW_EMPLOYER = "new_employer", _("A new employer was found")
    PERMIT_CHANGED = "permit_changed", _("The permit was changed")
    OTHER = "other", _("Other")


class ClockQuerySet(LegalQuerySet):
    def open(self) -> ClockQuerySet:
        return self.filter(resolved_at__isnull=True)


class PermitClock(EncryptedModel):
    """A job ended while a work permit depended on that employer: the person has until
    ``deadline`` (the job's end plus the configured days) to find a new one."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("resolution_note",)
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="permit_clocks", verbose_name=_("person")
    )
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="clocks", verbose_name=_("paper"))
    employer_ref = models.CharField(max_length=40, verbose_name=_("employer reference"))
    employer_name = models.CharField(_("employer"), max_length=120, blank=True)
    ended_on = models.DateField(_("the job ended on"))
    deadline = models.DateField(_("new employer needed by"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))
    resolution = models.CharField(_("outcome"), max_length=16, choices=ClockResolution.choices, blank=True)
    resolution_note = EncryptedTextField(_("note"), max_length=1000, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved on"))

    objects = ClockQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "ended_on"], name="legal_clock_once_per_job_end"),
            models.CheckConstraint(condition=Q(deadline__gte=F("ended_on")), name="legal_clock_deadline_after_end"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | ~Q(resolution=""), name="legal_clock_resolved_with_outcome"
            ),
        ]
        verbose_name = _("work-permit clock")
        verbose_name_plural = _("work-permit clocks")

    def __str__(self) -> str:
        return f"permit clock {self.pk}"

    def days_left(self, today: date | None = None) -> int:
        return (self.deadline - (today or timezone.localdate())).days


# --- Arrests and detention -------------------------------------------------------------------------


class Authority(models.TextChoices):
    POLICE = "police", _("Thai police")
    IMMIGRATION = "immigration", _("Thai immigration")
    ARMY = "army", _("Thai army")
    OTHER = "other", _("Other authority")


class DetentionStatus(models.TextChoices):
    DETAINED = "detained", _("Detained")
    TRANSFERRED = "transferred", _("Transferred")
    RELEASED = "released", _("Released")
    DEPORTED = "deported", _("Deported")


OPEN_DETENTION = (DetentionStatus.DETAINED, DetentionStatus.TRANSFERRED)


class DetentionQuerySet(LegalQuerySet):
    def open(self) -> DetentionQuerySet:
        return self.filter(closed_at__isnull=True)


class Detention(EncryptedModel):
    """An arrest or detention by Thai authorities. Open (an alert) while the person is held
    or transferred; released or deported closes it."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("place", "note")
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="detentions", verbose_name=_("person")
    )
    occurred_on = models.DateField(_("arrested on"))
    authority = models.CharField(_("by"), max_length=12, choices=Authority.choices)
    place = EncryptedTextField(_("where they are held"), max_length=300, blank=True)
    status = models.CharField(
        pgettext_lazy("detention", "state"),
        max_length=12,
        choices=DetentionStatus.choices,
        default=DetentionStatus.DETAINED,
    )
    status_on = models.DateField(_("since"))
    note = EncryptedTextField(_("note"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed on"))

    objects = DetentionQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status_on__gte=F("occurred_on")), name="legal_detention_ordered"),
        ]
        indexes = [models.Index(fields=["closed_at"], name="legal_detention_open")]
        verbose_name = _("detention")
        verbose_name_plural = _("detentions")

    def __str__(self) -> str:
        return f"detention {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ThroughDetention(LegalQuerySet):
    person_path = "detention__person"


class DetentionChange(models.Model):
    detention = models.ForeignKey(
        Detention, on_delete=models.CASCADE, related_name="changes", verbose_name=_("detention")
    )
    status = models.CharField(max_length=12, choices=DetentionStatus.choices, verbose_name=_("status"))
    on = models.DateField(_("on"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("changed on"))

    objects = ThroughDetention.as_manager()

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("detention change")
        verbose_name_plural = _("detention changes")

    def __str__(self) -> str:
        return f"detention change {self.pk}"


class DetentionCall(models.Model):
    """One line of the call checklist, copied when the detention is recorded (editing the
    checklist later does not change what was done), ticked with who and when."""

    detention = models.ForeignKey(
        Detention, on_delete=models.CASCADE, related_name="calls", verbose_name=_("detention")
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    label_my = models.CharField(max_length=200, blank=True, verbose_name=_("name in Burmese"))
    label_en = models.CharField(max_length=200, verbose_name=_("name in English"))
    label_th = models.CharField(max_length=200, blank=True, verbose_name=_("name in Thai"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done on"))

    objects = ThroughDetention.as_manager()

    class Meta:
        ordering = ["detention", "position"]
        constraints = [
            models.UniqueConstraint(fields=["detention", "position"], name="legal_call_once"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(done_by__isnull=False), name="legal_call_done_by"
            ),
        ]
        verbose_name = _("detention call")
        verbose_name_plural = _("detention calls")

    def __str__(self) -> str:
        return f"call {self.pk}"

    @property
    def label(self) -> str:
        return _in_language(self, "label")


# --- Requests for papers ---------------------------------------------------------------------------


class HandlerKind(models.TextChoices):
    AGENT = "agent", _("An agent")
    LAWYER = "lawyer", _("A lawyer")
    STAFF = "staff", _("Our staff")


class RequestState(models.TextChoices):
    OPEN = "open", pgettext_lazy("request", "Open")
    SUBMITTED = "submitted", pgettext_lazy("request", "Submitted")
    ISSUED = "issued", pgettext_lazy("request", "Issued")
    REFUSED = "refused", pgettext_lazy("request", "Refused")
    CANCELLED = "cancelled", pgettext_lazy("request", "Cancelled")


OPEN_REQUEST = (RequestState.OPEN, RequestState.SUBMITTED)


class RequestQuerySet(LegalQuerySet):
    def pending(self) -> RequestQuerySet:
        return self.filter(state__in=OPEN_REQUEST)


class DocumentRequest(EncryptedModel):
    """Someone (an agent, a lawyer or one of us) is getting a paper for the person: what it
    costs, when it was handed in and expected, and what was handed in."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("handler_name", "submitted_what")
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="document_requests", verbose_name=_("person")
    )
    doc_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="requests", verbose_name=_("type of paper")
    )
    handler_kind = models.CharField(_("handled by"), max_length=8, choices=HandlerKind.choices)
    handler_name = EncryptedTextField(_("name of the agent or lawyer"), max_length=200, blank=True)
    handler_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    cost = models.DecimalField(
        _("cost (THB)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    submitted_on = models.DateField(_("handed in on"), null=True, blank=True)
    expected_on = models.DateField(_("expected on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    state = models.CharField(
        pgettext_lazy("request", "state"), max_length=10, choices=RequestState.choices, default=RequestState.OPEN
    )
    submitted_what = EncryptedTextField(_("what was handed in"), max_length=2000, blank=True)
    risk_explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("risk explained by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))

    objects = RequestQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="legal_request_cost_positive"),
            models.CheckConstraint(
                condition=Q(expected_on__isnull=True)
                | Q(submitted_on__isnull=True)
                | Q(expected_on__gte=F("submitted_on")),
                name="legal_request_expected_after_submitted",
            ),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True) | Q(submitted_on__isnull=True) | Q(done_on__gte=F("submitted_on")),
                name="legal_request_done_after_submitted",
            ),
        ]
        verbose_name = _("document request")
        verbose_name_plural = _("document requests")

    def __str__(self) -> str:
        return f"document request {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is None:
            # The organisation pays an agent or a lawyer for this person: only for people
            # vetting admitted (recording a paper or an arrest is open for anyone).
            admission.ensure_admissible(self.person)
        super().save(*args, **kwargs)
