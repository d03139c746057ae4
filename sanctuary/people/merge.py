"""Merging two records of one person: one transaction that completes, or a refusal that
says what blocks it. Never a half-merged pair, never a 500.

Each app knows its own rows and constraints and declares a merge step in its ``module.py``
(``sanctuary.lib.stages.MergeStep``): ``check`` lists what blocks the merge (two open stays,
two pending decisions …), ``apply`` moves or keeps its rows. :func:`do_merge` locks both
records, asks every step, refuses with all the reasons at once, or applies every step and
marks the second record merged into the first. The merged record stays (nothing is
deleted, the audit trail holds); it is no longer shown in lists.

Before a merge is confirmed, :func:`preview` gives what blocks it and what it will do
(``warn``: a record needing vetting again, grants ending), with a fingerprint of that. The
confirmation posts the fingerprint back and :func:`do_merge` compares it with what holds
once both records are locked: a confirmer never approves something that changed after
they looked (one of the records accepted or rejected meanwhile).

A model with a foreign key to a person that no step claims blocks every merge that would
leave its rows behind: a new app cannot be merged blindly by reflection and ``update()``.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record as audit
from sanctuary.audit.models import Action
from sanctuary.lib import stages
from sanctuary.lib.refusal import Refusal
from sanctuary.people import timeline
from sanctuary.people.models import EventKind, Person, PersonEvent
from sanctuary.vault import files
from sanctuary.vault.fields import rebind_to_parent

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

log = logging.getLogger(__name__)


class MergeRefused(Refusal):
    messages = {
        "same": _("A record cannot be merged with itself."),
        "already_merged": _("One of these records was merged already."),
        "blocked": _("These records cannot be merged yet: %(reasons)s"),
        "no_step": _("records of %(model)s cannot be merged yet (no merge step)"),
        "changed": _("These records changed after you looked at them: look again before confirming."),
    }

    def __init__(self, code: str, blockers: list[str] | None = None, **params: Any) -> None:
        self.blockers = blockers or []
        if blockers:
            params["reasons"] = "; ".join(blockers)
        super().__init__(code, **params)


@dataclass
class Merge:
    """What a merge step works with: who merges, the record kept (``primary``) and the one
    folded into it (``secondary``), both locked. Steps add notes for the timeline (messages
    their stage declares, said in the reader's language) and record the files they write, so
    a failed merge leaves no orphan file."""

    user: User
    primary: Person
    secondary: Person
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    written_files: list[str] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)

    def move(self, queryset: models.QuerySet[Any], field_name: str = "person") -> int:
        """Point every row of ``queryset`` at the primary record. Encrypted values bound to
        their person (``EncryptedModel.VAULT_PARENT``) are encrypted again for their new person."""
        model = queryset.model
        rows = queryset.filter(**{field_name: self.secondary})
        if getattr(model, "VAULT_PARENT", None) == field_name:
            bound = list(rows.order_by("pk"))
            for row in bound:
                rebind_to_parent(row, self.primary)
            count = len(bound)
        else:
            count = rows.update(**{field_name: self.primary})
        if count:
            label = model._meta.label
            self.moved[label] = self.moved.get(label, 0) + count
        return count

    def note(self, code: str, /, **params: Any) -> None:
        """Say on the kept record's timeline what this step did: a timeline message of the
        step's stage (``Stage.timeline_messages``) and its parameters (codes, counts, never
        a name)."""
        self.notes.append((code, params))

    def wrote_file(self, name: str) -> None:
        self.written_files.append(name)

    def delete_file_on_commit(self, name: str) -> None:
        transaction.on_commit(lambda: files.delete(name))


def _claimed_models() -> set[str]:
    return {label for _app, step in stages.merge_steps() for label in step.models}


def unclaimed_relations(person: Person) -> list[str]:
    """Models pointing at ``person`` with rows that no merge step takes care of."""
    claimed = _claimed_models()
    missing = []
    # Hidden relations too (``related_name="+"``): they point at people all the same.
    for relation in Person._meta._get_fields(forward=False, reverse=True, include_hidden=True):
        model = relation.related_model
        if not (relation.one_to_many or relation.one_to_one) or model is None or model is Person:
            continue
        label = model._meta.label
        if label in claimed:
            continue
        if model._base_manager.filter(**{relation.field.name: person}).exists():  # type: ignore[union-attr]
            missing.append(label)
    return sorted(set(missing))


def blockers(merge: Merge) -> list[str]:
    """Everything that stops this merge now, in the user's language."""
    reasons = [
        MergeRefused("no_step", model=apps.get_model(label)._meta.verbose_name_plural).message
        for label in unclaimed_relations(merge.secondary)
    ]
    for _app, step in stages.merge_steps():
        reasons.extend(str(reason) for reason in step.check(merge))
    return reasons


