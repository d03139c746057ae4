"""Vetting: is this person who they say they are, and is it safe to take them in?

The organisation configures its checklist; officers record each check, referees, proofs
(encrypted person documents), notes and risk flags. A decision (accept, reject, hold) takes
two different vetting officers: one proposes with a reason, another confirms with theirs.
The database refuses a decision confirmed by the officer who proposed it.

Who may be housed or paid is decided in ``sanctuary.vetting.rules`` for every module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ModuleQuerySet, can_use, sees_all_people
from sanctuary.people.models import ContactKind, Person, PersonScopedQuerySet
from sanctuary.vault.fields import EncryptedModel, EncryptedTextField

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

VETTING = "vetting"  # the access module of vetting officers (declared in module.py)


class VettingQuerySet(PersonScopedQuerySet):
    module = VETTING


class CheckItemQuerySet(ModuleQuerySet):
    module = VETTING


class VettingCheck(models.Model):
    """One item of the organisation's checklist, named in each language."""

    label_my = models.CharField(_("name in Burmese"), max_length=200, blank=True)
    label_en = models.CharField(_("name in English"), max_length=200, blank=True)
    label_th = models.CharField(_("name in Thai"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    required = models.BooleanField(
        _("required before acceptance"), default=True, help_text=_("Must be confirmed before anyone is accepted.")
    )
    active = models.BooleanField(_("in use"), default=True)

    objects = CheckItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("vetting check")
        verbose_name_plural = _("vetting checks")

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        language = (language or translation.get_language() or "my")[:2]
        by_language = {"my": self.label_my, "en": self.label_en, "th": self.label_th}
        return by_language.get(language) or self.label_en or self.label_my or self.label_th


class CheckOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    NOT_CONFIRMED = "not_confirmed", _("Could not confirm")
    CONCERN = "concern", _("Raises a concern")
    NOT_APPLICABLE = "not_applicable", _("Does not apply")


class CheckResult(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("note",)
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="vetting_checks", verbose_name=_("person")
    )
    check_item = models.ForeignKey(
        VettingCheck, on_delete=models.PROTECT, related_name="results", verbose_name=_("check")
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=CheckOutcome.choices)
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(default=timezone.now, verbose_name=_("recorded on"))

    objects = VettingQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "check_item"], name="check_result_unique")]
        verbose_name = _("check result")
        verbose_name_plural = _("check results")

    def __str__(self) -> str:
        return f"check {self.check_item_id} of {self.person_id}"


class RefereeOutcome(models.TextChoices):
    PENDING = "pending", _("Not reached yet")
    VOUCHES = "vouches", _("Vouches for them")
    DOUBTS = "doubts", _("Has doubts")
    UNREACHABLE = "unreachable", _("Could not be reached")


