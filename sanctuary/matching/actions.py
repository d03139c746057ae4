"""Duplicate finding in the product: keys on save, candidates before saving, scans that fill
the review queue, and merging that keeps both histories."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ON_HOLD, require_settled
from sanctuary.audit.log import record as audit
from sanctuary.audit.models import Action
from sanctuary.background import runner
from sanctuary.background.models import Job, JobState
from sanctuary.lib import db
from sanctuary.lib.refusal import Refusal
from sanctuary.linkage.blocking import blocking_keys
from sanctuary.linkage.records import Record, prepare
from sanctuary.matching import scoring
from sanctuary.matching.models import Decision, MatchReview, PersonMatchKey
from sanctuary.matching.records import record_for
from sanctuary.people import watch
from sanctuary.people.merge import Preview, do_merge, preview
from sanctuary.people.models import Person
from sanctuary.vault.fields import index_for

if TYPE_CHECKING:
    from sanctuary.accounts.models import User
    from sanctuary.linkage.finder import Pair
    from sanctuary.linkage.stored import Stored

log = logging.getLogger(__name__)


def _rule(key: str) -> str:
    for index, char in enumerate(key):
        if char in ":@?":
            return key[:index]
    return key


def hashed_keys(record: Record) -> dict[str, str]:
    """Blocking key HMAC -> rule, for one record (the vault must be unsealed)."""
    return {index_for("block", key, str): _rule(key) for key in blocking_keys(prepare(record))}


def refresh_match_keys(people: Iterable[Person]) -> None:
    people = list(people)
    PersonMatchKey.objects.filter(person__in=people).delete()
    PersonMatchKey.objects.bulk_create(
        [
            PersonMatchKey(person=person, key=key, rule=rule)
            for person in people
            for key, rule in hashed_keys(record_for(person)).items()
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


def candidates_for(record: Record, exclude: int | None = None) -> list[tuple[int, list[str]]]:
    """People sharing at least one blocking key with ``record``: (person id, rules shared),
    most shared keys first."""
    keys = hashed_keys(record)
    shared: dict[int, set[str]] = defaultdict(set)
    for person_id, key in PersonMatchKey.objects.filter(key__in=list(keys)).values_list("person_id", "key"):
        if person_id != exclude:
            shared[person_id].add(keys[key])
    merged = set(Person.objects.filter(pk__in=list(shared), merged_into__isnull=False).values_list("pk", flat=True))
    ranked = sorted(((pk, sorted(rules)) for pk, rules in shared.items() if pk not in merged), key=lambda x: -len(x[1]))
    return ranked


def queue_pair(a: int, b: int, score: float, agreements: dict[str, str]) -> MatchReview | None:
    """Add a pair to the review queue unless it is there already (decided or not): the new
    pair, or None. A likely duplicate of someone rejected or flagged alerts the vetting team
    too (the watch list)."""
    low, high = sorted((a, b))
    review, created = MatchReview.objects.get_or_create(
        person_a_id=low, person_b_id=high, defaults={"score": score, "agreements": agreements}
    )
    if not created:
        return None
    watch.pair_found(low, high, list(agreements))
    return review


def _records(pks: Iterable[int]) -> dict[int, Record]:
    people = Person.objects.filter(pk__in=list(pks)).prefetch_related("contacts")
    return {person.pk: record_for(person) for person in people}


def _evidence(pair: Pair | None, fallback: dict[str, str]) -> tuple[float, dict[str, str]]:
    """A scored pair's probability and what agreed, per field and level as a scan says it;
    when no field spoke for the match, the keys it was queued by."""
    if pair is None:
        return 0.0, fallback
    return pair.score, pair.agreements or fallback


@db.atomic
def do_queue_likely_duplicates(user: User | None, person: Person, matches: list[tuple[int, list[str]]]) -> int:
    """The people sharing a blocking key with ``person`` as it was saved (created or edited),
    to the review queue, each pair scored by the model of the last scan (``scoring``), as a
    scan would score it. Pairs already in the queue (decided or not) are left as they are.
    Returns how many pairs were added."""
    if not matches:
        return 0
    others = [pk for pk, _rules in matches if pk != person.pk]
    Person.objects.lock_rows([person.pk, *others])  # one lock order with do_decide and merges
    scored = scoring.score_pairs(scoring.current(), [(person.pk, pk) for pk in others], _records([person.pk, *others]))
    added = 0
    for other, rules in matches:
        if other == person.pk:
            continue
        score, agreements = _evidence(
            scored.get((min(person.pk, other), max(person.pk, other))), dict.fromkeys(rules, "same key")
        )
        review = queue_pair(person.pk, other, score, agreements)
        if review is not None:
            audit(user, Action.CREATE, review, fields=["score", "agreements"])
            added += 1
    return added


SCAN = "matching.scan"


def start_scan(user: User | None) -> Job:
    """A scan of the whole register, as a job (it runs where the unsealed keys are); the
    review page follows its progress. One at a time: a running scan is returned instead."""
    running = Job.objects.filter(kind=SCAN, state__in=[JobState.QUEUED, JobState.RUNNING]).first()
    return running or runner.start(SCAN, user)


@runner.kind(SCAN, module="duplicates", label=_("Duplicate scan"), resumable=True)
def run_scan(job: runner.Context) -> None:
    """Read every current person, find likely pairs, queue the new ones. Safe to run again:
    a pair already in the queue is never added twice."""
    from sanctuary.linkage.finder import Options, run  # rapidfuzz and the model load only when scanning
    from sanctuary.linkage.stored import default, learned_enough

    people = Person.objects.filter(merged_into__isnull=True).prefetch_related("contacts").order_by("pk")
    total = people.count()
    job.progress(0, total, "reading")
    records = []
    for n, person in enumerate(people.iterator(chunk_size=1000), start=1):
        records.append(record_for(person))
        if n % 500 == 0:
            job.progress(n)
    job.progress(total, stage="matching")
    result = run(records, Options())
    learned = learned_enough(result.model)
    if not learned:  # too little to learn from: the model learned before, else the defaults
        before = scoring.current()
        learned = before.learned
        result = run(records, Options(), model=(before if learned else default(len(records))).model)
    kept = scoring.keep(result, learned=learned, job=job.job)
    audit(job.user, Action.CREATE, kept, fields=["parameters"])
    job.progress(total, stage="saving")
    model = scoring.current()
    by_id = {int(record.record_id): record for record in records}
    found = {(min(int(p.a), int(p.b)), max(int(p.a), int(p.b))): p for p in result.matches}
    added = sum(queue_pair(a, b, pair.score, pair.agreements) is not None for (a, b), pair in found.items())
    added += _queue_shared_identifiers(model, by_id)
    rescored = _rescore_waiting(model, by_id, found)
    job.count(found=added, rescored=rescored)
    job.progress(total, stage="done")
    audit(job.user, Action.CREATE, job.job, fields=["found"])


IDENTIFIER_RULES = {"nrc": "NRC", "svc": "service number", "tel": "phone"}


def _queue_shared_identifiers(model: Stored, records: dict[int, Record], max_group: int = 20) -> int:
    """People sharing an NRC, service number or phone always deserve a look, whatever the
    scan's threshold: they are queued, scored like any other pair."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    keys = PersonMatchKey.objects.filter(rule__in=list(IDENTIFIER_RULES), person__merged_into__isnull=True)
    for key, person_id, rule in keys.values_list("key", "person_id", "rule"):
        groups[key].append((person_id, rule))
    shared: dict[tuple[int, int], dict[str, str]] = {}
    for members in groups.values():
        if not 2 <= len(members) <= max_group:
            continue
        for i, (a, rule) in enumerate(members):
            for b, _rule in members[i + 1 :]:
                shared.setdefault((min(a, b), max(a, b)), {})[IDENTIFIER_RULES[rule]] = "same"
    known = set(MatchReview.objects.values_list("person_a_id", "person_b_id"))
    new = {pair: rules for pair, rules in shared.items() if pair not in known}
    scored = scoring.score_pairs(model, new, records)
    queued = 0
    for (a, b), rules in new.items():
        score, agreements = _evidence(scored.get((a, b)), rules)
        queued += queue_pair(a, b, score, agreements) is not None
    return queued


