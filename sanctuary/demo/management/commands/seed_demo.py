"""``python manage.py seed_demo [--people N]``: a demo organisation. DEMO ONLY.

Creates three teams, one user per role (plus a second vetting and finance officer, for
four-eyes work), and invented people with Burmese and Latin names across teams and
statuses, a few of them registered twice (the duplicates queue has pairs to review); then
every registered module adds its own demo data (``Stage.demo``: vetting
decisions, first contacts, houses and beds, a funder …). Prints every demo login with its
password and TOTP secret. Idempotent: running it again keeps existing users and tops the
people up to N.
"""

from __future__ import annotations

import base64
import os
import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanctuary.accounts.models import Role, Team, User
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.demo.shares import demo_shares_path
from sanctuary.lib import stages
from sanctuary.matching.actions import refresh_match_keys
from sanctuary.matching.models import MatchReview
from sanctuary.people.models import (
    ContactKind,
    ContactPoint,
    EventKind,
    Force,
    Person,
    PersonEvent,
    RankGroup,
    Region,
    Sex,
    Status,
    refresh_search_tokens,
)
from sanctuary.vault import state as vault_state

TEAMS = [
    ("Intake desk", "First contact, triage and vetting"),
    ("Mae Sot safe houses", "Safe houses and case work"),
    ("Training centre", "Vocational training cohorts"),
]

# username, roles, teams (by index into TEAMS)
DEMO_USERS: list[tuple[str, list[str], list[int]]] = [
    ("director", [Role.DIRECTOR], [0, 1, 2]),
    ("director2", [Role.DIRECTOR], [0, 1, 2]),  # two-person releases (statistics) need a second director
    ("intake", [Role.INTAKE_OFFICER], [0]),
    ("vetting", [Role.VETTING_OFFICER], [0]),
    ("vetting2", [Role.VETTING_OFFICER], [0]),
    ("caseworker", [Role.CASE_WORKER], [0, 1]),
    ("shelter", [Role.SHELTER_MANAGER], [1]),
    ("finance", [Role.FINANCE_OFFICER], [0, 1, 2]),
    ("finance2", [Role.FINANCE_OFFICER], [0, 1, 2]),
    ("trainer", [Role.TRAINER], [2]),
    ("counsellor", [Role.COUNSELLOR], [1]),
    ("counsellorlead", [Role.COUNSELLOR, Role.COUNSELLOR_LEAD], [0, 1]),
    ("evidence", [Role.EVIDENCE_OFFICER], [0]),
    ("evidence2", [Role.EVIDENCE_OFFICER], [0]),  # packages need a second officer to release
    ("auditor", [Role.AUDITOR], []),
]

# Invented names, built from common syllables; no real person is meant.
MY_SYLLABLES = [
    "အောင်",
    "ကျော်",
    "မင်း",
    "ထက်",
    "ဇော်",
    "ဝင်း",
    "နိုင်",
    "သူ",
    "လင်း",
    "ဖြိုး",
    "ဟိန်း",
    "စိုး",
    "မြတ်",
    "ထွန်း",
    "ခိုင်",
    "ရဲ",
    "ညီ",
    "ပိုင်",
]
LATIN_SYLLABLES = [
    "Aung",
    "Kyaw",
    "Min",
    "Htet",
    "Zaw",
    "Win",
    "Naing",
    "Thu",
    "Linn",
    "Phyo",
    "Hein",
    "Soe",
    "Myat",
    "Tun",
    "Khaing",
    "Ye",
    "Nyi",
    "Paing",
]
# Other romanisations of the syllables above, as another intake officer might spell them.
LATIN_VARIANTS = {
    "Aung": "Aong",
    "Kyaw": "Kyau",
    "Min": "Minn",
    "Htet": "Het",
    "Zaw": "Zaww",
    "Win": "Wynn",
    "Linn": "Lin",
    "Phyo": "Pyo",
    "Soe": "Soh",
    "Myat": "Myatt",
    "Tun": "Htun",
    "Khaing": "Khine",
}
MY_HONORIFICS = ["", "ကို", "မောင်"]
LATIN_HONORIFICS = ["", "Ko ", "Maung "]
RANKS = [
    ("Private", RankGroup.OTHER_RANKS),
    ("Corporal", RankGroup.NCO),
    ("Sergeant", RankGroup.NCO),
    ("Police Constable", RankGroup.OTHER_RANKS),
    ("Lieutenant", RankGroup.OFFICER),
    ("Captain", RankGroup.OFFICER),
]
STATUS_WEIGHTS = [
    (Status.FIRST_CONTACT, 12),
    (Status.VETTING, 10),
    (Status.ACCEPTED, 8),
    (Status.IN_TRANSIT, 4),
    (Status.ARRIVED, 5),
    (Status.IN_SHELTER, 20),
    (Status.INDEPENDENT, 18),
    (Status.RESETTLED, 5),
    (Status.REJECTED, 6),
    (Status.LOST_CONTACT, 6),
    (Status.CAPTURED, 2),
    (Status.DECEASED, 1),
]


