"""Merging two records of one person: relatives, their events, contacts and searches follow
the person kept and stay readable (encrypted again for that person)."""

from __future__ import annotations

from typing import Any

import pytest

from sanctuary.family import actions
from sanctuary.family.models import (
    ActionKind,
    ContactMade,
    ContactRule,
    Relative,
    RelativeEvent,
    TracingAction,
    TracingRequest,
)
from sanctuary.people.contact import How, Means
from sanctuary.people.merge import do_merge
from tests.factories import PersonFactory
from tests.family import helpers

pytestmark = pytest.mark.django_db


def test_a_merge_moves_every_family_row_and_keeps_it_readable(make_user: Any, team_a: Any) -> None:
    director = make_user("director")
    first, second = PersonFactory(team=team_a), PersonFactory(team=team_a)
    helpers.relative(director, first, name="Daw Kept")
    folded = helpers.relative(director, second, ContactRule.INTERMEDIARY, name="Daw Folded", village="Ywa Folded")
    actions.do_record_event(
        director, folded, {"kind": "detained", "on": "2025-02", "source": "partner", "detained_where": "Insein"}
    )
    means = Means(how=How.INTERMEDIARY)
    actions.do_record_contact(director, folded, means, on=folded.created_at.date(), note="a short call")
    partner = helpers.red_cross()
    helpers.tracing_consent(director, second, partner)
    tracing = actions.do_open_tracing(director, folded, "since March")
    actions.do_trace(director, tracing, ActionKind.RED_CROSS, partner, means, "her photo")
    do_merge(director, first, second)
    for model in (Relative, RelativeEvent, ContactMade, TracingRequest, TracingAction):
        assert set(model.objects.values_list("person_id", flat=True)) == {first.pk}, model.__name__
    moved = Relative.objects.get(pk=folded.pk)
    assert moved.name == "Daw Folded" and moved.village == "Ywa Folded" and moved.detained_now
    assert RelativeEvent.objects.get().detained_where == "Insein"
    assert ContactMade.objects.get().through == "U Ottama of the village monastery"
    assert TracingRequest.objects.get().note == "since March" and TracingAction.objects.get().asked == "her photo"