def warnings(merge: Merge) -> list[str]:
    """What this merge will do that the confirmer must know, in the user's language."""
    return [str(warning) for _app, step in stages.merge_steps() for warning in step.warn(merge)]


def fingerprint(merge: Merge) -> str:
    """A short hash of which records and what the merge will do, in one language whatever
    the user's, so the confirmation binds to what the page said."""
    with translation.override("en"):
        said = warnings(merge)
    text = "\n".join([f"{merge.primary.pk}<-{merge.secondary.pk}", *said])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Preview:
    blockers: list[str]
    warnings: list[str]
    fingerprint: str


def preview(user: User, primary: Person, secondary: Person) -> Preview:
    """What a second reviewer sees before confirming: what blocks the merge, what it will do,
    and the fingerprint to post back. Changes nothing."""
    merge = Merge(user, primary, secondary)
    return Preview(blockers(merge), warnings(merge), fingerprint(merge))


def do_merge(user: User, primary: Person, secondary: Person, *, seen: str | None = None) -> Merge:
    """Fold ``secondary`` into ``primary``, or raise :class:`MergeRefused` having changed nothing.

    ``seen`` is the :func:`preview` fingerprint the confirmer was shown: the merge is refused
    when what it would do differs now. The review queue always passes it; only code that
    merges on its own (tests, a data repair) leaves it out."""
    if primary.pk == secondary.pk:
        raise MergeRefused("same")
    merge: Merge | None = None
    try:
        with transaction.atomic():
            # Both rows locked, in id order: two opposite merges at once cannot deadlock or
            # fold each record into the other.
            rows = Person.objects.select_for_update().filter(pk__in=[primary.pk, secondary.pk]).order_by("pk")
            locked = {p.pk: p for p in rows}
            kept, folded = locked[primary.pk], locked[secondary.pk]
            if kept.merged_into_id or folded.merged_into_id:
                raise MergeRefused("already_merged")
            merge = Merge(user, kept, folded)
            if seen is not None and seen != fingerprint(merge):
                raise MergeRefused("changed")
            found = blockers(merge)
            if found:
                raise MergeRefused("blocked", blockers=found)
            for _app, step in stages.merge_steps():
                step.apply(merge)
            Person.objects.filter(pk=folded.pk).update(merged_into=kept)
            # Records folded into this one earlier now point at the record kept: a merged
            # record always names a current one, never a chain.
            Person.objects.filter(merged_into=folded).update(merged_into=kept)
            said = timeline.encode([("people.merged_with", {"case_code": folded.case_code}), *merge.notes])
            PersonEvent.objects.create(person=kept, kind=EventKind.MERGED, message=said, actor=user)
            PersonEvent.objects.create(
                person=folded,
                kind=EventKind.MERGED,
                message=timeline.message("people.merged_into", case_code=kept.case_code),
                actor=user,
            )
            # Both ids in both entries (ids, never names): either one tells what became of whom.
            audit(user, Action.MERGE, kept, fields=["merged_records", f"merged_from:{folded.pk}", *sorted(merge.moved)])
            audit(user, Action.MERGE, folded, fields=["merged_into", f"merged_into:{kept.pk}"])
    except BaseException:
        if merge is not None:  # the rows were rolled back: the files written for them go too
            for name in merge.written_files:
                files.delete(name)
        raise
    return merge
