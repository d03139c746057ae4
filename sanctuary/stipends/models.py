"""Stipends: funders and their rules, who is on each funder's list, monthly payment runs
with maker-checker approval, and reconciliation.

Exactly one payment per person, funder and month is a database constraint on
``PaymentLine``; one run per funder and month another. Drafting a run is one transaction,
so a crash leaves no run or a complete draft. Amounts, months and states are in clear (the
system computes with them while sealed); people appear by case code and alias only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ModuleQuerySet
from sanctuary.people import admission, support
from sanctuary.people.models import PersonScopedQuerySet
from sanctuary.vault.fields import EncryptedModel, EncryptedTextField

STIPENDS = "stipends"  # the access module of finance officers (declared in module.py)


class FinanceQuerySet(ModuleQuerySet):
    """Funders, their rules and payment runs: the organisation's, seen in the stipends module
    (lines of a run are shown only for people the user may see)."""

    module = STIPENDS


class PaidQuerySet(PersonScopedQuerySet):
    module = STIPENDS


class Funder(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="THB")
    active = models.BooleanField(_("in use"), default=True)

    objects = FinanceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("funder")
        verbose_name_plural = _("funders")

    def __str__(self) -> str:
        return self.name


class StipendRule(models.Model):
    """What a funder pays from ``effective_from`` until the next rule."""

    funder = models.ForeignKey(Funder, on_delete=models.CASCADE, related_name="rules", verbose_name=_("funder"))
    effective_from = models.DateField(_("from"))
    single_amount = models.DecimalField(_("single person, per month"), max_digits=10, decimal_places=2)
    family_amount = models.DecimalField(_("with a spouse or dependants, per month"), max_digits=10, decimal_places=2)
    prorate = models.BooleanField(_("pay part of the first and last month"), default=False)
    max_months = models.PositiveSmallIntegerField(_("at most this many months"), null=True, blank=True)
    # Codes of conditions other stages register (``sanctuary.people.support``), comma-separated:
    # e.g. "training_attendance" pays in proportion to training attendance.
    conditions = models.CharField(_("conditions"), max_length=200, blank=True, default="")

    objects = FinanceQuerySet.as_manager()

    class Meta:
        ordering = ["funder", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["funder", "effective_from"], name="rule_one_per_date"),
            models.CheckConstraint(
                condition=Q(single_amount__gte=0) & Q(family_amount__gte=0), name="rule_amounts_not_negative"
            ),
        ]
        verbose_name = _("stipend rule")
        verbose_name_plural = _("stipend rules")

    def __str__(self) -> str:
        return f"{self.funder} from {self.effective_from}"

    def condition_codes(self) -> list[str]:
        return [code for code in self.conditions.split(",") if code]

    def condition_labels(self) -> list[str]:
        return [str(c.label) if (c := support.condition(code)) else code for code in self.condition_codes()]


class Enrollment(models.Model):
    """A person on a funder's stipend list, from one month (and until one, when they leave)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="stipend_enrollments", verbose_name=_("person")
    )
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("funder"))
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(auto_now_add=True, verbose_name=_("added on"))

    objects = PaidQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="enrollment_ordered"),
            models.UniqueConstraint(
                fields=["person", "funder"], condition=Q(end__isnull=True), name="enrollment_one_open"
            ),
        ]
        verbose_name = _("place on a funder's list")
        verbose_name_plural = _("places on funders' lists")

    def __str__(self) -> str:
        return f"{self.person_id} on {self.funder_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is None:
            # Rejected and flagged people are never put on a stipend list.
            admission.ensure_admissible(self.person)
        super().save(*args, **kwargs)


class HoldKind(models.TextChoices):
    SUSPENSION = "suspension", _("Suspended")
    HOLD = "hold", _("On hold")


