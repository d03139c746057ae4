"""Households: a person with their spouse and children placed together, one stay for the
household in beds of one room; the house rules, extensions, move-outs, the board and the
waitlist understand households; members are shown by relation, sex and age, never by name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from sanctuary.audit.models import AuditEntry
from sanctuary.people.models import Person, Relation, Sex, Status
from sanctuary.shelter import actions
from sanctuary.shelter.models import Bed, BedNight, MoveOut, RoomKind, Stay
from sanctuary.vetting import actions as vetting
from sanctuary.vetting.models import FlagKind
from tests.shelter.helpers import accepted, house, household
from tests.threads import at_once

pytestmark = pytest.mark.django_db

SPOUSE = (Relation.SPOUSE, Sex.FEMALE, "1990")
SON = (Relation.CHILD, Sex.MALE, "")
DAUGHTER = (Relation.CHILD, Sex.FEMALE, "")


@pytest.fixture
def officers(make_user: Any) -> tuple[Any, Any]:
    return make_user("vetting_officer"), make_user("vetting_officer")


@pytest.fixture
def manager(make_user: Any) -> Any:
    return make_user("shelter_manager")


def _beds(home: Any, room: str = "R1") -> list[Bed]:
    return list(Bed.objects.filter(room__house=home, room__name=room).order_by("pk"))


def _refused(call: Callable[[], object]) -> str:
    before = (Stay.objects.count(), BedNight.objects.count())
    with pytest.raises(actions.ShelterRuleError) as error:
        call()
    assert (Stay.objects.count(), BedNight.objects.count()) == before, "a refusal placed someone"
    return error.value.code


# --- Placing together ------------------------------------------------------------------------


def test_a_household_is_placed_together_as_one_stay(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    spouse, child = household(person, SPOUSE, SON)
    beds = _beds(house(beds=4, kind=RoomKind.FAMILY))
    today = timezone.localdate()
    head, wife, son = actions.do_place_household(manager, person, beds[:3], today, [spouse, child])
    assert (head.occupant, wife.occupant, son.occupant) == (None, spouse, child)
    assert head.household is None and wife.household == head and son.household == head
    assert {s.start for s in (head, wife, son)} == {today}
    assert {s.planned_end for s in (head, wife, son)} == {today + timedelta(days=89)}
    assert [s.bed for s in (head, wife, son)] == beds[:3]
    assert BedNight.objects.count() == 3 * 90
    person.refresh_from_db()
    assert person.status == Status.IN_SHELTER
    audited = AuditEntry.objects.filter(object_type="shelter.stay", object_id=str(wife.pk)).get()
    assert audited.fields == ["bed", "household", "occupant", "planned_end", "start"]


def test_all_or_nothing_a_bed_taken_a_moment_ago_places_nobody(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    """The head's own earlier stay still holds bed 3 for four more nights (a move-out set for
    later): the rules pass, the third bed's nights collide, and the two stays already written
    are rolled back with it."""
    person = accepted(team_a, officers)
    members = household(person, SPOUSE, SON)
    beds = _beds(house(beds=3, kind=RoomKind.FAMILY))
    today = timezone.localdate()
    earlier = actions.do_place(manager, person, beds[2], today - timedelta(days=10))
    actions.do_move_out(manager, earlier, today + timedelta(days=4), MoveOut.OTHER_HOUSE)
    nights = BedNight.objects.count()
    with pytest.raises(actions.ShelterRuleError) as error:
        actions.do_place_household(manager, person, beds, today, members)
    assert error.value.code == "household_bed_taken" and "R1/3" in error.value.message
    assert Stay.objects.count() == 1 and BedNight.objects.count() == nights


def test_a_bed_held_by_someone_overdue_refuses_the_household(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    person, late = accepted(team_a, officers), accepted(team_a, officers)
    members = household(person, SPOUSE)
    beds = _beds(house(beds=3, kind=RoomKind.FAMILY))
    today = timezone.localdate()
    actions.do_place(manager, late, beds[1], today - timedelta(days=100))  # 90 days: ten days overdue
    with pytest.raises(actions.ShelterRuleError) as error:
        actions.do_place_household(manager, person, beds[:2], today, members)
    assert error.value.code == "household_bed_taken" and "R1/2" in error.value.message
    assert not Stay.objects.filter(person=person).exists()


def test_one_bed_each_and_only_the_persons_household(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    person, stranger = accepted(team_a, officers), accepted(team_a, officers)
    spouse, child = household(person, SPOUSE, SON)
    (theirs,) = household(stranger, SPOUSE)
    beds = _beds(house(beds=4, kind=RoomKind.FAMILY))
    today = timezone.localdate()
    place = actions.do_place_household
    assert _refused(lambda: place(manager, person, beds[:2], today, [spouse, child])) == "one_bed_each"
    assert _refused(lambda: place(manager, person, [beds[0], beds[0], beds[1]], today, [spouse, child])) == (
        "one_bed_each"
    )
    assert _refused(lambda: place(manager, person, beds[:2], today, [theirs])) == "not_household"


# --- The house rules -------------------------------------------------------------------------


def test_a_house_that_does_not_take_families_refuses_a_household(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    members = household(person, SPOUSE)
    beds = _beds(house(beds=2, takes_families=False))
    today = timezone.localdate()
    assert _refused(lambda: actions.do_place_household(manager, person, beds, today, members)) == "no_families"
    assert actions.rooms_for(person, today, members) == []
    actions.do_place(manager, person, beds[0], today)  # alone: the house takes him


def test_a_households_beds_are_in_one_room(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    members = household(person, SPOUSE)
    home = house(rooms=2, beds=2, kind=RoomKind.FAMILY)
    beds = [_beds(home, "R1")[0], _beds(home, "R2")[0]]
    today = timezone.localdate()
    assert _refused(lambda: actions.do_place_household(manager, person, beds, today, members)) == "one_room"
    # A room with one free bed each is offered; two rooms with one free bed each are not.
    actions.do_place(manager, accepted(team_a, officers), _beds(home, "R1")[1], today)
    actions.do_place(manager, accepted(team_a, officers), _beds(home, "R2")[1], today)
    assert actions.rooms_for(person, today, members) == []


def test_a_household_is_not_placed_where_others_sleep(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    person, outsider = accepted(team_a, officers), accepted(team_a, officers)
    members = household(person, SPOUSE)
    beds = _beds(house(beds=4))
    today = timezone.localdate()
    # The outsider arrives in two weeks: still the same nights.
    actions.do_place(manager, outsider, beds[3], today + timedelta(days=14))
    assert _refused(lambda: actions.do_place_household(manager, person, beds[:2], today, members)) == (
        "household_not_alone"
    )
    assert actions.rooms_for(person, today, members) == []
    # After the outsider's stay, the room is theirs.
    later = today + timedelta(days=14 + 90)
    assert [offer.room for offer in actions.rooms_for(person, later, members)] == [beds[0].room]


def test_someone_overdue_still_sleeps_in_the_room(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    """Past the planned end, the overdue stay has no nights booked any more, but the person is
    still in the room until they move out: a household is not placed beside them."""
    person, late = accepted(team_a, officers), accepted(team_a, officers)
    members = household(person, SPOUSE)
    beds = _beds(house(beds=4))
    today = timezone.localdate()
    overdue = actions.do_place(manager, late, beds[3], today - timedelta(days=95))
    assert overdue.overdue
    assert _refused(lambda: actions.do_place_household(manager, person, beds[:2], today, members)) == (
        "household_not_alone"
    )
    actions.do_move_out(manager, overdue, today, MoveOut.INDEPENDENT)
    actions.do_place_household(manager, person, beds[:2], today, members)


def test_nobody_from_outside_is_placed_into_a_households_room(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    person, outsider = accepted(team_a, officers), accepted(team_a, officers)
    members = household(person, SPOUSE)
    beds = _beds(house(beds=4, kind=RoomKind.FAMILY))
    today = timezone.localdate()
    actions.do_place_household(manager, person, beds[:2], today, members)
    assert _refused(lambda: actions.do_place(manager, outsider, beds[2], today + timedelta(days=30))) == (
        "household_room"
    )
    assert actions.free_beds_for(outsider, today) == []


def test_the_sex_rules_apply_to_every_member(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    father = accepted(team_a, officers)
    wife = household(father, SPOUSE)
    men_only = _beds(house("Men", beds=2, takes_women=False))
    assert _refused(lambda: actions.do_place_household(manager, father, men_only, today, wife)) == "no_women"
    mother = accepted(team_a, officers, sex=Sex.FEMALE)
    son = household(mother, SON)
    women = _beds(house("Women", beds=2, women_only=True))
    assert _refused(lambda: actions.do_place_household(manager, mother, women, today, son)) == "women_only"
    daughter = household(mother, DAUGHTER)
    actions.do_place_household(manager, mother, women, today, daughter)  # mother and daughter: allowed


def test_the_risk_rule_treats_a_household_as_one(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    """A person who must not share a room sleeps with their own family (they are not
    strangers), never with anyone else; a child placed later joins them."""
    flagged = accepted(team_a, officers)
    vetting.do_raise_flag(officers[0], flagged, FlagKind.DANGEROUS, "violent when drunk")
    wife, child = household(flagged, SPOUSE, SON)
    beds = _beds(house(beds=4, kind=RoomKind.FAMILY))
    today = timezone.localdate()
    head, _wife = actions.do_place_household(manager, flagged, beds[:2], today, [wife])
    joined = actions.do_place(manager, flagged, beds[2], today + timedelta(days=3), occupant=child)
    assert joined.household == head and joined.planned_end == head.planned_end
    other_flagged = accepted(team_a, officers)
    vetting.do_raise_flag(officers[0], other_flagged, FlagKind.DANGEROUS, "threatened a roommate")
    shared = _beds(house("Shared", beds=3))
    actions.do_place(manager, accepted(team_a, officers), shared[0], today)
    members = household(other_flagged, SPOUSE)
    assert _refused(lambda: actions.do_place_household(manager, other_flagged, shared[1:], today, members)) in {
        "household_not_alone",
        "dangerous_alone",
    }


def test_a_member_placed_later_joins_the_households_room_and_stay(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    spouse, baby = household(person, SPOUSE, (Relation.CHILD, Sex.FEMALE, ""))
    home = house(rooms=2, beds=3, kind=RoomKind.FAMILY)
    room, other_room = _beds(home, "R1"), _beds(home, "R2")
    today = timezone.localdate()
    assert _refused(lambda: actions.do_place(manager, person, room[1], today, occupant=baby)) == "head_first"
    head, _wife = actions.do_place_household(manager, person, room[:2], today, [spouse])
    assert _refused(lambda: actions.do_place(manager, person, other_room[0], today, occupant=baby)) == (
        "household_room_only"
    )
    after = head.planned_end + timedelta(days=1)
    assert _refused(lambda: actions.do_place(manager, person, room[2], after, occupant=baby)) == (
        "outside_household_stay"
    )
    assert [o.room for o in actions.rooms_for(person, today + timedelta(days=20), [baby], head=False)] == [room[0].room]
    born = actions.do_place(manager, person, room[2], today + timedelta(days=20), occupant=baby)
    assert born.household == head and born.planned_end == head.planned_end
    assert BedNight.objects.filter(stay=born).count() == 70
    assert _refused(lambda: actions.do_place(manager, person, other_room[0], today, occupant=baby)) in {
        "member_housed",
        "household_room_only",
    }


# --- Extensions and move-outs ----------------------------------------------------------------


def test_an_extension_of_the_household_extends_every_member(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    members = household(person, SPOUSE, SON)
    beds = _beds(house(beds=3, kind=RoomKind.FAMILY))
    today = timezone.localdate()
    head, wife, son = actions.do_place_household(manager, person, beds, today, members, days=30)
    assert _refused(lambda: actions.do_request_extension(manager, wife, today + timedelta(days=60), "r")) == (
        "extend_household"
    )
    extension = actions.do_request_extension(manager, head, today + timedelta(days=59), "no work yet")
    actions.do_decide_extension(manager, extension, True)
    for stay in (head, wife, son):
        stay.refresh_from_db()
        assert stay.planned_end == today + timedelta(days=59)
        assert BedNight.objects.filter(stay=stay).count() == 60
    assert set(
        AuditEntry.objects.filter(object_type="shelter.stay", fields=["planned_end"]).values_list(
            "object_id", flat=True
        )
    ) == {str(head.pk), str(wife.pk), str(son.pk)}


def test_an_extension_is_refused_when_a_members_bed_is_booked_later(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    """The son's bed is given to someone else from day 40 (the household's stay was over by
    then): the extension names the bed by relation, never by name, and nobody's stay is
    extended, not even the person's, whose own bed is free."""
    person = accepted(team_a, officers)
    members = household(person, SPOUSE, SON)
    beds = _beds(house(beds=3, kind=RoomKind.FAMILY))
    today = timezone.localdate()
    head, _wife, son = actions.do_place_household(manager, person, beds, today, members, days=30)
    actions.do_place(manager, accepted(team_a, officers), son.bed, today + timedelta(days=40), days=10)
    extension = actions.do_request_extension(manager, head, today + timedelta(days=59), "r")
    nights = BedNight.objects.count()
    with pytest.raises(actions.ShelterRuleError) as error:
        actions.do_decide_extension(manager, extension, True)
    assert error.value.code == "member_bed_booked_later"
    with translation.override("en"):
        assert "Child" in error.value.message and (today + timedelta(days=40)).isoformat() in error.value.message
    assert "Secret" not in error.value.message
    assert BedNight.objects.count() == nights
    assert set(Stay.objects.filter(person=person).values_list("planned_end", flat=True)) == {today + timedelta(days=29)}


