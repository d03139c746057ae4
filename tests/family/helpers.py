"""Relatives, consents and partners for the family tests, made through the real actions."""

from __future__ import annotations

from typing import Any

from sanctuary.consent.models import Purpose, Recipient, RecipientKind
from sanctuary.family import actions
from sanctuary.family.models import ContactRule, Relation, Relative
from sanctuary.people.models import Region
from tests.consent import helpers as consent_helpers


def relative(user: Any, person: Any, rule: str = ContactRule.NEVER, **values: Any) -> Relative:
    data: dict[str, Any] = {
        "relation": Relation.MOTHER,
        "name": "Daw Khin Myint",
        "village": "Kyauk Ka Lat",
        "age_band": "elder",
        "region": Region.SAGAING,
        "in_danger": True,
        "contact_rule": rule,
    }
    if rule == ContactRule.INTERMEDIARY:
        data["intermediary"] = "U Ottama of the village monastery"
    if rule == ContactRule.CHANNEL:
        data["channel"] = "Signal of the cousin in Mandalay"
    data.update(values)
    return actions.do_add_relative(user, person, data)


def red_cross() -> Recipient:
    return Recipient.objects.get_or_create(name="Red Cross tracing", defaults={"kind": RecipientKind.NGO})[0]


def tracing_consent(user: Any, person: Any, recipient: Recipient | None = None) -> None:
    """Tracing consent inside the organisation and, when given, with ``recipient``."""
    consent_helpers.given(user, person, Purpose.TRACING, category="internal")
    if recipient is not None:
        consent_helpers.given(user, person, Purpose.TRACING, recipient=recipient)
