"""Account changes that must be audited: enrolment, backup codes, staff management.

A new, reset, re-activated or newly empowered account waits ``APPROVER_HOLD`` before it takes
any second-person step (``hold_approvals``; ``accounts.policy.require_settled`` checks it).
Making someone a director takes two directors (``DirectorPromotion``). Every such change
raises an alert every director sees (``AccountAlert``)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from axes.utils import reset as axes_reset
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanctuary.accounts.forms import StaffUserForm
from sanctuary.accounts.models import (
    AccountAlert,
    AccountChange,
    DirectorPromotion,
    PromotionState,
    Role,
    Team,
    User,
)
from sanctuary.accounts.policy import ON_HOLD, require_settled
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.refusal import Refusal

if TYPE_CHECKING:
    from collections.abc import Iterable

BACKUP_CODE_COUNT = 10
APPROVER_HOLD = timedelta(hours=24)
# Roles that take no second-person step: adding one starts no wait.
APPROVES_NOTHING = frozenset({Role.AUDITOR})


class AccountRefused(Refusal):
    messages = {
        "not_director": _("Only a director confirms or cancels a promotion to director."),
        "promotion_own": _("You proposed this promotion: a different director must confirm it."),
        "promotion_self": _("Nobody confirms their own promotion."),
        "promotion_decided": _("This promotion was already confirmed or cancelled."),
        "alert_own": _("You made this change: another director acknowledges it."),
        "on_hold": ON_HOLD,
    }


def hold_approvals(user: User) -> None:
    """Start the waiting period: no second-person step for ``APPROVER_HOLD`` from now."""
    until = timezone.now() + APPROVER_HOLD
    User.objects.filter(pk=user.pk).update(approver_hold_until=until)
    user.approver_hold_until = until


def alert_directors(
    actor: User | None, user: User, change: str, roles: Iterable[str] = (), via: str = ""
) -> AccountAlert:
    """Every director sees this change to ``user`` on the dashboard and the staff page."""
    return AccountAlert.objects.create(user=user, change=change, roles=sorted(roles), actor=actor, via=via)


def temporary_password() -> str:
    """A random password to hand over once; the user must change it at first login."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def pending_totp_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (created once, so the QR code stays the same)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def do_confirm_totp(user: User, device: TOTPDevice) -> list[str]:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    record(user, Action.OTP_ENROLLED, user)
    return do_issue_backup_codes(user)


@transaction.atomic
def do_issue_backup_codes(user: User) -> list[str]:
    """Replace the user's backup codes with fresh single-use ones and return them once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    record(user, Action.BACKUP_CODES, user)
    return codes


@transaction.atomic
def do_reset_two_factor(actor: User, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    hold_approvals(user)
    user.end_sessions()  # an open session must not enrol a new authenticator
    record(actor, Action.OTP_RESET, user, fields=["sessions"])
    alert_directors(actor, user, AccountChange.TWO_FACTOR_RESET)


@transaction.atomic
def do_save_staff_user(actor: User, form: StaffUserForm) -> tuple[User, str | None]:
    """Save a user from the staff form; a new user gets a temporary password, returned once.

    The director role is never granted here: giving it makes a pending ``DirectorPromotion``
    that a different director confirms. A new account, a new role, a re-activation and the
    true-name delegation each start the waiting period and alert every director."""
    created = form.instance.pk is None
    before = set() if created else set(form.instance.roles)
    wanted = set(form.cleaned_data["roles"])
    promote = Role.DIRECTOR in wanted - before
    roles = wanted - {Role.DIRECTOR} if promote else wanted
    user: User = form.save(commit=False)
    password = None
    if created:
        password = temporary_password()
        user.set_password(password)
        user.must_change_password = True
    user.save()
    form.save_m2m()
    user.set_roles(roles)
    added, removed = roles - before, before - roles
    reactivated = not created and "is_active" in form.changed_data and user.is_active
    delegate = "identity_approver" in form.changed_data and user.identity_approver
    if created or added - APPROVES_NOTHING or reactivated or delegate:
        hold_approvals(user)
    changes = [AccountChange.CREATED] if created else [AccountChange.ROLES] if added else []
    if reactivated:
        changes.append(AccountChange.REACTIVATED)
    if delegate:
        changes.append(AccountChange.DELEGATE)
    fields = set(form.changed_data) - {"roles"}
    if added or removed:  # which roles, by code (never a person's data): a reviewer sees who got what
        fields.add("roles")
        fields |= {f"+role:{role}" for role in added} | {f"-role:{role}" for role in removed}
    if not created and (added or removed or "is_active" in form.changed_data or "teams" in form.changed_data):
        user.end_sessions()  # what their open sessions may see was decided under the old roles
        fields.add("sessions")
    record(actor, Action.CREATE if created else Action.UPDATE, user, fields=sorted(fields))
    for change in changes:
        with_roles = change in (AccountChange.CREATED, AccountChange.ROLES)
        alert_directors(actor, user, change, roles=added if with_roles else ())
    if promote:
        do_propose_director(actor, user)
    return user, password


@transaction.atomic
def do_propose_director(actor: User, user: User) -> DirectorPromotion:
    """The first director's half of a promotion (one open proposal per account)."""
    open_one = DirectorPromotion.objects.filter(user=user, state=PromotionState.PROPOSED).first()
    if open_one is not None:
        return open_one
    promotion = DirectorPromotion.objects.create(user=user, proposed_by=actor)
    record(actor, Action.CREATE, promotion, fields=["user", "state"])
    alert_directors(actor, user, AccountChange.DIRECTOR_PROPOSED, roles=[Role.DIRECTOR])
    return promotion


