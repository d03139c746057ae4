"""Response headers Django does not set itself."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PermissionsPolicyMiddleware:
    """Deny powerful browser features (camera, location …) to every page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        # Pages carry personal data: never keep them in a shared or disk cache.
        if not request.path.startswith(settings.STATIC_URL):
            response.setdefault("Cache-Control", "no-store")
        return response
