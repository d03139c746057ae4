"""Record linkage: find registrations of the same person across scripts, spellings and aliases.

Plain-Python API (no Django needed)::

    from sanctuary.linkage import Record, find_duplicates

    pairs = find_duplicates(records)  # list[Pair]: a, b (record ids), score, weight, agreements

Pipeline: :mod:`.normalise` (Zawgyi, titles, phonetic keys, NRC, phones, dates) ->
:mod:`.blocking` (string keys per record, HMAC-able) -> :mod:`.compare` (agreement levels) ->
:mod:`.model` (Fellegi–Sunter, m by EM, u from random pairs) -> :mod:`.cluster` (closure
without chaining). Command line: ``python -m sanctuary.linkage.cli`` or
``manage.py find_duplicates``.

Names are imported lazily so that loading the Django app does not load ICU and numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sanctuary.linkage.finder import Pair, find_duplicates
    from sanctuary.linkage.records import Record

__all__ = ["Pair", "Record", "find_duplicates"]


def __getattr__(name: str) -> Any:
    if name in ("Pair", "find_duplicates"):
        from sanctuary.linkage import finder

        return getattr(finder, name)
    if name == "Record":
        from sanctuary.linkage.records import Record

        return Record
    raise AttributeError(name)