class Hold(EncryptedModel):
    """No stipend from ``start`` until ``end`` (open-ended when empty), with a reason."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="stipend_holds", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=HoldKind.choices, default=HoldKind.HOLD)
    reason = EncryptedTextField(_("reason"))
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    objects = PaidQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="hold_ordered")
        ]
        verbose_name = _("stipend hold")
        verbose_name_plural = _("stipend holds")

    def __str__(self) -> str:
        return f"hold {self.pk}"


class RunState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    DISBURSED = "disbursed", _("Disbursed")
    RECONCILED = "reconciled", _("Reconciled")


class Method(models.TextChoices):
    CASH = "cash", _("Cash")
    BANK = "bank", _("Bank transfer")


class PaymentRun(models.Model):
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="runs", verbose_name=_("funder"))
    month = models.DateField(_("month"))  # the first day of the month
    state = models.CharField(max_length=12, choices=RunState.choices, default=RunState.DRAFT, verbose_name=_("state"))
    method = models.CharField(_("paid by"), max_length=8, choices=Method.choices, default=Method.CASH)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("drafted by")
    )
    drafted_at = models.DateTimeField(verbose_name=_("drafted on"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved on"))
    disbursed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid out on"))
    reconciled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reconciled on"))
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0), verbose_name=_("total"))
    people = models.PositiveIntegerField(default=0, verbose_name=_("people"))

    objects = FinanceQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "funder"]
        constraints = [
            models.UniqueConstraint(fields=["funder", "month"], name="run_one_per_funder_month"),
            # Maker-checker: the database refuses a run approved by the one who drafted it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("drafted_by")), name="run_maker_checker"
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(approved_by__isnull=False), name="run_approved_before_paying"
            ),
        ]
        verbose_name = _("payment run")
        verbose_name_plural = _("payment runs")

    def __str__(self) -> str:
        return f"{self.funder} {self.month:%Y-%m}"


class LineStatus(models.TextChoices):
    PENDING = "pending", _("To pay")
    PAID = "paid", _("Paid")
    NOT_COLLECTED = "not_collected", _("Not collected")
    RETURNED = "returned", _("Returned")


class PaymentLine(EncryptedModel):
    # The receipt or transaction reference staff type or import: it can name the person's
    # account or the agent who paid them, so it is encrypted like other identifying values.
    # Reconciliation matches lines by their id, never by the reference: it needs no index.
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("receipt",)

    run = models.ForeignKey(PaymentRun, on_delete=models.CASCADE, related_name="lines", verbose_name=_("payment run"))
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="stipend_payments", verbose_name=_("person")
    )
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="+", verbose_name=_("funder"))
    month = models.DateField(verbose_name=_("month"))
    amount = models.DecimalField(max_digits=10, decimal_places=2, verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    # Why this amount, as codes (never personal data): e.g. "family", "prorated:12/30",
    # "cond:training_attendance:attendance:63:80".
    basis = models.CharField(max_length=200, verbose_name=_("basis"))
    status = models.CharField(
        max_length=16, choices=LineStatus.choices, default=LineStatus.PENDING, verbose_name=_("status")
    )
    receipt = EncryptedTextField(_("receipt reference"), max_length=64, blank=True)
    # A reference stored in clear before it was encrypted (migration 0004): moved into
    # ``receipt`` at the next unseal (``sanctuary.stipends.apps``), then empty for good.
    receipt_clear = models.CharField(
        max_length=64, blank=True, default="", editable=False, verbose_name=_("receipt (before encryption)")
    )
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reconciled by"),
    )
    reconciled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reconciled on"))
    # Two records of one person merged, both paid for this month: the second payment is kept
    # as history on the record kept (``merged_from`` names the record it was made to), and
    # both lines wait for a finance officer to review them.
    merged_from = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged from"),
    )
    needs_review = models.BooleanField(default=False, verbose_name=_("needs review"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reviewed on"))

    objects = PaidQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["run", "id"]
        constraints = [
            # Exactly one payment per person, funder and month, whatever runs were made; a
            # payment kept from a merged record is the one exception, and is reviewed.
            models.UniqueConstraint(
                fields=["person", "funder", "month"],
                condition=Q(merged_from__isnull=True),
                name="payment_once_per_month",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_not_negative"),
        ]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"payment {self.pk}"

    def basis_display(self) -> str:
        """The basis codes in words: "single rate; part month 15/30 days"."""
        from django.utils.translation import gettext

        words = []
        for code in self.basis.split(";"):
            if code == "single":
                words.append(gettext("single rate"))
            elif code == "family":
                words.append(gettext("family rate"))
            elif code.startswith("prorated:"):
                words.append(gettext("part month: %(days)s days") % {"days": code.split(":", 1)[1]})
            elif code.startswith("cond:"):
                _cond, name, detail = ([*code.split(":", 2), "", ""])[:3]
                condition = support.condition(name)
                words.append(condition.describe(detail) if condition else code)
            else:
                words.append(code)
        return "; ".join(words)


def month_start(day: date) -> date:
    return day.replace(day=1)
