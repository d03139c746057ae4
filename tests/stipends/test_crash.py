"""A draft killed with SIGKILL in the middle leaves nothing, and drafting again completes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from sanctuary.people.models import Person, Status
from sanctuary.stipends.models import Enrollment, Funder, PaymentLine, PaymentRun, StipendRule
from sanctuary.vetting.models import DecisionState, VettingDecision
from tests.vault.test_rekey_and_rotation import ROOT, _child_database_env

pytestmark = pytest.mark.django_db(transaction=True)


def _people(team: Any, officers: tuple[Any, Any], funder: Funder, n: int) -> None:
    people = Person.objects.bulk_create(
        [Person(case_code=f"2026-{i + 1:04d}", alias=f"Ko {i}", team=team, status=Status.ACCEPTED) for i in range(n)]
    )
    now = timezone.now()
    VettingDecision.objects.bulk_create(
        [
            VettingDecision(
                person=p,
                outcome="accepted",
                state=DecisionState.CONFIRMED,
                proposed_by=officers[0],
                proposed_reason="r",
                second_by=officers[1],
                second_reason="r",
                second_at=now,
            )
            for p in people
        ]
    )
    Enrollment.objects.bulk_create(
        [Enrollment(person=p, funder=funder, start=date(2026, 1, 1), added_by=officers[0]) for p in people]
    )


def test_kill_9_in_the_middle_of_a_draft(team_a, make_user) -> None:  # type: ignore[no-untyped-def]
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    finance = make_user("finance_officer")
    funder = Funder.objects.create(name="Funder One")
    StipendRule.objects.create(funder=funder, effective_from=date(2026, 1, 1), single_amount=700, family_amount=1400)
    _people(team_a, officers, funder, 3500)
    env = {**os.environ, "SANCTUARY_DRAFT_BATCH_DELAY": "0.5", "DJANGO_ALLOW_ASYNC_UNSAFE": ""}
    env.update(_child_database_env())
    command = [sys.executable, "manage.py", "stipend_draft", "--funder", "Funder One", "--month", "2026-11"]
    child = subprocess.Popen(
        [*command, "--user", finance.username], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None
    first = child.stdout.readline().decode()  # "lines 1000": inside the transaction, mid-way
    assert first.startswith("lines "), child.stderr.read().decode() if child.stderr else ""
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert not PaymentRun.objects.exists() and not PaymentLine.objects.exists()  # nothing half-done
    env.pop("SANCTUARY_DRAFT_BATCH_DELAY")
    done = subprocess.run([*command, "--user", finance.username], cwd=ROOT, env=env, capture_output=True, check=True)
    assert b"3500 people" in done.stdout
    assert PaymentLine.objects.count() == 3500 and PaymentRun.objects.get().people == 3500
