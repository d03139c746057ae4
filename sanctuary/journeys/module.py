"""Journeys, as the core sees it: the access module, navigation with missed check-ins, the
dashboard's alert, the person page's buttons, the timeline and the merge step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from sanctuary.journeys.models import ACTIVE_STATUSES, JOURNEYS, CheckIn, Journey, JourneyStatus
from sanctuary.lib.stages import (
    Access,
    Choice,
    DashboardCard,
    MergeStep,
    NavEntry,
    PersonPanel,
    Stage,
    TimelineKind,
    TimelineMessage,
    register,
)
from sanctuary.people.admission import admission_block
from sanctuary.people.models import Status

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.accounts.models import User
    from sanctuary.people.merge import Merge
    from sanctuary.people.models import Person


def missed_check_ins(user: User) -> int:
    return CheckIn.objects.missed().filter(journey__in=Journey.objects.visible_to(user)).count()


def _card(request: HttpRequest) -> dict[str, Any] | None:
    missed = (
        CheckIn.objects.missed()
        .filter(journey__in=Journey.objects.visible_to(request.user))  # type: ignore[arg-type]
        .select_related("journey__person")
        .order_by("due_at")[:20]
    )
    return {"missed": missed} if missed else None


def _person_buttons(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    journeys = list(Journey.objects.visible_to(request.user).filter(person=person))  # type: ignore[arg-type]
    can_plan = person.status == Status.ACCEPTED and admission_block(person) is None
    if not journeys and not can_plan:
        return None
    return {"person": person, "journeys": journeys, "can_plan": can_plan}


def _check_merge(merge: Merge) -> list[str]:
    active = Journey.objects.filter(person__in=[merge.primary, merge.secondary], status__in=ACTIVE_STATUSES)
    codes = sorted(active.values_list("person__case_code", flat=True))
    if len(codes) > 1:
        return [
            str(_("both records have a journey under way (%(codes)s): end one of them first"))
            % {"codes": ", ".join(codes)}
        ]
    return []


def _merge(merge: Merge) -> None:
    """Journeys follow the person; their values are encrypted again for the record kept (their
    stages and check-ins are bound to the journey, which stays the same)."""
    merge.move(Journey.objects.all())


# What journey steps say on the person timeline (the person's status they moved between is
# shown with them): never a route or a place.
TIMELINE_MESSAGES = (
    TimelineMessage("journeys.status", _("Journey status: %(status)s"), {"status": Choice(JourneyStatus)}),
    TimelineMessage("journeys.stage_reached", _("Stage %(position)s of the journey reached")),
)


# Audit codes of journeys that are no field, in words.
AUDIT_LABELS = {"journeys:list": _("journeys")}


register(
    Stage(
        app="journeys",
        audit_labels=AUDIT_LABELS,
        access=(Access(JOURNEYS, _("Plan and follow journeys (each seen by its coordinator)")),),
        nav=(NavEntry(url="journeys:list", label=_("Journeys"), module=JOURNEYS, badge=missed_check_ins, order=40),),
        dashboard=(DashboardCard(template="journeys/_dashboard.html", context=_card, module=JOURNEYS, order=1),),
        person_panels=(
            PersonPanel(
                template="journeys/_person_buttons.html",
                context=_person_buttons,
                module=JOURNEYS,
                place="actions",
                order=20,
            ),
        ),
        timeline=(TimelineKind("journey", _("Journey")),),
        timeline_messages=TIMELINE_MESSAGES,
        merge=MergeStep(models=("journeys.Journey",), check=_check_merge, apply=_merge),
    )
)
