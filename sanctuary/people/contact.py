"""The one check before anyone reaches someone at risk: may we contact this target, this way?

A relative at home is watched; a call from the wrong number, or a visit by the wrong person,
can get them questioned or detained. Each relative carries a contact-safety rule (never
contact; only through the recorded intermediary; only by the recorded safe channel; only in
an emergency), and every place in any stage that could reach them asks :func:`check` first,
inside the transaction of its action, before it writes:

.. code-block:: python

    @contact.path("family.record_contact", target=lambda user, relative, *rest: relative_ref(relative))
    def do_record_contact(user, relative, means, ...):
        contact.check(relative_ref(relative), means, user)   # ContactRefused says which rule
        ...

- Targets are named by an opaque reference, ``"<kind>:<id>"`` (``"relative:12"``): the core
  never imports the stage that owns them. The owner registers a checker for its kind
  (:func:`register_rule`, from its ``module.py``); an unknown kind, a malformed reference or a
  target the checker does not find **refuses** (fail closed).
- Nobody types an intermediary's or a channel's name to contact a target: ``Means`` says only
  "through the recorded intermediary" or "by the recorded channel", and the owner of the
  target fills in, inside the server, the one recorded. (A typed name compared with the
  stored one would tell whoever guesses who helps the family.) A target whose intermediary or
  channel cannot be read (not recorded, or a placeholder while sealed) refuses.
- While the vault is sealed every contact is refused: the rule's details cannot be read.
- A refusal is audited (``create`` of ``contact.refused``, the target's id and the refusal's
  code only), after the path's writes are rolled back.
- An emergency contact is audited (field names only), whatever the rule.
- :func:`path` marks an action as a contact path: it is listed in :func:`paths` (the test
  ``tests/family/test_contact_paths.py`` compares that list with the reviewed one) and, at run
  time, an action that returns without having asked :func:`check` raises
  :class:`ContactPathError` (a programming error) and its writes are rolled back.

Outreach, messages and any future stage that reaches a person's family use the same check.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.refusal import Refusal
from sanctuary.vault import state


class How:
    """How the contact is made (``Means.how``)."""

    DIRECT = "direct"
    INTERMEDIARY = "intermediary"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Means:
    """How someone means to reach the target: directly, through the intermediary recorded on
    the target, or by the safe channel recorded on it (never a typed name: the owner of the
    target fills in the recorded one); ``emergency`` with its ``reason`` when it cannot wait."""

    how: str = How.DIRECT
    emergency: bool = False
    reason: str = ""


class ContactRefused(Refusal):
    messages = {
        "unknown": _("This contact is refused: the person to reach is not known to the system."),
        "never": _("This relative's rule is “never contact”: nobody may contact them, in any way."),
        "intermediary": _(
            "This relative's rule is “only through the recorded intermediary”: contact them only through that person."
        ),
        "channel": _("This relative's rule is “only by the recorded safe channel”: use only that channel."),
        "not_recorded": _(
            "The intermediary or channel recorded for this relative cannot be read: "
            "no contact until it is recorded again."
        ),
        "sealed": _("The vault is sealed: nobody may be contacted until it is unsealed."),
        "emergency": _("This relative's rule is “only in an emergency”: mark the contact as an emergency and say why."),
        "reason": _("An emergency contact needs its reason."),
        "captured": _(
            "This person is recorded as captured: their phone and accounts may be in other hands. "
            "Nobody may message them."
        ),
        "deceased": _("This person is recorded as deceased: they are not contacted."),
        "rejected": _("This person was rejected at vetting: they are not sent the organisation's messages."),
        "how": _("This person is reached directly: there is no intermediary or channel to choose."),
    }


class ContactPathError(RuntimeError):
    """A contact path returned without asking :func:`check` (a programming error)."""


Checker = Callable[[int, Means, Any], None]
# ``targets(person, user)``: the targets of this kind that belong to a person and the user may
# see, as (reference, label) pairs; the label names no one (a relation, never a name).
Targets = Callable[[Any, Any], "list[tuple[str, str]]"]

_rules: dict[str, Checker] = {}
_targets: dict[str, Targets] = {}
_paths: dict[str, Callable[..., Any]] = {}
_checked: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("contact_checked", default=None)


def register_rule(kind: str, checker: Checker, targets: Targets | None = None) -> None:
    """``checker(pk, means, user)`` raises :class:`ContactRefused` when the rule of target
    ``kind:pk`` forbids ``means`` (or when it does not find the target), and returns otherwise.
    ``targets`` lists a person's targets of the kind (outreach offers them as recipients)."""
    _rules[kind] = checker
    if targets is not None:
        _targets[kind] = targets