def test_an_extension_is_refused_when_someone_is_booked_into_the_households_room(  # type: ignore[no-untyped-def]
    team_a, officers, manager
) -> None:
    person = accepted(team_a, officers)
    members = household(person, SPOUSE)
    beds = _beds(house(beds=4, kind=RoomKind.FAMILY))
    today = timezone.localdate()
    head, _wife = actions.do_place_household(manager, person, beds[:2], today, members, days=30)
    actions.do_place(manager, accepted(team_a, officers), beds[3], today + timedelta(days=35))
    extension = actions.do_request_extension(manager, head, today + timedelta(days=59), "r")
    with pytest.raises(actions.ShelterRuleError) as error:
        actions.do_decide_extension(manager, extension, True)
    assert error.value.code == "room_booked_later"
    head.refresh_from_db()
    assert head.planned_end == today + timedelta(days=29)


def test_moving_out_the_person_moves_out_the_household_and_a_member_may_leave_alone(  # type: ignore[no-untyped-def]
    team_a, officers, manager
) -> None:
    person = accepted(team_a, officers)
    members = household(person, SPOUSE, SON, DAUGHTER)
    beds = _beds(house(beds=4, kind=RoomKind.FAMILY))
    today = timezone.localdate()
    head, wife, son, daughter = actions.do_place_household(manager, person, beds, today, members)
    actions.do_move_out(manager, son, today + timedelta(days=10), MoveOut.RELATIVES)  # to his grandparents
    son.refresh_from_db()
    head.refresh_from_db()
    assert son.ended_on == today + timedelta(days=10) and head.ended_on is None
    assert BedNight.objects.filter(stay=son).count() == 10
    actions.do_move_out(manager, head, today + timedelta(days=20), MoveOut.JOB)
    assert set(Stay.objects.filter(pk__in=[head.pk, wife.pk, daughter.pk]).values_list("ended_on", flat=True)) == {
        today + timedelta(days=20)
    }
    assert Stay.objects.filter(person=person).open().count() == 0


