"""Beds: never two stays on one night (the database says so), house rules, extensions,
move-outs, the waitlist and the occupancy board."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from sanctuary.people.admission import NotAdmissible
from sanctuary.people.models import Sex, Status
from sanctuary.shelter import actions
from sanctuary.shelter.models import Bed, BedNight, MoveOut, Stay
from sanctuary.vetting import actions as vetting
from sanctuary.vetting.models import FlagKind, Outcome
from tests.factories import PersonFactory
from tests.shelter.helpers import accepted, house
from tests.threads import at_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def officers(make_user: Any) -> tuple[Any, Any]:
    return make_user("vetting_officer"), make_user("vetting_officer")


@pytest.fixture
def manager(make_user: Any) -> Any:
    return make_user("shelter_manager")


def test_placing_reserves_every_night_and_moves_the_pipeline(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    bed = Bed.objects.filter(room__house=house()).first()
    today = timezone.localdate()
    stay = actions.do_place(manager, person, bed, today)
    assert stay.planned_end == today + timedelta(days=89)
    assert BedNight.objects.filter(stay=stay).count() == 90
    person.refresh_from_db()
    assert person.status == Status.IN_SHELTER


def test_the_database_refuses_two_stays_on_one_night(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    first, second = accepted(team_a, officers), accepted(team_a, officers)
    bed = Bed.objects.filter(room__house=house()).first()
    today = timezone.localdate()
    actions.do_place(manager, first, bed, today)
    with pytest.raises(actions.ShelterRuleError) as error:
        actions.do_place(manager, second, bed, today + timedelta(days=30))
    assert error.value.code == "bed_taken"
    # Even written directly, around every check: the unique night refuses it.
    stay = Stay.objects.create(person=second, bed=bed, start=today, planned_end=today, placed_by=manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        BedNight.objects.create(bed=bed, night=today, stay=stay)


def test_rejected_and_flagged_people_cannot_be_housed(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    bed = Bed.objects.filter(room__house=house()).first()
    today = timezone.localdate()
    rejected = PersonFactory(team=team_a)
    decision = vetting.do_propose(officers[0], rejected, Outcome.REJECTED, "fake service number")
    vetting.do_second(officers[1], decision, True, "agree")
    with pytest.raises(NotAdmissible):
        actions.do_place(manager, rejected, bed, today)
    with pytest.raises(NotAdmissible):  # the model refuses, whatever calls it
        Stay.objects.create(person=rejected, bed=bed, start=today, planned_end=today, placed_by=manager)
    flagged = accepted(team_a, officers)
    vetting.do_raise_flag(officers[0], flagged, FlagKind.INFILTRATOR, "asks about other defectors")
    with pytest.raises(NotAdmissible):
        actions.do_place(manager, flagged, bed, today)
    assert not Stay.objects.exists()


def test_house_rules(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    men_only = house("Men", takes_women=False)
    woman = accepted(team_a, officers, sex=Sex.FEMALE)
    with pytest.raises(actions.ShelterRuleError) as error:
        actions.do_place(manager, woman, Bed.objects.filter(room__house=men_only).first(), today)
    assert error.value.code == "no_women"
    shared = house("Shared", beds=3)
    beds = list(Bed.objects.filter(room__house=shared))
    dangerous = accepted(team_a, officers)
    vetting.do_raise_flag(officers[0], dangerous, FlagKind.DANGEROUS, "violent when drunk")
    actions.do_place(manager, dangerous, beds[0], today)  # alone in the room: allowed
    other = accepted(team_a, officers)
    with pytest.raises(actions.ShelterRuleError) as error:
        actions.do_place(manager, other, beds[1], today)
    assert error.value.code == "dangerous_roommate"


def test_extensions_and_move_out(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    person, next_one = accepted(team_a, officers), accepted(team_a, officers)
    bed = Bed.objects.filter(room__house=house()).first()
    today = timezone.localdate()
    stay = actions.do_place(manager, person, bed, today, days=30)
    with pytest.raises(actions.ShelterRuleError) as error:
        actions.do_request_extension(manager, stay, stay.planned_end - timedelta(days=1), "needs more time")
    assert error.value.code == "extension_shorter"
    extension = actions.do_request_extension(manager, stay, stay.planned_end + timedelta(days=20), "no job yet")
    # Someone is booked into the bed from day 40: the extension would overlap them.
    actions.do_place(manager, next_one, bed, today + timedelta(days=40), days=10)
    with pytest.raises(actions.ShelterRuleError) as error:
        actions.do_decide_extension(manager, extension, True)
    assert error.value.code == "bed_booked_later"
    stay.refresh_from_db()
    assert stay.planned_end == today + timedelta(days=29)
    second = actions.do_request_extension(manager, stay, today + timedelta(days=39), "until the next one")
    actions.do_decide_extension(manager, second, True)
    stay.refresh_from_db()
    assert stay.planned_end == today + timedelta(days=39)
    with pytest.raises(actions.ShelterRuleError) as error:
        actions.do_move_out(manager, stay, today - timedelta(days=1), MoveOut.JOB)
    assert error.value.code == "end_before_start"
    actions.do_move_out(manager, stay, today + timedelta(days=5), MoveOut.JOB)
    assert BedNight.objects.filter(stay=stay).count() == 5
    person.refresh_from_db()
    assert person.status == Status.INDEPENDENT


def test_waitlist_order_and_board(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.people.models import Person

    waiting = accepted(team_a, officers)
    arrived = accepted(team_a, officers, status=Status.ARRIVED)
    rejected = PersonFactory(team=team_a, status=Status.REJECTED)
    queue = list(actions.waitlist(Person.objects.all()))
    assert queue[:2] == [arrived, waiting] and rejected not in queue
    home = house(beds=2)
    bed = Bed.objects.filter(room__house=home).first()
    actions.do_place(manager, arrived, bed, timezone.localdate())
    assert list(actions.waitlist(Person.objects.all())) == [waiting]
    dates, houses = actions.board()
    rows = houses[0][1]
    assert len(dates) == 15 and [row.nights[0] for row in rows] == ["taken", "free"]
    assert rows[0].occupant == arrived.case_code


def test_place_from_the_waitlist_in_two_clicks(team_a, officers, manager, login) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    bed = Bed.objects.filter(room__house=house()).first()
    client = login(manager)
    board = client.get("/shelter/").content.decode()
    assert f'id="place-{person.pk}"' in board
    page = client.get(f"/shelter/place/{person.pk}/").content.decode()  # click one
    assert f'id="bed-{bed.pk}"' in page
    response = client.post(f"/shelter/place/{person.pk}/", {"bed": bed.pk, "start": timezone.localdate().isoformat()})
    assert response.status_code == 302  # click two
    assert Stay.objects.get().person == person


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_placements_of_one_bed(team_a, make_user) -> None:  # type: ignore[no-untyped-def]
    """Two requests at once, each in its own connection: exactly one gets the bed. On
    PostgreSQL the bed's row lock and the unique nights decide; on SQLite the second writer
    waits for the database lock (busy_timeout), then meets the unique nights."""
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    manager = make_user("shelter_manager")
    people = [accepted(team_a, officers), accepted(team_a, officers)]
    bed = Bed.objects.filter(room__house=house()).first()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def place(person: Any) -> None:
        try:
            barrier.wait()
            actions.do_place(manager, person, bed, timezone.localdate())
            outcomes.append("placed")
        except actions.ShelterRuleError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=place, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["bed_taken", "placed"]
    assert Stay.objects.count() == 1 and BedNight.objects.values("night").distinct().count() == 90


@pytest.mark.django_db(transaction=True)
def test_one_person_placed_into_eight_beds_at_once_gets_one(team_a, make_user) -> None:  # type: ignore[no-untyped-def]
    """Issue 17 (low): eight simultaneous placements of one person into different beds left two
    open stays (each bed's lock serialises only its own bed). A database constraint keeps one;
    the others are told the person already has a bed, never a 500."""
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    manager = make_user("shelter_manager")
    person = accepted(team_a, officers)
    beds = list(Bed.objects.filter(room__house=house(rooms=4, beds=2)))
    assert len(beds) == 8

    def place(bed: Any) -> Callable[[], object]:
        def run() -> object:
            try:
                actions.do_place(manager, person, bed, timezone.localdate())
            except actions.ShelterRuleError as error:
                return error.code
            return "placed"

        return run

    outcomes = at_once([place(bed) for bed in beds])
    assert sorted(outcomes) == ["already_housed"] * 7 + ["placed"], outcomes
    assert Stay.objects.filter(person=person, ended_on__isnull=True).count() == 1


def test_the_database_keeps_one_open_stay_per_person(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    first, second = Bed.objects.filter(room__house=house())[:2]
    stay = actions.do_place(manager, person, first, timezone.localdate())
    with pytest.raises(IntegrityError), transaction.atomic():
        Stay.objects.create(
            person=person, bed=second, start=stay.start, planned_end=stay.planned_end, placed_by=manager
        )


def test_an_overdue_stay_keeps_its_bed(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    person, newcomer = accepted(team_a, officers), accepted(team_a, officers)
    bed = Bed.objects.filter(room__house=house(beds=1)).first()
    today = timezone.localdate()
    stay = actions.do_place(manager, person, bed, today - timedelta(days=100))  # 90 days: ended 10 days ago
    assert stay.overdue
    _dates, houses = actions.board()
    assert houses[0][1][0].nights == ["overdue"] * 15
    assert actions.free_beds_for(newcomer, today) == []
    with pytest.raises(actions.ShelterRuleError) as error:
        actions.do_place(manager, newcomer, bed, today)
    assert error.value.code == "bed_taken"
    _soon, overdue = actions.ending_soon(Stay.objects.all())
    assert list(overdue) == [stay]
    actions.do_move_out(manager, stay, today, MoveOut.LOST_CONTACT)
    assert actions.free_beds_for(newcomer, today) == [bed]


def test_free_beds_cost_the_same_queries_for_one_house_or_ten(
    team_a, officers, manager, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    house("One", rooms=2, beds=3)
    with django_assert_max_num_queries(6) as small:
        one = actions.free_beds_for(person, timezone.localdate())
    for n in range(9):
        house(f"More {n}", rooms=2, beds=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        ten = actions.free_beds_for(person, timezone.localdate())
    assert (len(one), len(ten)) == (6, 60)


def test_the_board_shows_every_bed_but_only_people_the_user_may_see(
    team_a, team_b, officers, manager, make_user, login
) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    actions.do_place(manager, person, Bed.objects.filter(room__house=house()).first(), timezone.localdate())
    own = login(manager).get("/shelter/").content.decode()
    other = login(make_user("shelter_manager", teams=[team_b])).get("/shelter/").content.decode()
    assert person.case_code in own
    assert person.case_code not in other and 'class="cell taken"' in other


def test_the_place_page_says_who_may_not_be_housed_before_any_bed(team_a, make_user, login) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: free beds were listed for someone who may not be housed; the refusal came
    only after choosing one."""
    from tests.factories import PersonFactory

    house(beds=2)
    client = login(make_user("shelter_manager"))
    page = client.get(f"/shelter/place/{PersonFactory(team=team_a).pk}/").content.decode()
    assert 'id="place-refusal"' in page and "not been accepted in vetting" in page
    assert "Place here" not in page
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    page = client.get(f"/shelter/place/{accepted(team_a, officers).pk}/").content.decode()
    assert 'id="place-refusal"' not in page and "Place here" in page
