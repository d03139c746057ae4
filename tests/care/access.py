"""Access matrix: care (plans, items, referrals, counselling, groups, templates)."""

from __future__ import annotations

from typing import Any

from sanctuary.care import actions
from sanctuary.care.models import PlanTemplate, SessionKind
from sanctuary.consent.models import Purpose
from tests.access import DIRECTOR, ORG, TEAM, Url
from tests.consent import helpers as consent_helpers

CARE = frozenset({"director", "case_worker"})
COUNSELLING = frozenset({"director", "counsellor", "counsellor_lead"})


def _person(o: dict[str, Any]) -> dict[str, Any]:
    return {"person_pk": o["care_person"]}


def _plan(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["care_plan"]}


def _referral(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["referral"]}


URLS = [
    Url("care:items", "GET", CARE),
    Url("care:plan_new", "GET", CARE, TEAM, _person),
    Url("care:plan", "GET", CARE, TEAM, _plan),
    Url("care:assessment", "POST", CARE, TEAM, _plan),
    Url("care:need_add", "POST", CARE, TEAM, _plan),
    Url("care:item_add", "POST", CARE, TEAM, _plan),
    Url("care:item_done", "POST", CARE, TEAM, lambda o: {"pk": o["care_item"]}),
    Url("care:item_cancel", "POST", CARE, TEAM, lambda o: {"pk": o["care_item_2"]}),
    Url("care:plan_close", "POST", CARE, TEAM, lambda o: {"pk": o["care_plan_other"]}),
    Url("care:refer", "GET", CARE, TEAM, _person),
    Url("care:referral", "GET", CARE, TEAM, _referral),
    Url("care:referral_answer", "POST", CARE, TEAM, _referral),
    Url("care:referral_close", "POST", CARE, TEAM, _referral),
    Url("care:counselling", "GET", COUNSELLING, TEAM, _person),
    Url("care:session_new", "POST", COUNSELLING, TEAM, _person),
    Url("care:scale_new", "POST", COUNSELLING, TEAM, _person),
    Url("care:emergency_request", "POST", COUNSELLING, TEAM, _person),
    Url("care:note_addendum", "POST", COUNSELLING, TEAM, lambda o: {"pk": o["note"]}),
    Url("care:emergencies", "GET", COUNSELLING),
    Url("care:emergency_answer", "POST", COUNSELLING, TEAM, lambda o: {"pk": o["emergency"]}),
    Url("care:emergency_ack", "POST", COUNSELLING, TEAM, lambda o: {"pk": o["emergency"]}),
    Url("care:groups", "GET", COUNSELLING),
    Url("care:templates", "GET", DIRECTOR),
    Url("care:template_new", "GET", DIRECTOR),
    Url("care:template_edit", "GET", DIRECTOR, ORG, lambda o: {"pk": o["template"]}),
    Url("care:settings", "POST", DIRECTOR),
]


def objects(world: Any) -> dict[str, Any]:
    """A care plan from the arrival template with a referral under consent, a counselling
    session with a note, and an emergency request, for ``world.person``; a second plan for
    ``world.other`` (closed by the walk)."""
    director, counsellor = world.users["director"], world.users["counsellor_lead"]
    clinic = consent_helpers.partner()
    for person in (world.person, world.other):
        consent_helpers.given(director, person, Purpose.CARE)
    consent_helpers.given(director, world.person, Purpose.SHARING, recipient=clinic)
    template = PlanTemplate.objects.first()
    plan = actions.do_create_plan(director, world.person, template=template, arrived_on=world.person.created_at.date())
    other = actions.do_create_plan(director, world.other, template=None, arrived_on=world.other.created_at.date())
    first, second = list(plan.items.order_by("pk"))[:2]
    referral = actions.do_refer(director, world.person, recipient=clinic, area="medical", shared=["alias"])
    session = actions.do_record_session(
        counsellor, world.person, kind=SessionKind.INDIVIDUAL, held_on=plan.arrived_on, minutes=50, note="n"
    )
    grant = actions.do_request_emergency(counsellor, world.person, "reason")
    assert template is not None
    return {
        "care_person": world.person.pk,
        "care_plan": plan.pk,
        "care_plan_other": other.pk,
        "care_item": first.pk,
        "care_item_2": second.pk,
        "referral": referral.pk,
        "note": session.notes.get().pk,
        "emergency": grant.pk,
        "template": template.pk,
    }
