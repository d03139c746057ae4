"""Statistics screens: the internal dashboard, published tables and their two-person release
ledger, others' figures and the counting policy.

Views are thin: they fetch through ``visible_to``, validate a form and call one ``do_*``
action; a refusal is shown in the user's language with what was typed kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import can_use, module_required
from sanctuary.stats import actions, dashboard, outputs
from sanctuary.stats.actions import StatsRefused
from sanctuary.stats.forms import ExternalFigureForm, FilterForm, SettingsForm, TableForm
from sanctuary.stats.models import (
    STATS,
    STATS_PUBLISH,
    ExternalFigure,
    Release,
    ReleaseState,
    StatsSettings,
    TableDefinition,
)

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


@require_GET
@module_required(STATS)
def index(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    teams = dashboard.teams_for(user)
    form = FilterForm(request.GET or None, teams=teams)
    months = form.months()
    team = form.chosen_team()
    figures, counted_at = dashboard.snapshot(
        user, dashboard.scope_for(user, months, team), team, fresh="fresh" in request.GET
    )
    releases = Release.objects.visible_to(user).filter(state=ReleaseState.APPROVED).select_related("table")
    return render(
        request,
        "stats/dashboard.html",
        {
            "form": form,
            "first": months[0],
            "last": months[-1],
            "figures": figures,
            "counted_at": counted_at,
            "others": ExternalFigure.objects.visible_to(user).filter(active=True),
            "releases": [(r, outputs.title(r), r.output["table"]["total"]) for r in releases[:20]],
            "may_publish": can_use(user, STATS_PUBLISH),
        },
    )


@require_GET
@module_required(STATS_PUBLISH)
def tables(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    releases = Release.objects.visible_to(user).select_related("table", "proposed_by", "approved_by")
    return render(
        request,
        "stats/tables.html",
        {
            "definitions": TableDefinition.objects.visible_to(user),
            "releases": [(r, outputs.title(r)) for r in releases[:50]],
            "others": ExternalFigure.objects.visible_to(user).filter(active=True),
            "settings": StatsSettings.current(),
        },
    )


@require_http_methods(["GET", "POST"])
@module_required(STATS_PUBLISH)
def table_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    table = get_object_or_404(TableDefinition.objects.visible_to(user), pk=pk) if pk else None
    form = TableForm(request.POST or None, instance=table)
    if request.method == "POST" and form.is_valid():
        saved = actions.do_save_table(user, form.save(commit=False))
        messages.success(request, _("Table saved."))
        return redirect("stats:table_edit", saved.pk)
    status = 400 if form.is_bound else 200  # shown again after a POST: what was typed, and why
    return render(request, "stats/table_form.html", {"form": form, "table": table}, status=status)


@require_POST
@module_required(STATS_PUBLISH)
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    table = get_object_or_404(TableDefinition.objects.visible_to(user), pk=pk)
    try:
        release = actions.do_propose_release(user, table)
    except StatsRefused as error:
        messages.error(request, error.message)
        return redirect("stats:table_edit", table.pk)
    messages.success(request, _("Release proposed: its numbers are frozen. A second person approves it."))
    return redirect("stats:release", release.pk)


def _release(request: HttpRequest, pk: int) -> Release:
    return get_object_or_404(Release.objects.visible_to(request.user).select_related("table"), pk=pk)  # type: ignore[arg-type]


@require_GET
@module_required(STATS_PUBLISH)
def release(request: HttpRequest, pk: int) -> HttpResponse:
    found = _release(request, pk)
    return render(
        request,
        "stats/release.html",
        {
            "release": found,
            "title": outputs.title(found),
            "table": outputs.wide(found),
            "facts": outputs.facts(found),
            "suppressed": outputs.SUPPRESSED,
        },
    )


@require_POST
@module_required(STATS_PUBLISH)
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    found = _release(request, pk)
    try:
        actions.do_approve_release(request.user, found)  # type: ignore[arg-type]
    except StatsRefused as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Release approved: its files can be downloaded."))
    return redirect("stats:release", found.pk)


@require_POST
@module_required(STATS_PUBLISH)
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    found = _release(request, pk)
    try:
        actions.do_withdraw_release(request.user, found)  # type: ignore[arg-type]
    except StatsRefused as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Release withdrawn."))
    return redirect("stats:release", found.pk)


@require_GET
@module_required(STATS)
def download(request: HttpRequest, pk: int, file_format: str) -> HttpResponse:
    found = _release(request, pk)
    try:
        content, content_type, name = actions.do_export_release(request.user, found, file_format)  # type: ignore[arg-type]
    except StatsRefused as error:
        messages.error(request, error.message)
        return redirect("stats:index")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@module_required(STATS_PUBLISH)
def external_new(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ExternalFigureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.do_add_external_figure(user, form.save(commit=False))
        messages.success(request, _("Figure added."))
        return redirect("stats:tables")
    return render(request, "stats/external_form.html", {"form": form}, status=400 if form.is_bound else 200)


@require_POST
@module_required(STATS_PUBLISH)
def external_retire(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    figure = get_object_or_404(ExternalFigure.objects.visible_to(user), pk=pk)
    actions.do_retire_external_figure(user, figure)
    messages.success(request, _("Figure no longer shown."))
    return redirect("stats:tables")


@require_http_methods(["GET", "POST"])
@module_required(STATS_PUBLISH)
def settings_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = SettingsForm(request.POST or None, instance=StatsSettings.current())
    if request.method == "POST" and form.is_valid():
        actions.do_save_settings(user, form.save(commit=False))
        messages.success(request, _("Settings saved: the next release records this policy."))
        return redirect("stats:tables")
    return render(request, "stats/settings.html", {"form": form})
