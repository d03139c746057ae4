"""Placing, extending and moving out: each a transaction that keeps ``BedNight`` rows,
the stay, the person's status, the timeline and the audit log in step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib import db
from sanctuary.lib.bounds import MOVE_OUT, REFUSALS, STAY_END, STAY_LONGEST, STAY_START, refuse_longer, refuse_outside
from sanctuary.lib.refusal import Refusal
from sanctuary.people.actions import do_change_status
from sanctuary.people.admission import admissible, must_room_alone
from sanctuary.people.models import HouseholdMember, Person, Sex, Status
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

if TYPE_CHECKING:
    from django.forms import ModelForm

    from sanctuary.accounts.models import User


class ShelterRuleError(Refusal):
    messages = {
        "bed_taken": _("This bed is taken on some of those nights. Choose another bed."),
        "bed_inactive": _("This bed is not in use."),
        "already_housed": _("This person already has a bed."),
        "no_women": _("This house does not take women."),
        "women_only": _("This room is for women only."),
        "no_families": _("This house does not take families."),
        "dangerous_alone": _("This person must not share a room: choose an empty room or a single room."),
        "dangerous_roommate": _("Someone in this room must not share it. Choose another room."),
        "extension_shorter": _("An extension must end after the current planned end (%(end)s)."),
        "bed_booked_later": _("The bed is booked for someone else from %(night)s: move them to another bed first."),
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


@dataclass
class _Neighbours:
    """What the house rules need to know around one person, fetched once for any number of
    beds: whether they come with family, who else sleeps in each room on those nights, and
    who of all those must not share a room."""

    family: bool
    roommates: dict[int, set[int]]  # room id -> other people with nights in the window
    dangerous: set[int]


def _neighbours(
    person: Person, occupant: HouseholdMember | None, first: date, last: date, room_ids: list[int] | None = None
) -> _Neighbours:
    family = occupant is not None or Stay.objects.open().filter(person=person, occupant__isnull=False).exists()
    nights = BedNight.objects.filter(night__range=(first, last)).exclude(stay__person=person)
    if room_ids is not None:
        nights = nights.filter(bed__room_id__in=room_ids)
    roommates: dict[int, set[int]] = {}
    for room_id, other in nights.values_list("bed__room_id", "stay__person_id").distinct():
        roommates.setdefault(room_id, set()).add(other)
    everyone = {person.pk}.union(*roommates.values())
    return _Neighbours(family, roommates, must_room_alone(everyone))


def _check_house_rules(person: Person, occupant: HouseholdMember | None, bed: Bed, around: _Neighbours) -> None:
    room = bed.room
    house = room.house
    sex = occupant.sex if occupant is not None else person.sex
    if sex == Sex.FEMALE and not house.takes_women:
        raise ShelterRuleError("no_women")
    if room.women_only and sex != Sex.FEMALE:
        raise ShelterRuleError("women_only")
    if around.family and not house.takes_families:
        raise ShelterRuleError("no_families")
    roommates = around.roommates.get(room.pk, set())
    if roommates and room.kind != RoomKind.SINGLE:
        if person.pk in around.dangerous:
            raise ShelterRuleError("dangerous_alone")
        if roommates & around.dangerous:
            raise ShelterRuleError("dangerous_roommate")


@db.atomic
def do_place(
    user: User,
    person: Person,
    bed: Bed,
    start: date,
    occupant: HouseholdMember | None = None,
    days: int | None = None,
) -> Stay:
    """Give a bed from ``start`` for the policy length (or ``days``)."""
    person = Person.objects.lock(person.pk)  # the person first, then the bed (one lock order)
    # The bed row is locked (PostgreSQL) and SQLite takes its write lock at BEGIN: two
    # placements of one bed run one after the other; the unique nights decide.
    bed = Bed.objects.select_for_update().select_related("room__house").get(pk=bed.pk)
    if not bed.active or not bed.room.house.active:
        raise ShelterRuleError("bed_inactive")
    refuse_outside(start, STAY_START, ShelterRuleError)
    if (days or stay_days()) > STAY_LONGEST:
        raise ShelterRuleError("too_long", days=STAY_LONGEST, latest=start + timedelta(days=STAY_LONGEST - 1))
    last = start + timedelta(days=(days or stay_days()) - 1)
    if last < start:
        raise ShelterRuleError("end_before_start")
    if Stay.objects.overdue().filter(bed=bed).exists():  # someone past their planned end is still there
        raise ShelterRuleError("bed_taken")
    if Stay.objects.of_person(person, occupant).open().exists():
        raise ShelterRuleError("already_housed")
    _check_house_rules(person, occupant, bed, _neighbours(person, occupant, start, last, [bed.room_id]))
    stay = Stay(person=person, occupant=occupant, bed=bed, start=start, planned_end=last, placed_by=user)
    try:
        with transaction.atomic():
            stay.save()  # refuses people who may not be admitted
    except IntegrityError:
        raise ShelterRuleError("already_housed") from None  # placed elsewhere at the same moment
    try:
        with transaction.atomic():
            BedNight.objects.bulk_create([BedNight(bed=bed, night=n, stay=stay) for n in _nights(start, last)])
    except IntegrityError:
        raise ShelterRuleError("bed_taken") from None
    if occupant is None and person.status != Status.IN_SHELTER:
        do_change_status(user, person, Status.IN_SHELTER)
    record(user, Action.CREATE, stay, fields=["bed", "start", "planned_end"] + (["occupant"] if occupant else []))
    return stay


@db.atomic
def do_request_extension(user: User, stay: Stay, requested_end: date, reason: str) -> Extension:
    Person.objects.lock_row(stay.person_id)
    stay = Stay.objects.select_for_update().get(pk=stay.pk)
    if stay.ended_on is not None:
        raise ShelterRuleError("ended")
    refuse_outside(requested_end, STAY_END, ShelterRuleError)
    if requested_end <= stay.planned_end:
        raise ShelterRuleError("extension_shorter", end=stay.planned_end)
    refuse_longer(stay.start, requested_end, STAY_LONGEST, ShelterRuleError)
    extension = Extension.objects.create(stay=stay, requested_end=requested_end, reason=reason, requested_by=user)
    record(user, Action.CREATE, extension, fields=["requested_end", "reason"])
    return extension


@db.atomic
def do_decide_extension(user: User, extension: Extension, approve: bool, note: str = "") -> Extension:
    Person.objects.lock_row(Stay.objects.filter(pk=extension.stay_id).values_list("person_id", flat=True).get())
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if extension.state != ExtensionState.PENDING:
        raise ShelterRuleError("decided")
    stay = Stay.objects.select_for_update().get(pk=extension.stay_id)
    if approve:
        if stay.ended_on is not None:
            raise ShelterRuleError("ended")
        if extension.requested_end <= stay.planned_end:
            raise ShelterRuleError("extension_shorter", end=stay.planned_end)
        refuse_longer(stay.start, extension.requested_end, STAY_LONGEST, ShelterRuleError)  # asked before the bound
        added = _nights(stay.planned_end + timedelta(days=1), extension.requested_end)
        try:
            with transaction.atomic():
                BedNight.objects.bulk_create([BedNight(bed_id=stay.bed_id, night=n, stay=stay) for n in added])
        except IntegrityError:
            booked = (
                BedNight.objects.filter(bed_id=stay.bed_id, night__in=added)
                .order_by("night")
                .values_list("night", flat=True)
                .first()
            )
            raise ShelterRuleError("bed_booked_later", night=booked) from None
        stay.planned_end = extension.requested_end
        stay.save(update_fields=["planned_end"])
    extension.state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    extension.decided_by = user
    extension.decided_at = timezone.now()
    extension.decision_note = note
    extension.save()
    record(user, Action.UPDATE, extension, fields=["state"] + (["decision_note"] if note else []))
    return extension


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
    (they are here now), then those between houses, then the accepted; longest waiting first."""
    from django.db.models import Case, IntegerField, Value, When

    housed = Stay.objects.open().filter(person=OuterRef("pk"), occupant__isnull=True)
    return (
        admissible(people.filter(status__in=[Status.ARRIVED, Status.IN_SHELTER, Status.ACCEPTED]))
        .exclude(Exists(housed))
        .annotate(
            urgency=Case(
                When(status=Status.ARRIVED, then=Value(0)),
                When(status=Status.IN_SHELTER, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("urgency", "status_changed_at", "id")
    )


# Outside the f-strings below, where xgettext would not find them.
BED_HEADER = gettext_lazy("Bed")
TONIGHT_HEADER = gettext_lazy("Tonight")


def board_html(dates: list[date], houses: list[tuple[Any, list[BoardRow]]], stay_url: Callable[[int], str]) -> str:
    """The board's tables, built here rather than in the template: 1,500 beds x 15 days are
    22,500 cells, which Django's template engine renders ten times slower than a join.
    Every value that is not ours is escaped."""
    from html import escape  # the standard library's: plain strings, no lazy wrapper per call

    from django.utils.safestring import mark_safe

    days = "".join(f'<th scope="col" class="day">{d.day}</th>' for d in dates)
    head = (
        f'<thead><tr><th scope="col">{escape(str(BED_HEADER))}</th>'
        f'<th scope="col">{escape(str(TONIGHT_HEADER))}</th>{days}</tr></thead><tbody>'
    )
    cells = {kind: f'<td class="cell {kind}"></td>' for kind in ("free", "taken", "overdue")}
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
            who = ""
            if row.stay_id:
                who = f'<a href="{escape(stay_url(row.stay_id))}">{escape(row.occupant or "•")}</a>'
            parts.append(
                f'<tr><th scope="row">{escape(row.room)}/{escape(row.label)}</th><td>{who}</td>'
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
    occupant: str  # who is in it today ("" when free)
    stay_id: int | None
    person_id: int | None = None  # whose stay it is (for the audit of who the board showed)


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
        "pk", "bed_id", "person__case_code", "start", "planned_end", "ended_on", "person_id"
    )
    spans: dict[int, list[tuple[date, date, date, bool]]] = {}
    tonight: dict[int, tuple[int, str, int]] = {}
    for pk, bed_id, case_code, start, planned_end, ended_on, person_id in stays:
        overdue = ended_on is None and planned_end < today
        last_night = ended_on - timedelta(days=1) if ended_on else (last if overdue else planned_end)
        spans.setdefault(bed_id, []).append((start, last_night, planned_end, overdue))
        if start <= today <= last_night:
            tonight[bed_id] = (pk, case_code, person_id)
    rows_by_house: dict[int, list[BoardRow]] = {}
    for bed_id, label, room_name, house_id in beds:
        cells = ["free"] * days
        for start, last_night, planned_end, overdue in spans.get(bed_id, ()):
            for n, day in enumerate(dates):
                if start <= day <= last_night:
                    cells[n] = "overdue" if overdue and day > planned_end else "taken"
        occupied = tonight.get(bed_id)
        occupant = occupied[1] if occupied else ""
        stay_id, person_id = (occupied[0], occupied[2]) if occupied else (None, None)
        row = BoardRow(bed_id, room_name, label, cells, occupant, stay_id, person_id)
        rows_by_house.setdefault(house_id, []).append(row)
    return dates, [(houses_by_id[h], rows) for h, rows in rows_by_house.items()]


def free_beds_for(person: Person, start: date, days: int | None = None) -> list[Bed]:
    """Beds free for the whole stay from ``start`` that the house rules allow."""
    last = start + timedelta(days=(days or stay_days()) - 1)
    busy = BedNight.objects.filter(night__range=(start, last)).values("bed_id")
    overstaying = Stay.objects.overdue().values("bed_id")
    beds = (
        Bed.objects.filter(active=True, room__house__active=True)
        .exclude(pk__in=busy)
        .exclude(pk__in=overstaying)
        .select_related("room__house")
        .order_by("room__house__name", "room__name", "label")
    )
    around = _neighbours(person, None, start, last)
    allowed = []
    for bed in beds:
        try:
            _check_house_rules(person, None, bed, around)
        except ShelterRuleError:
            continue
        allowed.append(bed)
    return allowed


def ending_soon(stays: StayQuerySet, within: int = 14) -> tuple[StayQuerySet, StayQuerySet]:
    """Stays ending in the next ``within`` days, and overdue ones, for the board and dashboard."""
    stays = stays.select_related("person", "bed__room__house")
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
    Bed.objects.bulk_create([Bed(room=room, label=str(n + 1)) for n in range(beds)])
    record(user, Action.CREATE, room, fields=["name", "beds"])
    return room
