"""Journeys to a safe zone: stages, meeting point, departure window, costs, check-ins.

A journey is the most dangerous thing the organisation knows about a person while it
happens, so it is seen only by its coordinator and by directors
(``Journey.objects.visible_to``), never by other case workers of the same team. Places,
the meeting point and the contact person are encrypted; dates, amounts and status are clear
so missed check-ins can be found while sealed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import can_use, sees_all_people
from sanctuary.people import admission
from sanctuary.people.models import Person, Status
from sanctuary.vault.fields import EncryptedModel, EncryptedQuerySet, EncryptedTextField

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


class JourneyStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_WAY = "under_way", _("Under way")
    ARRIVED = "arrived", _("Arrived")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    CAPTURED = "captured", _("Captured")
    ABORTED = "aborted", _("Aborted")


ACTIVE_STATUSES = (JourneyStatus.PLANNED, JourneyStatus.UNDER_WAY, JourneyStatus.LOST_CONTACT)

# Where the person's pipeline status goes when the journey's status changes.
PERSON_STATUS = {
    JourneyStatus.UNDER_WAY: Status.IN_TRANSIT,
    JourneyStatus.ARRIVED: Status.ARRIVED,
    JourneyStatus.LOST_CONTACT: Status.LOST_CONTACT,
    JourneyStatus.CAPTURED: Status.CAPTURED,
    JourneyStatus.ABORTED: Status.ACCEPTED,
}


class Currency(models.TextChoices):
    THB = "THB", "THB"
    MMK = "MMK", "MMK"
    USD = "USD", "USD"


JOURNEYS = "journeys"  # the access module of case workers (declared in module.py)


class JourneyQuerySet(EncryptedQuerySet):
    def visible_to(self, user: User) -> JourneyQuerySet:
        """A journey is seen by its coordinator (of a person they may see) and by directors."""
        if not user.is_authenticated or not can_use(user, JOURNEYS):
            return self.none()
        if sees_all_people(user):  # no IN (every person) subquery: SQLite would build it per request
            return self.all()
        return self.filter(person__in=Person.objects.visible_to(user), coordinator=user)


class Journey(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("meeting_point", "contact_person", "notes")
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="journeys", verbose_name=_("person")
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("coordinator")
    )
    status = models.CharField(_("status"), max_length=16, choices=JourneyStatus.choices, default=JourneyStatus.PLANNED)
    depart_from = models.DateField(_("leave from"), null=True, blank=True)
    depart_until = models.DateField(_("leave by"), null=True, blank=True)
    meeting_point = EncryptedTextField(_("meeting point"), max_length=300, blank=True)
    contact_person = EncryptedTextField(
        _("contact person"), max_length=300, blank=True, help_text=_("Who meets them, and how to reach that person.")
    )
    transport_cost = models.DecimalField(_("transport cost"), max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.THB)
    notes = EncryptedTextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated on"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended on"))

    objects = JourneyQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status__in=ACTIVE_STATUSES), name="journey_one_active_per_person"
            ),
            models.CheckConstraint(
                condition=Q(depart_from__isnull=True)
                | Q(depart_until__isnull=True)
                | Q(depart_until__gte=models.F("depart_from")),
                name="journey_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(transport_cost__isnull=True) | Q(transport_cost__gte=0), name="journey_cost_not_negative"
            ),
        ]
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")

    def __str__(self) -> str:
        return f"journey {self.pk}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is None:
            # Only people two vetting officers accepted, and not flagged, are moved.
            admission.ensure_admissible(self.person)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class JourneyPartQuerySet(EncryptedQuerySet):
    """Stages and check-ins: visible with their journey."""

    def visible_to(self, user: User) -> Any:
        return self.filter(journey__in=Journey.objects.visible_to(user))

    def missed(self, at: object = None) -> Any:
        """Check-ins expected by now and not received, on journeys still going."""
        now = at or timezone.now()
        return self.filter(
            due_at__lt=now,
            received_at__isnull=True,
            journey__status__in=[JourneyStatus.PLANNED, JourneyStatus.UNDER_WAY],
        )


class Stage(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("place",)
    VAULT_PARENT = "journey"

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="stages", verbose_name=_("journey"))
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))
    place = EncryptedTextField(_("place"), max_length=200)
    planned_on = models.DateField(_("planned date"), null=True, blank=True)
    reached_at = models.DateTimeField(_("reached"), null=True, blank=True)

    objects = JourneyPartQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("journey stage")
        verbose_name_plural = _("journey stages")

    def __str__(self) -> str:
        return f"stage {self.position} of {self.journey_id}"


class CheckIn(EncryptedModel):
    """A moment the person is expected to call in: missing it raises an alert."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("note",)
    VAULT_PARENT = "journey"

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("journey"))
    due_at = models.DateTimeField(_("expected by"))
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    objects = JourneyPartQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["received_at", "due_at"], name="checkin_missed_idx")]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")

    def __str__(self) -> str:
        return f"check-in {self.pk}"

    @property
    def is_missed(self) -> bool:
        return self.received_at is None and self.due_at < timezone.now()
