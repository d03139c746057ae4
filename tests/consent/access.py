"""Access matrix: consent (a person's consents, one record, the partner directory)."""

from __future__ import annotations

from typing import Any

from sanctuary.consent.models import Purpose
from tests.access import DIRECTOR, ORG, PEOPLE_READERS, TEAM, Url
from tests.consent import helpers

CONSENT = frozenset({"director", "intake_officer", "case_worker", "counsellor", "counsellor_lead", "evidence_officer"})


def _record(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["consent"]}


URLS = [
    Url("consent:person", "GET", PEOPLE_READERS, TEAM, lambda o: {"pk": o["consent_person"]}),
    Url("consent:detail", "GET", PEOPLE_READERS, TEAM, _record),
    Url("consent:answer", "POST", CONSENT, TEAM, lambda o: {"pk": o["consent_requested"]}),
    Url("consent:withdraw", "POST", CONSENT, TEAM, _record),
    Url("consent:renew", "POST", CONSENT, TEAM, _record),
    Url("consent:recipients", "GET", CONSENT),
    Url("consent:recipient_new", "GET", DIRECTOR),
    Url("consent:recipient_edit", "GET", DIRECTOR, ORG, lambda o: {"pk": o["partner"]}),
]


def objects(world: Any) -> dict[str, Any]:
    director = world.users["director"]
    clinic = helpers.partner()
    record = helpers.given(director, world.person, Purpose.SHARING, recipient=clinic)
    asked = helpers.requested(director, world.person, Purpose.PHOTOGRAPHS)
    return {
        "consent_person": world.person.pk,
        "consent": record.pk,
        "consent_requested": asked.pk,
        "partner": clinic.pk,
    }
