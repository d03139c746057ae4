"""One builder for the matcher's view of a record, whatever it comes from.

A person on file (:func:`record_for`), a person form being typed (the likely matches shown
before saving) and a first contact (intake's triage and the watch list) all become a
:class:`~sanctuary.linkage.records.Record` here, so they are compared field for field in the
same way: the true name when known (people register under it), else the alias; the first
phone. Fields are named as on the person model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from sanctuary.linkage.records import Record
from sanctuary.people.models import ContactKind
from sanctuary.vault.fields import is_placeholder

if TYPE_CHECKING:
    from sanctuary.people.models import Person

FIELDS = (
    "true_name",
    "alias",
    "father_name",
    "birth_date",
    "nrc_number",
    "service_number",
    "force",
    "unit",
    "hometown",
)


def _text(value: object) -> str:
    """Plain text of a value; a sealed or unreadable one counts as missing, and so does a
    force recorded as not known (it agrees or disagrees with nothing)."""
    if value is None or is_placeholder(value) or value == "unknown":
        return ""
    return str(value)


def matching_record(record_id: str, fields: Mapping[str, object], phones: Iterable[object] = ()) -> Record:
    """The matcher's view of ``fields`` (person-model names; missing ones are empty)."""
    value = {name: _text(fields.get(name)) for name in FIELDS}
    phone = next((text for text in map(_text, phones) if text), "")
    return Record(
        record_id=record_id,
        name=value["true_name"] or value["alias"],
        father_name=value["father_name"],
        birth_date=value["birth_date"],
        nrc=value["nrc_number"],
        service_number=value["service_number"],
        force=value["force"],
        unit=value["unit"],
        hometown=value["hometown"],
        phone=phone,
    )


def record_for(person: Person, phones: Iterable[object] | None = None) -> Record:
    """A person on file (their phone contacts unless ``phones`` is given)."""
    if phones is None:
        phones = [c.value for c in person.contacts.all() if c.kind == ContactKind.PHONE]
    return matching_record(str(person.pk or 0), {name: getattr(person, name) for name in FIELDS}, phones)
