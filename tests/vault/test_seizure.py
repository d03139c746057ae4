"""Seizure: after sealing, the database file (with its WAL), var/, the media files, a
pg_dump and the logs contain none of the names, phones or numbers that were entered.

What is looked for comes from the models' own declarations: every field in a model's
``IDENTIFYING_FIELDS`` is typed in through the person form, and hunted for afterwards. A
field added to a declaration is covered without touching this test; a declared field that
is not encrypted, or an encrypted one left undeclared, fails ``test_declarations_are_true``."""

from __future__ import annotations

import logging
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from sanctuary.people.models import ContactPoint, HouseholdMember, Person
from sanctuary.vault import state
from sanctuary.vault.fields import EncryptedTextField
from tests.vault.images import jpeg_with_exif

pytestmark = pytest.mark.django_db(transaction=True)

LATIN = ["Zin", "Thura", "Kyaw", "Htet", "Min", "Naing", "Phyo", "Wai", "Yan", "Lwin", "Soe", "Hein"]
MY_UNICODE = ["ဇင်", "သူရ", "ကျော်", "ထက်", "မင်း", "နိုင်", "ဖြိုး", "ဝေ", "ရန်", "လွင်", "စိုး", "ဟိန်း"]
# Zawgyi spellings of common syllables (typed on a Zawgyi keyboard), and their Unicode forms.
ZAWGYI = [("ေက်ာ္", "ကျော်"), ("ေအာင္", "အောင်"), ("ဝင္း", "ဝင်း"), ("ထြန္း", "ထွန်း"), ("ျမင့္", "မြင့်"), ("ေဇာ္", "ဇော်")]


def _people(rng: random.Random) -> list[dict[str, str]]:
    people = []
    for i in range(200):
        script = i % 3
        if script == 0:
            alias = " ".join(rng.sample(LATIN, 3)) + f" Q{i:03d}"
            true_name = " ".join(rng.sample(LATIN, 3)) + f" X{i:03d}"
            typed_true = true_name
        elif script == 1:
            alias = "".join(rng.sample(MY_UNICODE, 4))
            true_name = "".join(rng.sample(MY_UNICODE, 5))
            typed_true = true_name
        else:
            picks = rng.sample(ZAWGYI, 4)
            alias = "".join(u for _z, u in picks)
            typed_true = "".join(z for z, _u in rng.sample(ZAWGYI, 5))
            true_name = typed_true  # needle in both forms below
        people.append(
            {
                "alias": alias,
                "true_name": true_name,
                "typed_true": typed_true,
                "father": " ".join(rng.sample(LATIN, 2)) + f" F{i:03d}",
                "phone": f"09 42{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
                "nrc": f"12/MaYaKa(N){100000 + i * 7}",
            }
        )
    return people


# Values for the declared fields that need a shape (dates); any other declared field gets a
# distinctive text made from its name.
SHAPED = {
    "birth_date": lambda i: f"19{60 + i % 40:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}",
    "defection_date": lambda i: f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}",
}
TYPED_ELSEWHERE = {"alias", "true_name", "father_name", "nrc_number"}  # from _people(), in three scripts


def _declared(model: type, i: int) -> dict[str, str]:
    """A value for every identifying field ``model`` declares (but the names typed above)."""
    return {
        name: SHAPED[name](i) if name in SHAPED else f"{name.replace('_', '')}Zq{i:03d}"
        for name in model.IDENTIFYING_FIELDS  # type: ignore[attr-defined]
        if name not in TYPED_ELSEWHERE
    }


def test_declarations_are_true() -> None:
    """Every declared identifying field is encrypted, and every encrypted field is declared."""
    for model in apps.get_models():
        encrypted = {f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)}
        declared = set(getattr(model, "IDENTIFYING_FIELDS", ()))
        assert declared == encrypted, model._meta.label


def _needles(person: dict[str, str]) -> list[str]:
    from sanctuary.lib.text import normalise_auto
    from sanctuary.people.search import canonical_phone_or_empty

    values = [person["alias"], person["true_name"], normalise_auto(person["typed_true"]), person["father"]]
    values += [person["phone"], canonical_phone_or_empty(person["phone"]), person["phone"].replace(" ", "")]
    values += [person["nrc"], person["nrc"].lower()]
    values += [v for key, v in person.items() if key.startswith(("person.", "household."))]
    return [v for v in values if v]


