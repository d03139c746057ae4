"""Staff accounts, teams and roles.

One deployment serves one organisation; staff belong to teams and hold one or more roles.
What a role may do is decided in ``sanctuary.accounts.policy``, not here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from collections.abc import Iterable


class Role(models.TextChoices):
    DIRECTOR = "director", _("Director")
    INTAKE_OFFICER = "intake_officer", _("Intake officer")
    VETTING_OFFICER = "vetting_officer", _("Vetting officer")
    CASE_WORKER = "case_worker", _("Case worker")
    SHELTER_MANAGER = "shelter_manager", _("Shelter manager")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    TRAINER = "trainer", _("Trainer")
    COUNSELLOR = "counsellor", _("Counsellor")
    # A counsellor who also co-signs emergency access to counselling notes (with a director).
    COUNSELLOR_LEAD = "counsellor_lead", _("Counsellor lead")
    EVIDENCE_OFFICER = "evidence_officer", _("Evidence officer")
    AUDITOR = "auditor", _("Auditor")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class RoleGrant(models.Model):
    """One role held by one user. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants", verbose_name=_("user")
    )
    role = models.CharField(max_length=32, choices=Role.choices, verbose_name=_("role"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="role_grant_unique")]
        verbose_name = _("role given")
        verbose_name_plural = _("roles given")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class User(AbstractUser):
    """A member of staff. Everyone logs in with a password and a TOTP code."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="my")
    # Moved on to end every session of the user (a 2FA reset, a role change, a deactivation).
    session_version = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("session version"))
    teams = models.ManyToManyField(Team, blank=True, related_name="members", verbose_name=_("teams"))
    must_change_password = models.BooleanField(default=False, verbose_name=_("must change password"))
    # New, reset or promoted accounts wait before they take any second-person step, so a
    # single director cannot create (or take over) a second approver and approve alone
    # (``accounts.policy.require_settled``).
    approver_hold_until = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("approver on hold until")
    )
    identity_approver = models.BooleanField(
        _("may approve true-name requests"),
        default=False,
        help_text=_("Directors always may; this makes another user a delegate."),
    )

    objects: UserManager[User] = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def roles(self) -> frozenset[str]:
        """The user's role codes, cached on the instance for the request."""
        cached: frozenset[str] | None = getattr(self, "_roles_cache", None)
        if cached is None:
            if not self.pk:
                return frozenset()
            cached = frozenset(self.role_grants.values_list("role", flat=True))
            self._roles_cache = cached
        return cached

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django ends a session whose stored hash no longer matches: the password's hash, as
        Django's own, and ``session_version``, which every 2FA reset, role change and
        deactivation moves on (``end_sessions``), so an open session dies with them."""
        from django.utils.crypto import salted_hmac

        key_salt = "sanctuary.accounts.User.get_session_auth_hash"
        value = f"{self.password}|{self.session_version}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def end_sessions(self) -> None:
        """Every session of this user ends at its next request (call inside the action)."""
        User.objects.filter(pk=self.pk).update(session_version=models.F("session_version") + 1)
        self.refresh_from_db(fields=["session_version"])

    def set_roles(self, roles: Iterable[str]) -> None:
        wanted = set(roles)
        self.role_grants.exclude(role__in=wanted).delete()
        existing = set(self.role_grants.values_list("role", flat=True))
        RoleGrant.objects.bulk_create([RoleGrant(user=self, role=r) for r in sorted(wanted - existing)])
        self._roles_cache = frozenset(wanted)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def team_ids(self) -> frozenset[int]:
        cached: frozenset[int] | None = getattr(self, "_team_ids_cache", None)
        if cached is None:
            cached = frozenset(self.teams.values_list("id", flat=True)) if self.pk else frozenset()
            self._team_ids_cache = cached
        return cached

    def role_labels(self) -> list[str]:
        return [str(Role(code).label) for code in sorted(self.roles)]


class PromotionState(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for a second director")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class DirectorPromotion(models.Model):
    """Making someone a director takes two directors: one proposes (by giving the role on the
    staff form), a different one confirms, and only then is the role granted. The database
    refuses a confirmation by the proposer, and anyone confirming their own promotion."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="director_promotions", verbose_name=_("user")
    )
    state = models.CharField(
        max_length=16, choices=PromotionState.choices, default=PromotionState.PROPOSED, verbose_name=_("state")
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(default=timezone.now, verbose_name=_("proposed on"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed on"))
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled on"))

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            # Four eyes, in the database like the other four-eyes rules.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("proposed_by")),
                name="director_promotion_four_eyes",
            ),
            models.CheckConstraint(
                condition=~Q(proposed_by=F("user")) & (Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("user"))),
                name="director_promotion_not_self",
            ),
            models.CheckConstraint(
                condition=(
                    Q(state=PromotionState.CONFIRMED, confirmed_by__isnull=False, confirmed_at__isnull=False)
                    | (~Q(state=PromotionState.CONFIRMED) & Q(confirmed_by__isnull=True))
                ),
                name="director_promotion_confirmed_by_someone",
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(state=PromotionState.PROPOSED), name="director_promotion_one_open"
            ),
        ]
        verbose_name = _("director promotion")
        verbose_name_plural = _("director promotions")

    def __str__(self) -> str:
        return f"promotion {self.pk}"


class AccountChange(models.TextChoices):
    CREATED = "created", _("Account created")
    ROLES = "roles", _("Roles added")
    DIRECTOR_PROPOSED = "director_proposed", _("Proposed as director")
    DIRECTOR_CONFIRMED = "director_confirmed", _("Made a director")
    REACTIVATED = "reactivated", _("Account active again")
    DELEGATE = "delegate", _("May now approve true-name requests")
    PASSWORD_RESET = "password_reset", _("New temporary password")
    TWO_FACTOR_RESET = "two_factor_reset", _("Two-factor reset")
    # Not a change to the account: what it did. Many "already on file?" checks and few saves
    # (sanctuary.people.presave), or over the hourly limit of checks.
    PROBING = "probing", _("Many checks for people on file, few saves")


# How long an account alert stays on the directors' pages unless acknowledged.
ACCOUNT_ALERT_DAYS = 7


class AccountAlertQuerySet(models.QuerySet["AccountAlert"]):
    def open(self) -> AccountAlertQuerySet:
        """Not acknowledged, and recent enough to show."""
        since = timezone.now() - timedelta(days=ACCOUNT_ALERT_DAYS)
        return self.filter(acknowledged_at__isnull=True, created_at__gte=since)


class AccountAlert(models.Model):
    """An account was created, given powers or reset: every director sees it for
    ``ACCOUNT_ALERT_DAYS`` days, or until a director other than the one who made the change
    acknowledges it. No personal data: the account, what changed (role codes), who, when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    change = models.CharField(max_length=24, choices=AccountChange.choices, verbose_name=_("change"))
    roles = models.JSONField(default=list, blank=True, verbose_name=_("roles"))  # role codes added, if any
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("staff member")
    )
    via = models.CharField(
        max_length=40, blank=True, verbose_name=_("via")
    )  # a server command, when no one logged in did it
    created_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("created on"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("acknowledged on"))

    objects = AccountAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("account alert")
        verbose_name_plural = _("account alerts")

    def __str__(self) -> str:
        return f"account alert {self.pk}"

    def role_labels(self) -> list[str]:
        return [str(Role(code).label) for code in self.roles if code in Role.values]
