"""Login and two-factor are required everywhere except a few public paths."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from sanctuary.lib import stages

# Paths anyone may open, with those the stages declare (``Stage.public_paths``). Everything
# else needs a logged-in user who passed 2FA.
PUBLIC_PREFIXES = ("/healthz", "/static/", "/lang/", "/accounts/login/", "/favicon.ico", "/unseal/")
# Paths a logged-in user may open before passing 2FA.
HALF_LOGGED_IN_PREFIXES = ("/accounts/2fa/", "/accounts/logout/")


class UserLanguageMiddleware:
    """A logged-in user sees their own preferred language, on every device."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Anonymous users go to login; users without a verified TOTP go to 2FA first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        secret = settings.INTAKE_SECRET_PATH
        if (
            path.startswith(PUBLIC_PREFIXES)
            or path.startswith(stages.public_paths())
            or (secret and path.startswith(f"/{secret}/"))
        ):
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': path})}")
        if not user.is_verified():  # type: ignore[union-attr,attr-defined]
            if path.startswith(HALF_LOGGED_IN_PREFIXES):
                return self.get_response(request)
            return redirect("accounts:two_factor")
        if user.must_change_password and not path.startswith(  # type: ignore[union-attr]
            ("/accounts/password/", "/accounts/logout/")
        ):
            return redirect("accounts:password_change")
        return self.get_response(request)
