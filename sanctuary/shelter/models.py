"""Safe houses, rooms, beds and stays.

A bed never holds two stays on the same night, and the database enforces it on SQLite and
PostgreSQL alike: every night a stay reserves is a ``BedNight`` row, unique per bed and
night. Placing, extending and moving out add or remove those rows in the same transaction
as the stay, so a double click, two managers at once or a bug in a form end in an
IntegrityError, never in two people on one mattress.

Only people two vetting officers accepted and who carry no blocking risk flag are housed
(the admission rule, ``sanctuary.people.admission``): ``Stay.save`` asks on every new stay.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ModuleQuerySet
from sanctuary.people import admission
from sanctuary.people.models import PersonScopedQuerySet, Region
from sanctuary.vault.fields import EncryptedModel, EncryptedQuerySet, EncryptedTextField

if TYPE_CHECKING:
    pass

SHELTER = "shelter"  # the access module of shelter managers (declared in module.py)


class HouseQuerySet(ModuleQuerySet, EncryptedQuerySet):  # type: ignore[misc,override]
    """Houses, rooms and beds: the organisation's, seen by everyone in the shelter module."""

    module = SHELTER


class PlaceQuerySet(ModuleQuerySet):
    module = SHELTER


class SafeHouse(EncryptedModel):
    """A house, known by a code name; its location is coarse (a region) on purpose."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("area", "contact")

    name = models.CharField(_("code name"), max_length=100, unique=True)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, default=Region.THAILAND)
    area = EncryptedTextField(
        _("area"), max_length=200, blank=True, help_text=_("A town or district, never an address.")
    )
    contact = EncryptedTextField(_("house contact"), max_length=300, blank=True)
    takes_families = models.BooleanField(_("takes families"), default=True)
    takes_women = models.BooleanField(_("takes women"), default=True)
    active = models.BooleanField(_("in use"), default=True)

    objects = HouseQuerySet.as_manager()  # type: ignore[misc,assignment]

    class Meta:
        ordering = ["name"]
        verbose_name = _("safe house")
        verbose_name_plural = _("safe houses")

    def __str__(self) -> str:
        return self.name


class RoomKind(models.TextChoices):
    SHARED = "shared", _("Shared room")
    FAMILY = "family", _("Family room")
    SINGLE = "single", _("Single room")


class Room(models.Model):
    house = models.ForeignKey(SafeHouse, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("house"))
    name = models.CharField(_("room"), max_length=50)
    kind = models.CharField(_("kind"), max_length=8, choices=RoomKind.choices, default=RoomKind.SHARED)
    women_only = models.BooleanField(_("women only"), default=False)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["house", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [models.UniqueConstraint(fields=["house", "name"], name="room_unique_name")]

    def __str__(self) -> str:
        return f"{self.house.name} {self.name}"


class Bed(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="beds", verbose_name=_("room"))
    label = models.CharField(_("bed"), max_length=20)
    active = models.BooleanField(_("in use"), default=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["room", "label"]
        verbose_name = _("bed")
        verbose_name_plural = _("beds")
        constraints = [models.UniqueConstraint(fields=["room", "label"], name="bed_unique_label")]

    def __str__(self) -> str:
        return f"{self.room} / {self.label}"


class MoveOut(models.TextChoices):
    INDEPENDENT = "independent", _("Living independently")
    JOB = "job", _("Found work")
    OTHER_HOUSE = "other_house", _("Moved to another house")
    RESETTLED = "resettled", _("Resettled")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    RELATIVES = "relatives", _("Went to live with relatives")  # a child, most often, leaving alone


class StayQuerySet(PersonScopedQuerySet):
    """Stays seen by shelter managers of the people's teams; and the questions every screen
    asks about stays, asked in one place."""

    module = SHELTER

    def open(self) -> StayQuerySet:
        """Not moved out yet (an overdue stay is still open: it keeps its bed)."""
        return self.filter(ended_on__isnull=True)

    def overdue(self, today: date | None = None) -> StayQuerySet:
        """Open, and past the planned end."""
        return self.open().filter(planned_end__lt=today or timezone.localdate())

    def ending_within(self, days: int, today: date | None = None) -> StayQuerySet:
        """Open, and planned to end today or in the next ``days`` days."""
        today = today or timezone.localdate()
        return self.open().filter(planned_end__gte=today, planned_end__lte=today + timedelta(days=days))

    def during(self, first: date, last: date) -> StayQuerySet:
        """Holding a bed on at least one night from ``first`` to ``last``: from its start to
        the night before moving out, or to its planned end, or, overdue, until it moves out."""
        return (
            self.filter(start__lte=last)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=first))
            .filter(Q(planned_end__gte=first) | Q(ended_on__isnull=True))
        )

    def holding(self, night: date) -> StayQuerySet:
        """Holding a bed on ``night``."""
        return self.during(night, night)

    def of_person(self, person: Any, occupant: Any = None) -> StayQuerySet:
        """The person's own stays (``occupant=None``), or a household member's."""
        return self.filter(person=person, occupant=occupant)

    def one_per_household(self) -> StayQuerySet:
        """A household counted once: the head's stay stands for its members' (a member placed
        alone, outside any household stay, still counts)."""
        return self.filter(household__isnull=True)

    def current(self, on: date | None = None) -> StayQuerySet:
        on = on or timezone.localdate()
        return self.open().filter(start__lte=on)


class Stay(models.Model):
    """One bed for one occupant from ``start``: the person, or a member of their household.

    A household is one stay: the person's own (the head's), and one for each member who came
    along, tied to it by ``household``, in beds of one room, with the same planned end. The
    head's stay is extended for all of them and moving it out moves them all out; a member
    may still leave alone (a child going to relatives)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="stays", verbose_name=_("person")
    )
    occupant = models.ForeignKey(
        "people.HouseholdMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stays",
        verbose_name=_("household member"),
    )
    household = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
        help_text=_("The stay of the person whose household this member belongs to."),
    )
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, related_name="stays", verbose_name=_("bed"))
    start = models.DateField(_("from"))
    planned_end = models.DateField(_("planned end"))  # the last night, inclusive
    ended_on = models.DateField(_("moved out on"), null=True, blank=True)
    move_out = models.CharField(_("went to"), max_length=16, choices=MoveOut.choices, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("placed by")
    )
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)

    objects = StayQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        constraints = [
            models.CheckConstraint(condition=Q(planned_end__gte=F("start")), name="stay_end_after_start"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("start")), name="stay_moved_out_after_start"
            ),
            # Only a household member's stay belongs to another stay (the head's).
            models.CheckConstraint(
                condition=Q(household__isnull=True) | Q(occupant__isnull=False), name="stay_household_of_a_member"
            ),
            # One bed at a time: two placements of one person at the same moment (into
            # different beds, which the bed's lock does not serialise) leave one stay.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(ended_on__isnull=True, occupant__isnull=True),
                name="stay_one_open_per_person",
            ),
            models.UniqueConstraint(
                fields=["occupant"],
                condition=Q(ended_on__isnull=True, occupant__isnull=False),
                name="stay_one_open_per_household_member",
            ),
        ]
        indexes = [
            models.Index(fields=["ended_on", "planned_end"], name="stay_open_idx"),
        ]

    def __str__(self) -> str:
        return f"stay {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is None:
            admission.ensure_admissible(self.person)
        super().save(*args, **kwargs)

    @property
    def last_night(self) -> date:
        """The last night the bed is held: the day before moving out, else the planned end."""
        return self.ended_on - timedelta(days=1) if self.ended_on else self.planned_end

    @property
    def overdue(self) -> bool:
        return self.ended_on is None and self.planned_end < timezone.localdate()


class BedNight(models.Model):
    """One night of one bed, held by one stay: the double-booking guard."""

    bed = models.ForeignKey(Bed, on_delete=models.CASCADE, related_name="+", verbose_name=_("bed"))
    night = models.DateField(_("night"))
    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="nights", verbose_name=_("stay"))

    class Meta:
        verbose_name = _("bed night")
        verbose_name_plural = _("bed nights")
        constraints = [models.UniqueConstraint(fields=["bed", "night"], name="bed_night_once")]
        indexes = [models.Index(fields=["night", "bed"], name="bed_night_by_night")]

    def __str__(self) -> str:
        return f"bed {self.bed_id} {self.night}"


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ExtensionQuerySet(PersonScopedQuerySet):
    module = SHELTER
    person_path = "stay__person"


class Extension(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("reason", "decision_note")
    VAULT_PARENT = "stay.person"

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("stay"))
    requested_end = models.DateField(_("stay until"))
    reason = EncryptedTextField(_("reason"))
    state = models.CharField(
        _("decision"), max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = EncryptedTextField(_("note"), blank=True)

    objects = ExtensionQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")

    def __str__(self) -> str:
        return f"extension {self.pk}"
