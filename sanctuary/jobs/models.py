"""Jobs with employers: employers (by code name; how they treat workers), openings, matching
openings to people by trade and training, placements from proposal to their end, and the
follow-ups at 1, 3 and 6 months.

Employers and openings belong to the organisation; placements and follow-ups to a person.
An employer who exploits workers or reports them to the authorities is flagged: no new
placement goes to them, and their openings are left out of matching.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ModuleQuerySet
from sanctuary.people.models import Person, PersonScopedQuerySet, Region
from sanctuary.people.work import Trade
from sanctuary.vault.fields import EncryptedModel, EncryptedQuerySet, EncryptedTextField

JOBS = "jobs"
TIMELINE = "jobs"  # PersonEvent.kind
FOLLOW_UP_MONTHS = (1, 3, 6)


class Sector(models.TextChoices):
    FARMING = "farming", _("Farming")
    CONSTRUCTION = "construction", _("Construction")
    FACTORY = "factory", _("Factory")
    REPAIR = "repair", _("Garage or repair shop")
    SHOP = "shop", _("Shop or restaurant")
    DOMESTIC = "domestic", _("Domestic work")
    OTHER = "other", _("Other")


class Flag(models.TextChoices):
    NONE = "", _("No concerns")
    EXPLOITS = "exploits", _("Exploits workers")
    REPORTS = "reports", _("Reports workers to the authorities")


class OrgQuerySet(ModuleQuerySet):
    module = JOBS


class EmployerQuerySet(ModuleQuerySet, EncryptedQuerySet):  # type: ignore[misc,override]
    module = JOBS


class Employer(EncryptedModel):
    """An employer, known by a code name; who to contact and how they treat workers are encrypted."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("contact", "notes", "flag_reason")

    code_name = models.CharField(_("code name"), max_length=60, unique=True, help_text=_("For example “Farm K7”."))
    sector = models.CharField(_("sector"), max_length=12, choices=Sector.choices)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices)
    contact = EncryptedTextField(_("contact"), max_length=500, blank=True)
    notes = EncryptedTextField(_("how they treat workers"), max_length=4000, blank=True)
    flag = models.CharField(_("flag"), max_length=10, choices=Flag.choices, blank=True, default="")
    flag_reason = EncryptedTextField(_("why flagged"), max_length=1000, blank=True)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("flagged by"),
    )
    flagged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("flagged on"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    objects = EmployerQuerySet.as_manager()  # type: ignore[misc,assignment]

    class Meta:
        ordering = ["code_name"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")

    def __str__(self) -> str:
        return self.code_name

    @property
    def ref(self) -> str:
        """How other stages name this employer (``sanctuary.people.work``)."""
        return f"employer:{self.pk}"


class PayUnit(models.TextChoices):
    DAY = "day", _("a day")
    MONTH = "month", _("a month")


class PapersNeeded(models.TextChoices):
    NONE = "none", _("No papers needed")
    WORK_PERMIT = "work_permit", _("A work permit")
    PINK_CARD = "pink_card", _("A pink card")
    ANY = "any", _("Some papers")


class Opening(models.Model):
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="openings", verbose_name=_("employer")
    )
    trade = models.CharField(_("trade"), max_length=16, choices=Trade.choices)
    title = models.CharField(_("job"), max_length=120, help_text=_("For example “motorcycle mechanic”."))
    pay = models.DecimalField(_("pay (baht)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)])
    pay_unit = models.CharField(_("per"), max_length=6, choices=PayUnit.choices, default=PayUnit.DAY)
    hours_per_week = models.PositiveSmallIntegerField(
        _("hours a week"), validators=[MinValueValidator(1), MaxValueValidator(84)]
    )
    housing = models.BooleanField(_("housing provided"), default=False)
    papers = models.CharField(_("papers"), max_length=12, choices=PapersNeeded.choices, default=PapersNeeded.NONE)
    positions = models.PositiveSmallIntegerField(
        _("positions"), default=1, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    open = models.BooleanField(_("open"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    objects = OrgQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-open", "-created_at"]
        verbose_name = _("job opening")
        verbose_name_plural = _("job openings")

    def __str__(self) -> str:
        return f"{self.title} · {self.employer.code_name}"


class PlacementState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    INTERVIEW = "interview", _("Interview")
    OFFERED = "offered", _("Offered")
    STARTED = "started", _("Working")
    ENDED = "ended", _("Ended")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


BEFORE_START = (PlacementState.PROPOSED, PlacementState.INTERVIEW, PlacementState.OFFERED)
NEXT = {
    PlacementState.PROPOSED: PlacementState.INTERVIEW,
    PlacementState.INTERVIEW: PlacementState.OFFERED,
}


class EndReason(models.TextChoices):
    FINISHED = "finished", _("The job finished")
    QUIT = "quit", _("They left")
    DISMISSED = "dismissed", _("Dismissed")
    EXPLOITED = "exploited", _("The employer exploited them")
    CLOSED = "closed", _("The employer closed")
    ARRESTED = "arrested", _("Arrested")
    OTHER = "other", _("Other")


class JobsQuerySet(PersonScopedQuerySet):
    module = JOBS


class Placement(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("note", "end_note")
    VAULT_PARENT = "person"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="placements", verbose_name=_("person"))
    opening = models.ForeignKey(Opening, on_delete=models.PROTECT, related_name="placements", verbose_name=_("opening"))
    state = models.CharField(
        max_length=10, choices=PlacementState.choices, default=PlacementState.PROPOSED, verbose_name=_("state")
    )
    note = EncryptedTextField(_("note"), max_length=2000, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(default=timezone.now, verbose_name=_("proposed on"))
    interview_at = models.DateTimeField(null=True, blank=True, verbose_name=_("interview on"))
    offered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("offered on"))
    started_on = models.DateField(_("first day"), null=True, blank=True)
    wage = models.DecimalField(
        _("agreed wage (baht)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    wage_unit = models.CharField(_("per"), max_length=6, choices=PayUnit.choices, blank=True)
    ended_on = models.DateField(_("last day"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=10, choices=EndReason.choices, blank=True)
    end_note = EncryptedTextField(_("what happened"), max_length=2000, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("changed on"))

    objects = JobsQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(state="started"), name="jobs_one_started_job"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="jobs_end_after_start",
            ),
        ]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")

    def __str__(self) -> str:
        return f"placement {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.state in (*BEFORE_START, PlacementState.STARTED)


class FollowUpQuerySet(PersonScopedQuerySet):
    module = JOBS
    person_path = "placement__person"

    def due(self, on: date | None = None) -> Any:
        return self.filter(recorded_at__isnull=True, due__lte=on or timezone.localdate())


class FollowUp(models.Model):
    """Still employed after 1, 3 and 6 months? With the wage then."""

    placement = models.ForeignKey(
        Placement, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("placement")
    )
    months = models.PositiveSmallIntegerField(verbose_name=_("months"))
    due = models.DateField(verbose_name=_("due on"))
    still_employed = models.BooleanField(null=True, verbose_name=_("still employed"))
    wage = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)], verbose_name=_("wage")
    )
    recorded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("recorded on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    objects = FollowUpQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["due", "pk"]
        constraints = [models.UniqueConstraint(fields=["placement", "months"], name="jobs_follow_up_once")]
        verbose_name = _("job follow-up")
        verbose_name_plural = _("job follow-ups")

    def __str__(self) -> str:
        return f"{self.placement_id}+{self.months}"