def _forms(needle: str) -> list[bytes]:
    return [needle.encode("utf-8"), needle.encode("utf-16-le"), needle.encode("utf-16-be")]


def _haystacks(tmp_path: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    roots = [Path(settings.VAR_DIR), Path(settings.MEDIA_ROOT)]
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and path.name != "sanctuary.sqlite3" and not path.name.startswith("sanctuary.sqlite3-"):
                found[str(path)] = path.read_bytes()
    if connection.vendor == "postgresql":
        pg_dump = shutil.which("pg_dump")
        assert pg_dump, "pg_dump is needed for the seizure test on PostgreSQL"
        db = connection.settings_dict
        dump = subprocess.run(
            [
                pg_dump,
                "-h",
                db["HOST"] or "127.0.0.1",
                "-p",
                str(db["PORT"] or 5432),
                "-U",
                db["USER"] or "postgres",
                db["NAME"],
            ],
            capture_output=True,
            check=True,
        ).stdout
        assert b"CREATE TABLE public.people_person" in dump
        found["pg_dump"] = dump
    else:
        db_file = Path(connection.settings_dict["NAME"])
        assert db_file.exists() and str(db_file) in found
    return found


def test_a_seized_machine_reveals_no_one(make_user, login, team_a, tmp_path, caplog, capfd, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRESAVE_CHECKS_PER_HOUR = 1000  # one officer types 200 people here in a minute
    caplog.set_level(logging.DEBUG)
    rng = random.Random(7)
    people = _people(rng)
    client: Client = login(make_user("intake_officer"))
    for i, person in enumerate(people):
        declared = _declared(Person, i)
        household = _declared(HouseholdMember, i)
        person.update({f"person.{k}": v for k, v in declared.items()})
        person.update({f"household.{k}": v for k, v in household.items() if k != "name"})
        assert set(ContactPoint.IDENTIFYING_FIELDS) == {"value"}  # the phone, typed below
        data = {
            **declared,
            "confirm_new": "1",  # likely matches (shared names and birth dates) are queued, not asked
            "alias": person["alias"],
            "true_name": person["typed_true"],
            "father_name": person["father"],
            "nrc_number": person["nrc"],
            "sex": "male",
            "force": "army",
            "rank_group": "unknown",
            "region": "unknown",
            "team": team_a.pk,
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "0",
            "contacts-0-kind": "phone",
            "contacts-0-value": person["phone"],
            "household-TOTAL_FORMS": "1",
            "household-INITIAL_FORMS": "0",
            "household-0-relation": "spouse",
            "household-0-name": person["father"] + " Spouse",
            "household-0-sex": "female",
            **{f"household-0-{k}": v for k, v in household.items() if k != "name"},
        }
        response = client.post("/people/new/", data)
        assert response.status_code == 302, re.findall(r"errorlist[^<]*<li>([^<]*)", response.content.decode())
        if i % 20 == 0:
            pk = int(response["Location"].strip("/").split("/")[-1])
            photo = SimpleUploadedFile("p.jpg", jpeg_with_exif(person["alias"]), content_type="image/jpeg")
            assert (
                client.post(
                    f"/people/{pk}/documents/", {"file": photo, "kind": "photo", "title": person["alias"]}
                ).status_code
                == 302
            )
            client.get(f"/people/{pk}/")
        client.post("/people/", {"q": person["alias"].split()[0]})
    assert Person.objects.count() == 200
    state.seal()

    haystacks = _haystacks(tmp_path)
    logs = (caplog.text + "".join(capfd.readouterr())).encode("utf-8")
    haystacks["logs"] = logs
    leaks = []
    for person in people:
        for needle in _needles(person):
            for form in _forms(needle):
                for where, content in haystacks.items():
                    if form in content:
                        leaks.append(f"{needle!r} in {where}")
    assert leaks == []
    assert sum(len(c) for c in haystacks.values()) > 100_000  # we did read real data