class Referee(EncryptedModel):
    """Someone who can confirm who the person is: a former comrade, a relative, a monk."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("name", "relation", "contact", "note")
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="referees", verbose_name=_("person")
    )
    name = EncryptedTextField(_("referee's name"), max_length=200)
    relation = EncryptedTextField(_("how they know the person"), max_length=200, blank=True)
    contacted_via = models.CharField(
        _("contacted by"), max_length=16, choices=ContactKind.choices, default=ContactKind.PHONE
    )
    contact = EncryptedTextField(_("number or handle"), max_length=200, blank=True)
    outcome = models.CharField(
        _("what they said"), max_length=16, choices=RefereeOutcome.choices, default=RefereeOutcome.PENDING
    )
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(default=timezone.now, verbose_name=_("recorded on"))

    objects = VettingQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("referee")
        verbose_name_plural = _("referees")

    def __str__(self) -> str:
        return f"referee {self.pk}"


class FlagKind(models.TextChoices):
    INFILTRATOR = "infiltrator", _("Possible infiltrator")
    UNVERIFIABLE = "unverifiable", _("Story cannot be verified")
    DANGEROUS = "dangerous", _("Dangerous to house with others")
    # Raised by a merge whose two records had different vetting outcomes (never by hand):
    # the stricter one holds until two officers have looked at the merged record again.
    MERGED = "merged", _("Merged records disagree in vetting")


# Open flags of these kinds stop housing and stipends outright. "Dangerous to house with
# others" does not: that person may be housed alone (the shelter's house rules).
BLOCKING_FLAGS = frozenset({FlagKind.INFILTRATOR, FlagKind.UNVERIFIABLE, FlagKind.MERGED})


class RiskFlag(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("reason", "clear_reason")
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="risk_flags", verbose_name=_("person")
    )
    kind = models.CharField(_("flag"), max_length=16, choices=FlagKind.choices)
    reason = EncryptedTextField(_("reason"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("raised by")
    )
    raised_at = models.DateTimeField(default=timezone.now, verbose_name=_("raised on"))
    # Clearing takes two officers, like a decision: one asks (with a reason), another confirms.
    clear_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clearing asked by"),
    )
    clear_requested_at = models.DateTimeField(null=True, blank=True, verbose_name=_("clearing asked on"))
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cleared by"),
    )
    cleared_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cleared on"))
    clear_reason = EncryptedTextField(_("why it no longer applies"), blank=True)

    objects = VettingQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cleared_by__isnull=True)
                | (Q(clear_requested_by__isnull=False) & ~Q(cleared_by=F("clear_requested_by"))),
                name="flag_cleared_by_second_officer",
            ),
        ]
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")

    def __str__(self) -> str:
        return f"flag {self.kind} on {self.person_id}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None


class VettingNote(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("text",)
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="vetting_notes", verbose_name=_("person")
    )
    text = EncryptedTextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("time"))

    objects = VettingQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("vetting note")
        verbose_name_plural = _("vetting notes")

    def __str__(self) -> str:
        return f"vetting note {self.pk}"


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accept")
    REJECTED = "rejected", _("Reject")
    ON_HOLD = "on_hold", _("Put on hold")


class DecisionState(models.TextChoices):
    PENDING = "pending", _("Waiting for a second officer")
    CONFIRMED = "confirmed", _("Confirmed")
    DISAGREED = "disagreed", _("Not confirmed by the second officer")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VettingDecision(EncryptedModel):
    """Four eyes: proposed by one vetting officer, confirmed (or not) by another."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("proposed_reason", "second_reason")
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="vetting_decisions", verbose_name=_("person")
    )
    outcome = models.CharField(_("decision"), max_length=16, choices=Outcome.choices)
    state = models.CharField(
        max_length=16, choices=DecisionState.choices, default=DecisionState.PENDING, verbose_name=_("state")
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_reason = EncryptedTextField(_("reason"))
    proposed_at = models.DateTimeField(default=timezone.now, verbose_name=_("proposed on"))
    second_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("second officer"),
    )
    second_reason = EncryptedTextField(_("reason"), blank=True)
    second_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed on"))

    objects = VettingQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(second_by__isnull=True) | ~Q(second_by=F("proposed_by")), name="decision_four_eyes"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["confirmed", "disagreed"]) | Q(second_by__isnull=False),
                name="decision_second_officer_recorded",
            ),
            models.UniqueConstraint(
                fields=["person"], condition=Q(state="pending"), name="decision_one_pending_per_person"
            ),
        ]
        indexes = [models.Index(fields=["person", "state"], name="decision_person_state_idx")]
        verbose_name = _("vetting decision")
        verbose_name_plural = _("vetting decisions")

    def __str__(self) -> str:
        return f"decision {self.outcome} on {self.person_id}"


class WatchAlertQuerySet(models.QuerySet["WatchAlert"]):
    def visible_to(self, user: User, *, open_only: bool = False) -> Any:
        """Alerts a vetting officer must see: about someone they may see, on either side, or
        about a first contact. The other side may be in another team: then the page names it
        only as "someone rejected or flagged in another team" (``mark_visibility``)."""
        if not user.is_authenticated or not can_use(user, VETTING):
            return self.none()
        alerts = self.filter(resolved_at__isnull=True) if open_only else self.all()
        if sees_all_people(user):
            return alerts
        people = Person.objects.visible_to(user)
        return alerts.filter(
            models.Q(watched__in=people) | models.Q(person__in=people) | models.Q(submission__isnull=False)
        )


class WatchAlert(models.Model):
    """A new person or first contact that shares a blind-indexed key (phone, NRC, service
    number, name with birth date …) with someone rejected or flagged."""

    watched = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("watched person")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("person")
    )
    submission = models.ForeignKey(
        "intake.Submission",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("first contact"),
    )
    rules = models.JSONField(default=list, verbose_name=_("rules"))  # which keys agreed (names of keys, never values)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved on"))

    objects = WatchAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["watched", "person"], name="watch_alert_person_unique"),
            models.UniqueConstraint(fields=["watched", "submission"], name="watch_alert_submission_unique"),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(submission__isnull=False), name="watch_alert_has_subject"
            ),
        ]
        verbose_name = _("watch-list alert")
        verbose_name_plural = _("watch-list alerts")

    def __str__(self) -> str:
        return f"watch alert {self.pk}"

    def rule_words(self) -> list[str]:
        """Which keys agreed, in words in the reader's language ("phone", "NRC"), not codes."""
        from sanctuary.matching.words import FIELD_LABELS  # loaded when shown

        return [str(FIELD_LABELS.get(rule, rule)) for rule in self.rules]
