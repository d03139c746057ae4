"""Every page that lists people writes one audit entry naming exactly the people it showed:
their ids, never an alias, a true name or what was searched for (issue 17, item 12)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse

from sanctuary.accounts.models import Role
from sanctuary.audit.lists import page_of_people
from sanctuary.audit.models import Action, AuditEntry
from sanctuary.outreach.models import Reply
from sanctuary.people.models import Person
from sanctuary.stipends.models import Enrollment
from tests.access import TEAM
from tests.accounts.test_access_matrix import URLS, _world
from tests.conftest import verified_client
from tests.factories import PersonFactory

# Every list of people, by URL name: the person list, the queues (vetting, duplicates, true
# names, intake), the shelter board and waitlist, run lines and funders' lists, cohorts and
# their selection, attendance and graduation, care items and emergency requests, tracing,
# journeys, legal alerts, outreach contacts, replies and send recipients, the evidence desk,
# job candidates, and the dashboard.
LISTS = [
    "dashboard",
    "people:list",
    "people:identity_queue",
    "vetting:queue",
    "matching:queue",
    "intake:queue",
    "shelter:board",
    "stipends:run",
    "stipends:funder",
    "training:cohort",
    "training:selection",
    "training:attendance",
    "training:graduation",
    "training:alerts",
    "care:items",
    "care:emergencies",
    "family:tracing_list",
    "journeys:list",
    "legal:alerts",
    "outreach:contacts",
    "outreach:replies",
    "outreach:send",
    "evidence:testimonies",
    "jobs:opening",
]
BY_NAME = {url.name: url for url in URLS}


def _ids(entry: AuditEntry) -> set[int]:
    return {int(f.split(":", 1)[1]) for f in entry.fields if f.startswith("person:")}


def _no_values(entry: AuditEntry) -> None:
    """Ids and markers only: no alias, case code or true name anywhere in the entry."""
    text = " ".join([entry.object_type, entry.object_id, *entry.fields])
    for person in Person.objects.all():
        for value in (person.alias, person.true_name, person.case_code):
            assert str(value) not in text, (entry.object_type, "holds a personal value")


ROLE = {"dashboard": Role.CASE_WORKER}


def _role_for(name: str) -> str:
    if name in ROLE:
        return ROLE[name]
    allowed = sorted(BY_NAME[name].allowed - {Role.DIRECTOR})
    return allowed[0] if allowed else Role.DIRECTOR


@pytest.fixture
def world(users_by_role: dict[str, Any], person_a: Any, team_a: Any) -> Any:
    """The access matrix's objects of every module, for two people of the first team; the
    person is also on the funder's list, and proposed as the sender of the unlinked reply."""
    made = _world(team_a, person_a, users_by_role)
    director = users_by_role[Role.DIRECTOR]
    Enrollment.objects.create(person=person_a, funder_id=made["funder"], start=date(2026, 1, 1), added_by=director)
    Reply.objects.filter(contact__isnull=True).update(link_person=person_a, link_proposed_by=director)
    return made


def _get_list(user: Any, name: str, world: Any) -> tuple[AuditEntry, set[int]]:
    """Open the list as ``user``: its one new LIST entry, and the people the page shows."""
    before = AuditEntry.objects.filter(action=Action.LIST).count()
    response = verified_client(user).get(reverse(name, kwargs=BY_NAME[name].kwargs(world.objects)))
    assert response.status_code == 200
    entries = list(AuditEntry.objects.filter(action=Action.LIST).order_by("seq"))[before:]
    assert len(entries) == 1, f"{name}: {len(entries)} list entries"
    entry = entries[0]
    assert entry.object_type == name and entry.actor_id == user.pk
    html = response.content.decode()
    _no_values(entry)
    return entry, {p.pk for p in Person.objects.all() if p.case_code in html}


@pytest.mark.django_db
@pytest.mark.parametrize("name", LISTS)
def test_a_list_records_exactly_the_people_it_showed(
    name: str, world: Any, users_by_role: Any, make_user: Any, team_b: Any
) -> None:
    """One LIST entry per page, naming exactly the people whose case codes it shows; a
    colleague in another team sees none of them, and their entry names none of them."""
    role = _role_for(name)
    entry, shown = _get_list(users_by_role[role], name, world)
    assert _ids(entry) == shown
    assert shown, f"{name}: the test world shows nobody on this list"
    if role == Role.DIRECTOR or BY_NAME[name].scope == TEAM:
        return  # a director sees every team; another team's object is a 404
    colleague = make_user(role, teams=[team_b])
    entry, shown = _get_list(colleague, name, world)
    assert _ids(entry) == shown
    assert shown == set()


@pytest.mark.django_db
def test_the_person_list_records_the_page_shown_and_that_a_search_was_made(
    make_user: Any, team_a: Any, team_b: Any, settings: Any
) -> None:
    """Page 2 names page 2's people only (not page 1's, not another team's); a search is
    recorded as made, never with what was typed."""
    settings.PERSON_LIST_PAGE_SIZE = 3
    mine = [PersonFactory(team=team_a, alias=f"Ko Page{n}") for n in range(5)]
    PersonFactory.create_batch(2, team=team_b)
    user = make_user(Role.CASE_WORKER)
    client = verified_client(user)
    client.post(reverse("people:list"), {"q": "", "page": 2})
    entry = AuditEntry.objects.filter(action=Action.LIST).latest("seq")
    newest_first = sorted(mine, key=lambda p: (p.created_at, p.pk), reverse=True)
    assert _ids(entry) == {p.pk for p in newest_first[3:]}
    assert entry.object_id == "2" and "searched" not in entry.fields
    client.post(reverse("people:list"), {"q": "Ko Page4"})
    entry = AuditEntry.objects.filter(action=Action.LIST).latest("seq")
    assert "searched" in entry.fields
    assert _ids(entry) == {mine[4].pk}
    assert "Page4" not in " ".join([entry.object_type, entry.object_id, *entry.fields])
    _no_values(entry)


@pytest.mark.django_db
def test_a_list_that_shows_nobody_is_recorded_too(make_user: Any, team_b: Any, person_a: Any) -> None:
    """An empty answer is an answer (a search that finds nobody tells the searcher something):
    the entry is written, naming nobody."""
    user = make_user(Role.VETTING_OFFICER, teams=[team_b])
    verified_client(user).get(reverse("vetting:queue"))
    entry = AuditEntry.objects.filter(action=Action.LIST, actor_id=user.pk).get()
    assert entry.object_type == "vetting:queue" and entry.fields == []


@pytest.mark.django_db
def test_a_new_list_built_on_the_helper_is_audited_without_more_code(make_user: Any, team_a: Any) -> None:
    """Any view that pages people with ``page_of_people`` writes the entry: its page's people,
    by id, in one entry, with no query for the rows beyond the page's own."""
    user = make_user(Role.CASE_WORKER)
    people = [PersonFactory(team=team_a) for _ in range(4)]
    request = RequestFactory().get("/some/new/list/", {"page": "2"})
    request.user = user
    page = page_of_people(request, Person.objects.visible_to(user).order_by("pk"), 3, person="pk")
    entry = AuditEntry.objects.filter(action=Action.LIST).get()
    assert [p.pk for p in page] == [people[3].pk]
    assert _ids(entry) == {people[3].pk} and entry.object_type == "/some/new/list/" and entry.object_id == "2"
