"""Care: the intake assessment and care plan, due items from plan templates, services and
referrals to partners, counselling sessions and notes, group sessions and outcome scales.

Counselling notes are the most private thing in Sanctuary. Their text is encrypted under a
key of its own scope (``sanctuary.vault.state.scope_cipher("counselling")``), derived from
the unsealed vault with its own label: the vault's general data keys do not open it, and the
field is never decrypted on attribute access. ``sanctuary/care/notes.py`` is the only reader,
and it checks the reader's role (counsellor or counsellor lead; a director holds every module
but is neither) or a two-person emergency grant, on every read.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ModuleQuerySet, can_use, sees_all_people
from sanctuary.people.models import Person, PersonScopedQuerySet
from sanctuary.vault.fields import EncryptedModel, EncryptedTextField

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

CARE = "care"  # care plans, due items, services, referrals
CARE_CONFIG = "care_config"  # plan templates (directors)
COUNSELLING = "counselling"  # counselling sessions, notes (with the role), groups, scales
COUNSELLING_LEAD = "counselling_lead"  # co-sign emergency access to notes

TIMELINE = "care"  # PersonEvent.kind


class Area(models.TextChoices):
    MEDICAL = "medical", _("Medical")
    MENTAL = "mental", _("Mental health")
    LEGAL = "legal", _("Legal")
    FAMILY = "family", _("Family")
    HOUSING = "housing", _("Housing")
    WORK = "work", _("Work")
    MONEY = "money", _("Money")
    REVIEW = "review", _("Review of the plan")


class CareQuerySet(PersonScopedQuerySet):
    module = CARE


class OrgCareQuerySet(ModuleQuerySet):
    module = CARE


class PlanTemplate(models.Model):
    """A set of due items with offsets from arrival (day 1 medical check …)."""

    name_my = models.CharField(_("name in Burmese"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120)
    name_th = models.CharField(_("name in Thai"), max_length=120)
    active = models.BooleanField(_("in use"), default=True)

    objects = OrgCareQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["pk"]
        verbose_name = _("care plan template")
        verbose_name_plural = _("care plan templates")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "my")[:2]
        return str(getattr(self, f"name_{lang}", "") or self.name_en)


class TemplateItem(models.Model):
    template = models.ForeignKey(
        PlanTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("template")
    )
    area = models.CharField(_("area"), max_length=12, choices=Area.choices)
    title_my = models.CharField(_("title in Burmese"), max_length=120)
    title_en = models.CharField(_("title in English"), max_length=120)
    title_th = models.CharField(_("title in Thai"), max_length=120)
    offset_days = models.PositiveSmallIntegerField(
        _("days after arrival"), validators=[MinValueValidator(0), MaxValueValidator(365)]
    )

    class Meta:
        ordering = ["offset_days", "pk"]
        verbose_name = _("template step")
        verbose_name_plural = _("template steps")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        lang = (get_language() or "my")[:2]
        return str(getattr(self, f"title_{lang}", "") or self.title_en)


class PlanState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CarePlan(EncryptedModel):
    """The intake assessment and the plan that follows from it: one open plan per person."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("assessment",)
    VAULT_PARENT = "person"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="care_plans", verbose_name=_("person"))
    template = models.ForeignKey(
        PlanTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("template")
    )
    arrived_on = models.DateField(_("arrived on"), help_text=_("Due dates count from this day."))
    assessment = EncryptedTextField(_("intake assessment"), max_length=4000, blank=True)
    state = models.CharField(max_length=8, choices=PlanState.choices, default=PlanState.OPEN, verbose_name=_("state"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed on"))

    objects = CareQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(state="open"), name="care_one_open_plan"),
        ]
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")

    def __str__(self) -> str:
        return f"care plan {self.pk}"


