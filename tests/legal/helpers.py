"""Types, papers and employers for the legal tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sanctuary.legal import actions
from sanctuary.legal.models import DocumentType, Paper, PaperStatus
from sanctuary.people import work


def doc_type(code: str) -> DocumentType:
    """One of the defaults made by migration 0002 (pink_card, work_permit, ci_passport …)."""
    return DocumentType.objects.get(code=code)


def paper(user: Any, person: Any, code: str = "pink_card", **values: Any) -> Paper:
    data: dict[str, Any] = {"doc_type": doc_type(code), "status": PaperStatus.ISSUED, "number": "PC-0001"}
    data.update(values)
    return actions.do_add_paper(user, person, data)


@contextmanager
def employers(*found: tuple[str, str]) -> Iterator[None]:
    """Jobs' answer to "who employs this person?", registered through the core as jobs does
    (jobs is not in this worktree), and put back afterwards."""
    saved = list(work._employers)
    work.register_employers(lambda person_id: [work.Employer(ref, name, True) for ref, name in found])
    try:
        yield
    finally:
        work._employers[:] = saved


def iso(day: date) -> str:
    return day.isoformat()
