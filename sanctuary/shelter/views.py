"""Shelter screens: the occupancy board with the waitlist, placing, stays, extensions,
move-outs, and the houses. People and stays are fetched through the access policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import module_required, sees_all_people
from sanctuary.audit.lists import audit_shown, ids_of
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.bounds import MESSAGE, STAY_START, limits_shown
from sanctuary.people.admission import NotAdmissible, admission_block
from sanctuary.people.models import HouseholdMember, Person
from sanctuary.people.reach import person_or_404
from sanctuary.shelter import actions
from sanctuary.shelter.forms import DecideForm, ExtensionForm, HouseForm, MoveOutForm, PlaceForm, RoomForm
from sanctuary.shelter.models import SHELTER, Bed, Extension, ExtensionState, SafeHouse, Stay

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

WAITLIST_SHOWN = 25  # the most pressing first; the board stays short enough for a phone


def _stay(request: HttpRequest, pk: int) -> Stay:
    return get_object_or_404(
        Stay.objects.visible_to(request.user).select_related(  # type: ignore[arg-type]
            "person", "bed__room__house", "occupant", "household__bed__room__house"
        ),
        pk=pk,
    )


@require_GET
@module_required(SHELTER)
def board_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    dates, houses = actions.board()
    if not sees_all_people(user):
        # Every bed is shown (a bed is a bed), but only the people this user may see.
        codes = {row.occupant for _house, rows in houses for row in rows if row.occupant}
        mine = set(Person.objects.visible_to(user).filter(case_code__in=codes).values_list("case_code", flat=True))
        for _house, rows in houses:
            for row in rows:
                if row.occupant and row.occupant not in mine:
                    row.hide()
    stay_prefix = reverse("shelter:stay", args=[0])[: -len("0/")]

    def stay_url(pk: int) -> str:
        return f"{stay_prefix}{pk}/"

    stays = Stay.objects.visible_to(user)
    soon, overdue = (list(rows) for rows in actions.ending_soon(stays))
    waiting = actions.waitlist(Person.objects.visible_to(user)).select_related("team")
    waitlist = list(waiting[:WAITLIST_SHOWN])
    extensions = list(
        Extension.objects.visible_to(user).filter(state=ExtensionState.PENDING).select_related("stay__person")
    )
    on_board = [row.person_id for _house, rows in houses for row in rows if row.person_id]
    audit_shown(
        request,
        [*ids_of(waitlist, "pk"), *on_board, *ids_of(overdue), *ids_of(soon), *ids_of(extensions, "stay.person_id")],
    )
    context: dict[str, Any] = {
        "board": actions.board_html(dates, houses, stay_url),
        "has_houses": bool(houses),
        "waitlist": waitlist,
        "waiting_more": max(0, waiting.count() - WAITLIST_SHOWN),
        "ending_soon": soon,
        "overdue": overdue,
        "pending_extensions": extensions,
        "free_today": sum(1 for _h, rows in houses for row in rows if row.nights[0] == "free"),
        "beds_total": sum(len(rows) for _h, rows in houses),
    }
    return render(request, "shelter/board.html", context)


def _ids(values: list[str]) -> set[int]:
    return {int(v) for v in values if v.isdigit()}


@require_http_methods(["GET", "POST"])
@module_required(SHELTER)
def place(request: HttpRequest, person_pk: int) -> HttpResponse:
    """Second click from the waitlist: choose who of the household comes along (all of them
    who have no bed, unless unticked), then a room the house rules allow, or one of its beds
    for one person. A person already housed is joined by the members who have no bed yet, in
    the household's room. Household members are shown by relation, sex and age, never by name."""
    user: User = request.user  # type: ignore[assignment]
    person = person_or_404(user, person_pk)
    own = Stay.objects.of_person(person).open().select_related("bed__room__house").first()
    household = list(person.household.all())
    housed = (
        set(Stay.objects.open().filter(occupant__in=household).values_list("occupant_id", flat=True))
        if household
        else set()
    )
    waiting = [member for member in household if member.pk not in housed]
    form = PlaceForm(request.POST or None)
    try:
        start = parse_date(request.GET.get("start") or "") or timezone.localdate()
    except ValueError:  # a date that does not exist
        start = timezone.localdate()
    if not STAY_START.holds(start):  # year 9999 in the address: show today's free beds, and why
        messages.error(request, MESSAGE % limits_shown(STAY_START))
        start = timezone.localdate()
    if request.method == "POST":
        ticked = _ids(request.POST.getlist("member"))
    elif "chosen" in request.GET:
        ticked = _ids(request.GET.getlist("member"))
    else:
        ticked = {member.pk for member in waiting}  # everyone who travels with them
    chosen = [member for member in waiting if member.pk in ticked]
    if request.method == "POST" and form.is_valid():
        start = form.cleaned_data["start"]
        by_pk = {member.pk: member for member in household}
        members = [by_pk[pk] for pk in form.cleaned_data["member"] if pk in by_pk]
        beds = {bed.pk: bed for bed in Bed.objects.visible_to(user).filter(pk__in=form.cleaned_data["bed"])}
        try:
            if len(beds) != len(form.cleaned_data["bed"]) or len(members) != len(form.cleaned_data["member"]):
                raise actions.ShelterRuleError("one_bed_each")
            stays = actions.do_place_household(
                user, person, [beds[pk] for pk in form.cleaned_data["bed"]], start, members, head=own is None
            )
        except NotAdmissible as refusal:
            messages.error(request, refusal.message)
        except actions.ShelterRuleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _placed(person, stays, own is None))
            return redirect("shelter:board")
    elif request.method == "POST":
        for problem in form.errors.get("start") or [_("Choose a bed and a start date.")]:
            messages.error(request, str(problem))
    # Who may not be housed is told so first, with no list of beds to choose from.
    block = admission_block(person)
    told = (
        NotAdmissible(block).message
        if block
        else (actions.ShelterRuleError("already_housed").message if own is not None and not waiting else "")
    )
    head = own is None
    offers = [] if told else actions.rooms_for(person, start, chosen, head=head)
    today = timezone.localdate()
    shown = [] if told else waiting
    labels = {member.pk: actions.describe_member(member, today) for member in shown}
    for member in shown:  # the age comes from the encrypted birth date: a read, recorded
        record(user, Action.VIEW, member, fields=["relation", "sex", "birth_date"])
    going = ([person.case_code] if head else []) + [labels.get(member.pk, "") for member in chosen]
    context = {
        "person": person,
        "own": own,
        "head": head,
        "members": [(member, labels[member.pk], member in chosen) for member in shown],
        "chosen": chosen,
        "needed": len(going),
        "offers": [
            {"room": offer.room, "beds": offer.beds, "given": list(zip(offer.beds, going, strict=False))}
            for offer in offers
        ],
        "refusal": told,
        "start": start,
        "days": actions.stay_days(),
    }
    return render(request, "shelter/place.html", context, status=400 if request.method == "POST" else 200)


