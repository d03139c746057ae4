"""Care, as the core sees it: access modules, navigation with badges, the case worker's
dashboard card (overdue items), the counselling card (emergency access to approve or to
see), person-page panels, the timeline, the merge step, the consent listener and demo plans."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from sanctuary.accounts.policy import can_use, sees_all_people
from sanctuary.care import actions
from sanctuary.care.figures import FIGURES
from sanctuary.care.models import (
    CARE,
    CARE_CONFIG,
    COUNSELLING,
    COUNSELLING_LEAD,
    REFERRAL_OPEN,
    Area,
    CareItem,
    CarePlan,
    CounsellingSession,
    EmergencyAccess,
    PlanState,
    PlanTemplate,
    Referral,
    counsellor_roles,
)
from sanctuary.consent import rules as consent_rules
from sanctuary.consent.models import Purpose, RecipientKind
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

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.people.models import Person

DASHBOARD_ROWS = 10


def _overdue_badge(user: Any) -> int:
    return CareItem.objects.visible_to(user).overdue().count()


def _emergency_rows(user: Any) -> tuple[Any, Any]:
    """Requests waiting for this user (leads and directors), and grants on notes of people
    this counsellor counsels that they have not seen yet."""
    rows = EmergencyAccess.objects.visible_to(user)
    waiting = rows.filter(approved_at__isnull=True, refused_at__isnull=True).exclude(requested_by=user)
    if not (actions._is_lead(user) or actions._is_director(user)):
        waiting = waiting.none()
    unseen = rows.none()
    if counsellor_roles(user):
        mine = CounsellingSession.objects.filter(counsellor=user).values("person_id")
        unseen = rows.filter(approved_at__isnull=False, seen_by_counsellor_at__isnull=True, person_id__in=mine)
    return waiting, unseen


def _emergency_badge(user: Any) -> int:
    waiting, unseen = _emergency_rows(user)
    return waiting.count() + unseen.count()


def _care_card(request: HttpRequest) -> dict[str, Any] | None:
    user: Any = request.user
    today = timezone.localdate()
    items = CareItem.objects.visible_to(user).open()
    counts = items.aggregate(
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        today=Count("pk", filter=Q(due_on=today)),
        week=Count("pk", filter=Q(due_on__gt=today, due_on__lte=today + timedelta(days=7))),
        mine=Count("pk", filter=Q(due_on__lt=today, assigned_to=user)),
    )
    oldest = list(
        items.filter(due_on__lte=today)
        .select_related("person", "template_item", "provider")
        .order_by("due_on", "pk")[:DASHBOARD_ROWS]
    )
    return {"counts": counts, "oldest": oldest, "today": today}


def _counselling_card(request: HttpRequest) -> dict[str, Any] | None:
    user: Any = request.user
    waiting, unseen = _emergency_rows(user)
    waiting_n, unseen_n = waiting.count(), unseen.count()
    if not (waiting_n or unseen_n):
        return None
    return {"waiting": waiting_n, "unseen": unseen_n}


def _care_panel(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    user: Any = request.user
    plan = CarePlan.objects.visible_to(user).filter(person=person, state=PlanState.OPEN).first()
    today = timezone.localdate()
    counts = {}
    if plan is not None:
        counts = (
            CareItem.objects.filter(plan=plan)
            .open()
            .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
        )
    referrals = (
        Referral.objects.visible_to(user).filter(person=person, state__in=REFERRAL_OPEN).select_related("recipient")
    )
    return {"person": person, "plan": plan, "counts": counts, "referrals": list(referrals)}


def _counselling_panel(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    """Counts and dates only: that sessions happened, never what was said."""
    user: Any = request.user
    if not (can_use(user, COUNSELLING) or sees_all_people(user)):
        return None
    summary = (
        CounsellingSession.objects.visible_to(user).filter(person=person).aggregate(n=Count("pk"), last=Max("held_on"))
    )
    return {"person": person, "summary": summary, "is_counsellor": counsellor_roles(user)}


def _check_merge(merge: Any) -> list[str]:
    return actions.check_merge(merge)


def _demo(demo: Any) -> None:
    """Care plans from the arrival template for demo people with care consent (added once)."""
    if CarePlan.objects.exists():
        return
    from sanctuary.consent.rules import find

    template = PlanTemplate.objects.filter(active=True).first()
    director = demo.users["director"]
    case_worker = demo.users.get("caseworker", director)
    today = timezone.localdate()
    made = 0
    for person in demo.new_people:
        if made >= 12:
            break
        if find(person, Purpose.CARE) is None:
            continue
        actions.do_create_plan(
            case_worker, person, template=template, arrived_on=today - timedelta(days=demo.rng.randint(0, 40))
        )
        made += 1


# What care steps say on the person timeline. The earlier sentences (``legacy``) were stored
# as notes before messages; converted notes still say them, in the reader's language.
TIMELINE_MESSAGES = (
    TimelineMessage(
        "care.plan_made",
        ngettext_lazy("Care plan made, with %(items)s step", "Care plan made, with %(items)s steps", "items"),
        legacy=(_("Care plan made"),),
    ),
    TimelineMessage("care.plan_closed", _("Care plan closed")),
    TimelineMessage(
        "care.referred",
        _("Referred to a partner (%(partner)s) for %(area)s"),
        {"area": Choice(Area), "partner": Choice(RecipientKind)},
        legacy=(_("Referred to a partner"),),
    ),
)


# Audit codes of care that are no field, in words.
AUDIT_LABELS = {
    "care.counsellingnotes": _("counselling notes"),  # who read the notes of a person
    "care.counsellingnotes.body": _("text"),
    "care:emergencies": _("emergency access requests"),
    "care:items": _("care steps due"),
}


register(
    Stage(
        app="care",
        audit_labels=AUDIT_LABELS,
        figures=FIGURES,
        access=(
            Access(CARE, _("Care plans, services and referrals")),
            Access(CARE_CONFIG, _("Care plan templates")),
            Access(COUNSELLING, _("Counselling sessions and groups (notes need a counsellor's role)")),
            Access(COUNSELLING_LEAD, _("Co-sign emergency access to counselling notes")),
        ),
        nav=(
            NavEntry(url="care:items", label=_("Care"), module=CARE, badge=_overdue_badge, order=56),
            NavEntry(
                url="care:emergencies", label=_("Counselling"), module=COUNSELLING, badge=_emergency_badge, order=57
            ),
            NavEntry(url="care:groups", label=_("Groups"), module=COUNSELLING, order=58),
            NavEntry(url="care:templates", label=_("Care templates"), module=CARE_CONFIG, order=95),
        ),
        dashboard=(
            DashboardCard(template="care/_dashboard.html", context=_care_card, module=CARE, order=30),
            DashboardCard(
                template="care/_counselling_card.html", context=_counselling_card, module=COUNSELLING, order=31
            ),
        ),
        person_panels=(
            PersonPanel(template="care/_person_panel.html", context=_care_panel, module=CARE, order=40),
            PersonPanel(
                template="care/_counselling_panel.html", context=_counselling_panel, module=COUNSELLING, order=41
            ),
        ),
        timeline=(TimelineKind(actions.TIMELINE, _("Care")),),
        timeline_messages=TIMELINE_MESSAGES,
        merge=MergeStep(
            models=(
                "care.CarePlan",
                "care.CareItem",
                "care.Referral",
                "care.CounsellingSession",
                "care.CounsellingNote",
                "care.EmergencyAccess",
                "care.ScaleScore",
                "care.GroupAttendance",
            ),
            check=_check_merge,
            apply=actions.merge_care,
        ),
        demo=_demo,
        demo_order=55,
    )
)

consent_rules.on_withdrawn(actions.withdraw_referrals_without_consent)
