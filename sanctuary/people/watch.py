"""The watch list: someone rejected or flagged who comes back, under another name or through
another door, raises an alert for the vetting team.

The core calls these functions when a record's keys change (a person saved, a first contact
read, a duplicate pair found); vetting registers what they do at startup
(``sanctuary/vetting/module.py``). Without a registered watch list they do nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sanctuary.linkage.records import Record
    from sanctuary.people.models import Person


class WatchList(Protocol):
    def check_person(self, person: Person) -> int: ...
    def check_contact(self, contact: Any, record: Record) -> int: ...
    def open_alerts_for_contact(self, contact: Any) -> int: ...
    def pair_found(self, a: int, b: int, rules: list[str]) -> None: ...


@dataclass
class _Registry:
    impl: WatchList | None = None


_registry = _Registry()


def register(impl: WatchList) -> None:
    _registry.impl = impl


def check_person(person: Person) -> int:
    """Alerts for this person against the watch list, or for everyone who shares a key with
    them when they are on it. Returns the number of new alerts."""
    return _registry.impl.check_person(person) if _registry.impl else 0


def check_contact(contact: Any, record: Record) -> int:
    """Alerts for a first contact (``contact`` is the intake row, ``record`` what it says)."""
    return _registry.impl.check_contact(contact, record) if _registry.impl else 0


def open_alerts_for_contact(contact: Any) -> int:
    return _registry.impl.open_alerts_for_contact(contact) if _registry.impl else 0


def pair_found(a: int, b: int, rules: list[str]) -> None:
    """A likely duplicate pair: alert when either side is on the watch list."""
    if _registry.impl:
        _registry.impl.pair_found(a, b, rules)