WAITING = (Decision.PENDING, Decision.UNSURE)


def _rescore_waiting(model: Stored, records: dict[int, Record], found: dict[tuple[int, int], Pair]) -> int:
    """Pairs still waiting for a reviewer take the scores of the model just kept: the scan's
    own for the pairs it found, the same model's for the others (queued at creation or for a
    shared identifier). A proposed "same person" keeps the score its proposer saw, for the
    second reviewer, and decided pairs keep theirs as history."""
    waiting = list(
        MatchReview.objects.filter(decision__in=WAITING).values_list(
            "pk", "person_a_id", "person_b_id", "score", "agreements"
        )
    )
    others = [(a, b) for _pk, a, b, _s, _g in waiting if (a, b) not in found]
    scored = {**scoring.score_pairs(model, others, records), **found}
    changed = 0
    for pk, a, b, score, agreements in waiting:
        pair = scored.get((a, b))
        if pair is None or (pair.score == score and (pair.agreements or agreements) == agreements):
            continue
        changed += MatchReview.objects.filter(pk=pk, decision__in=WAITING).update(
            score=pair.score, agreements=pair.agreements or agreements
        )
    return changed


def merge_order(review: MatchReview) -> tuple[Person, Person]:
    """Which record a confirmed pair keeps (the older) and which it folds into it."""
    primary, secondary = sorted((review.person_a, review.person_b), key=lambda p: (p.created_at, p.pk))
    return primary, secondary


