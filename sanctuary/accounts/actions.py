"""Account changes that must be audited: enrolment, backup codes, staff management."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from axes.utils import reset as axes_reset
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanctuary.accounts.forms import StaffUserForm
from sanctuary.accounts.models import Role, Team, User
from sanctuary.audit.log import record
from sanctuary.audit.models import Action

BACKUP_CODE_COUNT = 10
APPROVER_HOLD = timedelta(hours=24)


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
    user.approver_hold_until = timezone.now() + APPROVER_HOLD
    user.save(update_fields=["approver_hold_until"])
    user.end_sessions()  # an open session must not enrol a new authenticator
    record(actor, Action.OTP_RESET, user, fields=["sessions"])


@transaction.atomic
def do_save_staff_user(actor: User, form: StaffUserForm) -> tuple[User, str | None]:
    """Save a user from the staff form; a new user gets a temporary password, returned once."""
    created = form.instance.pk is None
    before = set() if created else set(form.instance.roles)
    user: User = form.save(commit=False)
    password = None
    # A new approver waits a day before approving anything: a true-name delegate, or a new
    # counsellor lead (who co-signs emergency access to counselling notes).
    # So does a new evidence officer (who confirms keys and releases referral packages).
    new_lead = bool({Role.COUNSELLOR_LEAD, Role.EVIDENCE_OFFICER} & (set(form.cleaned_data["roles"]) - before))
    if created or new_lead or ("identity_approver" in form.changed_data and user.identity_approver):
        user.approver_hold_until = timezone.now() + APPROVER_HOLD
    if created:
        password = temporary_password()
        user.set_password(password)
        user.must_change_password = True
    user.save()
    form.save_m2m()
    roles = form.cleaned_data["roles"]
    user.set_roles(roles)
    fields = set(form.changed_data) - {"roles"}
    if set(roles) != before:  # which roles, by code (never a person's data): a reviewer sees who got what
        fields.add("roles")
        fields |= {f"+role:{role}" for role in set(roles) - before} | {f"-role:{role}" for role in before - set(roles)}
    if not created and (set(roles) != before or "is_active" in form.changed_data or "teams" in form.changed_data):
        user.end_sessions()  # what their open sessions may see was decided under the old roles
        fields.add("sessions")
    record(actor, Action.CREATE if created else Action.UPDATE, user, fields=sorted(fields))
    return user, password


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
    user.approver_hold_until = timezone.now() + APPROVER_HOLD
    user.save(update_fields=["password", "must_change_password", "approver_hold_until"])
    user.end_sessions()
    axes_reset(username=user.username)
    record(actor, Action.UPDATE, user, fields=["password"])
    return password


def do_unlock(actor: User, user: User) -> None:
    axes_reset(username=user.username)
    record(actor, Action.UPDATE, user, fields=["lockout"])


@transaction.atomic
def do_save_team(actor: User, team: Team, changed: list[str], created: bool) -> None:
    team.save()
    record(actor, Action.CREATE if created else Action.UPDATE, team, fields=changed)
