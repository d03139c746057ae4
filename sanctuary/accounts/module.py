"""Accounts, as the registry sees it: staff management and one's own account in the
navigation, and on the dashboard the list of staff without two-factor and the account changes
every director sees (new accounts, new roles, resets, promotions waiting for a second director)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanctuary.accounts.models import Role, User
from sanctuary.accounts.policy import Module
from sanctuary.lib.stages import AuditLabel, DashboardCard, NavEntry, Stage, register

if TYPE_CHECKING:
    from django.http import HttpRequest


def _not_enrolled(request: HttpRequest) -> dict[str, Any]:
    enrolled = TOTPDevice.objects.filter(confirmed=True).values("user_id")
    return {"not_enrolled": User.objects.filter(is_active=True).exclude(pk__in=enrolled).order_by("username")}


def _account_alerts(request: HttpRequest) -> dict[str, Any]:
    from sanctuary.accounts.views import account_alerts

    return account_alerts(request.user)  # type: ignore[arg-type]


register(
    Stage(
        app="accounts",
        nav=(
            NavEntry(url="accounts:staff_list", label=_("Staff and teams"), module=Module.STAFF, order=90),
            NavEntry(url="accounts:account", label=_("My account"), visible=lambda user: True, order=1000),
        ),
        dashboard=(
            DashboardCard(template="accounts/_dashboard.html", context=_not_enrolled, module=Module.STAFF, order=80),
            DashboardCard(
                template="accounts/_account_alerts.html", context=_account_alerts, module=Module.STAFF, order=5
            ),
        ),
        # Audit codes of staff accounts that are no field: which roles changed, by code.
        audit_labels={
            "accounts.user.roles": _("roles"),
            "accounts.user.+role": AuditLabel(_("role given"), Role),
            "accounts.user.-role": AuditLabel(_("role taken away"), Role),
            "accounts.user.sessions": _("open sessions ended"),
            "accounts.user.lockout": _("lockout lifted"),
            "system.create_director": _("the command that makes the first director"),
        },
    )
)