def _placed(person: Person, stays: list[Stay], head: bool) -> str:
    first = stays[0]
    values = {"code": person.case_code, "end": first.planned_end, "room": first.bed.room, "bed": first.bed}
    others = len(stays) - 1 if head else len(stays)
    if head and not others:
        return _("%(code)s placed in %(bed)s until %(end)s.") % values
    if head:
        return ngettext(
            "%(code)s and %(n)s household member placed in %(room)s until %(end)s.",
            "%(code)s and %(n)s household members placed in %(room)s until %(end)s.",
            others,
        ) % {**values, "n": others}
    return ngettext(
        "%(n)s household member of %(code)s placed in %(room)s until %(end)s.",
        "%(n)s household members of %(code)s placed in %(room)s until %(end)s.",
        others,
    ) % {**values, "n": others}


@require_GET
@module_required(SHELTER)
def stay_detail(request: HttpRequest, pk: int) -> HttpResponse:
    stay = _stay(request, pk)
    record(request.user, Action.VIEW, stay)  # type: ignore[arg-type]
    return _stay_page(request, stay)


def _stay_page(request: HttpRequest, stay: Stay, status: int = 200, **forms: Any) -> HttpResponse:
    """The stay with its extensions, and the forms (those given keep what was typed); a
    household's stay with its members' beds (by relation, never by name), a member's with
    the household's stay it belongs to."""
    members = list(stay.members.open().select_related("occupant", "bed__room").order_by("pk"))  # type: ignore[attr-defined]
    unplaced = (
        not stay.ended_on
        and stay.occupant_id is None
        and HouseholdMember.objects.filter(person_id=stay.person_id)
        .exclude(Exists(Stay.objects.open().filter(occupant=OuterRef("pk"))))
        .exists()
    )
    context = {
        "stay": stay,
        "members": members,
        "unplaced": unplaced,
        "extensions": stay.extensions.select_related("requested_by", "decided_by"),
        "extension_form": forms.get("extension_form") or ExtensionForm(),
        "decide_form": DecideForm(),
        "move_out_form": forms.get("move_out_form") or MoveOutForm(),
    }
    return render(request, "shelter/stay.html", context, status=status)


