"""One way to score a pair of people: the model of the last scan.

A scan (``actions.run_scan``) keeps the model it scored with as a :class:`LinkageModel` row,
in the engine's own format (``sanctuary.linkage.stored``). Every pair queued between scans, a
person just saved and the people sharing a key with them, or people sharing an NRC, service
number or phone, is scored here with that model: the engine's comparison, rule and
parameters, so the same two people get the same probability and the same agreements, in
the same words, whichever way they reached the queue. Before any scan, the engine's defaults.

The term frequencies a scan keeps are keyed by :func:`blind`, a keyed HMAC of the vault (as
blocking keys are): the row holds no name, date or town in clear.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

from sanctuary.matching.models import LinkageModel
from sanctuary.people.models import Person
from sanctuary.vault.fields import index_for

if TYPE_CHECKING:
    from datetime import datetime

    from sanctuary.background.models import Job
    from sanctuary.linkage.finder import Pair, Result
    from sanctuary.linkage.records import Record
    from sanctuary.linkage.stored import Stored

log = logging.getLogger(__name__)

BLIND_PURPOSE = "linkage-tf"
KEEP = 10  # models kept: the last few, to see when scoring changed; older ones are deleted


def blind(text: str) -> str:
    """The token a term-frequency value is kept under (the vault must be unsealed)."""
    return index_for(BLIND_PURPOSE, text, str)


@lru_cache(maxsize=4)
def _load(pk: int, fitted_at: datetime) -> Stored:
    from sanctuary.linkage.stored import from_json

    return from_json(LinkageModel.objects.values_list("parameters", flat=True).get(pk=pk))


def current() -> Stored:
    """The model of the last scan, or the engine's defaults for a register of today's size
    when no scan has kept one this engine can read."""
    from sanctuary.linkage.stored import Incompatible, default

    row = LinkageModel.objects.order_by("-fitted_at", "-id").values_list("pk", "fitted_at").first()
    if row is not None:
        try:
            return _load(*row)
        except Incompatible:  # kept by an older engine: the defaults until the next scan
            log.info("duplicate scoring model %s is of another engine version: using the defaults", row[0])
    return default(Person.objects.filter(merged_into__isnull=True).count())


def keep(result: Result, *, learned: bool, job: Job | None = None) -> LinkageModel:
    """Keep the model a scan scored with (and its register's term frequencies, by token)."""
    from sanctuary.linkage import stored

    kept = stored.keep(result, learned=learned, blind=blind)
    row = LinkageModel.objects.create(
        engine=stored.ENGINE, learned=learned, records=kept.records, parameters=stored.to_json(kept), job=job
    )
    old = LinkageModel.objects.order_by("-fitted_at", "-id").values_list("pk", flat=True)[KEEP:]
    LinkageModel.objects.filter(pk__in=list(old)).delete()
    return row


def score_pairs(
    model: Stored, pairs: Iterable[tuple[int, int]], records: Mapping[int, Record]
) -> dict[tuple[int, int], Pair]:
    """Each pair of person ids (either order) scored with ``model``, keyed (lower id, higher
    id); ``records`` are the people's matcher views (``records.record_for``)."""
    from sanctuary.linkage.stored import score

    ordered = sorted({(min(a, b), max(a, b)) for a, b in pairs if a != b and a in records and b in records})
    ids = sorted({pk for pair in ordered for pk in pair})
    position = {pk: i for i, pk in enumerate(ids)}
    scored = score(model, [records[pk] for pk in ids], [(position[a], position[b]) for a, b in ordered], blind)
    return dict(zip(ordered, scored, strict=True))