class Need(EncryptedModel):
    """One need of the plan, in an area, with its goals."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("description", "goals")
    VAULT_PARENT = "plan.person"

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="needs", verbose_name=_("plan"))
    area = models.CharField(_("area"), max_length=12, choices=Area.choices)
    description = EncryptedTextField(_("the need"), max_length=2000)
    goals = EncryptedTextField(_("goals"), max_length=2000, blank=True)
    due_on = models.DateField(_("goal date"), null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True, verbose_name=_("met on"))

    objects = CareQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["area", "pk"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return f"need {self.pk}"


class CareItemQuerySet(CareQuerySet):
    def open(self) -> Any:
        return self.filter(done_at__isnull=True, cancelled_at__isnull=True)

    def overdue(self, today: Any = None) -> Any:
        return self.open().filter(due_on__lt=today or timezone.localdate())


class ServiceType(models.TextChoices):
    CHECK = "check", _("Check or review")
    MEDICAL = "medical", _("Medical care")
    COUNSELLING = "counselling", _("Counselling")
    LEGAL = "legal", _("Legal advice")
    FAMILY = "family", _("Family contact or tracing")
    HOUSING = "housing", _("Housing")
    WORK = "work", _("Work or training")
    MONEY = "money", _("Money or stipend")
    OTHER = "other", _("Other")


class CareItem(EncryptedModel):
    """Something due for the person: an item from the template, or a service (a type, a
    provider — us or a partner — an appointment, an outcome, follow-ups)."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("title", "outcome")
    VAULT_PARENT = "person"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="care_items", verbose_name=_("person"))
    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="items", verbose_name=_("plan"))
    need = models.ForeignKey(
        Need, on_delete=models.PROTECT, null=True, blank=True, related_name="items", verbose_name=_("need")
    )
    template_item = models.ForeignKey(
        TemplateItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("template item")
    )
    area = models.CharField(_("area"), max_length=12, choices=Area.choices)
    service = models.CharField(_("type of service"), max_length=12, choices=ServiceType.choices)
    title = EncryptedTextField(_("what"), max_length=200, blank=True)
    provider = models.ForeignKey(
        "consent.Recipient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provider"),
        help_text=_("Empty: our own staff."),
    )
    due_on = models.DateField(_("due on"))
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    follow_up_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("follow-up of"),
    )
    outcome = EncryptedTextField(_("outcome"), max_length=2000, blank=True)
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done on"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("done by")
    )
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled on"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    objects = CareItemQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["due_on"], name="care_item_due_idx", condition=Q(done_at__isnull=True))]
        verbose_name = _("care step")
        verbose_name_plural = _("care steps")

    def __str__(self) -> str:
        return f"care item {self.pk}"

    @property
    def label(self) -> str:
        """The template's title in the reader's language, or what was typed."""
        if self.template_item_id is not None and not self.__dict__.get("title"):
            return self.template_item.title  # type: ignore[union-attr]
        return str(self.title) or str(self.get_service_display())

    @property
    def is_open(self) -> bool:
        return self.done_at is None and self.cancelled_at is None


