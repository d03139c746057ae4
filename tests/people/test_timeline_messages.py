"""A step on the person timeline is stored as message codes and parameters, encrypted, and
said in the reader's language when it is read (issue 16): the same step reads in Burmese,
English and Thai, a step of a stage that was removed reads as a neutral sentence, the
dashboard and the person page say it the same way, and notes written as sentences before
messages existed are converted at unseal when they are one of ours, in any language."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from sanctuary.audit.models import AuditEntry
from sanctuary.lib import stages
from sanctuary.people import timeline
from sanctuary.people.actions import do_change_status
from sanctuary.people.merge import do_merge
from sanctuary.people.models import EventKind, Person, PersonEvent, Status
from sanctuary.vault import state
from tests.conftest import VAULT_THRESHOLD
from tests.factories import PersonFactory
from tests.test_no_english_pages import english_words

pytestmark = pytest.mark.django_db


def said(event: PersonEvent, lang: str) -> list[str]:
    event = PersonEvent.objects.select_related("person").get(pk=event.pk)  # read afresh
    with translation.override(lang):
        return event.lines


class _Names(dict):  # type: ignore[type-arg]
    """Records which placeholders a message's sentence asks for (any value does)."""

    def __missing__(self, key: str) -> int:
        self[key] = 7
        return 7


def _example(message: stages.TimelineMessage) -> dict[str, Any]:
    """Parameters for every placeholder of the message: a real choice code for choices, a
    date for dates, a number otherwise."""
    names = _Names()
    with translation.override("en"):
        for template in (message.text, *message.forms):
            str(template % names)
    params: dict[str, Any] = {}
    for name in names:
        how = message.params.get(name)
        if isinstance(how, stages.Choice):
            first = str(how._pairs()[0][0])
            params[name] = [first] if how.many else first
        elif isinstance(how, stages.Day):
            params[name] = "2026-03-04"
        else:
            params[name] = 3
    return params


def test_every_declared_message_is_said_in_burmese_and_thai_without_english() -> None:
    """Each message the core and the stages declare, with example parameters, reads in
    Burmese and Thai with no English word and no code left, and differs from the English."""
    declared = stages.timeline_messages()
    assert len(declared) >= 20
    assert {code.split(".")[0] for code in declared} >= {
        "people",
        "jobs",
        "care",
        "legal",
        "training",
        "intake",
        "vetting",
        "journeys",
        "stipends",
    }
    problems = []
    for code, message in declared.items():
        params = _example(message)
        with translation.override("en"):
            english = timeline.render(code, params)
        assert english != str(timeline.UNKNOWN), code
        for lang in ("my", "th"):
            with translation.override(lang):
                text = timeline.render(code, params)
            if text == english or english_words(text, []) or "%(" in text or code in text:
                problems.append(f"{lang} {code}: {text}")
    assert problems == []


def test_the_same_merge_step_reads_in_each_language(person_a: Person, make_user: Any, team_a: Any) -> None:
    folded = PersonFactory(team=team_a)
    do_merge(make_user("director"), person_a, folded)
    kept_step = person_a.events.get(kind=EventKind.MERGED)
    folded_step = folded.events.get(kind=EventKind.MERGED)
    assert said(kept_step, "en") == [f"Merged with {folded.case_code}"]
    assert said(folded_step, "en") == [f"Merged into {person_a.case_code}"]
    burmese, thai = said(kept_step, "my"), said(kept_step, "th")
    assert burmese == [f"{folded.case_code} နှင့် ပေါင်းစည်းခဲ့"]
    assert thai == [f"รวมกับ {folded.case_code} แล้ว"]
    assert english_words(" ".join(burmese + said(folded_step, "my")), []) == []
    # Stored as a code and parameters, encrypted: no sentence, no code and no case code in clear.
    stored = PersonEvent.objects.filter(pk=kept_step.pk).values_list("message", "note").get()
    assert stored[0].startswith("s2.") and stored[1] == ""
    assert "merged_with" not in stored[0] and folded.case_code not in stored[0]
    assert timeline.decode(PersonEvent.objects.get(pk=kept_step.pk).message) == [
        ("people.merged_with", {"case_code": folded.case_code})
    ]