# --- What the pages show -------------------------------------------------------------------


def test_the_waitlist_says_how_many_beds_a_household_needs(team_a, officers, manager, login) -> None:  # type: ignore[no-untyped-def]
    person, single = accepted(team_a, officers), accepted(team_a, officers)
    household(person, SPOUSE, SON)
    queue = {p.pk: p.beds_needed for p in actions.waitlist(Person.objects.all())}
    assert queue == {person.pk: 3, single.pk: 1}
    board = login(manager).get("/shelter/").content.decode()
    assert f'id="household-{person.pk}"' in board and f'id="household-{single.pk}"' not in board


def test_the_board_shows_a_household_as_one_in_words(team_a, team_b, officers, manager, make_user, login) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    members = household(person, SPOUSE, SON)
    beds = _beds(house(beds=4, kind=RoomKind.FAMILY))
    head, _wife, _son = actions.do_place_household(manager, person, beds[:3], timezone.localdate(), members)
    _dates, houses = actions.board()
    rows = houses[0][1]
    assert [row.nights[0] for row in rows] == ["taken", "taken", "taken", "free"]
    assert [row.household for row in rows] == [head.pk, head.pk, head.pk, None]
    assert [row.member for row in rows] == ["", Relation.SPOUSE, Relation.CHILD, ""]
    assert rows[0].size == 3
    page = login(manager).get("/shelter/").content.decode()
    assert f"{person.case_code} · household of 3" in page
    assert f"{person.case_code} · Spouse" in page and f"{person.case_code} · Child" in page
    assert page.count(f'data-household="{head.pk}"') == 3
    assert "Secret" not in page
    other = login(make_user("shelter_manager", teams=[team_b])).get("/shelter/").content.decode()
    assert person.case_code not in other and "data-household" not in other
    assert other.count('<td class="cell taken">') == 3 * 15


