"""seed_demo: one user per role with a TOTP secret, invented people, a few of them registered
twice (the duplicates queue has work); idempotent."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from sanctuary.accounts.models import Role, User
from sanctuary.lib.text import zawgyi_probability
from sanctuary.linkage.compare import FIELD_NAMES
from sanctuary.matching.models import Decision, MatchReview
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
    reviews_before = set(MatchReview.objects.values_list("pk", "score"))
    out2 = io.StringIO()
    call_command("seed_demo", people=120, stdout=out2)
    assert User.objects.count() == users_before
    assert Person.objects.count() == 120
    assert Transfer.objects.count() == transfers_before
    # The same TOTP secrets are printed again, so the demo logins keep working.
    assert text.splitlines()[2] == out2.getvalue().splitlines()[2]
    assert len(set(Person.objects.values_list("case_code", flat=True))) == 120
    assert set(MatchReview.objects.values_list("pk", "score")) == reviews_before  # seeded once


def test_seed_demo_queues_likely_duplicates_with_real_scores(make_user, login) -> None:  # type: ignore[no-untyped-def]
    """The same defectors entered twice (a Zawgyi keyboard, another romanisation, Latin
    letters for a Burmese name, an alias only), each scored by the matcher's model (issue 16:
    "the demo seeds no duplicates")."""
    call_command("seed_demo", people=120, stdout=io.StringIO(), quiet_logins=True)
    reviews = list(MatchReview.objects.select_related("person_a", "person_b"))
    assert len(reviews) >= 4
    assert all(r.decision == Decision.PENDING and r.score > 0.5 for r in reviews)
    for review in reviews:
        assert set(review.agreements) <= set(FIELD_NAMES) and review.agreements  # the scan's words
        assert review.person_a.team_id != review.person_b.team_id  # entered again by another team
    typed = [str(p.true_name) for r in reviews for p in (r.person_a, r.person_b)]
    assert any(zawgyi_probability(name) > 0.9 for name in typed)  # one typed with a Zawgyi keyboard
    assert any(re.fullmatch(r"[A-Za-z ]+", name) for name in typed)
    director = User.objects.get(username="director")
    page = login(director).get("/duplicates/").content.decode()
    assert page.count('class="card review"') == len(reviews) and "0.00" not in page
