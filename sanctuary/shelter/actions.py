"""Placing, extending and moving out: each a transaction that keeps ``BedNight`` rows,
the stay, the person's status, the timeline and the audit log in step.

A household (the person and the members of their household who came along) is placed in one
action, all or nothing: one bed each, all in one room, from one day to one planned end. The
members' stays belong to the person's (``Stay.household``); an extension of the person's stay
extends them all, and moving the person out moves them all out.

The house rules, checked on every placement (and suggested rooms are only those that pass):

1. A woman (or girl) is placed only in a house that takes women; a women-only room takes
   only women. Both apply to every member placed, not only to the person.
2. A household (a member placed now, or already housed with the person) is placed only in a
   house that takes families.
3. A household's beds are all in one room; a member placed later (born, or arrived later)
   joins the household's room, within the household's stay.
4. A household has its room to itself: it is not placed into a room where anyone outside it
   sleeps on any of those nights, and nobody from outside is placed into a room where a
   household sleeps on any of them. Someone overdue still sleeps there until they move out.
5. People who must not share a room (a risk flag) are placed only alone or in a single room,
   and nobody is placed beside them. A household is one unit here: its members are not
   strangers to each other, so a flagged person may sleep in the room of their own family.

Extensions check the bed nights they add (rule 4 included). Lock order, as for every writer
of a person: the person's row first, then the beds in id order, then the room.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib import db
from sanctuary.lib.bounds import MOVE_OUT, REFUSALS, STAY_END, STAY_LONGEST, STAY_START, refuse_longer, refuse_outside
from sanctuary.lib.dates import read_partial_date
from sanctuary.lib.refusal import Refusal
from sanctuary.people.actions import do_change_status
from sanctuary.people.admission import admissible, must_room_alone
from sanctuary.people.models import HouseholdMember, Person, Relation, Sex, Status
from sanctuary.shelter.models import (
    Bed,
    BedNight,
    Extension,
    ExtensionState,
    MoveOut,
    Room,
    RoomKind,
    SafeHouse,
    Stay,
    StayQuerySet,
)
from sanctuary.vault.fields import is_placeholder

if TYPE_CHECKING:
    from django.forms import ModelForm

    from sanctuary.accounts.models import User


class ShelterRuleError(Refusal):
    messages = {
        "bed_taken": _("This bed is taken on some of those nights. Choose another bed."),
        "household_bed_taken": _(
            "Bed %(bed)s was taken on some of those nights, a moment ago: nobody was placed. Choose again."
        ),
        "bed_inactive": _("This bed is not in use."),
        "already_housed": _("This person already has a bed."),
        "member_housed": _("A member of this household already has a bed."),
        "not_household": _("Only members of this person's household can be placed with them."),
        "one_bed_each": _("Choose one bed for each person placed."),
        "one_room": _("A household sleeps in one room: choose beds in one room."),
        "head_first": _("Place %(case)s first, or together with the household."),
        "household_room_only": _("A household sleeps in one room: choose a bed in %(room)s."),
        "outside_household_stay": _(
            "The household's stay runs from %(start)s to %(end)s: choose a day in it, or extend the stay first."
        ),
        "no_women": _("This house does not take women."),
        "women_only": _("This room is for women only."),
        "no_families": _("This house does not take families."),
        "household_not_alone": _(
            "Someone outside this household sleeps in this room on some of those nights: a household has "
            "a room to itself. Choose another room."
        ),
        "household_room": _(
            "A household sleeps in this room on some of those nights and has it to itself. Choose another room."
        ),
        "dangerous_alone": _("This person must not share a room: choose an empty room or a single room."),
        "dangerous_roommate": _("Someone in this room must not share it. Choose another room."),
        "extension_shorter": _("An extension must end after the current planned end (%(end)s)."),
        "extend_household": _(
            "This bed is part of the household's stay of %(case)s: request the extension on that stay, "
            "for the whole household."
        ),
        "bed_booked_later": _("The bed is booked for someone else from %(night)s: move them to another bed first."),
        "member_bed_booked_later": _(
            "The bed of a household member (%(member)s) is booked for someone else from %(night)s: move them "
            "to another bed first."
        ),
        "room_booked_later": _(
            "Someone outside the household is booked into this room from %(night)s, and a household has its "
            "room to itself: move them to another room first."
        ),
        "household_booked_later": _(
            "A household is booked into this room from %(night)s and has it to itself: move this stay to "
            "another room first."
        ),
        "end_before_start": _("The end cannot be before the start of the stay."),
        "ended": _("This stay has ended."),
        "decided": _("This was already decided."),
        "room_name_taken": _("This house already has a room with that name."),
        **REFUSALS,
    }


def stay_days() -> int:
    return int(getattr(settings, "SHELTER_STAY_DAYS", 90))


def _nights(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# --- Households in words, never by name ----------------------------------------------------


def age_in_years(member: HouseholdMember, today: date | None = None) -> int | None:
    """The member's age in whole years from the birth date as far as it is known (a year alone
    gives the age they reach this year), or None when it is not known or the vault is sealed."""
    value = member.birth_date
    if not value or is_placeholder(value):
        return None
    born = read_partial_date(str(value))
    if not born:
        return None
    today = today or timezone.localdate()
    years = today.year - born.year
    if born.month and (today.month, today.day) < (born.month, born.day or 1):
        years -= 1
    return max(years, 0) if years <= 120 else None


def describe_member(member: HouseholdMember, today: date | None = None) -> str:
    """How a shelter manager sees a household member: relation, sex and age ("child · female
    · 7 years"), never the name, which stays behind the two-person true-identity grant."""
    parts = [str(member.get_relation_display())]
    if member.sex in (Sex.MALE, Sex.FEMALE, Sex.OTHER):
        parts.append(str(member.get_sex_display()).lower() if member.sex != Sex.OTHER else str(_("other sex")))
    years = age_in_years(member, today)
    if years is not None:
        parts.append(
            str(_("under one year")) if years == 0 else ngettext("%(n)s year", "%(n)s years", years) % {"n": years}
        )
    return " · ".join(parts)


# --- The house rules ------------------------------------------------------------------------


@dataclass
class _Neighbours:
    """What the house rules need to know around one person, fetched once for any number of
    rooms: who else (outside the person's household) sleeps in each room on those nights, in
    which rooms another person's household sleeps, and who of all those must not share a room."""

    roommates: dict[int, set[int]]  # room id -> other people with nights in the window (or overdue)
    households: set[int]  # room ids where members of another person's household sleep then
    dangerous: set[int]


def _neighbours(person: Person, first: date, last: date, room_ids: list[int] | None = None) -> _Neighbours:
    """Two queries for any number of rooms (three with the risk flags): the nights booked in
    the window, and the overdue stays, who hold their beds until they move out."""
    nights = BedNight.objects.filter(night__range=(first, last)).exclude(stay__person=person)
    overdue = Stay.objects.overdue().exclude(person=person)
    if room_ids is not None:
        nights = nights.filter(bed__room_id__in=room_ids)
        overdue = overdue.filter(bed__room_id__in=room_ids)
    roommates: dict[int, set[int]] = {}
    households: set[int] = set()
    found = [
        *nights.values_list("bed__room_id", "stay__person_id", "stay__occupant_id").distinct(),
        *overdue.values_list("bed__room_id", "person_id", "occupant_id"),
    ]
    for room_id, other, member in found:
        roommates.setdefault(room_id, set()).add(other)
        if member is not None:
            households.add(room_id)
    everyone = {person.pk}.union(*roommates.values())
    return _Neighbours(roommates, households, must_room_alone(everyone))


@dataclass(frozen=True)
class _Party:
    """Who is placed now: everyone's sex, and whether it is (part of) a household."""

    sexes: tuple[str, ...]
    household: bool


def _party(person: Person, members: Sequence[HouseholdMember], head: bool) -> _Party:
    household = bool(members) or not head
    if not household:  # a member housed before, in a stay of their own
        household = Stay.objects.open().filter(person=person, occupant__isnull=False).exists()
    sexes = ((person.sex,) if head else ()) + tuple(m.sex for m in members)
    return _Party(sexes, household)


def _check_house_rules(person: Person, party: _Party, room: Room, around: _Neighbours) -> None:
    """The rules of the module docstring, for everyone placed now into ``room``."""
    house = room.house
    for sex in party.sexes:  # rule 1, per member
        if sex == Sex.FEMALE and not house.takes_women:
            raise ShelterRuleError("no_women")
        if room.women_only and sex != Sex.FEMALE:
            raise ShelterRuleError("women_only")
    if party.household and not house.takes_families:  # rule 2
        raise ShelterRuleError("no_families")
    others = around.roommates.get(room.pk, set())  # never the person's own household
    if others and party.household:  # rule 4: a household into a room others sleep in
        raise ShelterRuleError("household_not_alone")
    if room.pk in around.households:  # rule 4: anyone into another household's room
        raise ShelterRuleError("household_room")
    if others and room.kind != RoomKind.SINGLE:  # rule 5, the household counted as one
        if person.pk in around.dangerous:
            raise ShelterRuleError("dangerous_alone")
        if others & around.dangerous:
            raise ShelterRuleError("dangerous_roommate")


# --- Placing ---------------------------------------------------------------------------------


@db.atomic
def do_place_household(
    user: User,
    person: Person,
    beds: Sequence[Bed],
    start: date,
    members: Sequence[HouseholdMember] = (),
    *,
    head: bool = True,
    days: int | None = None,
) -> list[Stay]:
    """Place the person (``head``) and the chosen members of their household together: one bed
    each, in the order given (the person's first), all in one room, from ``start`` for the
    policy length (or ``days``). Without ``head`` the person already has a bed and the members
    join the household's stay: in its room, until its planned end. All or nothing: a bed taken
    a moment ago, or any rule refusing, places nobody."""
    person = Person.objects.lock(person.pk)  # the person first, then the beds (one lock order)
    wanted = [m.pk for m in members]
    found = {m.pk: m for m in HouseholdMember.objects.filter(person=person, pk__in=wanted)}
    if len(found) != len(set(wanted)):
        raise ShelterRuleError("not_household")
    chosen = [found[pk] for pk in wanted]
    bed_ids = [bed.pk for bed in beds]
    if len(set(wanted)) != len(wanted) or not bed_ids or len(set(bed_ids)) != len(bed_ids):
        raise ShelterRuleError("one_bed_each")
    if len(bed_ids) != int(head) + len(chosen):
        raise ShelterRuleError("one_bed_each")
    # Bed rows locked in id order (PostgreSQL); SQLite takes its write lock at BEGIN. Two
    # placements of one bed run one after the other; the unique nights decide.
    locked = {bed.pk: bed for bed in Bed.objects.select_for_update().filter(pk__in=bed_ids).order_by("pk")}
    if len(locked) != len(bed_ids):
        raise ShelterRuleError("bed_inactive")
    ordered = [locked[pk] for pk in bed_ids]
    if len({bed.room_id for bed in ordered}) > 1:
        raise ShelterRuleError("one_room")
    # The room last: two placements into one room (other beds, so no bed lock meets) queue
    # here, and the second sees the first's nights (rule 4 holds under concurrency too).
    room = Room.objects.select_for_update(of=("self",)).select_related("house").get(pk=ordered[0].room_id)
    if not all(bed.active for bed in ordered) or not room.house.active:
        raise ShelterRuleError("bed_inactive")
    refuse_outside(start, STAY_START, ShelterRuleError)
    own = Stay.objects.of_person(person).open().select_related("bed").first()
    if head:
        if own is not None:
            raise ShelterRuleError("already_housed")
        length = days or stay_days()
        if length > STAY_LONGEST:
            raise ShelterRuleError("too_long", days=STAY_LONGEST, latest=start + timedelta(days=STAY_LONGEST - 1))
        last = start + timedelta(days=length - 1)
        if last < start:
            raise ShelterRuleError("end_before_start")
    else:
        if own is None:
            raise ShelterRuleError("head_first", case=person.case_code)
        if room.pk != own.bed.room_id:
            raise ShelterRuleError("household_room_only", room=f"{room.house.name} {own.bed.room.name}")
        if not own.start <= start <= own.planned_end:
            raise ShelterRuleError("outside_household_stay", start=own.start, end=own.planned_end)
        last = own.planned_end
    if chosen and Stay.objects.open().filter(occupant__in=chosen).exists():
        raise ShelterRuleError("member_housed")
    overstayed = set(Stay.objects.overdue().filter(bed__in=ordered).values_list("bed_id", flat=True))
    if overstayed:  # someone past their planned end is still there
        raise _taken(room, ordered, overstayed)
    _check_house_rules(person, _party(person, chosen, head), room, _neighbours(person, start, last, [room.pk]))

    occupants: list[HouseholdMember | None] = ([None] if head else []) + list(chosen)
    stays: list[Stay] = []
    for bed, occupant in zip(ordered, occupants, strict=True):
        stay = Stay(
            person=person,
            occupant=occupant,
            household=own if occupant is not None else None,
            bed=bed,
            start=start,
            planned_end=last,
            placed_by=user,
        )
        try:
            with transaction.atomic():
                stay.save()  # refuses people who may not be admitted
        except IntegrityError:  # placed elsewhere at the same moment
            raise ShelterRuleError("already_housed" if occupant is None else "member_housed") from None
        if occupant is None:
            own = stay
        stays.append(stay)
    try:
        with transaction.atomic():
            BedNight.objects.bulk_create(
                [BedNight(bed=s.bed, night=n, stay=s) for s in stays for n in _nights(start, last)]
            )
    except IntegrityError:
        booked = BedNight.objects.filter(bed__in=ordered, night__range=(start, last))
        raise _taken(room, ordered, set(booked.values_list("bed_id", flat=True))) from None
    if head and person.status != Status.IN_SHELTER:
        do_change_status(user, person, Status.IN_SHELTER)
    for stay in stays:
        fields = ["bed", "start", "planned_end"]
        record(user, Action.CREATE, stay, fields=fields + (["occupant", "household"] if stay.occupant_id else []))
    return stays


def _taken(room: Room, beds: Sequence[Bed], taken: set[int]) -> ShelterRuleError:
    """A bed is taken: which one (as the board names it, room/label) when several were chosen."""
    if len(beds) == 1:
        return ShelterRuleError("bed_taken")
    bed = next((bed for bed in beds if bed.pk in taken), beds[0])
    return ShelterRuleError("household_bed_taken", bed=f"{room.name}/{bed.label}")


def do_place(
    user: User,
    person: Person,
    bed: Bed,
    start: date,
    occupant: HouseholdMember | None = None,
    days: int | None = None,
) -> Stay:
    """Give one bed from ``start`` for the policy length (or ``days``): to the person, or to
    one member of their household joining the household's stay (``occupant``)."""
    if occupant is None:
        return do_place_household(user, person, [bed], start, days=days)[0]
    return do_place_household(user, person, [bed], start, [occupant], head=False)[0]


# --- Extensions ------------------------------------------------------------------------------


@db.atomic
def do_request_extension(user: User, stay: Stay, requested_end: date, reason: str) -> Extension:
    Person.objects.lock_row(stay.person_id)
    stay = Stay.objects.select_for_update(of=("self",)).select_related("person").get(pk=stay.pk)
    if stay.ended_on is not None:
        raise ShelterRuleError("ended")
    if stay.household_id is not None:
        raise ShelterRuleError("extend_household", case=stay.person.case_code)
    refuse_outside(requested_end, STAY_END, ShelterRuleError)
    if requested_end <= stay.planned_end:
        raise ShelterRuleError("extension_shorter", end=stay.planned_end)
    refuse_longer(stay.start, requested_end, STAY_LONGEST, ShelterRuleError)
    extension = Extension.objects.create(stay=stay, requested_end=requested_end, reason=reason, requested_by=user)
    record(user, Action.CREATE, extension, fields=["requested_end", "reason"])
    return extension


def _first_night(nights: QuerySet[BedNight]) -> date | None:
    return nights.order_by("night").values_list("night", flat=True).first()


@db.atomic
def do_decide_extension(user: User, extension: Extension, approve: bool, note: str = "") -> Extension:
    """Approve or refuse. Approving a household's stay extends every member still in it: all
    of them, or (a member's bed booked later, or someone booked into the room) none."""
    Person.objects.lock_row(Stay.objects.filter(pk=extension.stay_id).values_list("person_id", flat=True).get())
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if extension.state != ExtensionState.PENDING:
        raise ShelterRuleError("decided")
    stay = Stay.objects.select_for_update(of=("self",)).select_related("person", "bed").get(pk=extension.stay_id)
    extended: list[Stay] = []
    if approve:
        if stay.ended_on is not None:
            raise ShelterRuleError("ended")
        if extension.requested_end <= stay.planned_end:
            raise ShelterRuleError("extension_shorter", end=stay.planned_end)
        refuse_longer(stay.start, extension.requested_end, STAY_LONGEST, ShelterRuleError)  # asked before the bound
        members = list(
            stay.members.open().select_for_update(of=("self",)).select_related("occupant", "bed").order_by("pk")  # type: ignore[attr-defined]
        )
        Room.objects.select_for_update().filter(pk=stay.bed.room_id).values_list("pk").get()
        first = stay.planned_end + timedelta(days=1)
        for one in [stay, *members]:
            added = _nights(one.planned_end + timedelta(days=1), extension.requested_end)
            try:
                with transaction.atomic():
                    BedNight.objects.bulk_create([BedNight(bed_id=one.bed_id, night=n, stay=one) for n in added])
            except IntegrityError:
                booked = _first_night(BedNight.objects.filter(bed_id=one.bed_id, night__in=added))
                if one.occupant_id is None:
                    raise ShelterRuleError("bed_booked_later", night=booked) from None
                member = Relation(one.occupant.relation).label  # type: ignore[union-attr]  # lazy: the reader's language
                raise ShelterRuleError("member_bed_booked_later", member=member, night=booked) from None
            one.planned_end = extension.requested_end
            one.save(update_fields=["planned_end"])
            extended.append(one)
        # After the beds (a member's bed booked later is said first); a refusal undoes them all.
        _check_room_later(stay, bool(members), first, extension.requested_end)
    extension.state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    extension.decided_by = user
    extension.decided_at = timezone.now()
    extension.decision_note = note
    extension.save()
    record(user, Action.UPDATE, extension, fields=["state"] + (["decision_note"] if note else []))
    for one in extended:
        record(user, Action.UPDATE, one, fields=["planned_end"])
    return extension


def _check_room_later(stay: Stay, household: bool, first: date, last: date) -> None:
    """Rule 4 for the nights an extension adds: a household keeps its room to itself, and
    nobody stays on into a room a household is booked into."""
    others = BedNight.objects.filter(bed__room_id=stay.bed.room_id, night__range=(first, last)).exclude(
        stay__person_id=stay.person_id
    )
    if household:
        night = _first_night(others)
        if night is not None:
            raise ShelterRuleError("room_booked_later", night=night)
    night = _first_night(others.filter(stay__occupant__isnull=False))
    if night is not None:
        raise ShelterRuleError("household_booked_later", night=night)


MOVE_OUT_STATUS = {
    MoveOut.INDEPENDENT: Status.INDEPENDENT,
    MoveOut.JOB: Status.INDEPENDENT,
    MoveOut.RESETTLED: Status.RESETTLED,
    MoveOut.LOST_CONTACT: Status.LOST_CONTACT,
}


@db.atomic
def do_move_out(user: User, stay: Stay, ended_on: date, move_out: str) -> Stay:
    """Record the move-out; the bed is free from ``ended_on`` (that night on)."""
    Person.objects.lock_row(stay.person_id)  # the person first, then the stay (one lock order)
    stay = Stay.objects.select_for_update().get(pk=stay.pk)
    if stay.ended_on is not None:
        raise ShelterRuleError("ended")
    refuse_outside(ended_on, MOVE_OUT, ShelterRuleError)
    if ended_on < stay.start:
        raise ShelterRuleError("end_before_start")
    stay.ended_on = ended_on
    stay.move_out = move_out
    stay.save(update_fields=["ended_on", "move_out"])
    BedNight.objects.filter(stay=stay, night__gte=ended_on).delete()
    Extension.objects.filter(stay=stay, state=ExtensionState.PENDING).update(state=ExtensionState.REFUSED)
    record(user, Action.UPDATE, stay, fields=["ended_on", "move_out"])
    if stay.occupant_id is None:
        # The household leaves with them.
        for other in Stay.objects.open().filter(person=stay.person, occupant__isnull=False):
            do_move_out(user, other, max(ended_on, other.start), move_out)
        status = MOVE_OUT_STATUS.get(MoveOut(move_out))
        if status is not None:
            do_change_status(user, stay.person, status)
    return stay


# --- What the board and the waitlist show --------------------------------------------------


def waitlist(people: QuerySet[Person]) -> QuerySet[Person]:
    """Accepted, admissible people without a bed, most pressing first: those who arrived
    (they are here now), then those between houses, then the accepted; longest waiting first.
    Each with ``beds_needed``: one, and one more for each household member without a bed."""
    from django.db.models import Case, When

    housed = Stay.objects.open().filter(person=OuterRef("pk"), occupant__isnull=True)
    members = (
        HouseholdMember.objects.filter(person=OuterRef("pk"))
        .exclude(Exists(Stay.objects.open().filter(occupant=OuterRef("pk"))))
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        admissible(people.filter(status__in=[Status.ARRIVED, Status.IN_SHELTER, Status.ACCEPTED]))
        .exclude(Exists(housed))
        .annotate(
            urgency=Case(
                When(status=Status.ARRIVED, then=Value(0)),
                When(status=Status.IN_SHELTER, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            beds_needed=Coalesce(Subquery(members, output_field=IntegerField()), Value(0)) + Value(1),
        )
        .order_by("urgency", "status_changed_at", "id")
    )


# Outside the f-strings below, where xgettext would not find them.
BED_HEADER = gettext_lazy("Bed")
TONIGHT_HEADER = gettext_lazy("Tonight")


def _household_of(n: int) -> str:
    return gettext("household of %(n)s") % {"n": n}


def board_html(dates: list[date], houses: list[tuple[Any, list[BoardRow]]], stay_url: Callable[[int], str]) -> str:
    """The board's tables, built here rather than in the template: 1,500 beds x 15 days are
    22,500 cells, which Django's template engine renders ten times slower than a join.
    Every value that is not ours is escaped.

    A household's beds are marked as one: each row carries the household (its stay's id, in
    ``data-household``), the person's bed says "household of 3" and each member's bed says
    how they belong ("2026-0003 · spouse"), in words, never a name."""
    from html import escape  # the standard library's: plain strings, no lazy wrapper per call

    from django.utils.safestring import mark_safe

    days = "".join(f'<th scope="col" class="day">{d.day}</th>' for d in dates)
    head = (
        f'<thead><tr><th scope="col">{escape(str(BED_HEADER))}</th>'
        f'<th scope="col">{escape(str(TONIGHT_HEADER))}</th>{days}</tr></thead><tbody>'
    )
    cells = {kind: f'<td class="cell {kind}"></td>' for kind in ("free", "taken", "overdue")}
    relations = {value: escape(str(label)) for value, label in Relation.choices}
    regions: dict[str, str] = {}
    parts: list[str] = []
    for house, rows in houses:
        if house.region not in regions:
            regions[house.region] = escape(str(house.get_region_display()))
        parts.append(
            f'<div class="board-wrap"><table class="board"><caption>{escape(house.name)} '
            f'<span class="muted">{regions[house.region]}</span></caption>{head}'
        )
        for row in rows:
            who, marker = "", ""
            if row.stay_id:
                label = escape(row.occupant or "•")
                if row.member:
                    label += f" · {relations.get(row.member, escape(row.member))}"
                elif row.size > 1:
                    label += f" · {escape(_household_of(row.size))}"
                who = f'<a href="{escape(stay_url(row.stay_id))}">{label}</a>'
            if row.household:
                marker = f' class="household" data-household="{row.household}"'
            parts.append(
                f'<tr{marker}><th scope="row">{escape(row.room)}/{escape(row.label)}</th><td>{who}</td>'
                + "".join(cells[kind] for kind in row.nights)
                + "</tr>"
            )
        parts.append("</tbody></table></div>")
    return mark_safe("".join(parts))  # built from escaped values above


@dataclass
class BoardRow:
    bed_id: int
    room: str
    label: str
    nights: list[str]  # "free", "taken" or "overdue", one per day shown
    occupant: str  # whose bed it is today: the person's case code ("" when free)
    stay_id: int | None
    person_id: int | None = None  # whose stay it is (for the audit of who the board showed)
    member: str = ""  # a household member's relation (a ``Relation`` value), "" for the person
    household: int | None = None  # the household's stay (the person's) when a household sleeps here
    size: int = 1  # on the person's bed: how many of the household are housed tonight

    def hide(self) -> None:
        """A bed is a bed: shown taken, but not whose."""
        self.occupant, self.stay_id, self.person_id, self.member, self.household, self.size = (
            "",
            None,
            None,
            "",
            None,
            1,
        )


def board(days: int = 15, today: date | None = None) -> tuple[list[date], list[tuple[Any, list[BoardRow]]]]:
    """Every active house and bed, free or taken today and the next ``days - 1`` days.

    Read from the stays overlapping the window (a few per bed), not from their ``BedNight``
    rows (fifteen per bed): a stay holds exactly the nights from ``start`` to
    ``last_night``, and an overdue one holds its bed until it moves out."""
    today = today or timezone.localdate()
    dates = [today + timedelta(days=n) for n in range(days)]
    first, last = dates[0], dates[-1]
    houses_by_id = {house.pk: house for house in SafeHouse.objects.filter(active=True).defer("area", "contact")}
    beds = (
        Bed.objects.filter(active=True, room__house__in=list(houses_by_id))
        .order_by("room__house__name", "room__name", "label")
        .values_list("pk", "label", "room__name", "room__house_id")
    )
    stays = Stay.objects.during(first, last).values_list(
        "pk",
        "bed_id",
        "person__case_code",
        "start",
        "planned_end",
        "ended_on",
        "person_id",
        "occupant__relation",
        "household_id",
    )
    spans: dict[int, list[tuple[date, date, date, bool]]] = {}
    tonight: dict[int, tuple[int, str, int, str, int | None]] = {}
    sizes: dict[int, int] = {}
    for pk, bed_id, case_code, start, planned_end, ended_on, person_id, relation, household_id in stays:
        overdue = ended_on is None and planned_end < today
        last_night = ended_on - timedelta(days=1) if ended_on else (last if overdue else planned_end)
        spans.setdefault(bed_id, []).append((start, last_night, planned_end, overdue))
        if start <= today <= last_night:
            tonight[bed_id] = (pk, case_code, person_id, relation or "", household_id)
            if household_id is not None:
                sizes[household_id] = sizes.get(household_id, 1) + 1
    rows_by_house: dict[int, list[BoardRow]] = {}
    for bed_id, label, room_name, house_id in beds:
        cells = ["free"] * days
        for start, last_night, planned_end, overdue in spans.get(bed_id, ()):
            for n, day in enumerate(dates):
                if start <= day <= last_night:
                    cells[n] = "overdue" if overdue and day > planned_end else "taken"
        row = BoardRow(bed_id, room_name, label, cells, "", None)
        occupied = tonight.get(bed_id)
        if occupied:
            stay_id, row.occupant, row.person_id, row.member, household_id = occupied
            row.stay_id = stay_id
            row.household = household_id or (stay_id if stay_id in sizes else None)
            row.size = sizes.get(stay_id, 1)
        rows_by_house.setdefault(house_id, []).append(row)
    return dates, [(houses_by_id[h], rows) for h, rows in rows_by_house.items()]


@dataclass
class RoomOffer:
    """A room that can take everyone chosen for the whole stay: its free beds, in order."""

    room: Room
    beds: list[Bed] = field(default_factory=list)


def rooms_for(
    person: Person,
    start: date,
    members: Sequence[HouseholdMember] = (),
    *,
    head: bool = True,
    days: int | None = None,
) -> list[RoomOffer]:
    """Rooms with a free bed for everyone chosen (the person, when ``head``, and ``members``)
    on every night of the stay, that the house rules allow; family rooms first for a
    household. Without ``head`` the members join the household's stay: its room, until its
    planned end. A bounded number of queries for any number of houses, rooms and beds."""
    needed = int(head) + len(members)
    if not needed:
        return []
    only_room: int | None = None
    if head:
        last = start + timedelta(days=(days or stay_days()) - 1)
    else:
        own = Stay.objects.of_person(person).open().select_related("bed").first()
        if own is None or not own.start <= start <= own.planned_end:
            return []
        last, only_room = own.planned_end, own.bed.room_id
    busy = BedNight.objects.filter(night__range=(start, last)).values("bed_id")
    overstaying = Stay.objects.overdue().values("bed_id")
    beds = (
        Bed.objects.filter(active=True, room__house__active=True)
        .exclude(pk__in=busy)
        .exclude(pk__in=overstaying)
        .select_related("room__house")
        .order_by("room__house__name", "room__name", "label")
    )
    if only_room is not None:
        beds = beds.filter(room_id=only_room)
    offers: dict[int, RoomOffer] = {}
    for bed in beds:
        offers.setdefault(bed.room_id, RoomOffer(bed.room)).beds.append(bed)
    around = _neighbours(person, start, last, [only_room] if only_room is not None else None)
    party = _party(person, members, head)
    allowed = []
    for offer in offers.values():
        if len(offer.beds) < needed:
            continue
        try:
            _check_house_rules(person, party, offer.room, around)
        except ShelterRuleError:
            continue
        allowed.append(offer)
    if party.household:
        allowed.sort(key=lambda offer: offer.room.kind != RoomKind.FAMILY)  # stable: houses stay in order
    return allowed


def free_beds_for(person: Person, start: date, days: int | None = None) -> list[Bed]:
    """Beds free for the whole stay from ``start`` that the house rules allow, for the person alone."""
    return [bed for offer in rooms_for(person, start, days=days) for bed in offer.beds]


def ending_soon(stays: StayQuerySet, within: int = 14) -> tuple[StayQuerySet, StayQuerySet]:
    """Stays ending in the next ``within`` days, and overdue ones, for the board and dashboard;
    a household once (its members' stays end with the person's)."""
    stays = stays.one_per_household().select_related("person", "bed__room__house")
    return stays.ending_within(within).order_by("planned_end"), stays.overdue().order_by("planned_end")


# --- Houses, rooms and beds -----------------------------------------------------------------


@transaction.atomic
def do_save_house(user: User, form: ModelForm[SafeHouse]) -> SafeHouse:
    creating = form.instance.pk is None
    house = form.save()
    record(user, Action.CREATE if creating else Action.UPDATE, house, fields=sorted(form.changed_data))
    return house


@transaction.atomic
def do_add_room(user: User, house: SafeHouse, name: str, kind: str, women_only: bool, beds: int) -> Room:
    """A room with ``beds`` beds, numbered from 1."""
    if Room.objects.filter(house=house, name=name).exists():
        raise ShelterRuleError("room_name_taken")
    try:
        with transaction.atomic():
            room = Room.objects.create(house=house, name=name, kind=kind, women_only=women_only)
    except IntegrityError:  # added by someone else a moment ago
        raise ShelterRuleError("room_name_taken") from None
    record(user, Action.CREATE, room, fields=["house", "name", "kind", "women_only"])
    for bed in Bed.objects.bulk_create([Bed(room=room, label=str(n + 1)) for n in range(beds)]):
        record(user, Action.CREATE, bed, fields=["room", "label"])
    return room