def test_the_place_page_offers_rooms_for_the_whole_household_without_names(team_a, officers, manager, login) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    today = timezone.localdate()
    spouse, child = household(person, SPOUSE, (Relation.CHILD, Sex.FEMALE, str(today.year - 7)))
    shared = house("Shared", beds=2)  # two beds: too few for three
    family = house("Family", beds=4, kind=RoomKind.FAMILY)
    client = login(manager)
    page = client.get(f"/shelter/place/{person.pk}/").content.decode()
    assert "Secret" not in page
    seen = AuditEntry.objects.filter(object_type="people.householdmember", actor_id=manager.pk)
    assert {(e.object_id, tuple(e.fields)) for e in seen} == {
        (str(m.pk), ("birth_date", "relation", "sex")) for m in (spouse, child)
    }
    assert "Spouse · female" in page and "Child · female · 7 years" in page
    assert f'id="member-{spouse.pk}" checked' in page and f'id="member-{child.pk}" checked' in page
    family_room = _beds(family)[0].room
    assert f'id="room-{family_room.pk}"' in page and "Shared" not in page.split('id="house-rules"')[0]
    # Unticking both: the person alone, bed by bed, in either house.
    alone = client.get(f"/shelter/place/{person.pk}/", {"chosen": "1"}).content.decode()
    assert f'id="bed-{_beds(shared)[0].pk}"' in alone and 'id="room-' not in alone
    beds = _beds(family)[:3]
    response = client.post(
        f"/shelter/place/{person.pk}/",
        {"bed": [b.pk for b in beds], "member": [spouse.pk, child.pk], "start": today.isoformat()},
    )
    assert response.status_code == 302
    assert Stay.objects.filter(person=person, household__isnull=False).count() == 2


