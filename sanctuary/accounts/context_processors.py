"""Navigation entries shown to the logged-in user, by what their roles allow."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sanctuary.accounts.policy import can_approve_identity, modules_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    from sanctuary.vault import state

    sealed = state.is_sealed()
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():  # type: ignore[union-attr]
        return {"nav_modules": frozenset(), "vault_sealed": sealed}
    approver = can_approve_identity(user)
    context: dict[str, Any] = {
        "nav_modules": modules_for(user),
        "vault_sealed": sealed,
        "can_approve_identity": approver,
    }
    modules = context["nav_modules"]
    if "intake" in modules:
        from sanctuary.intake.models import Submission, TriageState

        context["intake_new_count"] = Submission.objects.filter(state=TriageState.NEW).count()
    if "vetting" in modules:
        from sanctuary.accounts.policy import sees_all_people
        from sanctuary.people.models import Person
        from sanctuary.vetting.models import DecisionState, VettingDecision
        from sanctuary.vetting.views import visible_alerts

        waiting = VettingDecision.objects.filter(state=DecisionState.PENDING).exclude(proposed_by=user)
        if not sees_all_people(user):  # type: ignore[arg-type]
            waiting = waiting.filter(person__in=Person.objects.visible_to(user))  # type: ignore[arg-type]
        context["vetting_attention"] = waiting.count() + visible_alerts(user).count()  # type: ignore[arg-type]
    if "journeys" in modules:
        from sanctuary.journeys.models import CheckIn, Journey

        context["missed_check_ins"] = (
            CheckIn.objects.missed().filter(journey__in=Journey.objects.visible_to(user)).count()
        )  # type: ignore[arg-type]
    if approver:
        from sanctuary.people.models import IdentityRequest, IdentityRequestStatus

        context["identity_pending_count"] = (
            IdentityRequest.objects.filter(status=IdentityRequestStatus.PENDING).exclude(requester=user).count()
        )
    return context
