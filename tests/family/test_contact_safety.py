"""Nobody guesses who helps a family, and nobody alone opens a way to it.

- A contact is made "through the recorded intermediary" or "by the recorded channel": no name
  is typed, so nothing can be compared with the hidden one; a refusal is audited by code.
- Loosening a rule, or recording its intermediary or channel, needs the user's approved
  true-identity grant for the person; making it stricter needs nothing. Rule changes are
  audited by their codes.
- While the vault is sealed, nobody is contacted.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from sanctuary.audit.models import AuditEntry
from sanctuary.family import actions
from sanctuary.family.actions import FamilyRuleError
from sanctuary.family.models import ContactMade, ContactRule, Relative, TracingAction
from sanctuary.people import contact
from sanctuary.people.contact import ContactRefused, How, Means
from sanctuary.people.identity import do_decide_identity, do_request_identity
from sanctuary.vault import state
from sanctuary.vault.fields import SEALED
from tests.factories import PersonFactory
from tests.family import helpers

pytestmark = pytest.mark.django_db

RECORDED = "U Ottama of the village monastery"
FORM = {"relation": "mother", "age_band": "elder", "region": "sagaing", "in_danger": "on"}


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user("case_worker")


@pytest.fixture
def person(team_a: Any) -> Any:
    return PersonFactory(team=team_a)


def _grant(worker: Any, person: Any, make_user: Any) -> None:
    do_decide_identity(make_user("director"), do_request_identity(worker, person, "family"), approve=True)


def _contact(client: Any, relative: Relative, **values: str) -> Any:
    return client.post(f"/family/relatives/{relative.pk}/contact/", {"on": timezone.localdate().isoformat(), **values})


def test_a_contact_names_no_intermediary_and_records_the_one_on_file(worker: Any, person: Any, login: Any) -> None:
    """The form has no name to type (a typed one is ignored); the server records the one on
    file, which the page never shows without the grant."""
    relative = helpers.relative(worker, person, ContactRule.INTERMEDIARY)
    client = login(worker)
    form = client.get(f"/family/relatives/{relative.pk}/contact/").content.decode()
    assert 'name="through"' not in form and "Ottama" not in form
    assert _contact(client, relative, how="intermediary", through="U Kyaw the shopkeeper").status_code == 302
    made = ContactMade.objects.get()
    assert made.how == How.INTERMEDIARY and made.through == RECORDED


def test_a_refused_contact_is_audited_by_code_only(worker: Any, person: Any, login: Any) -> None:
    relative = helpers.relative(worker, person, ContactRule.INTERMEDIARY)
    response = _contact(login(worker), relative, how="direct", note="met at the market")
    assert response.status_code == 400 and not ContactMade.objects.exists()
    entry = AuditEntry.objects.get(object_type="contact.refused")
    assert entry.action == "create" and entry.actor_id == worker.pk
    assert entry.object_id == str(relative.pk) and entry.fields == ["intermediary"]
    assert "market" not in str(list(AuditEntry.objects.values_list("fields", flat=True)))


@pytest.mark.parametrize("new", [ContactRule.EMERGENCY, ContactRule.INTERMEDIARY, ContactRule.CHANNEL])
def test_loosening_never_contact_needs_the_grant(
    new: str, worker: Any, person: Any, login: Any, make_user: Any
) -> None:
    relative = helpers.relative(worker, person, ContactRule.NEVER)
    client = login(worker)
    refused = client.post(f"/family/relatives/{relative.pk}/", {**FORM, "contact_rule": new})
    assert refused.status_code == 400 and "true-identity grant" in refused.content.decode()
    relative.refresh_from_db()
    assert relative.contact_rule == ContactRule.NEVER
    with pytest.raises(FamilyRuleError) as error:
        actions.do_update_relative(worker, relative, {"contact_rule": new, "intermediary": "x", "channel": "y"})
    assert error.value.code == "needs_grant"
    _grant(worker, person, make_user)
    actions.do_update_relative(worker, relative, {"contact_rule": new, "intermediary": "Ko Aung", "channel": "z"})
    relative.refresh_from_db()
    assert relative.contact_rule == new
    update = AuditEntry.objects.filter(action="update", object_id=str(relative.pk)).last()
    assert update is not None and f"contact_rule:never->{new}" in update.fields
    assert "Ko Aung" not in str(update.fields)


def test_emergency_to_an_intermediary_needs_the_grant_and_tightening_does_not(worker: Any, person: Any) -> None:
    relative = helpers.relative(worker, person, ContactRule.EMERGENCY)
    with pytest.raises(FamilyRuleError) as error:
        actions.do_update_relative(worker, relative, {"contact_rule": ContactRule.INTERMEDIARY, "intermediary": "x"})
    assert error.value.code == "needs_grant"
    actions.do_update_relative(worker, relative, {"contact_rule": ContactRule.NEVER})
    relative.refresh_from_db()
    assert relative.contact_rule == ContactRule.NEVER
    update = AuditEntry.objects.filter(action="update", object_id=str(relative.pk)).last()
    assert update is not None and update.fields == ["contact_rule:emergency->never"]


def test_the_hidden_intermediary_cannot_be_replaced_without_the_grant(
    worker: Any, person: Any, login: Any, make_user: Any
) -> None:
    relative = helpers.relative(worker, person, ContactRule.INTERMEDIARY)
    client = login(worker)
    page = client.get(f"/family/relatives/{relative.pk}/").content.decode()
    assert 'name="intermediary"' not in page  # not offered without the grant
    client.post(f"/family/relatives/{relative.pk}/", {**FORM, "contact_rule": "intermediary", "intermediary": "Ko Spy"})
    relative.refresh_from_db()
    assert relative.intermediary == RECORDED
    with pytest.raises(FamilyRuleError) as error:
        actions.do_update_relative(
            worker, relative, {"contact_rule": ContactRule.INTERMEDIARY, "intermediary": "Ko Spy"}
        )
    assert error.value.code == "needs_grant"
    _grant(worker, person, make_user)
    actions.do_update_relative(worker, relative, {"contact_rule": ContactRule.INTERMEDIARY, "intermediary": "Ko Aung"})
    relative.refresh_from_db()
    assert relative.intermediary == "Ko Aung"


def test_nobody_is_contacted_while_the_vault_is_sealed(worker: Any, person: Any, login: Any) -> None:
    relative = helpers.relative(worker, person, ContactRule.INTERMEDIARY)
    partner = helpers.red_cross()
    helpers.tracing_consent(worker, person, partner)
    tracing = actions.do_open_tracing(worker, relative)
    state.seal()
    with pytest.raises(ContactRefused) as refused:
        contact.check(relative.ref, Means(how=How.INTERMEDIARY), worker)
    assert refused.value.code == "sealed"
    response = login(worker).post(
        f"/family/tracing/{tracing.pk}/ask/",
        {
            "kind": "red_cross",
            "recipient": partner.pk,
            "how": "intermediary",
            "through": str(SEALED),
            "asked_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code != 302 and not TracingAction.objects.exists()


def test_a_placeholder_intermediary_is_no_intermediary(worker: Any, person: Any, monkeypatch: Any) -> None:
    """An intermediary that reads as a placeholder (sealed, unreadable) allows no contact."""
    relative = helpers.relative(worker, person, ContactRule.INTERMEDIARY)
    monkeypatch.setattr(actions, "is_placeholder", lambda value: True)
    with pytest.raises(ContactRefused) as refused:
        actions.do_record_contact(worker, relative, Means(how=How.INTERMEDIARY), timezone.localdate())
    assert refused.value.code == "not_recorded" and not ContactMade.objects.exists()
