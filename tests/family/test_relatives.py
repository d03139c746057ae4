"""Relatives at home: their contact rule comes first and defaults to "never contact"; name
and village are shown only under the person's true-identity grant; events take partial
dates; a relative is detained now while their latest detention or release is a detention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanctuary.audit.models import AuditEntry
from sanctuary.family import actions
from sanctuary.family.actions import FamilyRuleError
from sanctuary.family.models import ContactRule, EventKind, Relative, RelativeEvent
from sanctuary.people.identity import do_decide_identity, do_request_identity
from tests.factories import PersonFactory
from tests.family import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user("case_worker")


@pytest.fixture
def person(team_a: Any) -> Any:
    return PersonFactory(team=team_a)


def _event(user: Any, relative: Relative, kind: str, on: str, **values: Any) -> RelativeEvent:
    return actions.do_record_event(user, relative, {"kind": kind, "on": on, "source": "relative", **values})


def test_a_relative_added_through_the_page_defaults_to_never_contact(worker: Any, person: Any, login: Any) -> None:
    client = login(worker)
    page = client.get(f"/family/people/{person.pk}/relative/").content.decode()
    assert 'value="never" required id="id_contact_rule_0" checked' in page
    assert page.index('name="contact_rule"') < page.index('name="relation"')  # the rule first
    response = client.post(
        f"/family/people/{person.pk}/relative/",
        {
            "contact_rule": "never",
            "relation": "father",
            "name": "U Hla",
            "village": "Ywa Thit",
            "age_band": "elder",
            "region": "sagaing",
        },
    )
    relative = Relative.objects.get()
    assert response.status_code == 302 and relative.contact_rule == ContactRule.NEVER
    assert relative.name == "U Hla" and relative.village == "Ywa Thit"
    assert "U Hla" not in response["Location"] and "Ywa" not in response["Location"]
    fields = str(list(AuditEntry.objects.values_list("fields", flat=True)))
    assert "Ywa Thit" not in fields and "U Hla" not in fields


def test_an_intermediary_rule_needs_the_intermediary_and_keeps_what_was_typed(
    worker: Any, person: Any, login: Any
) -> None:
    client = login(worker)
    response = client.post(
        f"/family/people/{person.pk}/relative/",
        {
            "contact_rule": "intermediary",
            "relation": "mother",
            "name": "Daw Mya",
            "village": "Ywa Ma",
            "age_band": "elder",
            "region": "magway",
        },
    )
    assert response.status_code == 400 and not Relative.objects.exists()
    body = response.content.decode()
    assert "Daw Mya" in body and "Ywa Ma" in body
    assert str(FamilyRuleError("intermediary_needed").message) in body


def test_zawgyi_names_are_stored_as_unicode(worker: Any, person: Any, login: Any) -> None:
    zawgyi = "ေဒၚျမ"  # Daw Mya typed with a Zawgyi keyboard
    login(worker).post(
        f"/family/people/{person.pk}/relative/",
        {"contact_rule": "never", "relation": "mother", "name": zawgyi, "age_band": "elder", "region": "magway"},
    )
    assert Relative.objects.get().name == "ဒေါ်မြ"


def test_the_person_page_shows_the_rule_first_and_hides_names_without_the_grant(
    worker: Any, person: Any, login: Any, make_user: Any
) -> None:
    relative = helpers.relative(worker, person, ContactRule.INTERMEDIARY)
    client = login(worker)
    body = client.get(f"/people/{person.pk}/").content.decode()
    card = body[body.index(f'id="relative-{relative.pk}"') :]
    assert card.index(f'id="rule-{relative.pk}"') < card.index("/family/relatives/")
    for secret in ("Daw Khin Myint", "Kyauk Ka Lat", "Ottama"):
        assert secret not in body
        assert secret not in client.get(f"/family/relatives/{relative.pk}/").content.decode()
    request = do_request_identity(worker, person, "to trace her")
    do_decide_identity(make_user("director"), request, approve=True)
    body = client.get(f"/people/{person.pk}/").content.decode()
    assert "Daw Khin Myint" in body
    page = client.get(f"/family/relatives/{relative.pk}/").content.decode()
    assert "Kyauk Ka Lat" in page and "Ottama" in page
    viewed = AuditEntry.objects.filter(action="identity_viewed").values_list("fields", flat=True)
    assert ["relatives"] in list(viewed)


def test_editing_without_the_grant_keeps_name_and_village(worker: Any, person: Any, login: Any) -> None:
    relative = helpers.relative(worker, person, ContactRule.INTERMEDIARY)
    response = login(worker).post(
        f"/family/relatives/{relative.pk}/",
        {"contact_rule": "emergency", "relation": "mother", "age_band": "elder", "region": "sagaing"},
    )
    assert response.status_code == 302
    relative = Relative.objects.get()
    assert relative.contact_rule == ContactRule.EMERGENCY and relative.name == "Daw Khin Myint"
    assert relative.village == "Kyauk Ka Lat" and relative.intermediary == ""


def test_detained_now_follows_the_latest_detention_or_release(worker: Any, person: Any) -> None:
    relative = helpers.relative(worker, person)
    year = timezone.localdate().year
    _event(worker, relative, EventKind.DETAINED, f"{year - 1}-03", detained_where="Monywa prison", detained_by="army")
    relative.refresh_from_db()
    assert relative.detained_now
    _event(worker, relative, EventKind.QUESTIONED, str(year))
    _event(worker, relative, EventKind.RELEASED, f"{year - 1}-01")  # an older release changes nothing
    relative.refresh_from_db()
    assert relative.detained_now
    _event(worker, relative, EventKind.RELEASED, f"{year - 1}-09")
    relative.refresh_from_db()
    assert not relative.detained_now
    detention = RelativeEvent.objects.get(kind=EventKind.DETAINED)
    assert detention.detained_where == "Monywa prison" and detention.detained_by == "army"
    assert "Monywa" not in str(list(AuditEntry.objects.values_list("fields", flat=True)))


def test_event_dates_may_be_partial_but_not_in_the_future(worker: Any, person: Any, login: Any) -> None:
    relative = helpers.relative(worker, person)
    client = login(worker)
    url = f"/family/relatives/{relative.pk}/event/"
    for typed, stored in (("2024", "2024"), ("03/2024", "2024-03"), ("15/03/2024", "2024-03-15")):
        assert client.post(url, {"kind": "visited", "on": typed, "source": "person"}).status_code == 302
        assert RelativeEvent.objects.order_by("-id").first().on == stored  # type: ignore[union-attr]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    refused = client.post(url, {"kind": "visited", "on": tomorrow, "source": "person", "note": "kept"})
    assert refused.status_code == 400 and "kept" in refused.content.decode()
    with pytest.raises(FamilyRuleError):
        _event(worker, relative, EventKind.VISITED, tomorrow)


def test_only_a_detention_keeps_where_and_by_whom(worker: Any, person: Any) -> None:
    relative = helpers.relative(worker, person)
    event = _event(worker, relative, EventKind.VISITED, "2024", detained_where="x", detained_by="y")
    assert event.detained_where == "" and event.detained_by == ""
