"""Lists cost a fixed number of queries however many rows; directors edit the types of paper
and the settings; the stage merges its rows and adds its demo data once."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from sanctuary.legal import actions
from sanctuary.legal.actions import LegalRuleError
from sanctuary.legal.models import Detention, DocumentRequest, DocumentType, LegalSettings, Paper, PermitClock
from sanctuary.lib import stages
from sanctuary.people import work
from tests.factories import PersonFactory
from tests.legal import helpers

pytestmark = pytest.mark.django_db


def _rows(user: Any, team: Any, n: int) -> Any:
    """``n`` people, each with a paper to renew, an open clock and an open detention."""
    today = timezone.localdate()
    for _ in range(n):
        person = PersonFactory(team=team)
        helpers.paper(user, person, issued_on=today - timedelta(days=9), expires_on=today + timedelta(days=9))
        with helpers.employers(("employer:1", "Farm")):
            helpers.paper(user, person, "work_permit", employer="employer:1")
        work.employment_ended(person=person, employer_ref="employer:1", ended_on=today, user=user)
        actions.do_record_detention(user, person, today, "police")
    return person


@pytest.mark.parametrize("role", ["case_worker", "director"])
def test_papers_to_act_on_cost_the_same_queries_for_2_or_8(
    role: str, make_user: Any, team_a: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    user = make_user(role)
    client = login(user)
    _rows(user, team_a, 2)
    with django_assert_max_num_queries(40) as few:
        page = client.get("/papers/").content.decode()
    assert page.count("days left to find a new employer") == 2
    _rows(user, team_a, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/papers/").content.decode()
    assert page.count("days left to find a new employer") == 8


def test_the_badge_is_one_query(make_user: Any, team_a: Any, django_assert_num_queries: Any) -> None:
    user = make_user("case_worker")
    _rows(user, team_a, 3)
    badge = stages.get("legal").nav[0].badge  # type: ignore[union-attr]
    assert badge is not None
    badge(user)  # the user's roles, read once per request by the policy
    with django_assert_num_queries(1):
        assert badge(user) == 9  # three papers to renew, three clocks, three detentions


def test_the_person_page_and_a_detention_cost_the_same_queries_for_few_or_many_papers(
    make_user: Any, team_a: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    user = make_user("case_worker")
    client = login(user)
    person = PersonFactory(team=team_a)
    detention = actions.do_record_detention(user, person, timezone.localdate(), "police")
    helpers.paper(user, person)
    with django_assert_max_num_queries(80) as few:
        client.get(f"/people/{person.pk}/")
    with django_assert_max_num_queries(40) as few_detention:
        client.get(f"/papers/detentions/{detention.pk}/")
    for code in ("unhcr", "thai_authority", "pink_card", "unhcr"):
        helpers.paper(user, person, code)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(f"/people/{person.pk}/").content.decode()
    assert page.count('href="/papers/') >= 5
    with django_assert_max_num_queries(len(few_detention.captured_queries)):
        client.get(f"/papers/detentions/{detention.pk}/")


def test_the_settings_page_costs_the_same_queries_for_5_or_15_types(
    make_user: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(make_user("director"))
    with django_assert_max_num_queries(30) as few:
        client.get("/papers/settings/")
    DocumentType.objects.bulk_create(
        DocumentType(code=f"t{n}", name_my="x", name_en=f"Type {n}", name_th="x", order=10 + n) for n in range(10)
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "Type 9" in client.get("/papers/settings/").content.decode()


def test_a_director_adds_a_type_and_a_taken_code_is_refused(make_user: Any, login: Any) -> None:
    client = login(make_user("director"))
    data = {"code": "border_pass", "name_my": "နယ်စပ်ဖြတ်သန်းခွင့်", "name_en": "Border pass", "name_th": "บัตรผ่านแดน"}
    assert client.post("/papers/settings/types/new/", {**data, "active": "on", "order": "9"}).status_code == 302
    assert DocumentType.objects.get(code="border_pass").active
    taken = client.post("/papers/settings/types/new/", {**data, "name_en": "Again", "order": "9"})
    assert taken.status_code == 400 and LegalRuleError("type_code_taken").message in taken.content.decode()
    assert "Again" in taken.content.decode() and DocumentType.objects.filter(code="border_pass").count() == 1


def test_a_director_changes_the_periods_and_the_checklist(make_user: Any, login: Any) -> None:
    client = login(make_user("director"))
    data = {"expiry_warning_days": "30", "new_employer_days": "45", "checklist_en": "Lawyer\nUNHCR"}
    assert client.post("/papers/settings/", data).status_code == 302
    row = LegalSettings.current()
    assert (row.expiry_warning_days, row.new_employer_days) == (30, 45)
    assert [en for _my, en, _th in row.checklist()] == ["Lawyer", "UNHCR"]
    bad = client.post("/papers/settings/", {**data, "new_employer_days": "0"})
    assert bad.status_code == 400 and "Lawyer" in bad.content.decode()


def test_a_case_worker_cannot_change_the_settings(make_user: Any, login: Any) -> None:
    client = login(make_user("case_worker"))
    assert client.post("/papers/settings/", {"expiry_warning_days": "1", "new_employer_days": "1"}).status_code == 403
    assert LegalSettings.current().expiry_warning_days == 60


@pytest.mark.django_db(transaction=True)
def test_a_merge_moves_every_legal_row_and_keeps_it_readable(team_a: Any, make_user: Any) -> None:
    from sanctuary.people.merge import do_merge
    from tests.shelter.helpers import accepted

    director = make_user("director")
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    first, second = accepted(team_a, officers), accepted(team_a, officers)
    today = timezone.localdate()
    for who, number in ((first, "A-1"), (second, "B-2")):
        with helpers.employers(("employer:1", "Farm")):
            helpers.paper(director, who, "work_permit", number=number, employer="employer:1")
        work.employment_ended(person=who, employer_ref="employer:1", ended_on=today, user=director)
        actions.do_record_detention(director, who, today, "police", place=f"cell {number}")
        actions.do_save_request(
            director,
            who,
            {"doc_type": helpers.doc_type("pink_card"), "handler_kind": "lawyer", "handler_name": f"lawyer {number}"},
        )
    do_merge(director, first, second)
    for model in (Paper, PermitClock, Detention, DocumentRequest):
        assert model.objects.filter(person=first).count() == 2, model
        assert not model.objects.filter(person=second).exists(), model
    assert sorted(str(p.number) for p in Paper.objects.all()) == ["A-1", "B-2"]
    assert sorted(str(d.place) for d in Detention.objects.all()) == ["cell A-1", "cell B-2"]
    assert sorted(str(r.handler_name) for r in DocumentRequest.objects.all()) == ["lawyer A-1", "lawyer B-2"]


def test_the_demo_adds_papers_once_one_expiring_soon(make_user: Any, team_a: Any) -> None:
    from tests.shelter.helpers import accepted

    director = make_user("director")
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    from sanctuary.people.models import Person

    people = [accepted(team_a, officers).pk for _ in range(4)]
    Person.objects.filter(pk__in=people).update(status="in_shelter")
    demo = SimpleNamespace(users={"director": director}, new_people=[], rng=None)
    step = stages.get("legal").demo  # type: ignore[union-attr]
    assert step is not None
    step(demo)
    step(demo)
    assert Paper.objects.count() == 4 and DocumentRequest.objects.count() == 1
    assert Paper.objects.to_renew().count() == 1
