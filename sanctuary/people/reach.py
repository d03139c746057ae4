"""A person a page needs but the user cannot see: a 404 that says who can hand them over.

Every page about one person fetches them with :func:`person_or_404`, through the access
policy. When the person is not among those the user may see, the answer is still a 404
(nothing of the record is shown), but a member of staff who works with people is told
whose team the record is in and who can hand it over to theirs (``people.transfers``),
instead of a bare "not found": a shelter manager placing someone still in the intake team
knows whom to ask. Each such miss is audited (``fields=["out_of_reach"]``), so an insider
walking through record ids shows up in the log. A record that does not exist gets the
plain 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from sanctuary.accounts.policy import Module, can_use
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.people.models import Person

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


class OutOfReach(Http404):
    """The person ``person_id`` is not one the user may see (or does not exist)."""

    def __init__(self, person_id: int) -> None:
        super().__init__("No person found.")
        self.person_id = person_id


def person_or_404(user: User | Any, pk: int, queryset: Any = None, **filters: Any) -> Person:
    """The person ``pk`` from ``queryset`` (``Person.objects.visible_to(user)`` by default),
    or :class:`OutOfReach`."""
    people = queryset if queryset is not None else Person.objects.visible_to(user)
    found: Person | None = people.filter(pk=pk, **filters).first()
    if found is None:
        raise OutOfReach(pk)
    return found


class OutOfReachMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OutOfReach):
            return None
        user = request.user
        if not user.is_authenticated or not can_use(user, Module.PEOPLE):
            return None  # the plain 404
        person = Person.objects.filter(pk=exception.person_id).select_related("team").first()
        if person is not None and person.merged_into_id is not None:
            person = Person.objects.filter(pk=person.merged_into_id).select_related("team").first()
        if person is None or Person.objects.visible_to(user).filter(pk=person.pk).exists():
            return None  # no such record, or not what this page shows (e.g. a merged one)
        from sanctuary.people.transfers import who_can_hand_over

        record(user, Action.VIEW, person, fields=["out_of_reach"])
        context = {**who_can_hand_over(person), "my_teams": user.teams.order_by("name")}  # type: ignore[union-attr]
        return render(request, "people/out_of_reach.html", context, status=404)


def hand_over_hint(user: User | Any, case_code: str) -> str:
    """For a form that takes a case code (enrolling for a stipend, linking a message): when
    the code is a current record the user may not see, who can hand it over, in one sentence
    (audited like the page above); otherwise ""."""
    from django.utils.translation import gettext as _

    from sanctuary.people.transfers import who_can_hand_over

    if not user.is_authenticated or not can_use(user, Module.PEOPLE):
        return ""
    person = Person.objects.filter(case_code=case_code.strip(), merged_into__isnull=True).select_related("team").first()
    if person is None or Person.objects.visible_to(user).filter(pk=person.pk).exists():
        return ""
    record(user, Action.VIEW, person, fields=["out_of_reach"])
    who = who_can_hand_over(person)
    names = [u.display_name or u.username for u in [*who["members"], *who["directors"]]]
    team = who["team"].name if who["team"] else "—"
    return _("This person is in the team “%(team)s”: ask %(names)s to hand them over to your team.") % {
        "team": team,
        "names": ", ".join(names[:6]) or _("a director"),
    }
