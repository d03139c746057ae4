"""Linkage with partner organisations in the product, following docs/pprl.md: we export
encodings under random handles, a neutral linkage unit matches them against the partner's,
and we import the unit's pairs file. We never receive the partner's encodings."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record as audit
from sanctuary.audit.models import Action
from sanctuary.background import runner
from sanctuary.background.models import Job
from sanctuary.linkage.pprl import encode_records, key_fingerprint, parse_key
from sanctuary.matching.models import PartnerMatch, PartnerRun
from sanctuary.matching.records import record_for
from sanctuary.people.models import Person

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

MAX_PAIR_ROWS = 200_000


EXPORT, IMPORT = "matching.partner_export", "matching.partner_import"


def start_export(user: User, partner: str, key_text: str) -> Job:
    """Check the key, then encode in the background. The key goes to the job in this
    process's memory only: it is never written, not even encrypted."""
    key = parse_key(key_text.strip().encode("ascii", "ignore"))  # PPRLError when too short
    return runner.start(EXPORT, user, params={"partner": partner}, secret=key)


@runner.kind(EXPORT, module="partners", label=_("Encodings for a partner"))
def export_job(job: runner.Context) -> None:
    if job.secret is None:  # the server restarted: the key is gone, as it should be
        raise runner.JobRefused("interrupted")
    assert job.user is not None  # noqa: S101 - started from the partners page
    run, payload = do_export_encodings(job.user, job.params["partner"], job.secret, on_progress=job.progress)
    job.write_output(json.dumps(payload).encode("utf-8"), "application/json", f"encodings-run-{run.pk}.json")
    job.count(records=run.records)


def start_import(user: User, run: PartnerRun, data: bytes) -> Job:
    return runner.start(IMPORT, user, params={"run": run.pk}, input_data=data)


@runner.kind(IMPORT, module="partners", label=_("Pairs from the linkage unit"), resumable=True)
def import_job(job: runner.Context) -> None:
    """All or nothing, in one transaction: safe to run again after a crash."""
    run = PartnerRun.objects.get(pk=job.params["run"])
    assert job.user is not None  # noqa: S101 - started from the run's page
    report = do_import_pairs(job.user, run, job.input())
    next_url = reverse("matching:partner_run", args=[run.pk])
    if report.errors:
        job.report(error=str(_("Nothing was imported: fix these rows.")), next_url=next_url, rows=report.errors)
        raise runner.JobRefused("rows")
    job.count(created=report.created)
    job.report(str(_("%(n)d matches to review.")) % {"n": report.created}, next_url=next_url)


@transaction.atomic
def do_export_encodings(
    user: User, partner: str, key: bytes, on_progress: Callable[[int, int], None] | None = None
) -> tuple[PartnerRun, dict[str, Any]]:
    """Encode every current person under a fresh per-run key; the key is used and forgotten."""
    people = list(Person.objects.filter(merged_into__isnull=True).prefetch_related("contacts").order_by("pk"))
    if on_progress is not None:
        on_progress(0, len(people))
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


@transaction.atomic
def do_decide_partner_match(user: User, match: PartnerMatch, decision: str) -> PartnerMatch:
    match = PartnerMatch.objects.select_for_update().get(pk=match.pk)
    match.decision, match.decided_by, match.decided_at = decision, user, timezone.now()
    match.save(update_fields=["decision", "decided_by", "decided_at"])
    audit(user, Action.UPDATE, match, fields=["decision"])
    return match
