"""“How did you hear of us?”: the outreach a first contact names, and how many it brought.

Intake receives first contacts (the public form, contacts staff log) and outreach keeps the
calendar of talks, posts and campaigns; neither imports the other. The answer is kept on the
first contact as a clear, opaque reference (``"event:12"`` for a calendar entry,
``"channel:facebook"`` for one of our channels in general, ``"word:relative"`` for word of
mouth): it names no person, and the attribution report counts it while the vault is sealed.

- The owner of the calendar registers :func:`register_sources`: ``sources(public)`` returns
  the (reference, label) choices to offer, only public entries (a Sunday talk, a post) on the
  public form, and ``known(ref)`` returns the label of a reference of its own, or None (an
  entry too old to be offered is still a valid answer, and is still named on the contact).
- The owner of first contacts registers :func:`register_counter`: ``counter(since, until)``
  returns, per reference, the first contacts received in the period and how many of them
  became people the organisation accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

WORD_OF_MOUTH: list[tuple[str, Any]] = [
    ("word:relative", _("From a relative")),
    ("word:friend", _("From a friend or a comrade")),
    ("word:other", _("Somewhere else")),
]
NOT_SAID: tuple[str, Any] = ("", _("Prefer not to say"))


@dataclass(frozen=True)
class Count:
    ref: str
    first_contacts: int
    accepted: int


Sources = Callable[[bool], "list[tuple[str, Any]]"]
Known = Callable[[str], Any]  # a label, or None
Counter = Callable[[date, date], "list[Count]"]

_sources: list[tuple[Sources, Known]] = []
_counters: list[Counter] = []


def register_sources(sources: Sources, known: Known) -> None:
    _sources.append((sources, known))


def register_counter(counter: Counter) -> None:
    _counters.append(counter)


def choices(*, public: bool) -> list[tuple[str, Any]]:
    """What a form offers: "prefer not to say", the calendar's entries, word of mouth."""
    offered: list[tuple[str, Any]] = [NOT_SAID]
    for offer, _known in _sources:
        offered += offer(public)
    return offered + WORD_OF_MOUTH


def is_valid(ref: str) -> bool:
    """An answer a first contact may carry: empty, word of mouth, or a registered source's."""
    if ref == "" or ref in dict(WORD_OF_MOUTH):
        return True
    return any(known(ref) is not None for _offered, known in _sources)


def label(ref: str) -> str:
    """What a first contact named, in words ("" when it said nothing)."""
    if not ref:
        return ""
    for _offered, known in _sources:
        found = known(ref)
        if found is not None:
            return str(found)
    return str(dict(WORD_OF_MOUTH).get(ref, ref))


def counts(since: date, until: date) -> dict[str, Count]:
    """First contacts and accepted people per reference, received in [since, until]."""
    totals: dict[str, Count] = {}
    for counter in _counters:
        for row in counter(since, until):
            seen = totals.get(row.ref)
            totals[row.ref] = (
                row
                if seen is None
                else Count(row.ref, seen.first_contacts + row.first_contacts, seen.accepted + row.accepted)
            )
    return totals
