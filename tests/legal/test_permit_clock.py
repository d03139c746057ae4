"""The work-permit clock: when a job ends (``sanctuary.people.work.employment_ended``, the
core's hook jobs calls), every issued, unexpired paper tied to that employer gets a clock of
the configured days; the alert says how many are left, or how many over."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanctuary.audit.models import AuditEntry
from sanctuary.legal import actions
from sanctuary.legal.actions import LegalRuleError
from sanctuary.legal.models import LegalSettings, PermitClock
from sanctuary.people import work
from tests.factories import PersonFactory
from tests.legal import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user("case_worker")


def _permit(user: Any, person: Any, ref: str = "employer:1", code: str = "work_permit", **values: Any) -> Any:
    today = timezone.localdate()
    values.setdefault("issued_on", today - timedelta(days=100))
    values.setdefault("expires_on", today + timedelta(days=265))
    with helpers.employers((ref, "Rubber farm")):
        return helpers.paper(user, person, code, employer=ref, **values)


def test_a_job_ending_starts_the_clock_of_a_tied_permit_only(worker: Any, team_a: Any, login: Any) -> None:
    tied, untied = PersonFactory(team=team_a), PersonFactory(team=team_a)
    permit = _permit(worker, tied)
    helpers.paper(worker, untied, "pink_card")
    ended = timezone.localdate() - timedelta(days=10)
    work.employment_ended(person=tied, employer_ref="employer:1", ended_on=ended, user=worker)
    work.employment_ended(person=untied, employer_ref="employer:1", ended_on=ended, user=worker)
    clock = PermitClock.objects.get()
    assert (clock.person, clock.paper, clock.employer_name) == (tied, permit, "Rubber farm")
    assert clock.deadline == ended + timedelta(days=60)
    client = login(worker)
    assert "50 days left to find a new employer" in client.get("/papers/").content.decode()
    assert "<strong>50 days left to find a new employer</strong>" in client.get(f"/people/{tied.pk}/").content.decode()
    assert AuditEntry.objects.filter(object_type="legal.permitclock", fields=["deadline", "ended_on"]).count() == 1


def test_the_same_job_ending_twice_starts_one_clock(worker: Any, team_a: Any) -> None:
    person = PersonFactory(team=team_a)
    _permit(worker, person)
    ended = timezone.localdate()
    for _ in range(2):
        work.employment_ended(person=person, employer_ref="employer:1", ended_on=ended, user=worker)
    assert PermitClock.objects.count() == 1


def test_another_employer_or_an_expired_or_lost_permit_starts_nothing(worker: Any, team_a: Any) -> None:
    today = timezone.localdate()
    person = PersonFactory(team=team_a)
    _permit(worker, person, "employer:2")
    _permit(worker, person, issued_on=today - timedelta(days=400), expires_on=today - timedelta(days=1))
    lost = _permit(worker, person)
    actions.do_change_paper_status(worker, lost, "lost", today)
    work.employment_ended(person=person, employer_ref="employer:1", ended_on=today, user=worker)
    assert not PermitClock.objects.exists()


def test_days_left_follow_the_configured_period(worker: Any, team_a: Any, login: Any) -> None:
    row = LegalSettings.current()
    row.new_employer_days = 30
    actions.do_save_settings(worker, row)
    person = PersonFactory(team=team_a)
    _permit(worker, person)
    ended = timezone.localdate() - timedelta(days=29)
    work.employment_ended(person=person, employer_ref="employer:1", ended_on=ended, user=worker)
    clock = PermitClock.objects.get()
    assert clock.deadline == ended + timedelta(days=30) and clock.days_left() == 1
    assert "1 day left to find a new employer" in login(worker).get("/papers/").content.decode()


def test_a_clock_past_its_deadline_says_how_many_days_over(worker: Any, team_a: Any, login: Any) -> None:
    person = PersonFactory(team=team_a)
    _permit(worker, person)
    ended = timezone.localdate() - timedelta(days=63)
    work.employment_ended(person=person, employer_ref="employer:1", ended_on=ended, user=worker)
    assert "3 days over" in login(worker).get("/papers/").content.decode()


def test_a_case_worker_resolves_a_clock_once(worker: Any, team_a: Any, login: Any) -> None:
    person = PersonFactory(team=team_a)
    _permit(worker, person)
    work.employment_ended(person=person, employer_ref="employer:1", ended_on=timezone.localdate(), user=worker)
    clock = PermitClock.objects.get()
    client = login(worker)
    response = client.post(f"/papers/clocks/{clock.pk}/resolve/", {"resolution": "new_employer", "note": "Farm B"})
    assert response.status_code == 302
    clock.refresh_from_db()
    assert clock.resolution == "new_employer" and clock.resolution_note == "Farm B" and clock.resolved_by == worker
    assert f"clock-{clock.pk}" not in client.get("/papers/").content.decode()
    with pytest.raises(LegalRuleError) as again:
        actions.do_resolve_clock(worker, clock, "other")
    assert again.value.code == "resolved"


def test_a_failing_listener_keeps_the_job_from_ending(worker: Any, team_a: Any) -> None:
    """The hook runs in the caller's transaction: what the listener wrote goes with it."""
    from django.db import transaction

    person = PersonFactory(team=team_a)
    _permit(worker, person)
    with pytest.raises(RuntimeError), transaction.atomic():
        work.employment_ended(person=person, employer_ref="employer:1", ended_on=timezone.localdate(), user=worker)
        raise RuntimeError("the job's own write failed")
    assert not PermitClock.objects.exists()
