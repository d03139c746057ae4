"""The family card (relatives detained now, new events this week) counts only the people the
user may see: their team's for a case worker, everyone for directors, nothing for others. The
list of open searches is paged, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanctuary.family import actions
from sanctuary.family.models import ContactRule, EventKind, RelativeEvent
from tests.factories import PersonFactory
from tests.family import helpers

pytestmark = pytest.mark.django_db


def _detained(user: Any, person: Any) -> Any:
    relative = helpers.relative(user, person)
    actions.do_record_event(user, relative, {"kind": EventKind.DETAINED, "on": "2025", "source": "media"})
    return relative


def test_the_card_counts_only_the_users_people(make_user: Any, team_a: Any, team_b: Any, login: Any) -> None:
    worker, director = make_user("case_worker"), make_user("director")
    _detained(director, PersonFactory(team=team_a))
    _detained(director, PersonFactory(team=team_b))
    _detained(director, PersonFactory(team=team_b))
    old = RelativeEvent.objects.filter(relative__person__team=team_b).first()
    RelativeEvent.objects.filter(pk=old.pk).update(recorded_at=timezone.now() - timedelta(days=8))  # type: ignore[union-attr]

    def card(user: Any) -> tuple[str, str] | None:
        body = login(user).get("/").content.decode()
        if 'id="family-detained"' not in body:
            return None
        pick = lambda key: body.split(f'id="{key}">', 1)[1].split("<", 1)[0]  # noqa: E731
        return pick("family-detained"), pick("family-new")

    assert card(worker) == ("1", "1")
    assert card(director) == ("3", "2")
    assert card(make_user("shelter_manager")) is None


def test_open_searches_are_paged_in_a_fixed_number_of_queries(
    make_user: Any, team_a: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    worker = make_user("case_worker")
    client = login(worker)

    def add(n: int) -> None:
        for _ in range(n):
            person = PersonFactory(team=team_a)
            helpers.tracing_consent(worker, person)
            actions.do_open_tracing(worker, helpers.relative(worker, person, ContactRule.EMERGENCY))

    add(3)
    with django_assert_max_num_queries(30) as few:
        assert client.get("/family/").status_code == 200
    add(30)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = client.get("/family/")
    assert response.status_code == 200 and "1 / 2" in response.content.decode()
    assert len(many.captured_queries) <= len(few.captured_queries)
    other = make_user("case_worker", teams=[])
    assert "/family/tracing/" not in login(other).get("/family/").content.decode()
