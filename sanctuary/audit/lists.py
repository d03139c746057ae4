"""Lists of people, audited in one place (issue 17, item 12).

Every page that lists people goes through here, so the audit log says which people each
page showed: ``page_of_people`` paginates a list and records the page it hands out;
``shown`` records a list that is not paginated (a queue, a waitlist, the lines of a run) and
hands back its rows, fetched once; ``audit_shown`` records the people of a page made of
several lists, as one entry.

The entry (``Action.LIST``) names the list (the view's URL name unless told), the page
number, and the people by id: never an alias, never the text of a search (only that one was
made). It is one entry per page, from rows the page fetched anyway: no extra SELECT and no
query per row. A page that showed nobody is recorded too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from sanctuary.audit.log import record_list

# How to reach the person of a row: an attribute path ("person_id", "stay.person_id", "pk"
# for rows that are people), a function of the row, or a tuple of these (a row of two
# people, such as a possible duplicate).
PersonOf = str | Callable[[Any], Any] | tuple[str | Callable[[Any], Any], ...]


def _person_id(row: Any, person: str | Callable[[Any], Any]) -> Any:
    if callable(person):
        return person(row)
    value = row
    for part in person.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def ids_of(rows: Iterable[Any], person: PersonOf = "person_id") -> list[int]:
    """The person ids of ``rows``, in order, each once (rows without a person are skipped)."""
    paths = person if isinstance(person, tuple) else (person,)
    found = (_person_id(row, path) for row in rows for path in paths)
    return list(dict.fromkeys(int(pk) for pk in found if pk is not None))


def people_in(values: Iterable[Any], depth: int = 4) -> list[int]:
    """The people among ``values`` (a page's context): people themselves, rows of a person
    (``person_id``), and rows whose person was fetched with them (``select_related``), in
    lists, tuples, pages and dicts. Reads only what is already in memory: no query. For a
    page assembled from parts that do not list their people one by one (the dashboard)."""
    found: list[int] = []

    def walk(value: Any, depth: int) -> None:
        if depth < 0 or value is None or isinstance(value, str | bytes | int | float):
            return
        if isinstance(value, dict):
            for item in value.values():
                walk(item, depth - 1)
        elif isinstance(value, list | tuple | set | Page):
            for item in value:
                walk(item, depth - 1)
        elif isinstance(value, QuerySet):
            for item in value._result_cache or ():  # only rows already fetched: never a query
                walk(item, depth - 1)
        elif isinstance(value, Model):
            if value._meta.label_lower == "people.person":
                found.append(int(value.pk))
            elif getattr(value, "person_id", None) is not None:
                found.append(int(value.person_id))  # type: ignore[attr-defined]
            else:
                for related in value._state.fields_cache.values():
                    walk(related, depth - 1)

    for value in values:
        walk(value, depth)
    return list(dict.fromkeys(found))


def list_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else request.path


def audit_shown(
    request: HttpRequest, person_ids: Iterable[int], *, name: str = "", page: int = 1, searched: bool = False
) -> None:
    """Record that this page showed these people (one audit entry)."""
    record_list(request.user, name or list_name(request), person_ids, page=page, searched=searched)  # type: ignore[arg-type]


def shown(
    request: HttpRequest,
    rows: Iterable[Any],
    *,
    person: PersonOf = "person_id",
    name: str = "",
    page: int = 1,
    searched: bool = False,
) -> list[Any]:
    """The rows of a list that is not paginated, fetched once and recorded as shown."""
    rows = list(rows)
    audit_shown(request, ids_of(rows, person), name=name, page=page, searched=searched)
    return rows


def page_of_people(
    request: HttpRequest,
    rows: Any,
    per_page: int,
    *,
    number: Any = None,
    person: PersonOf = "person_id",
    name: str = "",
    searched: bool = False,
) -> Page[Any]:
    """One page of a list (``number``, else the ``page`` GET parameter), recorded as shown.
    The page's rows are fetched here, once: the template reads the same list."""
    page = Paginator(rows, per_page).get_page(number if number is not None else request.GET.get("page"))
    page.object_list = shown(request, page.object_list, person=person, name=name, page=page.number, searched=searched)
    return page
