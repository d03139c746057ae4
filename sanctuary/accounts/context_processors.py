"""Navigation entries shown to the logged-in user, by what their roles allow."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sanctuary.accounts.policy import modules_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():  # type: ignore[union-attr]
        return {"nav_modules": frozenset()}
    return {"nav_modules": modules_for(user)}
