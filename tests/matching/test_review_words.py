"""The duplicates queue says what agreed in words in the reader's language, never codes
(issue 16: "name+year: same key", "svc: same key")."""

from __future__ import annotations

import pytest

from sanctuary.matching.models import MatchReview
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "my"])
def test_agreements_are_words(make_user, login, team_a, language) -> None:  # type: ignore[no-untyped-def]
    a, b = PersonFactory(team=team_a), PersonFactory(team=team_a)
    agreements = {"name+year": "same key", "svc": "same key", "phone": "same", "birth_date": "day and month swapped"}
    MatchReview.objects.create(person_a=a, person_b=b, score=0.9, agreements=agreements)
    page = login(make_user("vetting_officer", language=language)).get("/duplicates/").content.decode()
    section = page[page.index('class="agreements"') :]
    section = section[: section.index("</ul>")]
    for code in ("name+year", "svc", "same key", "birth_date"):
        assert code not in section
    if language == "en":
        assert "name and birth year: same" in section and "birth date: day and month swapped" in section
    else:
        assert "same" not in section and "phone" not in section  # Burmese words, not English


def test_the_audit_view_names_records_and_fields_in_words(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.audit.log import record
    from sanctuary.audit.models import Action

    person = PersonFactory(team=team_a)
    record(make_user("case_worker"), Action.UPDATE, person, fields=["father_name", "nrc_number", "person:12"])
    page = login(make_user("auditor", language="en")).get("/audit/").content.decode()
    table = page[page.index("<tbody") :]
    assert f"person {person.pk}" in table and "people.person" not in table, table[:3000]
    assert "father&#x27;s name, NRC number, person 12" in table
