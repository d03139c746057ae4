"""True identity behind the two-person rule: request, approve or refuse, time-limited view."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ON_HOLD, can_approve_identity, require_settled
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib import db
from sanctuary.lib.refusal import Refusal
from sanctuary.people.models import IdentityRequest, IdentityRequestStatus, Person

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

# Fields shown only to a user holding an approved, unexpired request (household and
# identity documents too): each identifies a person, or their family, on its own.
IDENTITY_FIELDS = ("true_name", "father_name", "nrc_number", "service_number")


class IdentityRuleError(Refusal):
    messages = {
        "not_approver": _("Only a director or a delegate approves true-name requests."),
        "own_request": _("You cannot approve your own request."),
        "decided": _("Already decided."),
        "on_hold": ON_HOLD,
    }


def grant_minutes() -> float:
    return float(getattr(settings, "IDENTITY_GRANT_MINUTES", 30))


@db.atomic
def do_request_identity(user: User, person: Person, reason: str) -> IdentityRequest:
    Person.objects.lock_row(person.pk)  # the person first (one lock order for every writer)
    pending = IdentityRequest.objects.filter(requester=user, person=person, status=IdentityRequestStatus.PENDING)
    existing = pending.first()
    if existing is not None:
        return existing
    request = IdentityRequest.objects.create(person=person, requester=user, reason=reason)
    record(user, Action.IDENTITY_REQUESTED, person, fields=["reason"])
    return request


@db.atomic
def do_decide_identity(approver: User, request: IdentityRequest, approve: bool) -> IdentityRequest:
    Person.objects.lock_row(request.person_id)
    request = IdentityRequest.objects.select_for_update().get(pk=request.pk)
    if not can_approve_identity(approver):
        raise IdentityRuleError("not_approver")
    if request.requester_id == approver.pk:
        raise IdentityRuleError("own_request")
    require_settled(approver, IdentityRuleError)
    if request.status != IdentityRequestStatus.PENDING:
        raise IdentityRuleError("decided")
    now = timezone.now()
    request.status = IdentityRequestStatus.APPROVED if approve else IdentityRequestStatus.REFUSED
    request.decided_by = approver
    request.decided_at = now
    request.expires_at = now + timedelta(minutes=grant_minutes()) if approve else None
    request.save(update_fields=["status", "decided_by", "decided_at", "expires_at"])
    action = Action.IDENTITY_APPROVED if approve else Action.IDENTITY_REFUSED
    record(approver, action, request)
    return request