def _lock_promotion(actor: User, promotion: DirectorPromotion) -> DirectorPromotion:
    promotion = DirectorPromotion.objects.select_for_update().get(pk=promotion.pk)
    if Role.DIRECTOR not in User.objects.get(pk=actor.pk).roles or not actor.is_active:
        raise AccountRefused("not_director")
    if promotion.state != PromotionState.PROPOSED:
        raise AccountRefused("promotion_decided")
    return promotion


@transaction.atomic
def do_confirm_director(actor: User, promotion: DirectorPromotion) -> DirectorPromotion:
    """A second, different director confirms: the role is granted, the new director's
    sessions end, and their waiting period starts."""
    promotion = _lock_promotion(actor, promotion)
    if promotion.user_id == actor.pk:
        raise AccountRefused("promotion_self")
    if promotion.proposed_by_id == actor.pk:
        raise AccountRefused("promotion_own")
    require_settled(actor, AccountRefused)
    user = User.objects.select_for_update().get(pk=promotion.user_id)
    promotion.state, promotion.confirmed_by, promotion.confirmed_at = PromotionState.CONFIRMED, actor, timezone.now()
    promotion.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    user.set_roles(user.roles | {Role.DIRECTOR})
    hold_approvals(user)
    user.end_sessions()
    record(actor, Action.UPDATE, promotion, fields=["state", "confirmed_by"])
    record(actor, Action.UPDATE, user, fields=["roles", f"+role:{Role.DIRECTOR}", "sessions"])
    alert_directors(actor, user, AccountChange.DIRECTOR_CONFIRMED, roles=[Role.DIRECTOR])
    return promotion


@transaction.atomic
def do_cancel_director(actor: User, promotion: DirectorPromotion) -> DirectorPromotion:
    """Any director, the proposer included, withdraws a promotion nobody confirmed."""
    promotion = _lock_promotion(actor, promotion)
    promotion.state, promotion.cancelled_by, promotion.cancelled_at = PromotionState.CANCELLED, actor, timezone.now()
    promotion.save(update_fields=["state", "cancelled_by", "cancelled_at"])
    record(actor, Action.UPDATE, promotion, fields=["state", "cancelled_by"])
    return promotion


@transaction.atomic
def do_acknowledge_alert(actor: User, alert: AccountAlert) -> AccountAlert:
    """A director has looked at an account change; the one who made it cannot, so that a lone
    director's own changes stay in view of every director for the whole period."""
    alert = AccountAlert.objects.select_for_update().get(pk=alert.pk)
    if Role.DIRECTOR not in User.objects.get(pk=actor.pk).roles:
        raise AccountRefused("not_director")
    if alert.actor_id == actor.pk:
        raise AccountRefused("alert_own")
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = actor, timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
        record(actor, Action.UPDATE, alert, fields=["acknowledged_by"])
    return alert


@transaction.atomic
def do_change_own_password(user: User, form: Any) -> None:
    """A user's new password (Django's PasswordChangeForm, already valid)."""
    form.save()
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])
    record(user, Action.PASSWORD_CHANGED, user)


def do_set_language(user: User, language: str) -> None:
    """The language a user's pages are shown in, remembered on the account."""
    user.language = language
    user.save(update_fields=["language"])


@transaction.atomic
def do_reset_password(actor: User, user: User) -> str:
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    hold_approvals(user)
    user.end_sessions()
    axes_reset(username=user.username)
    record(actor, Action.UPDATE, user, fields=["password"])
    alert_directors(actor, user, AccountChange.PASSWORD_RESET)
    return password


def do_unlock(actor: User, user: User) -> None:
    axes_reset(username=user.username)
    record(actor, Action.UPDATE, user, fields=["lockout"])


@transaction.atomic
def do_save_team(actor: User, team: Team, changed: list[str], created: bool) -> None:
    team.save()
    record(actor, Action.CREATE if created else Action.UPDATE, team, fields=changed)