@require_POST
@module_required(SHELTER)
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    stay = _stay(request, pk)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            user: User = request.user  # type: ignore[assignment]
            actions.do_request_extension(user, stay, form.cleaned_data["requested_end"], form.cleaned_data["reason"])
        except actions.ShelterRuleError as error:
            form.add_error("requested_end", error.message)
        else:
            messages.success(request, _("Extension requested."))
            return redirect("shelter:stay", pk=stay.pk)
    messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
    return _stay_page(request, stay, 400, extension_form=form)


@require_POST
@module_required(SHELTER)
def decide(request: HttpRequest, pk: int, extension_id: int, answer: str) -> HttpResponse:
    stay = _stay(request, pk)
    if answer not in {"approve", "refuse"}:
        raise PermissionDenied
    extension = get_object_or_404(Extension.objects.visible_to(request.user).filter(stay=stay), pk=extension_id)  # type: ignore[arg-type]
    form = DecideForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        actions.do_decide_extension(request.user, extension, answer == "approve", note)  # type: ignore[arg-type]
    except actions.ShelterRuleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Extension approved.") if answer == "approve" else _("Extension refused."))
    return redirect("shelter:stay", pk=stay.pk)


@require_POST
@module_required(SHELTER)
def move_out(request: HttpRequest, pk: int) -> HttpResponse:
    stay = _stay(request, pk)
    form = MoveOutForm(request.POST)
    if form.is_valid():
        try:
            actions.do_move_out(request.user, stay, form.cleaned_data["ended_on"], form.cleaned_data["move_out"])  # type: ignore[arg-type]
        except actions.ShelterRuleError as error:
            form.add_error("ended_on", error.message)
        else:
            messages.success(request, _("Move-out recorded. The bed is free."))
            return redirect("shelter:board")
    messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
    return _stay_page(request, stay, 400, move_out_form=form)


@require_http_methods(["GET", "POST"])
@module_required(SHELTER)
def houses(request: HttpRequest) -> HttpResponse:
    form = HouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        house = actions.do_save_house(request.user, form)  # type: ignore[arg-type]
        messages.success(request, _("House added. Add its rooms and beds."))
        return redirect("shelter:house", pk=house.pk)
    context = {"form": form, "houses": SafeHouse.objects.visible_to(request.user).prefetch_related("rooms__beds")}  # type: ignore[arg-type]
    return render(request, "shelter/houses.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@module_required(SHELTER)
def house_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    house = get_object_or_404(SafeHouse.objects.visible_to(user), pk=pk)
    form = HouseForm(request.POST if "save_house" in request.POST else None, instance=house)
    room_form = RoomForm(request.POST if "add_room" in request.POST else None)
    if form.is_bound and form.is_valid():
        actions.do_save_house(user, form)
        messages.success(request, _("Changes saved."))
        return redirect("shelter:house", pk=house.pk)
    if room_form.is_bound and room_form.is_valid():
        data = room_form.cleaned_data
        try:
            actions.do_add_room(user, house, data["name"], data["kind"], data["women_only"], data["beds"])
        except actions.ShelterRuleError as error:
            room_form.add_error("name", error.message)
        else:
            messages.success(request, _("Room added."))
            return redirect("shelter:house", pk=house.pk)
    context = {"house": house, "form": form, "room_form": room_form, "rooms": house.rooms.prefetch_related("beds")}
    status = 400 if (form.errors or room_form.errors) else 200
    return render(request, "shelter/house.html", context, status=status)
