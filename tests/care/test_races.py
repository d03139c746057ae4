"""A withdrawal and a referral at the same moment (two case workers, two connections): the
referral is either refused or made and then withdrawn with the consent, never left open
under a consent that is gone."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from sanctuary.care import actions
from sanctuary.care.models import REFERRAL_OPEN, Referral
from sanctuary.consent import actions as consent_actions
from sanctuary.consent.models import Purpose
from sanctuary.consent.rules import ConsentRefused
from tests.consent import helpers
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _race(first: Any, second: Any, clinic: Any, person: Any, record: Any) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def refer() -> None:
        try:
            barrier.wait()
            actions.do_refer(second, person, recipient=clinic, area="medical", shared=["alias"])
            outcomes.append("referred")
        except ConsentRefused as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    def withdraw() -> None:
        try:
            barrier.wait()
            consent_actions.do_withdraw_consent(first, record, withdrawn_on=timezone.localdate())
            outcomes.append("withdrawn")
        finally:
            connection.close()

    threads = [threading.Thread(target=refer), threading.Thread(target=withdraw)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_a_referral_racing_a_withdrawal_never_outlives_it(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    first, second = make_user("case_worker"), make_user("case_worker")
    clinic = helpers.partner()
    for _ in range(4):
        person = PersonFactory(team=team_a)
        record = helpers.given(first, person, Purpose.SHARING, recipient=clinic)
        outcomes = _race(first, second, clinic, person, record)
        assert "withdrawn" in outcomes and len(outcomes) == 2
        assert not Referral.objects.filter(person=person, state__in=REFERRAL_OPEN).exists()
