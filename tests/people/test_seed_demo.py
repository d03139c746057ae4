"""seed_demo: one user per role with a TOTP secret, invented people; idempotent."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from sanctuary.accounts.models import Role, User
from sanctuary.people.models import Person, Transfer, TransferState

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_logins() -> None:
    out = io.StringIO()
    call_command("seed_demo", people=120, stdout=out)
    text = out.getvalue()
    assert "DEMO ONLY" in text
    held = {role for user in User.objects.all() for role in user.roles}
    assert held == set(Role.values)
    assert "director-demo-Sanctuary" in text
    assert Person.objects.count() == 120
    assert Person.objects.values("team").distinct().count() == 3
    assert Person.objects.values("status").distinct().count() > 6
    aliases = [str(p.alias) for p in Person.objects.all()]
    assert any(re.search(r"[\u1000-\u109f]", a) for a in aliases)
    assert any(re.fullmatch(r"[A-Za-z ]+", a) for a in aliases)
    # Hand-overs for the shelter manager to accept, and one done.
    states = set(Transfer.objects.values_list("state", flat=True))
    assert {TransferState.PENDING, TransferState.DONE} <= states
    transfers_before = Transfer.objects.count()
    users_before = User.objects.count()
    out2 = io.StringIO()
    call_command("seed_demo", people=120, stdout=out2)
    assert User.objects.count() == users_before
    assert Person.objects.count() == 120
    assert Transfer.objects.count() == transfers_before
    # The same TOTP secrets are printed again, so the demo logins keep working.
    assert text.splitlines()[2] == out2.getvalue().splitlines()[2]
    assert len(set(Person.objects.values_list("case_code", flat=True))) == 120
