"""Every write of the family stage: one transaction each, with its audit record (field names
only, never values) and, where a case worker must see it in the person's history, a step on
the timeline.

Two kinds of action reach beyond our records, and each is a **contact path**
(``sanctuary.people.contact.path``) that asks ``contact.check`` before it writes: recording a
contact made with a relative (:func:`do_record_contact`), and a tracing step that asks a
partner, the Red Cross or a peer network about the relative (:func:`do_trace`). Tracing asks
the person's consent too (``consent.require(person, Purpose.TRACING, recipient)``), inside the
same transaction. Everything else changes only our own records of the family.
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
from sanctuary.lib.refusal import Refusal
from sanctuary.people import contact
from sanctuary.people.contact import ContactRefused, How, Means, same_name
from sanctuary.people.models import PersonEvent

if TYPE_CHECKING:
    from sanctuary.accounts.models import User
    from sanctuary.consent.models import Recipient
    from sanctuary.people.models import Person

TIMELINE = "family"  # PersonEvent.kind (declared in module.py)


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
    }


# Which form field each refusal is shown beside ("" = above the form).
FIELD_OF = {
    "intermediary_needed": "intermediary",
    "channel_needed": "channel",
    "future": "on",
    "transition": "state",
    "waiting": "outcome",
}


def _timeline(person: Person, actor: User | None, note: str) -> None:
    PersonEvent.objects.create(person=person, kind=TIMELINE, note=note, actor=actor)


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
    _timeline(person, user, str(_("A relative at home was recorded.")))
    return relative


@transaction.atomic
def do_update_relative(user: User, relative: Relative, data: Mapping[str, Any]) -> Relative:
    """Correct a relative's details or change their contact rule. ``data`` holds only what
    the form showed: without the true-identity grant, name and village stay as they are."""
    relative = Relative.objects.select_for_update().get(pk=relative.pk)
    merged = {"intermediary": relative.intermediary, "channel": relative.channel, **data}
    intermediary, channel = _check_rule({"contact_rule": data.get("contact_rule", relative.contact_rule), **merged})
    changed = []
    values = {name: data[name] for name in RELATIVE_FIELDS if name in data}
    values.update(intermediary=intermediary, channel=channel)
    for name, value in values.items():
        if getattr(relative, name) != value:
            changed.append(name)
            setattr(relative, name, value)
    if changed:
        relative.save()
        record(user, Action.UPDATE, relative, fields=changed)
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
    if kind in (EventKind.DETAINED, EventKind.DIED) or relative.in_danger:
        _timeline(relative.person, user, str(_("Family at home: %(what)s.") % {"what": event.get_kind_display()}))
    return event


# --- The contact check for relatives (registered in module.py) --------------------------------------


def check_contact_rule(pk: int, means: Means, user: Any) -> None:
    """``sanctuary.people.contact`` asks this for ``"relative:<pk>"``: refuse unless the
    relative's rule allows ``means``. The relative is read locked, through the user's access
    (a relative the user may not see is unknown), and the intermediary or channel is compared
    here, decrypted, never shown."""
    relative = Relative.objects.visible_to(user).select_for_update().filter(pk=pk).first()
    if relative is None:
        raise ContactRefused("unknown")
    rule = relative.contact_rule
    if rule == ContactRule.INTERMEDIARY:
        if means.how != How.INTERMEDIARY:
            raise ContactRefused("intermediary")
        if not same_name(means.name, str(relative.intermediary)):
            raise ContactRefused("wrong_intermediary")
        return
    if rule == ContactRule.CHANNEL:
        if means.how != How.CHANNEL:
            raise ContactRefused("channel")
        if not same_name(means.name, str(relative.channel)):
            raise ContactRefused("wrong_channel")
        return
    if rule == ContactRule.EMERGENCY:
        if not means.emergency:
            raise ContactRefused("emergency")
        return
    raise ContactRefused("never")  # "never contact", and any rule this code does not know


# --- Contact paths ---------------------------------------------------------------------------------


@contact.path("family.record_contact")
def do_record_contact(user: User, relative: Relative, means: Means, on: date, note: str = "") -> ContactMade:
    """A contact made with a relative: only as their rule allows (checked first, under lock)."""
    contact.check(relative_ref(relative), means, user)
    if on > timezone.localdate():
        raise FamilyRuleError("future")
    relative = Relative.objects.select_related("person").get(pk=relative.pk)
    made = ContactMade.objects.create(
        person=relative.person,
        relative=relative,
        how=means.how,
        through=means.name if means.how != How.DIRECT else "",
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
    relative = Relative.objects.select_for_update().select_related("person").get(pk=relative.pk)
    if relative.person.merged_into_id is not None:
        raise FamilyRuleError("merged")
    allowed = consent.require(relative.person, Purpose.TRACING)
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
    _timeline(relative.person, user, str(_("A search for a missing relative was opened.")))
    return tracing


@contact.path("family.trace")
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
    tracing = TracingRequest.objects.select_for_update().select_related("person", "relative").get(pk=tracing.pk)
    if tracing.state == TracingState.CLOSED:
        raise FamilyRuleError("tracing_closed")
    allowed = consent.require(tracing.person, Purpose.TRACING, recipient)
    contact.check(relative_ref(tracing.relative), means, user)
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


def _move(user: User, tracing: TracingRequest, state: str) -> None:
    if state not in TRANSITIONS[tracing.state]:
        raise FamilyRuleError(
            "transition",
            old=TracingState(tracing.state).label,
            new=TracingState(state).label if state in TracingState.values else state,
        )
    tracing.state, tracing.changed_at = state, timezone.now()
    tracing.save(update_fields=["state", "changed_at"])
    record(user, Action.STATUS, tracing, fields=["state"])
    if state in (TracingState.LOCATED, TracingState.VERIFIED, TracingState.CLOSED):
        _timeline(
            tracing.person, user, str(_("Search for a relative: %(state)s.") % {"state": tracing.get_state_display()})
        )


@transaction.atomic
def do_change_tracing(user: User, tracing: TracingRequest, state: str) -> TracingRequest:
    """Open → tracing → located → verified → closed (a located relative may go back to
    tracing when it was not them; any open search may be closed)."""
    tracing = TracingRequest.objects.select_for_update().select_related("person").get(pk=tracing.pk)
    _move(user, tracing, state)
    return tracing


@transaction.atomic
def do_record_outcome(
    user: User, step: TracingAction, outcome: str, note: str = "", on: date | None = None
) -> TracingAction:
    """What came of asking (no news, found, not found …), once."""
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
