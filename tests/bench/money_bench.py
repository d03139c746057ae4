"""Shelter and stipend figures, in their own process and throw-away database; prints JSON.

python -m tests.bench.money_bench [--postgres postgres://postgres@127.0.0.1:5432/postgres]

- drafting a payment run for 20,000 eligible people (first draft, then a redraft);
- the occupancy board for 100 houses and 1,500 beds, median server time.
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import date, timedelta

from tests.bench.harness import in_throwaway_database, setup_django
from tests.bench.web_bench import _median_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--houses", type=int, default=100)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    in_throwaway_database(args.postgres, lambda: _run(args))


def _run(args: argparse.Namespace) -> dict[str, object]:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from sanctuary.accounts.models import Role, User
    from sanctuary.people.models import HouseholdMember, Person, Relation, Status
    from sanctuary.shelter.models import Bed, BedNight, Room, SafeHouse, Stay
    from sanctuary.stipends import actions
    from sanctuary.stipends.models import Enrollment, Funder, StipendRule
    from sanctuary.vault import state
    from sanctuary.vetting.models import DecisionState, VettingDecision
    from tests.conftest import verified_client

    call_command("migrate", verbosity=0)
    state.unseal_with_shares(state.initialise(3, 2)[:2])
    director = User.objects.create(username="director", language="en")
    director.set_roles([Role.DIRECTOR])
    finance = User.objects.create(username="finance")
    checker = User.objects.create(username="vetting")
    now = timezone.now()
    people = Person.objects.bulk_create(
        [
            Person(case_code=f"2025-{n + 1:05d}", alias=f"Ko Bench {n}", status=Status.INDEPENDENT, uid=uuid.uuid4())
            for n in range(args.people)
        ],
        batch_size=2000,
    )
    VettingDecision.objects.bulk_create(
        [
            VettingDecision(
                person=p,
                outcome="accepted",
                state=DecisionState.CONFIRMED,
                proposed_by=finance,
                proposed_reason="bench",
                second_by=checker,
                second_reason="bench",
                second_at=now,
            )
            for p in people
        ],
        batch_size=2000,
    )
    HouseholdMember.objects.bulk_create(
        [HouseholdMember(person=p, relation=Relation.SPOUSE, name="Ma Bench") for p in people[::5]], batch_size=2000
    )
    funder = Funder.objects.create(name="Funder One")
    StipendRule.objects.create(funder=funder, effective_from=date(2026, 1, 1), single_amount=700, family_amount=1400)
    Enrollment.objects.bulk_create(
        [Enrollment(person=p, funder=funder, start=date(2026, 1, 1), added_by=finance) for p in people],
        batch_size=2000,
    )
    if connection.vendor == "postgresql":  # as autovacuum would have, on a live database
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    start = time.perf_counter()
    run = actions.do_draft_run(finance, funder, date(2026, 11, 1))
    first = time.perf_counter() - start
    start = time.perf_counter()
    actions.do_draft_run(finance, funder, date(2026, 11, 1))
    again = time.perf_counter() - start
    assert run.people == args.people

    # 100 houses x 3 rooms x 5 beds; two thirds of the beds taken for 90 nights.
    today = timezone.localdate()
    for h in range(args.houses):
        house = SafeHouse.objects.create(name=f"House {h:03d}")
        for r in range(3):
            room = Room.objects.create(house=house, name=f"R{r + 1}")
            Bed.objects.bulk_create([Bed(room=room, label=str(b + 1)) for b in range(5)])
    beds = list(Bed.objects.order_by("pk"))
    stays = Stay.objects.bulk_create(
        [
            Stay(
                person=people[n],
                bed=bed,
                start=today - timedelta(days=n % 60),
                planned_end=today + timedelta(days=89 - n % 60),
                placed_by=finance,
            )
            for n, bed in enumerate(beds)
            if n % 3
        ],
        batch_size=2000,
    )
    BedNight.objects.bulk_create(
        [BedNight(bed_id=s.bed_id, night=s.start + timedelta(days=d), stay=s) for s in stays for d in range(90)],
        batch_size=5000,
    )
    # Those with a bed are in shelter; 200 accepted people wait for one.
    Person.objects.filter(pk__in=[s.person_id for s in stays]).update(status=Status.IN_SHELTER)
    Person.objects.filter(pk__in=[p.pk for p in people[-200:]]).update(status=Status.ACCEPTED)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = verified_client(director)
    board_ms = _median_ms(lambda: client.get("/shelter/"), args.repeat)
    size = len(client.get("/shelter/").content)
    return {
        "database": connection.vendor,
        "people": args.people,
        "draft_s": first,
        "redraft_s": again,
        "beds": len(beds),
        "board_ms": board_ms,
        "board_kb": size // 1024,
    }


if __name__ == "__main__":
    main()
