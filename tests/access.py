"""The access matrix, module by module: every URL a module adds, who may use it, and what it
belongs to. Each module's ``tests/<app>/access.py`` declares ``URLS`` and ``objects(world)``;
``tests/accounts/test_access_matrix.py`` walks them all with every role, for an object of the
user's own team, of another team, and as an outsider."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sanctuary.accounts.models import Role

ALL = frozenset(Role.values)
PEOPLE_READERS = ALL - {Role.AUDITOR}
PEOPLE_WRITERS = frozenset({Role.DIRECTOR, Role.INTAKE_OFFICER, Role.CASE_WORKER})
DIRECTOR = frozenset({Role.DIRECTOR})
NOBODY: frozenset[str] = frozenset()

# What a URL's object belongs to:
TEAM = "team"  # a person (or something of a person): only their team's users, and directors
ORG = "org"  # the organisation (a house, a funder, the checklist): everyone allowed, any team
NONE = "none"  # no object (a list, a form)
PUBLIC = "public"  # no login at all


@dataclass(frozen=True)
class Url:
    name: str
    method: str
    allowed: frozenset[str]
    scope: str = NONE
    kwargs: Callable[[dict[str, Any]], dict[str, Any]] = lambda objects: {}
    walk: bool = True  # False: tested on its own (it ends every session, or is not a page)


@dataclass
class World:
    """The objects of one team, for the walk: ``person`` and ``other`` (both in ``team``),
    users by role (in the first team), and what each module's ``objects`` adds."""

    team: Any
    person: Any
    other: Any
    users: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.objects[key]