_rule_listeners: list[Callable[[str], None]] = []


def on_rule_changed(listener: Callable[[str], None]) -> None:
    """``listener(target_ref)`` runs, in the same transaction, when the owner of a target
    changes its rule (or its recorded intermediary or channel): what another stage prepared
    under the old rule (an outreach message waiting to be sent by hand) is dropped."""
    _rule_listeners.append(listener)


def rule_changed(target_ref: str) -> None:
    """Called by a target's owner inside the transaction that changed its rule."""
    for listener in _rule_listeners:
        listener(target_ref)


def targets_of(person: Any, user: Any) -> list[tuple[str, str]]:
    """Everyone of a person's that may be reached (the person, their relatives …), as
    (reference, label) pairs, for what ``user`` may see. Whether a contact is allowed is still
    :func:`check`'s business, at the moment of contact."""
    return [pair for kind in sorted(_targets) for pair in _targets[kind](person, user)]


def check(target_ref: str, means: Means, user: Any) -> None:
    """Refuse (:class:`ContactRefused`) unless the target's rule allows contact by ``means``.
    Call it inside the transaction of the action, before anything is written."""
    kind, _sep, raw = (target_ref or "").partition(":")
    try:
        checker = _rules.get(kind)
        if checker is None or not raw.isdigit():
            raise ContactRefused("unknown")
        if state.is_sealed():
            raise ContactRefused("sealed")
        if means.emergency and not means.reason.strip():
            raise ContactRefused("reason")
        checker(int(raw), means, user)
    except ContactRefused as refused:
        refused.audit = (user, raw if raw.isdigit() else "")  # type: ignore[attr-defined]
        raise
    if means.emergency:
        record(user, Action.CREATE, object_type=f"contact.{kind}", object_id=raw, fields=["emergency", "reason"])
    checked = _checked.get()
    if checked is not None:
        checked.append(target_ref)


def _audit_refusal(refused: ContactRefused) -> None:
    """The refusal, once the path's writes are rolled back: the target's id and the code only."""
    user, raw = getattr(refused, "audit", (None, ""))
    record(user, Action.CREATE, object_type="contact.refused", object_id=raw, fields=[refused.code])


F = TypeVar("F", bound=Callable[..., Any])


def path(name: str, *, target: Callable[..., str]) -> Callable[[F], F]:
    """Mark an action as a way of reaching a target: listed in :func:`paths`; run in one
    transaction that is rolled back, with :class:`ContactPathError`, if the action returns
    without having called :func:`check` for the target it reaches (``target(*args,
    **kwargs)``, the same arguments: checking an emergency-rule relative does not let the action
    write a contact for a never-contact one). A :class:`ContactRefused` is audited after the
    rollback (code only)."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            token = _checked.set([])
            try:
                expected = target(*args, **kwargs)
                with transaction.atomic():
                    result = function(*args, **kwargs)
                    if expected not in (_checked.get() or []):
                        raise ContactPathError(f"contact path {name} returned without contact.check of its target")
                return result
            except ContactRefused as refused:
                _audit_refusal(refused)
                raise
            finally:
                _checked.reset(token)

        run.contact_path = name  # type: ignore[attr-defined]
        _paths[name] = run
        return cast(F, run)

    return decorate


def paths() -> dict[str, Callable[..., Any]]:
    """Every registered contact path, by name."""
    return dict(_paths)
