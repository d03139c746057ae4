"""Every write of the family stage: one transaction each, with its audit record (field names
and codes only, never values). Nothing is written to the person's shared timeline: every
role that may see the person reads it, and the family is the family card's (module.py).

Two kinds of action reach beyond our records, and each is a **contact path**
(``sanctuary.people.contact.path``) that asks ``contact.check`` before it writes: recording a
contact made with a relative (:func:`do_record_contact`), and a tracing step that asks a
partner, the Red Cross or a peer network about the relative (:func:`do_trace`). Tracing asks
the person's consent too (``consent.require(person, Purpose.TRACING, recipient)``), inside the
same transaction. Everything else changes only our own records of the family.

Loosening a relative's contact rule, or recording its intermediary or channel, needs the
user's approved true-identity grant for the person (itself two-person approved); tightening
is one step for anyone with access.

One lock order everywhere: the person's consent records first (``consent.require`` locks
them), then the tracing request, then the relative. A withdrawal of tracing consent closes
the searches it no longer allows (:func:`close_searches_without_consent`, registered in
module.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary import consent
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.consent.models import Purpose
from sanctuary.consent.rules import ConsentRefused
from sanctuary.consent.rules import find as find_consent
from sanctuary.family.models import (
    DETENTION_KINDS,
    TRANSITIONS,
    ContactMade,
    ContactRule,
    EventKind,
    Outcome,
    Relative,
    RelativeEvent,
    TracingAction,
    TracingRequest,
    TracingState,
    relative_ref,
)
from sanctuary.lib.bounds import CONTACT, REFUSALS, refuse_outside
from sanctuary.lib.refusal import Refusal
from sanctuary.people import contact
from sanctuary.people.contact import ContactRefused, How, Means
from sanctuary.people.models import IdentityRequest
from sanctuary.vault import state as vault_state
from sanctuary.vault.fields import is_placeholder

if TYPE_CHECKING:
    from sanctuary.accounts.models import User
    from sanctuary.consent.models import ConsentRecord, Recipient
    from sanctuary.people.models import Person


class FamilyRuleError(Refusal):
    messages = {
        "intermediary_needed": _("Name the intermediary: the rule says contact only through them."),
        "channel_needed": _("Name the safe channel: the rule says contact only by it."),
        "future": _("The date cannot be in the future."),
        "merged": _("This record was folded into another one: work on the record kept."),
        "tracing_open": _("A search for this relative is already open."),
        "tracing_closed": _("This search is closed."),
        "transition": _("A search cannot go from “%(old)s” to “%(new)s”."),
        "answered": _("The outcome of this step was already recorded."),
        "waiting": _("Choose what came of it."),
        "needs_grant": _(
            "Loosening a contact rule, or recording its intermediary or channel, needs your approved "
            "true-identity grant for this person. Ask for it first; making the rule stricter needs nothing."
        ),
        "no_consent": _("The person's consent for tracing is no longer in force: this search may only be closed."),
        **REFUSALS,
    }


# Which form field each refusal is shown beside ("" = above the form).
FIELD_OF = {
    "intermediary_needed": "intermediary",
    "channel_needed": "channel",
    "future": "on",
    "transition": "state",
    "needs_grant": "contact_rule",
    "waiting": "outcome",
}


def _check_rule(data: Mapping[str, Any]) -> tuple[str, str]:
    """The named intermediary or channel the rule needs; the other is cleared."""
    rule = data.get("contact_rule") or ContactRule.NEVER
    intermediary, channel = data.get("intermediary", ""), data.get("channel", "")
    if rule == ContactRule.INTERMEDIARY and not intermediary:
        raise FamilyRuleError("intermediary_needed")
    if rule == ContactRule.CHANNEL and not channel:
        raise FamilyRuleError("channel_needed")
    return (intermediary if rule == ContactRule.INTERMEDIARY else ""), (channel if rule == ContactRule.CHANNEL else "")


RELATIVE_FIELDS = ("relation", "name", "village", "age_band", "region", "in_danger", "contact_rule")


@transaction.atomic
def do_add_relative(user: User, person: Person, data: Mapping[str, Any]) -> Relative:
    """A relative at home, with their contact rule ("never contact" unless chosen)."""
    if person.merged_into_id is not None:
        raise FamilyRuleError("merged")
    intermediary, channel = _check_rule(data)
    relative = Relative(person=person, created_by=user, intermediary=intermediary, channel=channel)
    for name in RELATIVE_FIELDS:
        if name in data:
            setattr(relative, name, data[name])
    relative.contact_rule = data.get("contact_rule") or ContactRule.NEVER
    relative.save()
    fields = [name for name in RELATIVE_FIELDS if data.get(name)] + ["contact_rule"]
    record(
        user,
        Action.CREATE,
        relative,
        fields=fields + (["intermediary"] if intermediary else []) + (["channel"] if channel else []),
    )
    return relative


# How strict each rule is: a change to a less strict rule loosens it.
STRICTNESS: dict[str, int] = {
    ContactRule.NEVER: 3,
    ContactRule.EMERGENCY: 2,
    ContactRule.INTERMEDIARY: 1,
    ContactRule.CHANNEL: 1,
}


def loosens(old: str, new: str) -> bool:
    """Whether going from rule ``old`` to ``new`` allows more contact (away from "never", or
    from "only in an emergency" to an intermediary or a channel). Unknown rules count as
    "never" before and as the loosest after."""
    return STRICTNESS.get(new, 0) < STRICTNESS.get(old, STRICTNESS[ContactRule.NEVER])


@transaction.atomic
def do_update_relative(user: User, relative: Relative, data: Mapping[str, Any]) -> Relative:
    """Correct a relative's details or change their contact rule. ``data`` holds only what
    the form showed: without the true-identity grant, name and village stay as they are.

    Loosening the rule, or recording a new intermediary or channel, needs the user's active
    true-identity grant for the person (approved by a second person): one person alone may
    not open a way to a family, nor replace a hidden intermediary they cannot see.
    Tightening is one step. The audit names the old and new rule by code."""
    relative = Relative.objects.select_for_update().select_related("person").get(pk=relative.pk)
    old_rule = relative.contact_rule
    new_rule = data.get("contact_rule", old_rule) or ContactRule.NEVER
    merged = {"intermediary": relative.intermediary, "channel": relative.channel, **data}
    new_means = [n for n in ("intermediary", "channel") if data.get(n) and data[n] != getattr(relative, n)]
    if (loosens(old_rule, new_rule) or new_means) and IdentityRequest.objects.active_grant(
        user, relative.person
    ) is None:
        raise FamilyRuleError("needs_grant")
    intermediary, channel = _check_rule({**merged, "contact_rule": new_rule})
    changed = []
    values = {name: data[name] for name in RELATIVE_FIELDS if name in data}
    values.update(intermediary=intermediary, channel=channel, contact_rule=new_rule)
    for name, value in values.items():
        if getattr(relative, name) != value:
            changed.append(f"contact_rule:{old_rule}->{new_rule}" if name == "contact_rule" else name)
            setattr(relative, name, value)
    if changed:
        relative.save()
        record(user, Action.UPDATE, relative, fields=changed)
        if any(name.startswith("contact_rule") or name in ("intermediary", "channel") for name in changed):
            contact.rule_changed(relative_ref(relative))  # what was prepared under the old rule is dropped
    return relative


def _detained_now(relative: Relative) -> bool:
    latest = (
        RelativeEvent.objects.filter(relative=relative, kind__in=DETENTION_KINDS)
        .order_by("-on", "-id")
        .values_list("kind", flat=True)
        .first()
    )
    return latest == EventKind.DETAINED


@transaction.atomic
def do_record_event(user: User, relative: Relative, data: Mapping[str, Any]) -> RelativeEvent:
    """Something done to a relative (visited, questioned, detained …) on a day that may be
    partly known (``on``: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, as the form cleaned it).
    A detention or a release sets whether the relative is detained now."""
    relative = Relative.objects.select_for_update().select_related("person").get(pk=relative.pk)
    on = data["on"]
    if on > timezone.localdate().isoformat():
        raise FamilyRuleError("future")
    kind = data["kind"]
    detention = kind == EventKind.DETAINED
    event = RelativeEvent.objects.create(
        person=relative.person,
        relative=relative,
        kind=kind,
        on=on,
        source=data["source"],
        detained_where=data.get("detained_where", "") if detention else "",
        detained_by=data.get("detained_by", "") if detention else "",
        note=data.get("note", ""),
        recorded_by=user,
    )
    fields = ["kind", "on", "source"] + [
        name for name in ("detained_where", "detained_by", "note") if data.get(name) and (detention or name == "note")
    ]
    record(user, Action.CREATE, event, fields=fields)
    if kind in DETENTION_KINDS:
        now = _detained_now(relative)
        if now != relative.detained_now:
            relative.detained_now = now
            relative.save(update_fields=["detained_now"])
    return event


# --- The contact check for relatives (registered in module.py) --------------------------------------


def check_contact_rule(pk: int, means: Means, user: Any) -> None:
    """``sanctuary.people.contact`` asks this for ``"relative:<pk>"``: refuse unless the
    relative's rule allows ``means``. The relative is read locked, through the user's access
    (a relative the user may not see is unknown). Nobody names the intermediary or the
    channel: the means is "through the recorded one", and the recorded one must be readable
    (not empty, not a placeholder while sealed); it is never shown."""
    relative = Relative.objects.visible_to(user).select_for_update().filter(pk=pk).first()
    if relative is None:
        raise ContactRefused("unknown")
    rule = relative.contact_rule
    if rule == ContactRule.INTERMEDIARY and means.how != How.INTERMEDIARY:
        raise ContactRefused("intermediary")
    if rule == ContactRule.CHANNEL and means.how != How.CHANNEL:
        raise ContactRefused("channel")
    if rule == ContactRule.EMERGENCY and not means.emergency:
        raise ContactRefused("emergency")
    if rule in (ContactRule.INTERMEDIARY, ContactRule.CHANNEL, ContactRule.EMERGENCY):
        if means.how != How.DIRECT and not recorded_through(relative, means.how):
            raise ContactRefused("not_recorded")  # none on file, or sealed, or unreadable
        return
    raise ContactRefused("never")  # "never contact", and any rule this code does not know


def recorded_through(relative: Relative, how: str) -> str:
    """The intermediary or channel recorded on the relative for ``how``, or "" when there is
    none or it cannot be read (sealed, unreadable)."""
    value: Any = relative.intermediary if how == How.INTERMEDIARY else relative.channel if how == How.CHANNEL else ""
    if is_placeholder(value) or vault_state.is_sealed():
        return ""
    return str(value or "").strip()


# --- Contact paths ---------------------------------------------------------------------------------


@contact.path("family.record_contact", target=lambda user, relative, *rest, **named: relative_ref(relative))
def do_record_contact(user: User, relative: Relative, means: Means, on: date, note: str = "") -> ContactMade:
    """A contact made with a relative: only as their rule allows (checked first, under lock)."""
    contact.check(relative_ref(relative), means, user)
    refuse_outside(on, CONTACT, FamilyRuleError)
    if on > timezone.localdate():
        raise FamilyRuleError("future")
    relative = Relative.objects.select_related("person").get(pk=relative.pk)
    made = ContactMade.objects.create(
        person=relative.person,
        relative=relative,
        how=means.how,
        through=recorded_through(relative, means.how),  # the recorded one, filled in here
        emergency=means.emergency,
        reason=means.reason if means.emergency else "",
        on=on,
        note=note,
        made_by=user,
    )
    fields = (
        ["how", "on"] + (["through"] if made.through else []) + (["emergency", "reason"] if means.emergency else [])
    )
    record(user, Action.CREATE, made, fields=fields + (["note"] if note else []))
    return made


@transaction.atomic
def do_open_tracing(user: User, relative: Relative, note: str = "") -> TracingRequest:
    """Open the search for a missing relative: needs the person's consent for tracing (used
    inside the organisation). It asks nobody outside yet: each step (:func:`do_trace`) does."""
    person = Relative.objects.select_related("person").get(pk=relative.pk).person
    if person.merged_into_id is not None:
        raise FamilyRuleError("merged")
    allowed = consent.require(person, Purpose.TRACING)  # consent records first …
    relative = Relative.objects.select_for_update().select_related("person").get(pk=relative.pk)  # … then the relative
    if TracingRequest.objects.filter(relative=relative).exclude(state=TracingState.CLOSED).exists():
        raise FamilyRuleError("tracing_open")
    try:
        with transaction.atomic():
            tracing = TracingRequest.objects.create(
                person=relative.person, relative=relative, consent=allowed, note=note, opened_by=user
            )
    except IntegrityError:  # opened twice at once
        raise FamilyRuleError("tracing_open") from None
    record(user, Action.CREATE, tracing, fields=["relative", "consent"] + (["note"] if note else []))
    return tracing


def _person_of(tracing: TracingRequest, open_only: bool = False) -> Person:
    """The request's person, read without a lock (the consent records are locked before the
    request); refused at once when ``open_only`` and the search is closed (checked again
    under the lock)."""
    found = TracingRequest.objects.select_related("person").get(pk=tracing.pk)
    if open_only and found.state == TracingState.CLOSED:
        raise FamilyRuleError("tracing_closed")
    return found.person


def _lock(tracing: TracingRequest) -> TracingRequest:
    return TracingRequest.objects.select_for_update().select_related("person", "relative").get(pk=tracing.pk)


@contact.path("family.trace", target=lambda user, tracing, *rest, **named: f"relative:{tracing.relative_id}")
def do_trace(
    user: User,
    tracing: TracingRequest,
    kind: str,
    recipient: Recipient,
    means: Means,
    asked: str = "",
    asked_on: date | None = None,
) -> TracingAction:
    """Ask a partner, the Red Cross or a peer network about the relative: with the person's
    consent for tracing with that recipient, and only as the relative's contact rule allows
    (the partner will reach them). An open search moves to "tracing"."""
    person = _person_of(tracing, open_only=True)
    consent.require(person, Purpose.TRACING)  # the search itself is still allowed …
    allowed = consent.require(person, Purpose.TRACING, recipient)  # … and asking this partner
    tracing = _lock(tracing)
    if tracing.state == TracingState.CLOSED:
        raise FamilyRuleError("tracing_closed")
    contact.check(relative_ref(tracing.relative), means, user)  # locks the relative, last
    asked_on = asked_on or timezone.localdate()
    if asked_on > timezone.localdate():
        raise FamilyRuleError("future")
    step = TracingAction.objects.create(
        person=tracing.person,
        request=tracing,
        kind=kind,
        recipient=recipient,
        consent=allowed,
        asked=asked,
        asked_on=asked_on,
        created_by=user,
    )
    record(
        user, Action.CREATE, step, fields=["kind", "recipient", "consent", "asked_on"] + (["asked"] if asked else [])
    )
    if tracing.state == TracingState.OPEN:
        _move(user, tracing, TracingState.TRACING)
    return step


# --- The rest of a search ----------------------------------------------------------------------------


def _move(user: User, tracing: TracingRequest, state: str, *why: str) -> None:
    if state not in TRANSITIONS[tracing.state]:
        raise FamilyRuleError(
            "transition",
            old=TracingState(tracing.state).label,
            new=TracingState(state).label if state in TracingState.values else state,
        )
    tracing.state, tracing.changed_at = state, timezone.now()
    tracing.save(update_fields=["state", "changed_at"])
    record(user, Action.STATUS, tracing, fields=["state", *why])


def _require_tracing_consent(person: Person, recipient: Recipient | None = None) -> None:
    try:
        consent.require(person, Purpose.TRACING, recipient)
    except ConsentRefused as refused:
        raise FamilyRuleError("no_consent") from refused


@transaction.atomic
def do_change_tracing(user: User, tracing: TracingRequest, state: str) -> TracingRequest:
    """Open → tracing → located → verified → closed (a located relative may go back to
    tracing when it was not them; any open search may be closed). Every move but closing
    needs the person's consent for tracing, still in force."""
    person = _person_of(tracing)
    if state != TracingState.CLOSED:
        _require_tracing_consent(person)
    tracing = _lock(tracing)
    _move(user, tracing, state)
    return tracing


