"""The one check before anyone reaches someone at risk: may we contact this target, this way?

A relative at home is watched; a call from the wrong number, or a visit by the wrong person,
can get them questioned or detained. Each relative carries a contact-safety rule (never
contact; only through a named intermediary; only by a named safe channel; only in an
emergency), and every place in any stage that could reach them asks :func:`check` first,
inside the transaction of its action, before it writes:

.. code-block:: python

    @contact.path("family.record_contact")
    @transaction.atomic
    def do_record_contact(user, relative, means, ...):
        contact.check(relative_ref(relative), means, user)   # ContactRefused says which rule
        ...

- Targets are named by an opaque reference, ``"<kind>:<id>"`` (``"relative:12"``): the core
  never imports the stage that owns them. The owner registers a checker for its kind
  (:func:`register_rule`, from its ``module.py``); an unknown kind, a malformed reference or a
  target the checker does not find **refuses** (fail closed).
- An intermediary or a channel must be the one named on the target: the checker compares,
  inside the server, with the decrypted name (:func:`same_name`: case, spaces and Zawgyi
  normalised). The name never leaves the server and never appears in a refusal.
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
from sanctuary.lib.text import normalise


class How:
    """How the contact is made (``Means.how``)."""

    DIRECT = "direct"
    INTERMEDIARY = "intermediary"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Means:
    """How someone means to reach the target: directly, through a person (``name`` is the
    intermediary's), or by a channel (``name`` is the channel's: "the monastery's phone");
    ``emergency`` with its ``reason`` when it cannot wait."""

    how: str = How.DIRECT
    name: str = ""
    emergency: bool = False
    reason: str = ""


class ContactRefused(Refusal):
    messages = {
        "unknown": _("This contact is refused: the person to reach is not known to the system."),
        "never": _("This relative's rule is “never contact”: nobody may contact them, in any way."),
        "intermediary": _(
            "This relative's rule is “only through the named intermediary”: contact them only through that person."
        ),
        "wrong_intermediary": _(
            "This is not the intermediary named on the relative's rule: contact them only through that person."
        ),
        "channel": _("This relative's rule is “only by the named safe channel”: use only that channel."),
        "wrong_channel": _("This is not the safe channel named on the relative's rule: use only that channel."),
        "emergency": _("This relative's rule is “only in an emergency”: mark the contact as an emergency and say why."),
        "reason": _("An emergency contact needs its reason."),
    }


class ContactPathError(RuntimeError):
    """A contact path returned without asking :func:`check` (a programming error)."""


Checker = Callable[[int, Means, Any], None]

_rules: dict[str, Checker] = {}
_paths: dict[str, Callable[..., Any]] = {}
_checked: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("contact_checked", default=None)


def register_rule(kind: str, checker: Checker) -> None:
    """``checker(pk, means, user)`` raises :class:`ContactRefused` when the rule of target
    ``kind:pk`` forbids ``means`` (or when it does not find the target), and returns otherwise."""
    _rules[kind] = checker


def same_name(typed: str, named: str) -> bool:
    """Whether a typed intermediary or channel is the one named: Unicode (Zawgyi converted),
    case and spaces do not matter; an empty name matches nothing."""

    def key(text: str) -> str:
        return " ".join(normalise(text or "").text.casefold().split())

    return bool(key(named)) and key(typed) == key(named)


def check(target_ref: str, means: Means, user: Any) -> None:
    """Refuse (:class:`ContactRefused`) unless the target's rule allows contact by ``means``.
    Call it inside the transaction of the action, before anything is written."""
    kind, _sep, raw = (target_ref or "").partition(":")
    checker = _rules.get(kind)
    if checker is None or not raw.isdigit():
        raise ContactRefused("unknown")
    if means.emergency and not means.reason.strip():
        raise ContactRefused("reason")
    checker(int(raw), means, user)
    if means.emergency:
        record(user, Action.CREATE, object_type=f"contact.{kind}", object_id=raw, fields=["emergency", "reason"])
    checked = _checked.get()
    if checked is not None:
        checked.append(target_ref)


F = TypeVar("F", bound=Callable[..., Any])


def path(name: str) -> Callable[[F], F]:
    """Mark an action as a way of reaching a target: listed in :func:`paths`; run in one
    transaction that is rolled back, with :class:`ContactPathError`, if the action returns
    without having called :func:`check`."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            token = _checked.set([])
            try:
                with transaction.atomic():
                    result = function(*args, **kwargs)
                    if not _checked.get():
                        raise ContactPathError(f"contact path {name} returned without contact.check")
                return result
            finally:
                _checked.reset(token)

        run.contact_path = name  # type: ignore[attr-defined]
        _paths[name] = run
        return cast(F, run)

    return decorate


def paths() -> dict[str, Callable[..., Any]]:
    """Every registered contact path, by name."""
    return dict(_paths)
