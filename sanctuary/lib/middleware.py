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


class PublicNoCookieMiddleware:
    """The pages for people who do not log in (the intake form, the certificate check, their
    error pages too) never set a cookie: a cookie left on a phone at a checkpoint says where
    it has been. Outermost after the security headers, so whatever a later middleware or an
    error page set (a CSRF token from a 404 page's form) is taken off again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _is_public(request.path):
            response.cookies.clear()
        return response


def _is_public(path: str) -> bool:
    from sanctuary.lib import stages

    secret = getattr(settings, "INTAKE_SECRET_PATH", "")
    prefixes = stages.public_paths() + ((f"/{secret}",) if secret else ())
    return path.startswith(prefixes)
