"""Consent, as the registry sees it: the person page's consents in plain words (first among
the cards), the partner directory in the navigation, the merge step and demo partners."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import Module, can_use
from sanctuary.consent import words
from sanctuary.consent.actions import Answer, default_retention, do_record_consent, merge_consents
from sanctuary.consent.models import Category, ConsentRecord, Method, Purpose, Recipient, RecipientKind, State
from sanctuary.lib.stages import MergeStep, NavEntry, PersonPanel, Stage, register
from sanctuary.people.models import Status

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.people.models import Person


def _panel(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    records = list(
        ConsentRecord.objects.visible_to(request.user)  # type: ignore[arg-type]
        .filter(person=person)
        .exclude(state=State.RENEWED)
        .select_related("recipient")
        .order_by("purpose", "-requested_at", "-pk")
    )
    return {
        "person": person,
        "rows": [(r, words.sentence(r)) for r in records],
        "may_record": can_use(request.user, Module.CONSENT),
    }


def _demo(demo: Any) -> None:
    """Three partners, and care consent (and sharing with the clinic) for demo people."""
    if Recipient.objects.exists():
        return
    clinic = Recipient.objects.create(name="Border Health Clinic", kind=RecipientKind.CLINIC)
    Recipient.objects.create(name="Legal Aid Partner", kind=RecipientKind.LEGAL_AID)
    Recipient.objects.create(name="International Investigative Mechanism", kind=RecipientKind.INVESTIGATOR)
    director = demo.users["director"]
    today = timezone.localdate()
    for n, person in enumerate(
        p for p in demo.new_people if p.status in (Status.ARRIVED, Status.IN_SHELTER, Status.INDEPENDENT)
    ):
        if n >= 30:
            break
        given = Answer(state=State.GIVEN, given_on=today - timedelta(days=20 + n), method=Method.SIGNED)
        for purpose, recipient in ((Purpose.CARE, None), (Purpose.SHARING, clinic))[: 1 + (n % 2 == 0)]:
            do_record_consent(
                director,
                person,
                purpose=purpose,
                recipient=recipient,
                category=Category.INTERNAL if recipient is None else "",
                notice_version="2026-1",
                notice_language="my",
                retain_until=default_retention(),
                answer=given,
            )


register(
    Stage(
        app="consent",
        nav=(NavEntry(url="consent:recipients", label=_("Partners"), module=Module.CONSENT, order=85),),
        person_panels=(
            PersonPanel(template="consent/_person_panel.html", context=_panel, module=Module.PEOPLE, order=5),
        ),
        merge=MergeStep(models=("consent.ConsentRecord",), apply=merge_consents, order=5),
        demo=_demo,
        demo_order=15,
    )
)