def test_a_step_of_a_removed_stage_reads_as_a_neutral_sentence(person_a: Person, login: Any, make_user: Any) -> None:
    """A code nobody declares any more, a kind nobody declares, a parameter the sentence does
    not have and a value that is not ours: a neutral sentence in the reader's language,
    never the code, never a 500."""
    gone = PersonEvent.objects.create(person=person_a, kind="ferry", message=timeline.message("ferry.boarded", pier=3))
    odd = PersonEvent.objects.create(
        person=person_a, kind=EventKind.NOTE, message=timeline.message("jobs.proposed", wrong=1)
    )
    junk = PersonEvent(person=person_a, kind=EventKind.NOTE, message="not a message")
    junk.save()
    with translation.override("en"):
        unknown = str(timeline.UNKNOWN)
    assert said(gone, "en") == [unknown]
    assert said(junk, "en") == []
    # A sentence that asks for a parameter the step does not carry: the neutral sentence.
    assert said(odd, "en") == [unknown]
    with translation.override("my"):
        assert PersonEvent.objects.get(pk=gone.pk).kind_label == "အဆင့်"
    response = login(make_user("case_worker", language="my")).get(f"/people/{person_a.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "ferry" not in page and "boarded" not in page
    with translation.override("my"):
        assert str(timeline.UNKNOWN) in page


def test_the_dashboard_and_the_person_page_say_a_step_the_same_way(
    person_a: Person, make_user: Any, login: Any
) -> None:
    worker = make_user("case_worker", language="th")
    do_change_status(worker, person_a, Status.VETTING, "ask about the unit")
    step = PersonEvent.objects.create(
        person=person_a, kind="legal", message=timeline.message("legal.detained", authority="police", on="2026-05-01")
    )
    client: Client = login(worker)
    expected = "เอกสารและการควบคุมตัว</strong>: ถูกจับกุมหรือควบคุมตัว (ตำรวจไทย) เมื่อ 2026-05-01"
    with translation.override("th"):
        assert f"{step.kind_label}</strong>: {said(step, 'th')[0]}" == expected
    person_page = client.get(f"/people/{person_a.pk}/").content.decode()
    dashboard = client.get("/").content.decode()
    assert expected in person_page and expected in dashboard
    # The status change says its statuses on both, and its typed note only on the person page.
    assert "ask about the unit" in person_page and "ask about the unit" not in dashboard


def test_an_edit_says_which_parts_changed_in_words(person_a: Person, make_user: Any, login: Any) -> None:
    from tests.people.test_person_pages import person_data

    data = person_data(person_a.team_id, alias="Ko Thiha Renamed")
    data.update({"household-TOTAL_FORMS": "0", "contacts-TOTAL_FORMS": "0"})
    assert login(make_user("case_worker")).post(f"/people/{person_a.pk}/edit/", data).status_code == 302
    step = person_a.events.get(kind=EventKind.UPDATED)
    code, params = timeline.decode(step.message)[0]
    assert code == "people.updated" and "alias" in params["fields"]
    with translation.override("my"):
        alias = str(Person._meta.get_field("alias").verbose_name)
    burmese = said(step, "my")[0]
    assert alias in burmese and english_words(burmese, []) == []


# --- Notes written before messages -------------------------------------------------------------


def _old_step(person: Person, kind: str, note: str) -> PersonEvent:
    """A step as the code wrote it before messages: its sentence in the note."""
    return PersonEvent.objects.create(person=person, kind=kind, note=note)


def test_old_notes_the_code_wrote_become_messages_in_any_language(person_a: Person) -> None:
    with translation.override("my"):
        proposed = str(translation.gettext("Proposed for a job"))
        vetting = str(
            translation.gettext("Vetting differed between the records (%(said)s): the stricter outcome holds.")
        )
        accept, reject = str(translation.gettext("Accept")), str(translation.gettext("Reject"))
    with translation.override("th"):
        released = str(translation.gettext("Released"))
        permit = str(translation.gettext("Work permit: the job ended; a new employer is needed."))
    assert proposed != "Proposed for a job" and released != "Released"
    merged = _old_step(
        person_a,
        EventKind.MERGED,
        "\n".join(
            [
                "Merged with 2026-0002",
                vetting % {"said": f"{accept}, {reject}"},
                "2 months were paid on both records: flagged for finance review.",
                "checked by hand with the director",  # not one of ours: stays a note
            ]
        ),
    )
    folded = _old_step(person_a, EventKind.MERGED, "Merged into 2026-0001")
    job = _old_step(person_a, "jobs", proposed)
    freed = _old_step(person_a, "legal", released)
    clock = _old_step(person_a, "legal", permit)
    typed = _old_step(person_a, EventKind.STATUS, "Merged with 2026-0002")  # typed by a user
    unknown = _old_step(person_a, "care", "Plan made by the visiting nurse")

    assert timeline.convert_old_notes() == 5

    def fresh(event: PersonEvent) -> PersonEvent:
        return PersonEvent.objects.select_related("person").get(pk=event.pk)

    assert timeline.decode(fresh(merged).message) == [
        ("people.merged_with", {"case_code": "2026-0002"}),
        ("vetting.merge_stricter", {"said": ["accepted", "rejected"]}),
        ("stipends.paid_twice", {"n": 2}),
    ]
    assert fresh(merged).note == "checked by hand with the director"
    assert said(merged, "en") == [
        "Merged with 2026-0002",
        "Vetting differed between the records (Accept, Reject): the stricter outcome holds.",
        "2 months were paid on both records: flagged for finance review.",
    ]
    assert said(folded, "en") == ["Merged into 2026-0001"]
    # Written in Burmese, read in English and Thai; written in Thai, read in Burmese.
    assert said(job, "en") == ["Proposed for a job"]
    with translation.override("th"):
        assert said(job, "th") == [str(translation.gettext("Proposed for a job"))]
    assert said(freed, "en") == ["Released"]
    with translation.override("my"):
        assert said(freed, "my") == [str(translation.gettext("Released"))]
    assert said(clock, "en") == ["Work permit: the job ended; a new employer is needed."]
    for event in (job, freed, clock, folded):
        assert fresh(event).note == ""
    # Typed by users, or not ours: notes as they were.
    assert fresh(typed).message == "" and fresh(typed).note == "Merged with 2026-0002"
    assert fresh(unknown).message == "" and fresh(unknown).note == "Plan made by the visiting nurse"
    assert AuditEntry.objects.filter(object_type="people.personevent", actor_username="vault").count() == 1
    assert timeline.convert_old_notes() == 0  # nothing left to do


def test_old_notes_are_converted_at_unseal_and_left_alone_while_sealed(
    person_a: Person, vault_shares: list[str]
) -> None:
    step = _old_step(person_a, "care", "Care plan closed")
    state.seal()
    assert PersonEvent.objects.filter(pk=step.pk, message="").exists()  # nothing can be read
    state.unseal_with_shares(vault_shares[:VAULT_THRESHOLD])
    converted = PersonEvent.objects.select_related("person").get(pk=step.pk)
    assert timeline.decode(converted.message) == [("care.plan_closed", {})]
    assert converted.note == ""


def test_a_parameter_is_a_code_or_a_number_never_an_object() -> None:
    with pytest.raises(TypeError):
        timeline.message("people.merged_with", case_code=object())
    with pytest.raises(TypeError):
        timeline.message("people.updated", fields=[{"alias": "Ko Thiha"}])


def test_a_stage_declares_only_its_own_codes() -> None:
    from django.core.exceptions import ImproperlyConfigured

    saved = stages.snapshot()
    try:
        with pytest.raises(ImproperlyConfigured):
            stages.register(stages.Stage(app="ferry", timeline_messages=(stages.TimelineMessage("jobs.x", "x"),)))
    finally:
        stages.restore(saved)


def test_a_sealed_step_says_so_and_its_status_change(person_a: Person, make_user: Any) -> None:
    do_change_status(make_user("case_worker"), person_a, Status.VETTING, "typed")
    step = PersonEvent.objects.filter(person=person_a, kind=EventKind.STATUS).get()
    step.message = timeline.message("people.merged_with", case_code="2026-0009")
    step.save()
    state.seal()
    sealed = PersonEvent.objects.select_related("person").get(pk=step.pk)
    with translation.override("en"):
        lines = sealed.lines
    assert lines[0] == "First contact → Vetting"  # clear columns, readable while sealed
    assert lines[1] == "🔒 sealed" and "2026-0009" not in " ".join(lines)
