"""Whom published tables count: only people whose consent for statistics is in force (the
default), or everyone, as the organisation decides; the release records the policy. The
bulk consent query decides as ``consent.require`` decides for one person, reads no encrypted
value (it works while sealed) and counts in one query."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sanctuary.consent import actions as consent_actions
from sanctuary.consent.models import Category, Purpose, State
from sanctuary.consent.rules import find, in_force_for
from sanctuary.people.models import Force, Person
from sanctuary.stats import actions
from sanctuary.stats.models import CountPolicy
from sanctuary.vault import state
from tests.consent import helpers as consent
from tests.factories import PersonFactory
from tests.stats import helpers

pytestmark = pytest.mark.django_db


def test_the_bulk_query_decides_as_require_does(make_user: Any, team_a: Any) -> None:
    user = make_user("director")
    rng = random.Random(14)
    people = [PersonFactory(team=team_a) for _ in range(40)]
    for person in people:
        for _step in range(rng.randint(0, 3)):
            kind = rng.choice(["given", "expired", "future", "requested", "withdrawn", "refused", "other"])
            if kind == "given":
                consent.given(user, person, Purpose.STATISTICS, days_ago=rng.randint(1, 50))
            elif kind == "expired":
                consent.given(user, person, Purpose.STATISTICS, days_ago=400, expires_in=-10)
            elif kind == "future":  # refused for statistics
                consent_actions.do_record_consent(
                    user,
                    person,
                    purpose=Purpose.STATISTICS,
                    recipient=None,
                    category=Category.INTERNAL,
                    notice_version="2026-1",
                    notice_language="my",
                    retain_until=consent_actions.default_retention(),
                    answer=consent_actions.Answer(state=State.REFUSED),
                )
            elif kind == "requested":
                consent.requested(user, person, Purpose.STATISTICS)
            elif kind == "withdrawn":
                record = consent.given(user, person, Purpose.STATISTICS, days_ago=30)
                consent_actions.do_withdraw_consent(user, record, withdrawn_on=timezone.localdate())
            elif kind == "refused":
                consent.given(user, person, Purpose.CARE)  # another purpose: does not count
            else:
                consent.given(user, person, Purpose.STATISTICS, category="public")
    expected = {p.pk for p in people if find(p, Purpose.STATISTICS) is not None}
    assert 0 < len(expected) < len(people)
    state.seal()
    with CaptureQueriesContext(connection) as queries:
        found = set(in_force_for(Person.objects.all(), Purpose.STATISTICS).values_list("pk", flat=True))
    assert found == expected
    assert len(queries.captured_queries) == 1


def test_tables_count_only_consenting_people_by_default(make_user: Any, team_a: Any) -> None:
    first, second = make_user("director", username="d1"), make_user("director", username="d2")
    people = [helpers.arrived(team_a, date(2024, 2, 10), force=Force.ARMY) for _ in range(25)]
    for person in people[:12]:
        consent.given(first, person, Purpose.STATISTICS)
    table = helpers.table(first, columns="")
    release = helpers.released(first, second, table)
    assert release.policy == CountPolicy.CONSENTED and release.output["policy"] == CountPolicy.CONSENTED
    assert release.output["table"]["total"] == 10  # 12, rounded to 5
    helpers.count_everyone(first)
    everyone = helpers.released(second, first, table)
    assert everyone.policy == CountPolicy.EVERYONE and everyone.output["table"]["total"] == 25
    assert actions.do_export_release(first, everyone, "csv")[0]
