"""Project-wide pages: health check, dashboard, language switch. The dashboard is the cards the
registered modules declare (``sanctuary.lib.stages``): nothing here imports a stage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sanctuary.accounts.actions import do_set_language
from sanctuary.accounts.policy import can_use
from sanctuary.audit.lists import audit_shown, people_in
from sanctuary.lib import stages
from sanctuary.lib.i18n import set_language_cookie
from sanctuary.vault import state

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and the key holders: no personal data."""
    db = "ok"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure is reported, not raised
        db = "error"
    status = "ok" if db == "ok" else "error"
    return JsonResponse(
        {"status": status, "db": db, "sealed": state.is_sealed()}, status=200 if status == "ok" else 503
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language; remembered in a cookie and, when logged in, on the user."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        set_language_cookie(response, language)
        user = request.user
        if user.is_authenticated and user.is_verified():  # type: ignore[union-attr,attr-defined]
            do_set_language(user, language)  # type: ignore[arg-type]
    return response


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs my attention: the cards every module declares, those my roles allow."""
    user: User = request.user  # type: ignore[assignment]
    cards = []
    contexts = []
    for card in stages.dashboard_cards():
        if card.module and not can_use(user, card.module):
            continue
        context = card.context(request)
        if context is not None:
            # Our own templates, rendered with autoescape: safe to place in the page.
            cards.append(mark_safe(render_to_string(card.template, context, request)))
            contexts.append(context)
    # The cards name people (first contacts waiting, missed check-ins …): one entry for all.
    audit_shown(request, people_in(contexts))
    return render(request, "dashboard.html", {"cards": cards})
