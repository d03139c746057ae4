"""Family at home, as the core sees it: the access module, the open searches in the
navigation, the dashboard card (relatives detained now, new events this week), the person
page's family card (each relative's contact rule first; names only under the grant, and
then audited as ``identity_viewed``), the merge step, the contact rule of relatives
(``sanctuary.people.contact``), the closing of searches when tracing consent is withdrawn,
and the demo's relatives. Nothing goes on the person's shared timeline: every role that may
see the person reads it."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.consent import rules as consent_rules
from sanctuary.family.actions import (
    check_contact_rule,
    close_searches_without_consent,
    do_add_relative,
    do_open_tracing,
    do_record_event,
    do_trace,
)
from sanctuary.family.models import (
    FAMILY,
    ActionKind,
    AgeBand,
    ContactMade,
    ContactRule,
    EventKind,
    Relation,
    Relative,
    RelativeEvent,
    Source,
    TracingAction,
    TracingRequest,
)
from sanctuary.lib.stages import Access, AuditLabel, DashboardCard, MergeStep, NavEntry, PersonPanel, Stage, register
from sanctuary.people import contact
from sanctuary.people.models import IdentityRequest, Person, Region, Status

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.accounts.models import User
    from sanctuary.people.merge import Merge


def _badge(user: User) -> int:
    return int(TracingRequest.objects.visible_to(user).still_open().count())


def _card(request: HttpRequest) -> dict[str, Any] | None:
    """For the people the user may see (their teams'; everyone for directors)."""
    user: Any = request.user
    week_ago = timezone.now() - timedelta(days=7)
    return {
        "detained": Relative.objects.visible_to(user).filter(detained_now=True).count(),
        "new_events": RelativeEvent.objects.visible_to(user).filter(recorded_at__gte=week_ago).count(),
        "tracing": TracingRequest.objects.visible_to(user).still_open().count(),
    }


def _panel(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    user: Any = request.user
    relatives = list(Relative.objects.visible_to(user).filter(person=person))
    identity = IdentityRequest.objects.active_grant(user, person) is not None
    if identity and relatives:
        record(user, Action.IDENTITY_VIEWED, person, fields=["relatives"])
    return {
        "person": person,
        "relatives": relatives,
        "identity": identity,
        "can_add": person.merged_into_id is None,
    }


def _merge(merge: Merge) -> None:
    """Relatives, what happened to them, contacts made and searches follow the person,
    encrypted again for the record kept. Nothing blocks a merge: the same relative recorded on
    both records is kept twice (their histories differ) for a case worker to compare; two open
    searches for them stay open, each with the consent that allowed it."""
    for model in (Relative, RelativeEvent, ContactMade, TracingRequest, TracingAction):
        merge.move(model.objects.all())


def _demo(demo: Any) -> None:
    """Relatives for a few demo people, through the actions: a detained father, a mother
    visited by soldiers who may be reached through an intermediary, and a missing brother
    being traced through the Red Cross (with the person's consent). Added once."""
    if Relative.objects.exists():
        return
    from sanctuary.consent.actions import Answer, default_retention, do_record_consent
    from sanctuary.consent.models import Category, Method, Purpose, Recipient, RecipientKind, State

    director = demo.users["director"]
    worker = demo.users.get("caseworker", director)
    today = timezone.localdate()
    people = list(
        Person.objects.filter(status=Status.IN_SHELTER, merged_into__isnull=True, team__in=worker.teams.all())[:3]
    )
    red_cross, _created = Recipient.objects.get_or_create(
        name="Red Cross tracing service", defaults={"kind": RecipientKind.NGO}
    )
    for n, person in enumerate(people):
        father = do_add_relative(
            worker,
            person,
            {
                "relation": Relation.FATHER,
                "name": f"U Demo Father {n + 1}",
                "village": f"Demo village {n + 1}",
                "age_band": AgeBand.ELDER,
                "region": Region.SAGAING,
                "in_danger": True,
                "contact_rule": ContactRule.NEVER,
            },
        )
        do_record_event(
            worker,
            father,
            {
                "kind": EventKind.DETAINED,
                "on": f"{today.year}-{today.month:02d}",
                "source": Source.RELATIVE,
                "detained_where": "Demo township police station",
                "detained_by": "Police",
            },
        )
        mother = do_add_relative(
            worker,
            person,
            {
                "relation": Relation.MOTHER,
                "name": f"Daw Demo Mother {n + 1}",
                "village": f"Demo village {n + 1}",
                "age_band": AgeBand.ELDER,
                "region": Region.SAGAING,
                "in_danger": True,
                "contact_rule": ContactRule.INTERMEDIARY,
                "intermediary": "The monk of the demo monastery",
            },
        )
        do_record_event(worker, mother, {"kind": EventKind.VISITED, "on": str(today.year), "source": Source.PERSON})
        if n:
            continue
        brother = do_add_relative(
            worker,
            person,
            {
                "relation": Relation.BROTHER,
                "name": "Ko Demo Brother",
                "region": Region.MAGWAY,
                "age_band": AgeBand.ADULT,
                "contact_rule": ContactRule.EMERGENCY,
            },
        )
        given = Answer(state=State.GIVEN, given_on=today - timedelta(days=5), method=Method.SIGNED)
        for recipient in (None, red_cross):
            do_record_consent(
                director,
                person,
                purpose=Purpose.TRACING,
                recipient=recipient,
                category=Category.INTERNAL if recipient is None else "",
                notice_version="2026-1",
                notice_language="my",
                retain_until=default_retention(),
                answer=given,
            )
        tracing = do_open_tracing(worker, brother, "Last seen at the demo market.")
        do_trace(
            worker,
            tracing,
            ActionKind.RED_CROSS,
            red_cross,
            contact.Means(how=contact.How.DIRECT, emergency=True, reason="Missing since the raid."),
            asked="Tracing request with the family's last address.",
        )


# Audit codes of family that are no field, in words.
AUDIT_LABELS = {
    "contact.relative": _("contact with a relative"),
    "relative": _("relative"),  # "relative:<id>", a contact's target
    "people.person.relatives": _("relatives"),  # the relatives of a person, viewed
    "family.tracingrequest.closed": AuditLabel(_("closed"), [("consent_withdrawn", _("the consent was withdrawn"))]),
    "family:tracing_list": _("tracing requests"),
}


register(
    Stage(
        app="family",
        audit_labels=AUDIT_LABELS,
        access=(Access(FAMILY, _("Relatives at home, what happened to them, tracing the missing")),),
        nav=(NavEntry(url="family:tracing_list", label=_("Family"), module=FAMILY, badge=_badge, order=62),),
        dashboard=(DashboardCard(template="family/_dashboard.html", context=_card, module=FAMILY, order=42),),
        person_panels=(
            PersonPanel(template="family/_person_panel.html", context=_panel, module=FAMILY, place="cards", order=42),
        ),
        merge=MergeStep(
            models=(
                "family.Relative",
                "family.RelativeEvent",
                "family.ContactMade",
                "family.TracingRequest",
                "family.TracingAction",
            ),
            apply=_merge,
        ),
        demo=_demo,
        demo_order=65,
    )
)


def _relative_targets(person: Person, user: Any) -> list[tuple[str, str]]:
    """A person's relatives as outreach recipients: by relation and rule, never by name."""
    return [
        (f"relative:{r.pk}", f"{r.get_relation_display()} · {r.get_contact_rule_display()}")
        for r in Relative.objects.visible_to(user).filter(person=person).order_by("pk")
    ]


contact.register_rule("relative", check_contact_rule, targets=_relative_targets)
consent_rules.on_withdrawn(close_searches_without_consent)
