"""Response headers Django does not set itself."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sanctuary.lib.db import is_conflict


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


class BusyMiddleware:
    """A write that still met other writes after its retries (``sanctuary.lib.db.atomic``), or
    a conflict in a write not wrapped by it: "busy, nothing was saved, try again" (503 with
    Retry-After), never a 500. The transaction was rolled back whole."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_conflict(exception):
            return None
        response = render(request, "busy.html", status=503)
        response["Retry-After"] = "5"
        return response
