"""Duplicate finding inside the product: blind-indexed blocking keys, the review queue and
partner linkage. Scans are jobs (``sanctuary.background``). Nothing here holds a name or number
in clear."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ModuleQuerySet, can_use
from sanctuary.people.models import Person, PersonScopedQuerySet


class PartnersQuerySet(ModuleQuerySet):
    module = "partners"  # directors (accounts.policy.Module.PARTNERS)


class MatchReviewQuerySet(models.QuerySet["MatchReview"]):
    def visible_to(self, user: Any) -> Any:
        """Pairs a reviewer may decide: both people visible to them."""
        if not can_use(user, "duplicates"):
            return self.none()
        visible = Person.objects.visible_to(user)
        return self.filter(person_a__in=visible, person_b__in=visible)


class PersonMatchKey(models.Model):
    """One blocking key of a person (e.g. name key + birth year, phone, NRC), stored as a
    keyed HMAC, so candidates are found on encrypted data. ``rule`` is the key's kind."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="match_keys", verbose_name=_("person")
    )
    rule = models.CharField(max_length=16, verbose_name=_("rule"))
    key = models.CharField(max_length=32, db_index=True, verbose_name=_("key"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "person"], name="match_key_unique")]
        verbose_name = _("matching key")
        verbose_name_plural = _("matching keys")

    def __str__(self) -> str:
        return f"{self.person_id}:{self.rule}"


class Decision(models.TextChoices):
    PENDING = "pending", _("To review")
    # "Same person" takes two reviewers, like a vetting decision: one proposes, another confirms.
    PROPOSED = "proposed", _("Same person? Waiting for a second reviewer")
    SAME = "same", _("Same person")
    DIFFERENT = "different", _("Different people")
    UNSURE = "unsure", _("Not sure")


class MatchReview(models.Model):
    """A pair of people the finder thinks may be one person. Decided pairs are never asked
    again: a later scan leaves them as they are."""

    person_a = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("first person")
    )
    person_b = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("second person")
    )
    score = models.FloatField(verbose_name=_("score"))
    agreements = models.JSONField(default=dict, verbose_name=_("what agreed"))  # field -> how it agreed; never values
    decision = models.CharField(
        max_length=16, choices=Decision.choices, default=Decision.PENDING, verbose_name=_("decision")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided on"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("proposed on"))
    found_at = models.DateTimeField(auto_now_add=True, verbose_name=_("found on"))

    objects = MatchReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="match_review_unique_pair"),
            models.CheckConstraint(condition=models.Q(person_a__lt=models.F("person_b")), name="match_review_ordered"),
            # Four eyes on a merge, in the database like the other four-eyes rules: the one who
            # proposed "same person" never confirms it.
            models.CheckConstraint(
                condition=~models.Q(decision="same") | ~models.Q(decided_by=models.F("proposed_by")),
                name="match_merge_four_eyes",
            ),
        ]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")

    def __str__(self) -> str:
        return f"review {self.person_a_id}/{self.person_b_id}"

    def agreement_words(self) -> list[str]:
        """What agreed, in words in the reader's language (``sanctuary.matching.words``)."""
        from sanctuary.matching.words import describe  # loaded when shown: it pulls in people.presave

        return describe(self.agreements)


class PartnerRun(models.Model):
    """One privacy-preserving linkage with a partner organisation (docs/pprl.md).

    We keep only which random handle stands for which of our people; the key is never
    stored, and of the partner nothing but its opaque ids and the scores."""

    partner = models.CharField(_("partner organisation"), max_length=200)
    key_fingerprint = models.CharField(max_length=32, verbose_name=_("key fingerprint"))
    handles = models.JSONField(default=dict, verbose_name=_("handles"))  # our handle -> our person id
    records = models.PositiveIntegerField(default=0, verbose_name=_("records"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    imported_at = models.DateTimeField(null=True, blank=True, verbose_name=_("imported on"))

    objects = PartnersQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("partner matching run")
        verbose_name_plural = _("partner matching runs")

    def __str__(self) -> str:
        return f"partner run {self.pk}"


class PartnerMatchQuerySet(PersonScopedQuerySet):
    module = "partners"


class PartnerMatch(models.Model):
    """One of our people matched to an opaque record of the partner, to be reviewed."""

    run = models.ForeignKey(PartnerRun, on_delete=models.CASCADE, related_name="matches", verbose_name=_("payment run"))
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    partner_ref = models.CharField(max_length=64, verbose_name=_("partner's reference"))
    score = models.FloatField(verbose_name=_("score"))
    decision = models.CharField(
        max_length=16, choices=Decision.choices, default=Decision.PENDING, verbose_name=_("decision")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided on"))

    objects = PartnerMatchQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-score", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "person", "partner_ref"], name="partner_match_unique")]
        verbose_name = _("partner match")
        verbose_name_plural = _("partner matches")

    def __str__(self) -> str:
        return f"partner match {self.pk}"


class LinkageModel(models.Model):
    """The model a duplicate scan scored with, kept so that pairs found between scans (a
    person just saved, two people sharing a phone) are weighed the same way
    (``sanctuary.matching.scoring``). ``parameters`` is the engine's own format
    (``sanctuary.linkage.stored``): m and u per field and agreement level, the prior, and
    term frequencies keyed by blind index; never a name or number."""

    fitted_at = models.DateTimeField(_("fitted at"), auto_now_add=True)
    # The engine's format, e.g. "sanctuary.linkage/1".
    engine = models.CharField(_("engine"), max_length=40)
    # Fitted on this register, or the engine's defaults.
    learned = models.BooleanField(_("learned from this register"), default=False)
    records = models.PositiveIntegerField(_("records"), default=0)
    parameters = models.JSONField(_("parameters"))
    job = models.ForeignKey(
        "background.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("job")
    )

    class Meta:
        ordering = ["-fitted_at", "-id"]
        verbose_name = _("duplicate scoring model")
        verbose_name_plural = _("duplicate scoring models")

    def __str__(self) -> str:
        return f"linkage model {self.pk}"
