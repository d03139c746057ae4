"""Consent, in the core: every module that shares or uses a person's data for a purpose asks
:func:`require` (``sanctuary/consent/rules.py``) first."""

from __future__ import annotations

from typing import Any


def require(person: Any, purpose: str, recipient: Any = None) -> Any:
    """The consent record in force for ``purpose`` and ``recipient``, or ``ConsentRefused``."""
    from sanctuary.consent.rules import require as _require

    return _require(person, purpose, recipient)