@transaction.atomic
def do_record_outcome(
    user: User, step: TracingAction, outcome: str, note: str = "", on: date | None = None
) -> TracingAction:
    """What came of asking (no news, found, not found …), once, on an open search, while the
    person's consent for tracing (inside and with that partner) is in force."""
    step = TracingAction.objects.select_related("person", "recipient").get(pk=step.pk)
    _person_of(step.request, open_only=True)
    _require_tracing_consent(step.person)
    _require_tracing_consent(step.person, step.recipient)
    tracing = _lock(step.request)
    if tracing.state == TracingState.CLOSED:
        raise FamilyRuleError("tracing_closed")
    step = TracingAction.objects.select_for_update().get(pk=step.pk)
    if step.outcome != Outcome.WAITING:
        raise FamilyRuleError("answered")
    if outcome == Outcome.WAITING:
        raise FamilyRuleError("waiting")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise FamilyRuleError("future")
    step.outcome, step.outcome_note, step.outcome_on = outcome, note, on
    step.save(update_fields=["outcome", "outcome_note", "outcome_on"])
    record(user, Action.STATUS, step, fields=["outcome", "outcome_on"] + (["outcome_note"] if note else []))
    return step


# --- A withdrawal of tracing consent (registered in module.py) ------------------------------------------


def close_searches_without_consent(withdrawn: ConsentRecord, user: Any) -> None:
    """Inside the withdrawal's transaction (the consent records are locked already): close
    every open search of the person that their consent for tracing no longer allows, audited
    with the reason's code. Steps with a partner whose consent was withdrawn cannot get an
    outcome recorded (:func:`do_record_outcome` asks again)."""
    if withdrawn.purpose != Purpose.TRACING:
        return
    person = withdrawn.person
    if find_consent(person, Purpose.TRACING) is not None:
        return
    for tracing in TracingRequest.objects.select_for_update().filter(person=person).still_open().order_by("pk"):
        _move(user, tracing, TracingState.CLOSED, "closed:consent_withdrawn")
