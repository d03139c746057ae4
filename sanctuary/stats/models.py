"""Statistics: the organisation's counting policy, published table definitions, the release
ledger and the figures others published.

Nothing here identifies anyone, and nothing is encrypted: a table definition names clear
columns of the person record (force, rank group, region, sex) and a coarse period; a release
holds the output **after** the disclosure rules ran (suppressed cells are absent, never
stored), frozen when it was proposed. The raw counts are never written anywhere.

Two persons release a table: one proposes (the output is computed and frozen, with its
SHA-256), another approves exactly that output. The database refuses an approval by the
proposer (``stats_release_four_eyes``), an approved release without its approver and time,
and two releases waiting for one table.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ModuleQuerySet

# Access modules (declared in module.py, granted in accounts.policy.STAGE_GRANTS).
STATS = "stats"  # the internal dashboard, approved releases and their files
STATS_PUBLISH = "stats_publish"  # table definitions, proposing and approving releases, others' figures, the policy

# The strictest common practice (and the floor: the form never goes below it).
MIN_THRESHOLD = 10
DEFAULT_ROUNDING = 5


class DashboardQuerySet(ModuleQuerySet):
    module = STATS


class PublishQuerySet(ModuleQuerySet):
    module = STATS_PUBLISH


class CountPolicy(models.TextChoices):
    CONSENTED = "consented", _("Only people who consented to be counted in published statistics")
    EVERYONE = "everyone", _("Everyone on record (anonymous numbers only)")


class StatsSettings(models.Model):
    """One row: whom published tables count. Each release records the policy it used."""

    count = models.CharField(
        _("published tables count"), max_length=12, choices=CountPolicy.choices, default=CountPolicy.CONSENTED
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated on"))

    objects = PublishQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("statistics settings")
        verbose_name_plural = _("statistics settings")

    def __str__(self) -> str:
        return "statistics settings"

    @classmethod
    def current(cls) -> StatsSettings:
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls.objects.create()


class Dimension(models.TextChoices):
    """What a table may be broken down by: clear, coarse columns of the person record, and
    periods no finer than a quarter. Month, township, unit and rank are never offered."""

    FORCE = "force", _("Force")
    RANK_GROUP = "rank_group", _("Rank group")
    REGION = "region", _("Home region")
    SEX = "sex", _("Sex")
    QUARTER = "quarter", _("Quarter")
    HALF = "half", _("Half year")
    YEAR = "year", _("Year")


TIME_DIMENSIONS = frozenset({Dimension.QUARTER, Dimension.HALF, Dimension.YEAR})
MONTHS_IN: dict[str, int] = {Dimension.QUARTER: 3, Dimension.HALF: 6, Dimension.YEAR: 12}


class Counted(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("People who first contacted us")
    ARRIVED = "arrived", _("People who arrived (first arrival)")


class Mechanism(models.TextChoices):
    LAPLACE = "laplace", _("Laplace")
    GEOMETRIC = "geometric", _("Geometric (whole numbers)")


class TableDefinition(models.Model):
    """What a published table counts: whom (``counted``), broken down by one or two
    dimensions, over a period of whole quarters, and the disclosure rules."""

    title_my = models.CharField(_("title in Burmese"), max_length=160)
    title_en = models.CharField(_("title in English"), max_length=160)
    title_th = models.CharField(_("title in Thai"), max_length=160)
    counted = models.CharField(_("who is counted"), max_length=16, choices=Counted.choices, default=Counted.ARRIVED)
    rows = models.CharField(_("rows"), max_length=12, choices=Dimension.choices, default=Dimension.FORCE)
    columns = models.CharField(_("columns"), max_length=12, choices=Dimension.choices, blank=True)
    first = models.DateField(_("from"), help_text=_("The first day of a quarter."))
    last = models.DateField(_("until"), help_text=_("The last day of a quarter."))
    threshold = models.PositiveSmallIntegerField(
        _("suppress cells under"),
        default=MIN_THRESHOLD,
        validators=[MinValueValidator(MIN_THRESHOLD), MaxValueValidator(1000)],
    )
    rounding = models.PositiveSmallIntegerField(
        _("round to a multiple of"), default=DEFAULT_ROUNDING, choices=[(5, "5"), (10, "10")]
    )
    zeros_disclosive = models.BooleanField(
        _("treat zeros as disclosive"),
        default=True,
        help_text=_("“Nobody from this force in this region” can identify people too."),
    )
    auto_suppress = models.BooleanField(
        _("suppress small cells automatically"),
        default=True,
        help_text=_("Off: a table with small cells is refused, naming them, so it can be coarsened instead."),
    )
    epsilon = models.DecimalField(
        _("differential privacy: epsilon"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.01), MaxValueValidator(10)],
        help_text=_("Empty: no noise. Smaller adds more noise (0.5 to 1 is common)."),
    )
    mechanism = models.CharField(_("noise"), max_length=10, choices=Mechanism.choices, default=Mechanism.GEOMETRIC)
    active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    objects = PublishQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(last__gt=F("first")), name="stats_table_period_ordered"),
            models.CheckConstraint(condition=Q(threshold__gte=MIN_THRESHOLD), name="stats_table_threshold_floor"),
            models.CheckConstraint(condition=~Q(columns=F("rows")), name="stats_table_two_dimensions"),
        ]
        verbose_name = _("statistics table")
        verbose_name_plural = _("statistics tables")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return title_in(self, get_language())

    def rules(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "rounding": self.rounding,
            "zeros_disclosive": self.zeros_disclosive,
            "auto_suppress": self.auto_suppress,
            "secondary": True,
            "epsilon": float(self.epsilon) if self.epsilon is not None else None,
            "mechanism": self.mechanism if self.epsilon is not None else "",
        }


def title_in(row: Any, language: str | None) -> str:
    """``title_my`` / ``title_en`` / ``title_th`` in the language asked, else English."""
    code = (language or "en")[:2]
    return str(getattr(row, f"title_{code}", "") or row.title_en)


class ReleaseState(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for a second person")
    APPROVED = "approved", _("Approved")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Release(models.Model):
    """One entry of the release ledger: the frozen output of a table, its rules, the policy of
    whom it counts, the epsilon spent, the SHA-256 of the output, and who proposed and who
    approved it, when."""

    table = models.ForeignKey(
        TableDefinition, on_delete=models.PROTECT, related_name="releases", verbose_name=_("table")
    )
    state = models.CharField(
        max_length=10, choices=ReleaseState.choices, default=ReleaseState.PROPOSED, verbose_name=_("state")
    )
    output = models.JSONField(
        verbose_name=_("output")
    )  # after the rules: suppressed cells are null, raw counts never stored
    rules = models.JSONField(verbose_name=_("rules"))
    policy = models.CharField(max_length=12, choices=CountPolicy.choices, verbose_name=_("policy"))
    epsilon = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, verbose_name=_("privacy budget (epsilon)")
    )
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256 fingerprint"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(verbose_name=_("proposed on"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved on"))
    withdrawn_at = models.DateTimeField(null=True, blank=True, verbose_name=_("withdrawn on"))

    objects = DashboardQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("proposed_by")),
                name="stats_release_four_eyes",
            ),
            models.CheckConstraint(
                condition=~Q(state="approved") | (Q(approved_by__isnull=False) & Q(approved_at__isnull=False)),
                name="stats_release_approved_by_someone",
            ),
            models.UniqueConstraint(fields=["table"], condition=Q(state="proposed"), name="stats_release_one_pending"),
        ]
        indexes = [models.Index(fields=["state", "-proposed_at"], name="stats_release_state_idx")]
        verbose_name = _("statistics release")
        verbose_name_plural = _("statistics releases")

    def __str__(self) -> str:
        return f"release {self.pk}"

    @property
    def is_approved(self) -> bool:
        return self.state == ReleaseState.APPROVED


class ExternalFigure(models.Model):
    """A count someone else published ("12,341 personnel … by mid-2024 — People's Embrace,
    via The Irrawaddy, 2024-07-05"): shown beside our own counts, never added to them."""

    count = models.PositiveIntegerField(_("number"))
    what = models.CharField(
        _("what was counted"), max_length=200, help_text=_("For example “personnel who joined the CDM”.")
    )
    breakdown = models.CharField(
        _("breakdown, if given"), max_length=200, blank=True, help_text=_("For example “3,015 soldiers, 9,326 police”.")
    )
    as_of = models.CharField(_("as of"), max_length=40, help_text=_("For example “mid-2024”."))
    source = models.CharField(_("counted by"), max_length=150)
    via = models.CharField(_("published by or via"), max_length=150, blank=True)
    url = models.CharField(_("address of the source"), max_length=500, blank=True)
    published_on = models.DateField(_("date published"))
    retrieved_on = models.DateField(_("date retrieved"))
    active = models.BooleanField(default=True, verbose_name=_("in use"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    objects = DashboardQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-published_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(retrieved_on__gte=F("published_on")), name="stats_external_retrieved_after_published"
            )
        ]
        verbose_name = _("figure from elsewhere")
        verbose_name_plural = _("figures from elsewhere")

    def __str__(self) -> str:
        return f"{self.count} {self.what}"
