"""Tables, releases and people with arrivals for the statistics tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from sanctuary.people.models import EventKind, PersonEvent, Status
from sanctuary.stats import actions
from sanctuary.stats.models import Counted, CountPolicy, Dimension, StatsSettings, TableDefinition
from tests.factories import PersonFactory, UserFactory

# Four whole quarters: 2024.
FIRST, LAST = date(2024, 1, 1), date(2024, 12, 31)


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def count_everyone(user: Any) -> None:
    current = StatsSettings.current()
    current.count = CountPolicy.EVERYONE
    actions.do_save_settings(user, current)


def table(user: Any, **fields: Any) -> TableDefinition:
    values: dict[str, Any] = {
        "title_my": "တပ်ဖွဲ့အလိုက် ရောက်ရှိသူများ",
        "title_en": "Arrivals by force",
        "title_th": "ผู้มาถึงตามเหล่าทัพ",
        "counted": Counted.ARRIVED,
        "rows": Dimension.FORCE,
        "columns": Dimension.QUARTER,
        "first": FIRST,
        "last": LAST,
        **fields,
    }
    return actions.do_save_table(user, TableDefinition(**values))


def arrived(team: Any, day: date, *, contacted: date | None = None, **fields: Any) -> Any:
    """A person first in contact on ``contacted`` (60 days earlier) who arrived on ``day``."""
    person = PersonFactory(team=team, status=Status.ARRIVED, **fields)
    first = contacted or day - timedelta(days=60)
    PersonEvent.objects.create(person=person, kind=EventKind.CREATED, status_to=Status.FIRST_CONTACT, at=at(first))
    PersonEvent.objects.create(
        person=person, kind=EventKind.STATUS, status_from=Status.IN_TRANSIT, status_to=Status.ARRIVED, at=at(day)
    )
    return person


def second_director(**kwargs: Any) -> Any:
    return UserFactory(roles=["director"], **kwargs)


def released(proposer: Any, approver: Any, of: TableDefinition) -> Any:
    return actions.do_approve_release(approver, actions.do_propose_release(proposer, of))
