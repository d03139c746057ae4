"""The nightly duplicate scan: when it runs, and that it skips a sealed server."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sanctuary.background.models import Job
from sanctuary.matching import nightly
from sanctuary.matching.models import MatchReview
from sanctuary.people.models import ContactPoint
from sanctuary.vault import state
from tests.factories import PersonFactory


def test_seconds_until_the_next_hour() -> None:
    bangkok = ZoneInfo("Asia/Bangkok")
    assert nightly.seconds_until(2, datetime(2026, 11, 22, 1, 30, tzinfo=bangkok)) == 30 * 60
    assert nightly.seconds_until(2, datetime(2026, 11, 22, 2, 0, tzinfo=bangkok)) == 24 * 3600
    assert nightly.seconds_until(2, datetime(2026, 11, 22, 23, 0, tzinfo=bangkok)) == 3 * 3600


@pytest.mark.django_db
def test_the_nightly_scan_queues_pairs_and_skips_when_sealed(team_a, vault_shares) -> None:  # type: ignore[no-untyped-def]
    a, b = PersonFactory(team=team_a), PersonFactory(team=team_a)
    for person in (a, b):
        ContactPoint.objects.create(person=person, kind="phone", value="+959420009999")
    from sanctuary.matching.actions import refresh_match_keys

    refresh_match_keys([a, b])
    state.seal()
    assert nightly.run_if_due() is False
    assert Job.objects.count() == 0
    state.unseal_with_shares(vault_shares[:2])
    assert nightly.run_if_due() is True
    job = Job.objects.get(kind="matching.scan")
    assert job.state == "done" and job.stage == "done"
    assert MatchReview.objects.filter(person_a=a, person_b=b).exists()
