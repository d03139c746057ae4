"""The audit log, as the registry sees it: its page in the navigation and its dashboard card."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.models import AuditEntry
from sanctuary.lib.stages import DashboardCard, NavEntry, Stage, register

if TYPE_CHECKING:
    from django.http import HttpRequest

AUDIT = "audit"  # the access module (``accounts.policy.Module.AUDIT``)


def _card(request: HttpRequest) -> dict[str, Any]:
    since = timezone.now() - timedelta(days=1)
    return {
        "failures": AuditEntry.objects.filter(
            at__gte=since, action__in=["login_failed", "otp_failed", "locked_out"]
        ).count(),
        "total": AuditEntry.objects.count(),
    }


register(
    Stage(
        app="audit",
        nav=(NavEntry(url="audit:list", label=_("Audit log"), module=AUDIT, order=80),),
        dashboard=(DashboardCard(template="audit/_dashboard.html", context=_card, module=AUDIT, order=90),),
        # Codes the log itself writes (``audit.log.record_list``, ``audit.anonymous``).
        audit_labels={
            "dashboard": _("dashboard"),  # the dashboard's people, as one list (``sanctuary.views``)
            "person": _("person"),  # "person:<id>": who a list page showed
            "searched": _("narrowed by a search"),
            "count": _("times"),  # "count:<n>": one anonymous event, repeated
            "system.seed_demo": _("the demo data command"),
        },
    )
)
