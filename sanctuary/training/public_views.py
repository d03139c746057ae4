"""The public certificate check, at ``/c/``: anyone with a certificate's code sees the
certificate as it was issued (name as printed, trade, hours, dates, issuer) and whether it was
revoked; nothing else, no link to any record.

The pages need no login, set no cookie (no session, and no form that posts, so no CSRF
cookie), load nothing from elsewhere, take their language from ``?lang=my|en|th`` (Burmese
by default, never a cookie) and work while the vault is sealed: a certificate opens with its
own code (``certificates.check_code``). An unknown code and a wrong one get the same plain
"not found", at the same cost.

A code typed in the form stays in the query string (``/c/?code=…``), which the server's
access log does not write; the printed address ``/c/<code>`` is also served.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from sanctuary.training import certificates

LANGUAGES = certificates.LANGUAGES
MAX_INPUT = 2000  # a QR text is about 700 characters; a code 24


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Language from ``?lang=``; headers that keep the page out of caches and referrers."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        lang = request.GET.get("lang", "my")
        if lang not in LANGUAGES:
            lang = "my"
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            response = view(request, {"lang": lang, "languages": _languages(lang)}, *args, **kwargs)
        response["Content-Language"] = lang
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def _languages(current: str) -> list[tuple[str, str, bool]]:
    names = {"my": "မြန်မာ", "en": "English", "th": "ไทย"}
    return [(code, names[code], code == current) for code in LANGUAGES]


def _result(request: HttpRequest, context: dict[str, Any], text: str) -> HttpResponse:
    verified = certificates.verify(text[:MAX_INPUT]) if text.strip() else None
    if verified is None or not verified.ok:
        context["not_found"] = verified is not None
        return render(request, "training/verify_form.html", context, status=404 if verified else 200)
    context["certificate"] = verified
    context["trade"] = verified.trade_in(context["lang"])
    return render(request, "training/verify.html", context)


@require_GET
@public
def check(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The form to type a code (or paste a QR code's text); with ``?code=`` the result."""
    typed = request.GET.get("code", "")[:MAX_INPUT]
    context["typed"], context["keep_code"] = typed, True
    return _result(request, context, typed)


@require_GET
@public
def certificate(request: HttpRequest, context: dict[str, Any], code: str) -> HttpResponse:
    """The printed address: ``/c/<code>``."""
    context["typed"] = code[:MAX_INPUT]
    return _result(request, context, code)


@require_GET
def key_pem(request: HttpRequest) -> HttpResponse:
    """The public keys certificates are signed with, for checking them offline."""
    pem = certificates.keys_pem()
    response = HttpResponse(pem, content_type="text/plain; charset=utf-8", status=200 if pem else 404)
    response["Content-Disposition"] = 'inline; filename="certificate-keys.pem"'
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
