"""Navigation for the logged-in user: the entries every module declares
(``sanctuary.lib.stages``), those the user's roles allow, with their counts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sanctuary.accounts.policy import modules_for
from sanctuary.lib import stages
from sanctuary.vault import state


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Worked out once per request: the dashboard and the person page render each card and
    panel with the request, and the badges' queries must not run again for each of them."""
    cached = getattr(request, "_sanctuary_navigation", None)
    if cached is None:
        cached = _navigation(request)
        request._sanctuary_navigation = cached  # type: ignore[attr-defined]
    return cached


def _navigation(request: HttpRequest) -> dict[str, Any]:
    sealed = state.is_sealed()
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():  # type: ignore[union-attr]
        return {"nav_modules": frozenset(), "nav": [], "vault_sealed": sealed}
    modules = modules_for(user)
    nav = []
    for entry in stages.nav_entries():
        allowed = entry.visible(user) if entry.visible is not None else entry.module in modules
        if not allowed or (entry.hidden_with and entry.hidden_with in modules):
            continue
        nav.append({"url": entry.url, "label": entry.label, "badge": entry.badge(user) if entry.badge else 0})
    return {"nav_modules": modules, "nav": nav, "vault_sealed": sealed}
