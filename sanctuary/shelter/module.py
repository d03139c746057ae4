"""Safe houses, as the core sees it: the access module, navigation, the dashboard card, the
person page's stay and place buttons, the merge step and the demo's houses."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.stages import Access, DashboardCard, MergeStep, NavEntry, PersonPanel, Stage, register
from sanctuary.people.admission import admission_block
from sanctuary.people.models import HouseholdMember, Person, Region, Relation, Sex, Status
from sanctuary.shelter.actions import do_place, do_place_household
from sanctuary.shelter.figures import FIGURES
from sanctuary.shelter.models import SHELTER, Bed, Extension, ExtensionState, Room, RoomKind, SafeHouse, Stay
from sanctuary.vault.fields import read_values, write_values

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.people.merge import Merge


def _card(request: HttpRequest) -> dict[str, Any]:
    stays = Stay.objects.visible_to(request.user).one_per_household()  # type: ignore[arg-type]
    return {
        "ending": stays.ending_within(14).count(),
        "overdue": stays.overdue().count(),
        "extensions": Extension.objects.visible_to(request.user).filter(state=ExtensionState.PENDING).count(),  # type: ignore[arg-type]
    }


def _person_buttons(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    """The household's stay (one button, not one per bed), and placing: the person, or the
    members of their household who have no bed yet."""
    visible = Stay.objects.visible_to(request.user).open().filter(person=person)  # type: ignore[arg-type]
    stays = list(visible.one_per_household().select_related("bed__room__house"))
    own = any(stay.occupant_id is None for stay in stays)
    can_place = not own and admission_block(person) is None
    members_waiting = (
        own
        and HouseholdMember.objects.filter(person=person)
        .exclude(Exists(Stay.objects.open().filter(occupant=OuterRef("pk"))))
        .exists()
    )
    if not stays and not can_place:
        return None
    return {"person": person, "stays": stays, "can_place": can_place, "members_waiting": members_waiting}


def _check_merge(merge: Merge) -> list[str]:
    """Two records with a bed each: one person cannot sleep in two beds; a manager closes one."""
    own = Stay.objects.open().filter(person__in=[merge.primary, merge.secondary], occupant__isnull=True)
    stays = list(own.select_related("bed__room__house", "person"))
    if len({stay.person_id for stay in stays}) > 1:
        named = ", ".join(f"{stay.person.case_code}: {stay.bed}" for stay in stays)
        return [str(_("both records have a bed (%(stays)s): move one of them out first")) % {"stays": named}]
    return []


def _merge(merge: Merge) -> None:
    """Stays follow the person. Extension requests are bound to the person of their stay, so
    they are encrypted again for the record kept."""
    extensions = list(Extension.objects.filter(stay__person=merge.secondary).select_related("stay__person"))
    values = [(extension, read_values(extension)) for extension in extensions]
    merge.move(Stay.objects.all())
    for extension, plain in values:
        extension.stay.person = merge.primary
        write_values(extension, plain)


def _demo(demo: Any) -> None:
    """Three houses with rooms and beds; some people in shelter get a bed, and one household
    sleeps in the family room (added once)."""
    if SafeHouse.objects.exists():
        return
    director = demo.users["director"]
    for name, region, rooms in (
        (
            "House Lotus",
            Region.THAILAND,
            [("A", RoomKind.SHARED, 6), ("B", RoomKind.FAMILY, 4), ("C", RoomKind.SINGLE, 1)],
        ),
        ("House Teak", Region.THAILAND, [("A", RoomKind.SHARED, 8), ("B", RoomKind.SHARED, 8)]),
        ("House River", Region.KAYIN, [("A", RoomKind.SHARED, 6), ("W", RoomKind.SHARED, 4)]),
    ):
        house = SafeHouse.objects.create(name=name, region=region)
        for room_name, kind, beds in rooms:
            room = Room.objects.create(house=house, name=room_name, kind=kind, women_only=room_name == "W")
            Bed.objects.bulk_create([Bed(room=room, label=str(n + 1)) for n in range(beds)])
    today = timezone.localdate()
    rng: random.Random = demo.rng
    free = list(Bed.objects.filter(room__women_only=False, room__kind=RoomKind.SHARED).order_by("pk"))
    sheltered = Person.objects.filter(status=Status.IN_SHELTER, sex=Sex.MALE, merged_into__isnull=True)
    placed = []
    for bed, person in zip(free[:-4], sheltered.order_by("pk"), strict=False):
        if admission_block(person) is None:
            do_place(director, person, bed, today - timedelta(days=rng.randint(5, 100)))
            placed.append(person.pk)
    # One household together in the family room: a man with his wife and their daughter.
    family_room = Room.objects.filter(kind=RoomKind.FAMILY).order_by("pk").first()
    head = next((p for p in sheltered.exclude(pk__in=placed).order_by("pk") if admission_block(p) is None), None)
    if family_room is None or head is None:
        return
    members = [
        HouseholdMember.objects.create(person=head, relation=Relation.SPOUSE, name="မသီတာ", sex=Sex.FEMALE),
        HouseholdMember.objects.create(
            person=head, relation=Relation.CHILD, name="မေသက်", sex=Sex.FEMALE, birth_date=str(today.year - 6)
        ),
    ]
    family_beds = list(family_room.beds.order_by("pk")[: len(members) + 1])
    do_place_household(director, head, family_beds, today - timedelta(days=rng.randint(5, 40)), members)


register(
    Stage(
        app="shelter",
        figures=FIGURES,
        audit_labels={"shelter:board": _("safe houses board")},
        access=(Access(SHELTER, _("Houses, beds, stays, extensions, the occupancy board")),),
        nav=(NavEntry(url="shelter:board", label=_("Safe houses"), module=SHELTER, order=50),),
        dashboard=(DashboardCard(template="shelter/_dashboard.html", context=_card, module=SHELTER, order=30),),
        person_panels=(
            PersonPanel(
                template="shelter/_person_buttons.html",
                context=_person_buttons,
                module=SHELTER,
                place="actions",
                order=30,
            ),
        ),
        merge=MergeStep(models=("shelter.Stay",), check=_check_merge, apply=_merge),
        demo=_demo,
        demo_order=30,
    )
)