def test_a_household_that_may_not_be_housed_is_told_so_first(team_a, manager, login) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import PersonFactory

    person = PersonFactory(team=team_a)  # not accepted in vetting
    household(person, SPOUSE)
    house(beds=4, kind=RoomKind.FAMILY)
    page = login(manager).get(f"/shelter/place/{person.pk}/").content.decode()
    assert 'id="place-refusal"' in page and 'id="member-' not in page and 'id="room-' not in page
    assert not AuditEntry.objects.filter(object_type="people.householdmember").exists()


def test_a_bed_taken_meanwhile_reshows_the_choice_and_places_nobody(team_a, officers, manager, login) -> None:  # type: ignore[no-untyped-def]
    person, quicker = accepted(team_a, officers), accepted(team_a, officers)
    spouse, child = household(person, SPOUSE, SON)
    beds = _beds(house(beds=4, kind=RoomKind.FAMILY))
    start = timezone.localdate() + timedelta(days=2)
    client = login(manager)
    client.get(f"/shelter/place/{person.pk}/")
    actions.do_place(manager, quicker, beds[1], start)  # another manager, a moment earlier
    response = client.post(
        f"/shelter/place/{person.pk}/",
        {"bed": [b.pk for b in beds[:2]], "member": [spouse.pk], "start": start.isoformat()},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Someone outside this household sleeps in this room" in page
    assert f'value="{start.isoformat()}"' in page
    assert f'id="member-{spouse.pk}" checked' in page and f'id="member-{child.pk}" checked' not in page
    assert not Stay.objects.filter(person=person).exists()


def test_the_place_page_costs_the_same_queries_for_one_house_or_ten(  # type: ignore[no-untyped-def]
    team_a, officers, manager, login, django_assert_max_num_queries
) -> None:
    person = accepted(team_a, officers)
    household(person, SPOUSE, SON)
    client = login(manager)
    today = timezone.localdate()

    def furnish(name: str) -> None:
        home = house(name, rooms=3, beds=4, kind=RoomKind.FAMILY)
        beds = _beds(home, "R2")
        other = accepted(team_a, officers)
        actions.do_place_household(manager, other, beds[:2], today, household(other, SPOUSE))

    furnish("One")
    client.get(f"/shelter/place/{person.pk}/")  # the session and the translations, once
    with django_assert_max_num_queries(40) as small:
        one = client.get(f"/shelter/place/{person.pk}/").content.decode()
    for n in range(9):
        furnish(f"More {n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        ten = client.get(f"/shelter/place/{person.pk}/").content.decode()
    assert one.count('id="room-') == 2 and ten.count('id="room-') == 20


def test_the_stay_page_shows_the_household_by_relation(team_a, officers, manager, login) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    spouse, _child = household(person, SPOUSE, SON)
    beds = _beds(house(beds=4, kind=RoomKind.FAMILY))
    head, wife = actions.do_place_household(manager, person, beds[:2], timezone.localdate(), [spouse])
    client = login(manager)
    page = client.get(f"/shelter/stays/{head.pk}/").content.decode()
    assert 'id="household"' in page and f"/shelter/stays/{wife.pk}/" in page
    assert 'id="place-members"' in page and "Secret" not in page  # the son has no bed yet
    member_page = client.get(f"/shelter/stays/{wife.pk}/").content.decode()
    assert 'id="extend-household"' in member_page and 'id="request-extension"' not in member_page
    assert f"/shelter/stays/{head.pk}/" in member_page


# --- In words in the audit view ------------------------------------------------------------


def test_every_shelter_write_is_audited_with_named_fields(team_a, officers, manager) -> None:  # type: ignore[no-untyped-def]
    """Field names only, and each of them (and the record's kind) has a name of its own in the
    reader's language: the audit view shows words, not codes."""
    person = accepted(team_a, officers)
    members = household(person, SPOUSE)
    home = house(beds=1)
    actions.do_add_room(manager, home, "Family", RoomKind.FAMILY, False, 3)
    beds = _beds(home, "Family")
    today = timezone.localdate()
    head, _wife = actions.do_place_household(manager, person, beds[:2], today, members)
    extension = actions.do_request_extension(manager, head, today + timedelta(days=100), "r")
    actions.do_decide_extension(manager, extension, True, "fine")
    actions.do_move_out(manager, head, today + timedelta(days=5), MoveOut.JOB)
    entries = AuditEntry.objects.filter(object_type__startswith="shelter.")
    assert {e.object_type for e in entries} == {"shelter.room", "shelter.bed", "shelter.stay", "shelter.extension"}
    with translation.override("my"):
        for entry in entries:
            assert not entry.record_label().startswith("shelter."), entry.object_type
            unnamed = [f for f, label in zip(entry.fields, entry.field_labels(), strict=True) if f == label]
            assert unnamed == [], (entry.object_type, unnamed)


@pytest.mark.django_db(transaction=True)
def test_two_households_placed_into_one_room_at_once(team_a, make_user) -> None:  # type: ignore[no-untyped-def]
    """Two managers, each placing a household into other beds of the same room at the same
    moment: no bed is shared, so only the room's lock keeps them apart. One household gets the
    room; the other is told why, and none of its members is placed."""
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    managers = (make_user("shelter_manager"), make_user("shelter_manager"))
    first, second = accepted(team_a, officers), accepted(team_a, officers)
    firsts, seconds = household(first, SPOUSE, SON), household(second, SPOUSE)
    beds = _beds(house(beds=5, kind=RoomKind.FAMILY))
    today = timezone.localdate()

    def place(manager: Any, person: Any, chosen: list[Bed], members: list[Any]) -> Callable[[], object]:
        def run() -> object:
            try:
                actions.do_place_household(manager, person, chosen, today, members)
            except actions.ShelterRuleError as error:
                return error.code
            return "placed"

        return run

    outcomes = at_once([place(managers[0], first, beds[:3], firsts), place(managers[1], second, beds[3:], seconds)])
    assert sorted(outcomes) == ["household_not_alone", "placed"], outcomes
    placed = {stay.person_id for stay in Stay.objects.all()}
    assert len(placed) == 1
    expected = 3 if first.pk in placed else 2
    assert Stay.objects.count() == expected and BedNight.objects.count() == expected * 90


def test_household_pages_are_in_burmese(team_a, officers, make_user, login) -> None:  # type: ignore[no-untyped-def]
    """The place page with a household to choose from, the board with a household's beds and
    the household's stay page: no English word reaches a Burmese reader."""
    from tests.test_no_english_pages import english_words, stored_texts

    manager = make_user("shelter_manager", language="my")
    person, waiting = accepted(team_a, officers), accepted(team_a, officers)
    members = household(person, SPOUSE, (Relation.CHILD, Sex.FEMALE, "2019"), (Relation.PARENT, Sex.OTHER, ""))
    household(waiting, SPOUSE)
    beds = _beds(house(beds=4, kind=RoomKind.FAMILY))
    client = login(manager)
    place = client.get(f"/shelter/place/{person.pk}/").content.decode()
    head, *_rest = actions.do_place_household(manager, person, beds[:3], timezone.localdate(), members[:2])
    pages = {
        "place": place,
        "place later": client.get(f"/shelter/place/{person.pk}/").content.decode(),
        "board": client.get("/shelter/").content.decode(),
        "stay": client.get(f"/shelter/stays/{head.pk}/").content.decode(),
        "member stay": client.get(f"/shelter/stays/{_rest[0].pk}/").content.decode(),
    }
    assert 'id="room-' in place and 'id="household-stay"' in pages["place later"]
    data = stored_texts()
    assert {name: english_words(html, data) for name, html in pages.items()} == {name: [] for name in pages}


def test_a_member_who_arrives_later_is_placed_from_the_page_into_the_households_room(  # type: ignore[no-untyped-def]
    team_a, officers, manager, login
) -> None:
    person = accepted(team_a, officers)
    spouse, son = household(person, SPOUSE, SON)
    home = house(rooms=2, beds=3, kind=RoomKind.FAMILY)
    room, other_room = _beds(home, "R1"), _beds(home, "R2")
    head, _wife = actions.do_place_household(manager, person, room[:2], timezone.localdate(), [spouse])
    client = login(manager)
    page = client.get(f"/shelter/place/{person.pk}/").content.decode()
    assert 'id="household-stay"' in page and f'id="member-{son.pk}" checked' in page
    assert f'id="member-{spouse.pk}"' not in page  # she has a bed
    assert f'id="bed-{room[2].pk}"' in page and f'id="bed-{other_room[0].pk}"' not in page
    later = timezone.localdate() + timedelta(days=5)
    response = client.post(
        f"/shelter/place/{person.pk}/", {"bed": [room[2].pk], "member": [son.pk], "start": later.isoformat()}
    )
    assert response.status_code == 302
    joined = Stay.objects.get(occupant=son)
    assert joined.household == head and joined.start == later and joined.planned_end == head.planned_end
    page = client.get(f"/shelter/place/{person.pk}/").content.decode()
    assert 'id="place-refusal"' in page  # everyone has a bed now
