"""Person list, page, create and edit. Every fetch goes through ``Person.objects.visible_to``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sanctuary.accounts.models import Team
from sanctuary.accounts.policy import Module, can_use, module_required, sees_all_people
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.people.actions import do_change_status, do_create_person, do_update_person
from sanctuary.people.forms import ContactFormSet, HouseholdFormSet, PersonForm, PersonSearchForm, StatusForm
from sanctuary.people.models import Person

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


def _teams_for(user: User) -> QuerySet[Team]:
    """Teams a user may assign people to: all for directors, else their own."""
    return Team.objects.all() if sees_all_people(user) else Team.objects.filter(id__in=user.team_ids)


@require_http_methods(["GET", "POST"])
@module_required(Module.PEOPLE)
def person_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PersonSearchForm(request.POST or None, teams=_teams_for(user))
    people = Person.objects.visible_to(user).select_related("team")
    page_number = 1
    if form.is_bound and form.is_valid():
        people = people.search(form.cleaned_data["q"])
        if form.cleaned_data["status"]:
            people = people.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["team"]:
            people = people.filter(team=form.cleaned_data["team"])
        page_number = form.cleaned_data["page"] or 1
    paginator = Paginator(people.order_by("-created_at", "-id"), settings.PERSON_LIST_PAGE_SIZE)
    page = paginator.get_page(page_number)
    context = {"form": form, "page": page, "paginator": paginator}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "people/_person_results.html", context)
    return render(request, "people/person_list.html", context)


@require_http_methods(["GET"])
@module_required(Module.PEOPLE)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    person = get_object_or_404(Person.objects.visible_to(user).select_related("team"), pk=pk)
    record(user, Action.VIEW, person)
    events = person.events.select_related("actor")[:100]
    context: dict[str, Any] = {
        "person": person,
        "contacts": person.contacts.all(),
        "household": person.household.all(),
        "events": events,
        "can_edit": can_use(user, Module.PEOPLE_EDIT),
        "status_form": StatusForm(initial={"status": person.status}),
    }
    return render(request, "people/person_detail.html", context)


def _person_form_page(request: HttpRequest, person: Person | None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    teams = _teams_for(user)
    data = request.POST if request.method == "POST" else None
    initial = {}
    if person is None and len(user.team_ids) >= 1:
        initial["team"] = sorted(user.team_ids)[0]
    form = PersonForm(data, instance=person, teams=teams, initial=initial)
    instance = person or Person()
    contacts = ContactFormSet(data, instance=instance, prefix="contacts")
    household = HouseholdFormSet(data, instance=instance, prefix="household")
    if request.method == "POST":
        valid = form.is_valid()
        valid = contacts.is_valid() and valid
        valid = household.is_valid() and valid
        if valid:
            if person is None:
                person = do_create_person(user, form, [contacts, household])
                messages.success(request, _("Person %(code)s created.") % {"code": person.case_code})
            else:
                do_update_person(user, form, [contacts, household])
                messages.success(request, _("Changes saved."))
            converted = form.converted_labels() + [
                label for fs in (contacts, household) for f in fs.forms for label in f.converted_labels()
            ]
            if converted:
                messages.info(
                    request,
                    _("Converted from Zawgyi to Unicode: %(fields)s") % {"fields": ", ".join(sorted(set(converted)))},
                )
            return redirect("people:detail", pk=person.pk)
        messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
    context = {"form": form, "contacts": contacts, "household": household, "person": person}
    return render(request, "people/person_form.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@module_required(Module.PEOPLE_EDIT)
def person_create(request: HttpRequest) -> HttpResponse:
    return _person_form_page(request, None)


@require_http_methods(["GET", "POST"])
@module_required(Module.PEOPLE_EDIT)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    return _person_form_page(request, person)


@require_POST
@module_required(Module.PEOPLE_EDIT)
def person_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the pipeline status; htmx swaps the status box and timeline in place."""
    user: User = request.user  # type: ignore[assignment]
    person = get_object_or_404(Person.objects.visible_to(user), pk=pk)
    form = StatusForm(request.POST)
    ok = form.is_valid()
    if ok:
        do_change_status(user, person, form.cleaned_data["status"], form.cleaned_data["note"])
        person.refresh_from_db()
        form = StatusForm(initial={"status": person.status})
        if not request.htmx:  # type: ignore[attr-defined]
            messages.success(request, _("Status updated."))
            return redirect("people:detail", pk=person.pk)
    context = {
        "person": person,
        "status_form": form,
        "events": person.events.select_related("actor")[:100],
        "can_edit": True,
        "status_saved": ok,
    }
    if request.htmx:  # type: ignore[attr-defined]
        # htmx swaps only 2xx responses: errors come back as 200 inside the partial.
        return render(request, "people/_status_and_timeline.html", context)
    return render(request, "people/person_status.html", context, status=400)
