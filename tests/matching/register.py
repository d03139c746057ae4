"""Load rows of the shared synthetic register (all people invented) as encrypted Person rows."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from sanctuary.accounts.models import Team
from sanctuary.matching.actions import refresh_match_keys
from sanctuary.people.models import ContactKind, ContactPoint, Person, refresh_search_tokens


def _data_dir() -> Path:
    """The shared synthetic data: $SANCTUARY_MATCHING_DATA, else ../shared/data beside the
    repository (as in CI), else the workplace's copy."""
    candidates = [
        os.environ.get("SANCTUARY_MATCHING_DATA", ""),
        str(Path(__file__).resolve().parents[3] / "shared" / "data"),
        "/work/shared/data",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "people-dev.csv").exists():
            return Path(candidate)
    raise FileNotFoundError("people-dev.csv not found: set SANCTUARY_MATCHING_DATA")


DATA = _data_dir()


def load_register(team: Team, limit: int) -> dict[str, Person]:
    """The first ``limit`` rows of people-dev.csv; returns record_id -> Person."""
    with (DATA / "people-dev.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = [row for _, row in zip(range(limit), csv.DictReader(handle), strict=False)]
    people = [
        Person(
            case_code=f"2024-{i + 1:04d}",
            alias=f"{row['record_id']}",
            true_name=row["name"],
            father_name=row["father_name"],
            birth_date=row["birth_date"][:10],
            nrc_number=row["nrc"],
            service_number=row["service_number"],
            unit=row["unit"],
            hometown=row["hometown"],
            team=team,
        )
        for i, row in enumerate(rows)
    ]
    Person.objects.bulk_create(people, batch_size=500)
    ContactPoint.objects.bulk_create(
        [
            ContactPoint(person=p, kind=ContactKind.PHONE, value=row["phone"])
            for p, row in zip(people, rows, strict=True)
            if row["phone"]
        ]
    )
    refresh_search_tokens(people)
    refresh_match_keys(Person.objects.filter(pk__in=[p.pk for p in people]).prefetch_related("contacts"))
    return {row["record_id"]: p for p, row in zip(people, rows, strict=True)}


def duplicate_pairs(ids: set[str]) -> list[tuple[str, str]]:
    """Pairs of record ids among ``ids`` that belong to one person, per the truth file."""
    by_person: dict[str, list[str]] = {}
    with (DATA / "people-dev-truth.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["record_id"] in ids:
                by_person.setdefault(row["person_id"], []).append(row["record_id"])
    return [(a, b) for group in by_person.values() for i, a in enumerate(group) for b in group[i + 1 :]]
