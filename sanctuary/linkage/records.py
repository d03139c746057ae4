"""Input records and their normalised form, the unit every later step works on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

from sanctuary.lib.dates import PartialDate, read_partial_date
from sanctuary.lib.phones import read_phone
from sanctuary.linkage.normalise import (
    NameParts,
    canonical_force,
    canonical_nrc,
    canonical_service_number,
    canonical_town,
    canonical_unit,
    name_parts,
    nrc_number,
)


@dataclass(frozen=True, slots=True)
class Record:
    """One registration as typed: the columns of the intake CSV, all text, "" when missing."""

    record_id: str
    name: str = ""
    father_name: str = ""
    birth_date: str = ""
    nrc: str = ""
    service_number: str = ""
    force: str = ""
    unit: str = ""
    hometown: str = ""
    phone: str = ""


RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Record))


@dataclass(frozen=True, slots=True)
class Prepared:
    """A record with every field normalised; empty string / empty parts mean missing."""

    record_id: str
    name: NameParts
    father: NameParts
    birth: PartialDate
    nrc: str
    nrc_number: str
    service_number: str
    phone: str
    force: str
    unit: str
    town: str


def prepare(record: Record) -> Prepared:
    """Normalise every field of ``record`` (never raises; unreadable values become missing)."""
    nrc = canonical_nrc(record.nrc)
    return Prepared(
        record_id=record.record_id,
        name=name_parts(record.name),
        father=name_parts(record.father_name),
        birth=read_partial_date(record.birth_date),
        nrc=nrc,
        nrc_number=nrc_number(nrc),
        service_number=canonical_service_number(record.service_number),
        phone=read_phone(record.phone),
        force=canonical_force(record.force),
        unit=canonical_unit(record.unit),
        town=canonical_town(record.hometown),
    )


def prepare_all(records: Sequence[Record]) -> list[Prepared]:
    """:func:`prepare` every record (values repeated across records are normalised once)."""
    return [prepare(record) for record in records]
