"""Linkage with partner organisations in the product, following docs/pprl.md: we export
encodings under random handles, a neutral linkage unit matches them against the partner's,
and we import the unit's pairs file. We never receive the partner's encodings."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from sanctuary.audit.log import record as audit
from sanctuary.audit.models import Action
from sanctuary.linkage.pprl import encode_records, key_fingerprint, parse_key
from sanctuary.matching.models import PartnerMatch, PartnerRun
from sanctuary.matching.records import record_for
from sanctuary.people.models import Person

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

MAX_PAIR_ROWS = 200_000


@transaction.atomic
def do_export_encodings(user: User, partner: str, key_text: str) -> tuple[PartnerRun, dict[str, Any]]:
    """Encode every current person under a fresh per-run key; the key is used and forgotten."""
    key = parse_key(key_text.strip().encode("ascii", "ignore"))
    people = list(Person.objects.filter(merged_into__isnull=True).prefetch_related("contacts").order_by("pk"))
    encoding, mapping = encode_records([record_for(p) for p in people], key)
    run = PartnerRun.objects.create(
        partner=partner,
        key_fingerprint=key_fingerprint(key),
        handles={handle: int(person_id) for handle, person_id in mapping.items()},
        records=len(people),
        created_by=user,
    )
    audit(user, Action.EXPORT, run, fields=["pprl_encodings"])
    return run, encoding.to_json()


@dataclass(frozen=True)
class ImportReport:
    created: int
    errors: list[str]


@transaction.atomic
def do_import_pairs(user: User, run: PartnerRun, data: bytes) -> ImportReport:
    """Read the linkage unit's ``record_id_a,record_id_b,score`` file. All or nothing: any
    bad row and nothing is stored; the report names each bad row and why."""
    errors: list[str] = []
    rows: list[tuple[int, str, float]] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ImportReport(0, ["the file is not UTF-8 text"])
    reader = csv.DictReader(io.StringIO(text))
    missing = {"record_id_a", "record_id_b", "score"} - set(reader.fieldnames or [])
    if missing:
        return ImportReport(0, [f"missing columns: {', '.join(sorted(missing))}"])
    handles = run.handles
    for line, row in enumerate(reader, start=2):
        if line > MAX_PAIR_ROWS:
            errors.append(f"more than {MAX_PAIR_ROWS} rows")
            break
        a, b = (row.get("record_id_a") or "").strip(), (row.get("record_id_b") or "").strip()
        ours, theirs = (a, b) if a in handles else (b, a)
        if ours not in handles:
            errors.append(f"row {line}: neither id is one of ours from this export")
            continue
        if not theirs or len(theirs) > 64:
            errors.append(f"row {line}: the partner's id is missing or too long")
            continue
        try:
            score = float(row.get("score") or "")
        except ValueError:
            errors.append(f"row {line}: the score is not a number")
            continue
        if not 0.0 <= score <= 1.0:
            errors.append(f"row {line}: the score must be between 0 and 1")
            continue
        rows.append((handles[ours], theirs, score))
    if errors:
        return ImportReport(0, errors)
    created = 0
    for person_id, theirs, score in rows:
        _match, new = PartnerMatch.objects.get_or_create(
            run=run, person_id=person_id, partner_ref=theirs, defaults={"score": score}
        )
        created += new
    run.imported_at = timezone.now()
    run.save(update_fields=["imported_at"])
    audit(user, Action.CREATE, run, fields=["partner_matches"])
    return ImportReport(created, [])