class ReferralState(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused by the partner")
    DONE = "done", _("Done")
    WITHDRAWN = "withdrawn", _("Withdrawn")


REFERRAL_OPEN = (ReferralState.SENT, ReferralState.ACCEPTED)


class Shared(models.TextChoices):
    """What a referral passes to the partner (recorded, and shown to the person if asked)."""

    ALIAS = "alias", _("Name they use (alias)")
    AGE = "age", _("Age and sex")
    CONTACT = "contact", _("How to reach them")
    MEDICAL = "medical", _("Medical needs")
    MENTAL = "mental", _("Mental health needs")
    LEGAL = "legal", _("Legal situation")
    PAPERS = "papers", _("Papers they hold")


class Referral(EncryptedModel):
    """A referral to a partner, made under the consent it relied on."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("summary", "refuse_reason", "note")
    VAULT_PARENT = "person"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("person"))
    item = models.ForeignKey(
        CareItem, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals", verbose_name=_("item")
    )
    recipient = models.ForeignKey(
        "consent.Recipient", on_delete=models.PROTECT, related_name="+", verbose_name=_("partner")
    )
    consent = models.ForeignKey(
        "consent.ConsentRecord", on_delete=models.PROTECT, related_name="+", verbose_name=_("consent")
    )
    area = models.CharField(_("area"), max_length=12, choices=Area.choices)
    shared = models.JSONField(_("what was shared"), default=list)
    summary = EncryptedTextField(_("what was written to the partner"), max_length=4000, blank=True)
    state = models.CharField(
        max_length=10, choices=ReferralState.choices, default=ReferralState.SENT, verbose_name=_("state")
    )
    sent_at = models.DateTimeField(default=timezone.now, verbose_name=_("sent on"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered on"))
    refuse_reason = EncryptedTextField(_("why the partner refused"), max_length=1000, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed on"))
    note = EncryptedTextField(_("note"), max_length=2000, blank=True)

    objects = CareQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"referral {self.pk}"

    def shared_labels(self) -> list[str]:
        return [str(Shared(code).label) for code in self.shared if code in Shared.values]


# --- Counselling ----------------------------------------------------------------------------------


class CounsellingQuerySet(PersonScopedQuerySet):
    """Sessions, notes, scales: counsellors (and directors, who see that sessions happened,
    never a note's text)."""

    module = COUNSELLING


class SessionKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Counselling session")
    PEER = "peer", _("Peer support, one to one")
    CRISIS = "crisis", _("Crisis support")


class CounsellingSession(models.Model):
    """That a session happened: who, when, how long. Directors see these counts and dates."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="counselling_sessions", verbose_name=_("person")
    )
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("counsellor")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=SessionKind.choices, default=SessionKind.INDIVIDUAL)
    held_on = models.DateField(_("held on"))
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), default=50, validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    objects = CounsellingQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("counselling session")
        verbose_name_plural = _("counselling sessions")

    def __str__(self) -> str:
        return f"session {self.pk}"


class NoteQuerySet(CounsellingQuerySet):
    """Notes are never changed or deleted in bulk either; a merge re-encrypts a moved note
    for the kept person through :meth:`reseal_for_merge`, the one update allowed."""

    def update(self, **kwargs: Any) -> int:
        raise ValueError("counselling notes are append-only: write an addendum")

    def delete(self) -> Any:
        raise ValueError("counselling notes are never deleted")

    def reseal_for_merge(self, note: CounsellingNote) -> int:
        return models.QuerySet.update(self.filter(pk=note.pk), person=note.person, body=note.body)


class CounsellingNote(models.Model):
    """A note on a session, append-only: a correction is an addendum pointing to the note it
    corrects. ``body`` holds ciphertext under the counselling scope (``SCOPED_FIELDS``), read
    only through ``sanctuary.care.notes.read``."""

    SCOPED_FIELDS: ClassVar[dict[str, str]] = {"body": "counselling"}

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="counselling_notes", verbose_name=_("person")
    )
    session = models.ForeignKey(
        CounsellingSession, on_delete=models.PROTECT, related_name="notes", verbose_name=_("session")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    written_at = models.DateTimeField(default=timezone.now, verbose_name=_("written on"))
    addendum_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="addenda", verbose_name=_("addendum to")
    )
    body = models.TextField(editable=False, verbose_name=_("text"))

    objects = NoteQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["written_at", "pk"]
        verbose_name = _("counselling note")
        verbose_name_plural = _("counselling notes")

    def __str__(self) -> str:
        return f"note {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Append-only: a note is written once and never changed."""
        if self.pk is not None:
            raise ValueError("counselling notes are append-only: write an addendum")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("counselling notes are never deleted")


class EmergencyAccess(EncryptedModel):
    """Two persons open one person's counselling notes for a limited time, for a recorded
    reason: a counsellor lead and a director, one asking and the other approving. The
    person's counsellors are shown it afterwards (``seen_by_counsellor_at``)."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)
    VAULT_PARENT = "person"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    reason = EncryptedTextField(_("reason"), max_length=1000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("requested on"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved on"))
    refused_at = models.DateTimeField(null=True, blank=True, verbose_name=_("refused on"))
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires on"))
    reads = models.PositiveIntegerField(default=0, verbose_name=_("reads"))
    seen_by_counsellor_at = models.DateTimeField(null=True, blank=True, verbose_name=_("seen by the counsellor on"))

    objects = CounsellingQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("requested_by")),
                name="care_emergency_two_people",
            ),
        ]
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")

    def __str__(self) -> str:
        return f"emergency access {self.pk}"

    def active_for(self, user: User) -> bool:
        return bool(
            self.requested_by_id == user.pk
            and self.approved_at is not None
            and self.expires_at is not None
            and timezone.now() < self.expires_at
        )


class Scale(models.TextChoices):
    WHO5 = "who5", _("WHO-5 wellbeing index")


class ScaleWhen(models.TextChoices):
    BEFORE = "before", _("Before")
    DURING = "during", _("During")
    AFTER = "after", _("After")


class ScaleScore(models.Model):
    """An outcome scale taken before or after (WHO-5: five answers 0-5, raw 0-25, shown as a
    percentage). Shown to counsellors; statistics use only aggregates."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    scale = models.CharField(max_length=8, choices=Scale.choices, default=Scale.WHO5, verbose_name=_("scale"))
    when = models.CharField(_("when"), max_length=8, choices=ScaleWhen.choices)
    taken_on = models.DateField(_("taken on"))
    raw = models.PositiveSmallIntegerField(validators=[MaxValueValidator(25)], verbose_name=_("raw score"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    objects = CounsellingQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["taken_on", "pk"]
        verbose_name = _("wellbeing score")
        verbose_name_plural = _("wellbeing scores")

    def __str__(self) -> str:
        return f"scale {self.pk}"

    @property
    def percent(self) -> int:
        return self.raw * 4


class GroupKind(models.TextChoices):
    PEER = "peer", _("Peer-support group")
    GROUP = "group", _("Group counselling")
    ACTIVITY = "activity", _("Wellbeing activity")


class GroupSessionQuerySet(ModuleQuerySet):
    module = COUNSELLING


class GroupSession(models.Model):
    """A group meeting. Who came is recorded per case code (``GroupAttendance``): the group
    record itself holds no names."""

    kind = models.CharField(_("kind"), max_length=10, choices=GroupKind.choices, default=GroupKind.PEER)
    held_on = models.DateField(_("held on"))
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("facilitator")
    )
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), default=90, validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    objects = GroupSessionQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("group session")
        verbose_name_plural = _("group sessions")

    def __str__(self) -> str:
        return f"group {self.pk}"


class GroupAttendanceQuerySet(CounsellingQuerySet):
    pass


class GroupAttendance(models.Model):
    group = models.ForeignKey(
        GroupSession, on_delete=models.PROTECT, related_name="attendance", verbose_name=_("group")
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))

    objects = GroupAttendanceQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "person"], name="care_group_once")]
        verbose_name = _("group attendance")
        verbose_name_plural = _("group attendances")

    def __str__(self) -> str:
        return f"{self.group_id}:{self.person_id}"


class CareSettings(models.Model):
    """One row: how long emergency access lasts."""

    emergency_hours = models.PositiveSmallIntegerField(
        _("emergency access lasts (hours)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(72)]
    )

    class Meta:
        verbose_name = _("care settings")
        verbose_name_plural = _("care settings")

    def __str__(self) -> str:
        return "care settings"

    @classmethod
    def current(cls) -> CareSettings:
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls()

    def emergency_until(self) -> Any:
        return timezone.now() + timedelta(hours=self.emergency_hours)


def counsellor_roles(user: Any) -> bool:
    """Whether the user holds a counsellor's role (never a module: directors hold them all)."""
    from sanctuary.accounts.models import Role

    return bool(getattr(user, "roles", set()) & {Role.COUNSELLOR, Role.COUNSELLOR_LEAD})


def sees_counselling(user: Any) -> bool:
    """Counsellors, and directors (who see that sessions happened, never what was said)."""
    return bool(user.is_authenticated and (can_use(user, COUNSELLING) or sees_all_people(user)))
