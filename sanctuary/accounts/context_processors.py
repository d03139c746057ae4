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
    if approver:
        from sanctuary.people.models import IdentityRequest, IdentityRequestStatus

        context["identity_pending_count"] = (
            IdentityRequest.objects.filter(status=IdentityRequestStatus.PENDING).exclude(requester=user).count()
        )
    return context
