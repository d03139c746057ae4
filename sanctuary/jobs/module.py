"""Jobs, as the core sees it: the access module, navigation with follow-ups due, the dashboard
card, the person page's work history, the timeline, the merge step, the employers other
stages may ask about (``people.work``) and demo employers and openings."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.jobs import actions
from sanctuary.jobs.figures import FIGURES
from sanctuary.jobs.models import (
    JOBS,
    TIMELINE,
    Employer,
    EndReason,
    Flag,
    FollowUp,
    Opening,
    Placement,
    PlacementState,
    Sector,
)
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
from sanctuary.people import work
from sanctuary.people.admission import admission_block
from sanctuary.people.models import Region

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.people.models import Person


def _due_badge(user: Any) -> int:
    return FollowUp.objects.visible_to(user).due().count()


def _card(request: HttpRequest) -> dict[str, Any] | None:
    user: Any = request.user
    return {
        "open": Opening.objects.visible_to(user).filter(open=True).count(),
        "working": Placement.objects.visible_to(user).filter(state=PlacementState.STARTED).count(),
        "proposed": Placement.objects.visible_to(user)
        .filter(state__in=[PlacementState.PROPOSED, PlacementState.INTERVIEW, PlacementState.OFFERED])
        .count(),
        "due": FollowUp.objects.visible_to(user).due().count(),
    }


def _panel(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    history = list(
        Placement.objects.visible_to(request.user)  # type: ignore[arg-type]
        .filter(person=person)
        .select_related("opening__employer")
        .prefetch_related("follow_ups")
    )
    can_propose = admission_block(person) is None and person.merged_into_id is None
    if not history and not can_propose:
        return None
    return {"person": person, "history": history, "can_propose": can_propose, "today": timezone.localdate()}


def _demo(demo: Any) -> None:
    """Two employers (one flagged), three openings, and a job for a graduate if there is one."""
    if Employer.objects.exists():
        return
    director = demo.users["director"]
    garage = actions.do_save_employer(
        director, Employer(code_name="Garage M3", sector=Sector.REPAIR, region=Region.THAILAND), ["code_name"]
    )
    farm = actions.do_save_employer(
        director, Employer(code_name="Farm K7", sector=Sector.FARMING, region=Region.THAILAND), ["code_name"]
    )
    actions.do_flag_employer(director, farm, Flag.EXPLOITS, "Wages withheld for three months")
    for employer, trade, title, pay in (
        (garage, work.Trade.MOTORCYCLE, "Motorcycle mechanic", "450"),
        (garage, work.Trade.EBIKE, "E-bike repair", "420"),
        (farm, work.Trade.FARMING, "Farm hand", "300"),
    ):
        actions.do_save_opening(
            director,
            Opening(employer=employer, trade=trade, title=title, pay=Decimal(pay), hours_per_week=48, housing=True),
            ["trade", "title"],
        )
    opening = Opening.objects.filter(employer=garage, trade=work.Trade.MOTORCYCLE).first()
    if opening is None:
        return
    for candidate in actions.candidates(director, opening, limit=1):
        placement = actions.do_propose(director, candidate.person, opening)
        actions.do_advance(director, placement)
        actions.do_advance(director, placement)
        actions.do_start(
            director,
            placement,
            started_on=timezone.localdate() - timedelta(days=20),
            wage=Decimal("450"),
            wage_unit="day",
        )


# What work steps say on the person timeline. The earlier sentences (``legacy``) were stored
# as notes before messages; converted notes still say them, in the reader's language.
_TRADE = {"trade": Choice(work.Trade)}
TIMELINE_MESSAGES = (
    TimelineMessage("jobs.proposed", _("Proposed for a job: %(trade)s"), _TRADE, legacy=(_("Proposed for a job"),)),
    TimelineMessage("jobs.started", _("Started work: %(trade)s"), _TRADE, legacy=(_("Started work"),)),
    TimelineMessage(
        "jobs.ended",
        _("Job ended (%(trade)s): %(reason)s"),
        {**_TRADE, "reason": Choice(EndReason)},
        legacy=(_("Job ended"),),
    ),
)


# Audit codes of jobs that are no field, in words.
AUDIT_LABELS = {"jobs:opening": _("people proposed for an opening")}


register(
    Stage(
        app="jobs",
        audit_labels=AUDIT_LABELS,
        figures=FIGURES,
        access=(Access(JOBS, _("Employers, openings and placements")),),
        nav=(NavEntry(url="jobs:openings", label=_("Jobs"), module=JOBS, badge=_due_badge, order=60),),
        dashboard=(DashboardCard(template="jobs/_dashboard.html", context=_card, module=JOBS, order=40),),
        person_panels=(PersonPanel(template="jobs/_person_panel.html", context=_panel, module=JOBS, order=55),),
        timeline=(TimelineKind(TIMELINE, _("Work")),),
        timeline_messages=TIMELINE_MESSAGES,
        merge=MergeStep(models=("jobs.Placement",), check=actions.check_merge, apply=actions.merge_jobs),
        demo=_demo,
        demo_order=60,
    )
)

work.register_employers(actions.employers_of)
