"""The release ledger: one director proposes (the output is frozen, with its SHA-256), a
second approves exactly that output; the proposer cannot approve, not through the action and
not in the database; a table that breaks the rules is refused, naming its cells; two
approvals at once end in one; only approved releases are downloaded; the audit log names
fields, never numbers."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from sanctuary.audit.models import AuditEntry
from sanctuary.people.models import Force
from sanctuary.stats import actions
from sanctuary.stats.actions import StatsRefused
from sanctuary.stats.models import CountPolicy, Release, ReleaseState
from tests.stats import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def directors(make_user: Any) -> tuple[Any, Any]:
    return make_user("director", username="d1"), make_user("director", username="d2")


def _many(team: Any, n: int, day: date, **fields: Any) -> None:
    for _ in range(n):
        helpers.arrived(team, day, **fields)


def test_a_release_is_proposed_by_one_and_approved_by_another(directors: Any, team_a: Any) -> None:
    first, second = directors
    helpers.count_everyone(first)
    _many(team_a, 30, date(2024, 2, 10), force=Force.ARMY)
    _many(team_a, 12, date(2024, 5, 10), force=Force.POLICE)
    release = actions.do_propose_release(first, helpers.table(first, columns=""))
    assert release.state == ReleaseState.PROPOSED and release.sha256 and release.policy == CountPolicy.EVERYONE
    with pytest.raises(StatsRefused) as refused:
        actions.do_approve_release(first, release)
    assert refused.value.code == "own"
    approved = actions.do_approve_release(second, release)
    assert (approved.state, approved.proposed_by, approved.approved_by) == (ReleaseState.APPROVED, first, second)
    assert approved.approved_at is not None and approved.rules["threshold"] == 10 and approved.epsilon is None
    table = approved.output["table"]
    army = approved.output["rows"]["codes"].index(Force.ARMY)
    assert table["cells"][army] == [30] and table["row_totals"][army] == 30
    # Police (12) is hidden with the zeros: alone, the zeros would be recovered from the total.
    police = approved.output["rows"]["codes"].index(Force.POLICE)
    assert table["cells"][police] == [None] and table["total"] == 40


def test_the_database_refuses_an_approval_by_the_proposer(directors: Any) -> None:
    first, _second = directors
    release = actions.do_propose_release(first, helpers.table(first))
    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.filter(pk=release.pk).update(
            state=ReleaseState.APPROVED, approved_by=first, approved_at=timezone.now()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.filter(pk=release.pk).update(state=ReleaseState.APPROVED)  # approved by nobody


def test_the_output_is_frozen_when_proposed(directors: Any, team_a: Any) -> None:
    """People who arrive after the proposal change nothing in what is approved."""
    first, second = directors
    helpers.count_everyone(first)
    _many(team_a, 20, date(2024, 2, 10), force=Force.ARMY)
    _many(team_a, 10, date(2024, 2, 10), force=Force.POLICE)
    table = helpers.table(first, columns="")
    release = actions.do_propose_release(first, table)
    frozen, digest = release.output, release.sha256
    _many(team_a, 15, date(2024, 2, 11), force=Force.ARMY)
    approved = actions.do_approve_release(second, release)
    assert approved.output == frozen and approved.sha256 == digest
    army = frozen["rows"]["codes"].index(Force.ARMY)
    assert approved.output["table"]["cells"][army][0] == 20
    again = actions.do_propose_release(second, table)
    assert again.output["table"]["cells"][army][0] == 35 and again.sha256 != digest


def test_an_output_changed_after_the_proposal_is_refused(directors: Any) -> None:
    first, second = directors
    release = actions.do_propose_release(first, helpers.table(first))
    changed = {**release.output, "policy": "everyone"}
    Release.objects.filter(pk=release.pk).update(output=changed)
    with pytest.raises(StatsRefused) as refused:
        actions.do_approve_release(second, release)
    assert refused.value.code == "altered"
    assert Release.objects.get(pk=release.pk).state == ReleaseState.PROPOSED


def test_a_table_that_breaks_the_rules_is_refused_naming_its_cells(directors: Any, team_a: Any) -> None:
    first, _second = directors
    helpers.count_everyone(first)
    _many(team_a, 3, date(2024, 8, 1), force=Force.NAVY)
    table = helpers.table(first, auto_suppress=False)
    with pytest.raises(StatsRefused) as refused:
        actions.do_propose_release(first, table)
    assert refused.value.code == "fails_rules"
    assert "Navy × 2024-Q3 (fewer than the threshold)" in refused.value.message
    assert "Army × 2024-Q1 (a zero)" in refused.value.message
    assert not Release.objects.exists()


def test_a_second_proposal_waits_for_the_first(directors: Any) -> None:
    first, second = directors
    table = helpers.table(first)
    actions.do_propose_release(first, table)
    with pytest.raises(StatsRefused) as refused:
        actions.do_propose_release(second, table)
    assert refused.value.code == "pending"


def test_only_approved_releases_are_downloaded(directors: Any) -> None:
    first, second = directors
    release = actions.do_propose_release(first, helpers.table(first))
    with pytest.raises(StatsRefused) as refused:
        actions.do_export_release(second, release, "csv")
    assert refused.value.code == "not_approved"
    actions.do_withdraw_release(second, release)
    with pytest.raises(StatsRefused):
        actions.do_approve_release(second, release)


def test_the_audit_log_names_fields_never_numbers(directors: Any, team_a: Any) -> None:
    first, second = directors
    helpers.count_everyone(first)
    _many(team_a, 11, date(2024, 2, 10), force=Force.ARMY)
    release = helpers.released(first, second, helpers.table(first))
    actions.do_export_release(second, release, "csv")
    entries = list(AuditEntry.objects.filter(object_type="stats.release").order_by("seq"))
    assert [(e.action, e.actor_username) for e in entries] == [("create", "d1"), ("update", "d2"), ("export", "d2")]
    for entry in entries:
        assert all(field.isidentifier() for field in entry.fields), entry.fields
        assert "11" not in "".join(entry.fields) and "10" not in entry.object_id + "".join(entry.fields)


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_end_in_one(make_user: Any) -> None:
    """Two second persons press approve at the same moment: one approves, the other is told
    it was decided (the release row is locked)."""
    proposer = make_user("director", username="p")
    approvers = [make_user("director", username=f"a{n}") for n in range(2)]
    release = actions.do_propose_release(proposer, helpers.table(proposer))
    barrier = threading.Barrier(2)
    results: list[str] = []

    def approve(user: Any) -> None:
        try:
            barrier.wait()
            actions.do_approve_release(user, release)
            results.append("approved")
        except StatsRefused as error:
            results.append(error.code)
        except Exception as error:  # noqa: BLE001 - SQLite may refuse the second writer outright
            results.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("approved") == 1, results
    assert Release.objects.get(pk=release.pk).approved_by in approvers
    assert AuditEntry.objects.filter(object_type="stats.release", action="update").count() == 1