def confirmation(user: User, review: MatchReview) -> Preview:
    """What the second reviewer is shown before confirming "same person"."""
    return preview(user, *merge_order(review))


@db.atomic
def do_decide(user: User, review: MatchReview, decision: str, *, seen: str = "") -> MatchReview:
    """One reviewer's answer. "Same person" takes two: the first proposes it, a second, other
    reviewer confirms it, and only then are the records merged (the older one is kept).
    The confirmation carries ``seen``, the fingerprint of what the confirmation page said the
    merge would do (:func:`confirmation`): if that changed, nothing is merged.
    "Different" or "not sure" from anyone settles or parks the pair. A refused merge
    (MergeRefused) undoes the confirmation too."""
    # Both people first, in id order, then the pair (one lock order with every other writer).
    list(
        Person.objects.select_for_update()
        .filter(pk__in=[review.person_a_id, review.person_b_id])
        .order_by("pk")
        .values_list("pk")
    )
    found = MatchReview.objects.select_for_update().filter(pk=review.pk).first()
    if found is None:  # one of the two records was merged with a third meanwhile: the pair went with it
        raise MatchRefused("gone")
    review = found
    if review.decision in {Decision.SAME, Decision.DIFFERENT}:  # decided meanwhile by someone else
        raise MatchRefused("decided")
    now = timezone.now()
    if decision == Decision.SAME and review.decision != Decision.PROPOSED:
        review.decision, review.proposed_by, review.proposed_at = Decision.PROPOSED, user, now
        review.save(update_fields=["decision", "proposed_by", "proposed_at"])
        audit(user, Action.UPDATE, review, fields=["decision"])
        return review
    if decision == Decision.SAME and review.proposed_by_id == user.pk:
        raise MatchRefused("same_reviewer")
    if decision == Decision.SAME:  # the second reviewer's confirmation of a merge
        require_settled(user, MatchRefused)
        if not seen:
            raise MatchRefused("look_first")
    review.decision, review.decided_by, review.decided_at = decision, user, now
    review.save(update_fields=["decision", "decided_by", "decided_at"])
    audit(user, Action.UPDATE, review, fields=["decision"])
    if decision == Decision.SAME:
        do_merge(user, *merge_order(review), seen=seen)
    return review


class MatchRefused(Refusal):
    messages = {
        "decided": _("Already decided."),
        "same_reviewer": _("You proposed this: a second reviewer must confirm that it is the same person."),
        "look_first": _("Look at what the merge will do before confirming it."),
        "gone": _("One of these records was merged with another meanwhile: this pair is no longer asked about."),
        "on_hold": ON_HOLD,
    }
