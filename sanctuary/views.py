"""Project-wide pages: health check, dashboard, language switch."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sanctuary.accounts.policy import Module, can_use
from sanctuary.audit.models import AuditEntry
from sanctuary.lib.i18n import set_language_cookie
from sanctuary.people.models import Person, PersonEvent, Status

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
    from sanctuary.vault import state

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
            user.language = language  # type: ignore[union-attr]
            user.save(update_fields=["language"])  # type: ignore[union-attr]
    return response


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs my attention, by what my roles allow."""
    user: User = request.user  # type: ignore[assignment]
    context: dict[str, Any] = {}
    if can_use(user, Module.PEOPLE):
        people = Person.objects.visible_to(user)
        counts = dict(people.order_by().values_list("status").annotate(n=Count("id")))
        context["status_counts"] = [(value, label, counts.get(value, 0)) for value, label in Status.choices]
        context["people_total"] = sum(counts.values())
        week_ago = timezone.now() - timedelta(days=7)
        context["waiting_first_contact"] = (
            people.filter(status=Status.FIRST_CONTACT, status_changed_at__lt=week_ago)
            .select_related("team")
            .order_by("status_changed_at")[:20]
        )
        context["recent_events"] = (
            PersonEvent.objects.filter(person__in=people).select_related("person", "actor").order_by("-at", "-id")[:15]
        )
    if can_use(user, Module.JOURNEYS):
        from sanctuary.journeys.models import CheckIn, Journey

        context["missed_list"] = (
            CheckIn.objects.missed()
            .filter(journey__in=Journey.objects.visible_to(user))
            .select_related("journey__person")
            .order_by("due_at")[:20]
        )
    if can_use(user, Module.SHELTER):
        from sanctuary.shelter.actions import ending_soon
        from sanctuary.shelter.models import Extension, ExtensionState, Stay

        stays = Stay.objects.visible_to(user)
        soon, overdue = ending_soon(stays)
        context["stays_ending"] = soon.count()
        context["stays_overdue"] = overdue.count()
        context["extensions_pending"] = Extension.objects.filter(stay__in=stays, state=ExtensionState.PENDING).count()
    if can_use(user, Module.STIPENDS):
        from sanctuary.stipends.models import PaymentRun, RunState

        context["runs_to_approve"] = (
            PaymentRun.objects.filter(state=RunState.DRAFT).exclude(drafted_by=user).select_related("funder")
        )
    if can_use(user, Module.STAFF):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from sanctuary.accounts.models import User as UserModel

        enrolled = TOTPDevice.objects.filter(confirmed=True).values("user_id")
        context["not_enrolled"] = UserModel.objects.filter(is_active=True).exclude(pk__in=enrolled).order_by("username")
    if can_use(user, Module.AUDIT):
        since = timezone.now() - timedelta(days=1)
        context["audit_failures"] = AuditEntry.objects.filter(
            at__gte=since, action__in=["login_failed", "otp_failed", "locked_out"]
        ).count()
        context["audit_total"] = AuditEntry.objects.count()
    return render(request, "dashboard.html", context)
