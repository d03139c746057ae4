"""Every URL, walked with every role: allowed or denied (403/404), never a 500, never another
team's data. Each module declares its URLs in ``tests/<app>/access.py``; a URL that no module
declares fails the test.

Three walks, as for every permission-bearing feature: the owner (objects of the user's own
team), a colleague in another team (the same objects of another team's person: refused unless
the object is the organisation's), and outsiders (roles without the module: refused)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sanctuary.accounts.models import Role
from tests.access import ORG, PUBLIC, TEAM, Url, World
from tests.conftest import verified_client
from tests.factories import PersonFactory

# One line per module: the core's, then every stage.
MODULES = [
    "accounts",
    "people",
    "matching",
    "background",
    "intake",
    "vetting",
    "journeys",
    "shelter",
    "stipends",
    "training",
    "consent",
    "care",
    "jobs",
    "legal",
    "family",
    "stats",
    "evidence",
    "outreach",
]

ACCESS = [importlib.import_module(f"tests.{name}.access") for name in MODULES]
URLS: list[Url] = [url for module in ACCESS for url in module.URLS]


def _names(resolver: URLResolver, namespace: str = "") -> list[str]:
    names: list[str] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += _names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(namespace + pattern.name)
    return names


def test_matrix_covers_every_url() -> None:
    declared = [url.name for url in URLS]
    assert len(declared) == len(set(declared)), "a URL is declared twice"
    assert sorted(_names(get_resolver())) == sorted(declared)


def _world(team: Any, person: Any, users: dict[str, Any]) -> World:
    world = World(team=team, person=person, other=PersonFactory(team=team), users=users)
    for module in ACCESS:
        made = module.objects(world)
        clash = {key for key in made if key in world.objects and made[key] != world.objects[key]}
        assert not clash, f"{module.__name__} reuses the names {sorted(clash)}: another module's URLs would get its ids"
        world.objects.update(made)
    return world


def _walk(users: dict[str, Any], world: World, *, other_team: bool) -> list[str]:
    failures = []
    for role, user in users.items():
        client = verified_client(user)
        for url in URLS:
            if not url.walk:
                continue
            path = reverse(url.name, kwargs=url.kwargs(world.objects))
            response = client.post(path, {}) if url.method == "POST" else client.get(path)
            status = response.status_code
            allowed = role in url.allowed
            if other_team and url.scope == TEAM and role != Role.DIRECTOR:
                allowed = False  # another team's person: not for this user, whatever the role
            ok = (status < 400 or (url.method == "POST" and status == 400)) if allowed else status in (403, 404)
            if url.scope == PUBLIC and not allowed:
                ok = status < 500
            if not ok or status >= 500:
                failures.append(f"{role} {url.method} {path} -> {status}")
    return failures


@pytest.mark.django_db
def test_owners_and_outsiders_on_every_url(users_by_role, person_a, team_a) -> None:  # type: ignore[no-untyped-def]
    """Objects of the user's own team: allowed roles get a page, outsiders 403/404. No 500."""
    world = _world(team_a, person_a, users_by_role)
    assert _walk(users_by_role, world, other_team=False) == []


@pytest.mark.django_db
def test_another_teams_objects_on_every_url(users_by_role, person_b, team_b) -> None:  # type: ignore[no-untyped-def]
    """The same objects for a person of another team: refused to everyone but directors, and
    the organisation's own objects (houses, funders, runs) still open to the roles that use
    them. No 500."""
    world = _world(team_b, person_b, users_by_role)
    assert _walk(users_by_role, world, other_team=True) == []
    assert sum(url.scope == TEAM for url in URLS) > 35 and sum(url.scope == ORG for url in URLS) > 5


@pytest.mark.django_db
def test_other_teams_people_are_invisible(users_by_role, person_a, person_b) -> None:  # type: ignore[no-untyped-def]
    """Outside their teams, users get 404 on a person and never see them in lists; directors see all."""
    for role, user in users_by_role.items():
        client = verified_client(user)
        for name in ("people:detail", "people:edit"):
            response = client.get(reverse(name, kwargs={"pk": person_b.pk}))
            if role == Role.DIRECTOR:
                assert response.status_code == 200
                continue
            assert response.status_code in (403, 404), (role, name, response.status_code)
            assert person_b.alias not in response.content.decode()
        listing = client.get(reverse("people:list")).content.decode()
        dashboard = client.get(reverse("dashboard")).content.decode()
        if role == Role.DIRECTOR:
            assert person_b.alias in listing
        else:
            assert person_b.alias not in listing
            assert person_b.alias not in dashboard
        if role == Role.AUDITOR:
            assert person_a.alias not in listing + dashboard


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(users_by_role, person_a, team_a) -> None:  # type: ignore[no-untyped-def]
    world = _world(team_a, person_a, users_by_role)
    client = Client()
    for url in URLS:
        if url.scope == PUBLIC:
            continue
        path = reverse(url.name, kwargs=url.kwargs(world.objects))
        response = client.post(path) if url.method == "POST" else client.get(path)
        assert response.status_code == 302, (path, response.status_code)
        assert response["Location"].startswith("/accounts/login/")
