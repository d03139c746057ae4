"""What agreed between two records, in words in the reader's language, never as codes
("name+year: same key", "svc: same"): the scan's fields and levels, and the blocking rules a
pair was queued by (at creation, or for a shared NRC, service number or phone)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from sanctuary.people.presave import RULE_LABELS

FIELD_LABELS = {
    "name": _("name"),
    "father_name": _("father's name"),
    "birth_date": _("birth date"),
    "nrc": _("NRC"),
    "NRC": _("NRC"),
    "service_number": _("service number"),
    "service number": _("service number"),
    "phone": _("phone"),
    "force": _("force"),
    "unit": _("unit"),
    "hometown": _("home town"),
    **RULE_LABELS,
}

LEVEL_LABELS = {
    "same": _("same"),
    "same key": _("same"),
    "similar": _("similar"),
    "partly similar": _("partly similar"),
    "different": _("different"),
    "same number": _("same number, other township letters"),
    "same year": _("same year"),
    "same year, other day": _("same year, another day"),
    "day and month swapped": _("day and month swapped"),
}


def describe(agreements: Mapping[str, str]) -> list[str]:
    """One line per field or rule: "phone: same", "name: similar"."""
    return [
        f"{FIELD_LABELS.get(key, key)}: {LEVEL_LABELS.get(level, level)}" for key, level in (agreements or {}).items()
    ]
