"""Identifying fields are AES-GCM ciphertext bound to their row and field."""

from __future__ import annotations

import pytest
from django.db import connection

from sanctuary.people.models import ContactPoint, Person
from sanctuary.vault import state
from sanctuary.vault.fields import SEALED, UNREADABLE
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - test helper, fixed names
        return str(cursor.fetchone()[0])


def test_values_are_stored_as_ciphertext(person_a) -> None:  # type: ignore[no-untyped-def]
    raw = _raw("people_person", "alias", person_a.pk)
    assert raw.startswith("s1.1.")
    assert "Thiha" not in raw
    assert Person.objects.get(pk=person_a.pk).alias == "Ko Thiha"


def test_ciphertext_moved_to_another_row_or_field_does_not_decrypt(person_a, person_b) -> None:  # type: ignore[no-untyped-def]
    stolen = _raw("people_person", "alias", person_a.pk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET alias = %s WHERE id = %s", [stolen, person_b.pk])
        cursor.execute("UPDATE people_person SET true_name = %s WHERE id = %s", [stolen, person_a.pk])
    assert Person.objects.get(pk=person_b.pk).alias is UNREADABLE
    moved_field = Person.objects.get(pk=person_a.pk)
    assert moved_field.true_name is UNREADABLE
    assert moved_field.alias == "Ko Thiha"


def test_tampered_value_gives_a_per_field_error_and_the_page_renders(make_user, login, person_a) -> None:  # type: ignore[no-untyped-def]
    raw = _raw("people_person", "alias", person_a.pk)
    flipped = raw[:-3] + ("A" if raw[-3] != "A" else "B") + raw[-2:]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET alias = %s WHERE id = %s", [flipped, person_a.pk])
    response = login(make_user("case_worker")).get(f"/people/{person_a.pk}/")
    assert response.status_code == 200
    assert "unreadable" in response.content.decode()


def test_plain_values_cannot_be_stored_or_compared_by_another_path(person_a) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError):
        Person.objects.filter(pk=person_a.pk).update(alias="plain")
    with pytest.raises(TypeError):
        list(Person.objects.filter(alias="Ko Thiha"))


def test_sealed_values_read_as_sealed_and_cannot_be_saved(person_a) -> None:  # type: ignore[no-untyped-def]
    state.seal()
    person = Person.objects.get(pk=person_a.pk)
    assert person.alias is SEALED
    assert str(person.alias) == "🔒 sealed"
    person.save()  # unchanged ciphertext is written back as it was
    assert Person.objects.get(pk=person_a.pk).alias is SEALED
    person.alias = "New name"
    with pytest.raises(state.VaultSealed):
        person.save()
    person.alias = SEALED  # a placeholder never overwrites data
    with pytest.raises(state.VaultSealed):
        person.save()


def test_blind_index_finds_a_phone_in_any_form(person_a) -> None:  # type: ignore[no-untyped-def]
    ContactPoint.objects.create(person=person_a, kind="phone", value="+66876372515")
    raw = _raw("people_contactpoint", "value_index", ContactPoint.objects.get().pk)
    assert len(raw) == 32 and int(raw, 16) >= 0 and "+66" not in raw
    for query in ("0876372515", "+66 87 637 2515"):
        assert list(Person.objects.search(query)) == [person_a]


def test_name_token_search_works_on_encrypted_aliases(team_a) -> None:  # type: ignore[no-untyped-def]
    target = PersonFactory(team=team_a, alias="ကိုကျော်အောင်")
    PersonFactory(team=team_a, alias="ကိုမင်းထက်")
    assert list(Person.objects.search("ကျော်")) == [target]
    assert list(Person.objects.search("ေက်ာ္")) == [target]  # typed in Zawgyi
    assert list(Person.objects.search("ကျော်အောင်")) == [target]
    assert list(Person.objects.search("ကိုမင်း")) != [target]


def test_expressions_and_pattern_lookups_cannot_reach_plain_text(person_a) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import FieldError
    from django.db.models import Value

    with pytest.raises(TypeError):
        Person.objects.filter(pk=person_a.pk).update(notes=Value("plain"))
    with pytest.raises(FieldError):
        list(Person.objects.filter(alias__icontains="Thiha"))
    with pytest.raises(FieldError):
        list(Person.objects.filter(alias__startswith="Ko"))