def _demo_phone(rng: random.Random) -> str:
    """A valid-looking Myanmar mobile number (prefixes checked with phonenumbers)."""
    prefix = rng.choice(["42", "44", "45", "25", "26", "96", "97", "77", "78", "79"])
    return f"+959{prefix}{rng.randint(0, 9_999_999):07d}"


def demo_password(username: str) -> str:
    return f"{username}-demo-Sanctuary"


def _name(rng: random.Random, burmese: bool, honorific: bool = False) -> str:
    """An invented name of two or three syllables, with an honorific now and then."""
    syllables = MY_SYLLABLES if burmese else LATIN_SYLLABLES
    picked = [rng.choice(syllables) for _ in range(rng.choice([2, 2, 3]))]
    name = ("" if burmese else " ").join(picked)
    if honorific:
        name = rng.choice(MY_HONORIFICS if burmese else LATIN_HONORIFICS) + name
    return name


@dataclass
class Demo:
    """What each module's demo step gets: the demo users by username, the teams, the people
    created by this run, and a seeded random generator."""

    rng: random.Random
    users: dict[str, User]
    teams: list[Team]
    new_people: list[Person] = field(default_factory=list)


class Command(BaseCommand):
    help = "Create the demo organisation (DEMO ONLY: prints passwords and TOTP secrets)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--people", type=int, default=300, help="people to have in total (default 300)")
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument("--force", action="store_true", help="run even with HTTPS=1 (production)")
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the demo logins")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.HTTPS and not options["force"]:
            raise CommandError("seed_demo creates accounts with published passwords: refusing with HTTPS=1.")
        rng = random.Random(options["seed"])
        self._unseal_demo_vault()
        with transaction.atomic():
            teams = [Team.objects.get_or_create(name=name, defaults={"description": d})[0] for name, d in TEAMS]
            logins = [
                self._user(username, roles, [teams[i] for i in team_idx]) for username, roles, team_idx in DEMO_USERS
            ]
        users = User.objects.filter(username__in=[username for username, _roles, _teams in DEMO_USERS])
        demo = Demo(rng=rng, users={user.username: user for user in users}, teams=teams)
        # The second registrations are part of the N people (made once: a queue already there
        # means they were).
        duplicates = 0 if MatchReview.objects.exists() else DUPLICATES
        created = self._people(options["people"] - duplicates, teams, rng, demo)
        for app, step in stages.demo_steps():
            with transaction.atomic():
                step(demo)
            if options["verbosity"] > 1:
                self.stdout.write(f"demo data: {app}")
        if duplicates and demo.new_people:
            created += _duplicates(demo)
        if not options["quiet_logins"]:
            self.stdout.write(self.style.WARNING("DEMO ONLY — these logins are public. Never use them for real data."))
            self.stdout.write(f"{'username':<12} {'password':<28} {'TOTP secret (base32)':<34} roles")
            for username, password, secret, roles in logins:
                self.stdout.write(f"{username:<12} {password:<28} {secret:<34} {', '.join(roles)}")
        self.stdout.write(f"people: {Person.objects.count()} ({created} created now)")

    def _unseal_demo_vault(self) -> None:
        """The demo vault: created on first run, its shares kept in var/ — DEMO ONLY."""
        path = demo_shares_path()
        if not vault_state.is_initialised():
            shares = vault_state.initialise(holders=3, threshold=2)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write("\n".join(shares) + "\n")
            self.stdout.write(self.style.WARNING(f"DEMO vault created (2 of 3); its shares are in {path} — demo only."))
        if vault_state.is_sealed():
            if not path.exists():
                raise CommandError("The vault is sealed and this is not the demo vault: unseal it first.")
            vault_state.unseal_with_shares(path.read_text(encoding="ascii").split())

    def _user(self, username: str, roles: list[str], teams: list[Team]) -> tuple[str, str, str, list[str]]:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, display_name=username.capitalize(), language="my")
            user.set_password(demo_password(username))
            user.save()
            user.set_roles(roles)
            user.teams.set(teams)
            record(None, Action.CREATE, user, fields=["username", "roles", "teams"], username="seed_demo")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
        return username, demo_password(username), secret, [str(r) for r in roles]

    def _people(self, total: int, teams: list[Team], rng: random.Random, demo: Demo) -> int:
        missing = total - Person.objects.count()
        if missing <= 0:
            return 0
        statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
        now = timezone.now()
        next_number: dict[int, int] = {}
        batch_size = 2000
        made = 0
        while made < missing:
            size = min(batch_size, missing - made)
            people: list[Person] = []
            for _ in range(size):
                burmese = rng.random() < 0.6
                alias = _name(rng, burmese, honorific=True)
                true_name = _name(rng, burmese)
                father = _name(rng, burmese)
                year = rng.choice([2021, 2022, 2023, 2024, 2025])
                if year not in next_number:
                    last = Person.next_case_code(year)
                    next_number[year] = int(last.split("-")[1])
                code = f"{year}-{next_number[year]:04d}"
                next_number[year] += 1
                rank, group = rng.choice(RANKS)
                force = (
                    Force.POLICE
                    if "Police" in rank
                    else rng.choice([Force.ARMY, Force.ARMY, Force.ARMY, Force.NAVY, Force.AIR_FORCE])
                )
                birth_year = rng.randint(1965, 2004)
                birth = rng.choice(
                    [
                        f"{birth_year}",
                        f"{birth_year}-{rng.randint(1, 12):02d}",
                        f"{birth_year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    ]
                )
                changed = now - timedelta(days=rng.randint(0, 400))
                people.append(
                    Person(
                        case_code=code,
                        alias=alias,
                        true_name=true_name,
                        sex=rng.choice([Sex.MALE] * 9 + [Sex.FEMALE]),
                        birth_date=birth,
                        father_name=father,
                        force=force,
                        rank=rank,
                        rank_group=group,
                        unit=f"LIB {rng.randint(1, 600)}" if force == Force.ARMY else "",
                        region=rng.choice([r for r in Region.values if r not in (Region.THAILAND, Region.OTHER)]),
                        defection_date=f"{year}-{rng.randint(1, 12):02d}",
                        team=rng.choice(teams),
                        status=rng.choice(statuses),
                        status_changed_at=changed,
                    )
                )
            with transaction.atomic():
                Person.objects.bulk_create(people, batch_size=500)
                saved = people  # bulk_create sets primary keys on SQLite and PostgreSQL
                refresh_search_tokens(people)
                PersonEvent.objects.bulk_create(
                    [
                        PersonEvent(person=p, kind=EventKind.CREATED, status_to=p.status, at=p.status_changed_at)
                        for p in saved
                    ],
                    batch_size=1000,
                )
                ContactPoint.objects.bulk_create(
                    [
                        ContactPoint(person=p, kind=ContactKind.PHONE, value=_demo_phone(rng))
                        for p in saved
                        if rng.random() < 0.7
                    ],
                    batch_size=1000,
                )
                refresh_match_keys(Person.objects.filter(pk__in=[p.pk for p in people]).prefetch_related("contacts"))
            demo.new_people.extend(people)
            made += size
        record(None, Action.CREATE, object_type="people.person", object_id=f"seed:{made}", username="seed_demo")
        return made


DUPLICATES = 4  # people registered twice by the demo


def _latin(burmese: str) -> str:
    """A Burmese demo name (syllables of MY_SYLLABLES, no spaces) in Latin letters, or ""."""
    words = []
    rest = burmese
    while rest:
        for my, latin in sorted(zip(MY_SYLLABLES, LATIN_SYLLABLES, strict=True), key=lambda s: -len(s[0])):
            if rest.startswith(my):
                words.append(latin)
                rest = rest[len(my) :]
                break
        else:
            return ""
    return " ".join(words)


def _respelt(latin: str) -> str:
    """Another romanisation of a Latin demo name (at least one syllable spelt otherwise)."""
    return " ".join(LATIN_VARIANTS.get(word, word) for word in latin.split())


def _zawgyi(text: str) -> str:
    """The same Burmese text as typed with a Zawgyi keyboard (ICU's my-Zawgyi transform)."""
    import icu

    return str(icu.Transliterator.createInstance("my-Zawgyi").transliterate(text))


def _duplicates(demo: Demo) -> int:
    """A few defectors registered a second time, as happens (another team, another desk,
    another keyboard), each through what saving the person form does: the new person's
    likely matches go to the duplicates queue, scored by the matcher's model.

    * a Burmese name typed again with a Zawgyi keyboard, same father and birth date;
    * a Latin name spelt another way (Kyaw / Kyau, Htet / Het), same phone;
    * a Burmese name written in Latin letters, same service number and unit;
    * only an alias, spelt another way, with the same phone and birth date.
    """
    from sanctuary.matching.actions import candidates_for, do_queue_likely_duplicates
    from sanctuary.matching.records import record_for
    from sanctuary.people.actions import refresh_keys_and_watch

    people = sorted(demo.new_people, key=lambda p: p.pk)
    phoned = set(
        ContactPoint.objects.filter(person__in=people, kind=ContactKind.PHONE).values_list("person", flat=True)
    )

    def _phone(person: Person) -> str:  # decrypted only for the few chosen
        contact = ContactPoint.objects.filter(person=person, kind=ContactKind.PHONE).first()
        return str(contact.value) if contact else ""

    burmese = [p for p in people if _latin(str(p.true_name))]
    latin = [p for p in people if not _latin(str(p.true_name)) and _respelt(str(p.true_name)) != str(p.true_name)]
    with_phone = [p for p in latin if p.pk in phoned and str(p.birth_date).count("-") == 2]
    chosen: list[tuple[Person, dict[str, Any]]] = []
    if burmese:
        first = burmese[0]
        typed = {"alias": _zawgyi(str(first.alias)), "true_name": _zawgyi(str(first.true_name))}
        chosen.append((first, {**typed, "father_name": _zawgyi(str(first.father_name))}))
    if latin:
        second = next((p for p in latin if p.pk in phoned), latin[0])
        respelt = {"alias": _respelt(str(second.alias)), "true_name": _respelt(str(second.true_name))}
        chosen.append((second, {**respelt, "birth_date": str(second.birth_date)[:4], "phone": _phone(second)}))
    if len(burmese) > 1:
        third = burmese[1]
        number = f"BC-{demo.rng.randint(100_000, 999_999)}"
        third.service_number = number
        third.save(update_fields=["service_number"])
        refresh_keys_and_watch(third)
        alias = "Ko " + _latin(str(third.true_name)).split()[0]
        latin_names = {"true_name": _latin(str(third.true_name)), "father_name": _latin(str(third.father_name))}
        chosen.append((third, {"alias": alias, **latin_names, "service_number": number}))
    fourth = next((p for p in with_phone if all(p.pk != c.pk for c, _f in chosen)), None)
    if fourth is not None:
        alias = _respelt(str(fourth.alias))
        chosen.append((fourth, {"alias": alias, "true_name": "", "father_name": "", "phone": _phone(fourth)}))
    intake = demo.users.get("intake")
    for original, fields in chosen:
        with transaction.atomic():
            phone = fields.pop("phone", "")
            again = Person(
                alias=original.alias,
                true_name=original.true_name,
                sex=original.sex,
                birth_date=original.birth_date,
                father_name=original.father_name,
                force=original.force,
                rank=original.rank,
                rank_group=original.rank_group,
                unit=original.unit,
                region=original.region,
                defection_date=original.defection_date,
                team=next(t for t in demo.teams if t.pk != original.team_id),
                status=Status.FIRST_CONTACT,
                created_by=intake,
            )
            for name, value in fields.items():
                setattr(again, name, value)
            again.save_with_case_code()
            if phone:
                ContactPoint.objects.create(person=again, kind=ContactKind.PHONE, value=phone)
            PersonEvent.objects.create(person=again, kind=EventKind.CREATED, status_to=again.status, actor=intake)
            refresh_search_tokens([again])
            refresh_keys_and_watch(again)
            record(intake, Action.CREATE, again, fields=sorted({"alias", "true_name", *fields}))
            do_queue_likely_duplicates(intake, again, candidates_for(record_for(again), exclude=again.pk))
    return len(chosen)
