"""Every way of reaching a relative asks the relative's contact rule first.

The contact paths are listed here, by hand: a new path (``contact.paths()``) fails this test
until it is listed and run against a "never contact" relative below, and any ``do_*`` action
of any stage that takes a relative without being a contact path fails it too, unless it is
listed in ``REACHES_NOBODY`` with the reason it contacts nobody (reviewed like a grant)."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from sanctuary.audit.models import AuditEntry
from sanctuary.family import actions
from sanctuary.family.models import ActionKind, ContactMade, ContactRule, Relative, TracingAction
from sanctuary.outreach import actions as outreach_actions
from sanctuary.outreach.models import Channel, Message, MessageState, OutreachContact, Send, SendState
from sanctuary.people import contact
from sanctuary.people.contact import ContactPathError, ContactRefused, How, Means
from sanctuary.people.models import PersonEvent
from tests.factories import PersonFactory
from tests.family import helpers

pytestmark = pytest.mark.django_db


def _no_setup(user: Any, relative: Relative) -> None:
    return None


def _record_contact(user: Any, relative: Relative, means: Means, _ready: Any = None) -> Any:
    return actions.do_record_contact(user, relative, means, timezone.localdate(), "spoke to her")


def _open_search(user: Any, relative: Relative) -> Any:
    partner = helpers.red_cross()
    helpers.tracing_consent(user, relative.person, partner)
    return actions.do_open_tracing(user, relative), partner


def _trace(user: Any, relative: Relative, means: Means, ready: Any = None) -> Any:
    tracing, partner = ready or _open_search(user, relative)
    return actions.do_trace(user, tracing, ActionKind.RED_CROSS, partner, means, "asked about her")


def _outreach_message(user: Any, relative: Relative, state: str = MessageState.QUEUED) -> Any:
    """A by-hand outreach contact for the relative and a message to them, written directly: the
    rule may have been tightened after the message was approved (adding a contact asks the
    rule, and would refuse a never-contact relative)."""
    row = OutreachContact.objects.create(
        person=relative.person, target_ref=relative.ref, channel=Channel.MANUAL, created_by=user
    )
    template = outreach_actions.do_save_template(user, None, "Hello", {"my": ("မင်္ဂလာပါ", "")})
    send = Send.objects.create(
        template=template,
        texts='{"my": {"body": "Hello", "cover": ""}}',
        recipients=1,
        fingerprint="-",
        state=SendState.APPROVED,
        proposed_by=user,
    )
    return Message.objects.create(
        send=send, contact=row, case_code=relative.person.case_code, language="my", state=state
    )


def _by_hand_message(user: Any, relative: Relative) -> Any:
    return _outreach_message(user, relative, MessageState.BY_HAND)


def _send_message(user: Any, relative: Relative, means: Means, ready: Any = None) -> Any:
    message = ready or _outreach_message(user, relative)
    OutreachContact.objects.filter(pk=message.contact_id).update(means=means.how)  # how this relative is reached
    return outreach_actions.do_claim_message(user, Message.objects.get(pk=message.pk))


def _mark_sent(user: Any, relative: Relative, means: Means, ready: Any = None) -> Any:
    message = ready or _by_hand_message(user, relative)
    OutreachContact.objects.filter(pk=message.contact_id).update(means=means.how)
    return outreach_actions.do_mark_sent(user, Message.objects.get(pk=message.pk))


# Every contact path: what it needs first (allowed: consent, an open search) and how to run it.
PATHS: dict[str, tuple[Callable[[Any, Relative], Any], Callable[..., Any]]] = {
    "family.record_contact": (_no_setup, _record_contact),
    "family.trace": (_open_search, _trace),
    "outreach.send_message": (_outreach_message, _send_message),
    "outreach.mark_sent": (_by_hand_message, _mark_sent),
}


# How far an outreach message has gone towards the relative: queued, handed to a person to
# send, sent. Each contact path moves it one step.
_STEP = {MessageState.BY_HAND: 1, MessageState.SENT: 2}


def _made() -> int:
    """Contacts made: recorded by family, or outreach messages moved one step towards the relative."""
    steps = sum(_STEP.get(state, 0) for state in Message.objects.values_list("state", flat=True))
    return ContactMade.objects.count() + TracingAction.objects.count() + steps


# do_* actions that take a relative but reach nobody outside our records.
REACHES_NOBODY = {
    "sanctuary.family.actions.do_update_relative": "corrects our record of the relative, or their rule",
    "sanctuary.family.actions.do_record_event": "writes down what was done to them, as told to us",
    "sanctuary.family.actions.do_open_tracing": "opens our own file; each step outside is do_trace",
    "sanctuary.family.actions.do_change_tracing": "moves our own file between states; reaches nobody",
    "sanctuary.family.actions.do_record_outcome": "writes down what a partner answered; asks nobody",
    "sanctuary.outreach.actions.do_add_contact": "records how we would reach them (asking the rule); each message is"
    " outreach.send_message",
}

WRITTEN = (Relative, ContactMade, TracingAction, AuditEntry, PersonEvent)


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user("case_worker")


@pytest.fixture
def person(team_a: Any) -> Any:
    return PersonFactory(team=team_a)


def test_every_contact_path_is_listed() -> None:
    assert sorted(contact.paths()) == sorted(PATHS)


def _takes_a_relative(function: Callable[..., Any]) -> bool:
    for parameter in inspect.signature(function).parameters.values():
        annotation = parameter.annotation if isinstance(parameter.annotation, str) else repr(parameter.annotation)
        # A relative, a reference to one, or anything hanging off one (a search, a step).
        if parameter.name in ("relative", "target_ref", "tracing", "step") or any(
            model in annotation for model in ("Relative", "TracingRequest", "TracingAction", "ContactMade")
        ):
            return True
    return False


def _stage_actions() -> list[tuple[str, Callable[..., Any]]]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("sanctuary."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.actions")
        except ModuleNotFoundError:
            continue
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("do_") and function.__module__ == module.__name__:
                found.append((f"{module.__name__}.{name}", function))
    return found


def test_every_action_that_takes_a_relative_is_a_contact_path() -> None:
    registered = set(contact.paths().values())
    found = _stage_actions()
    assert any(name == "sanctuary.family.actions.do_trace" for name, _f in found)
    unchecked = [
        name
        for name, function in found
        if _takes_a_relative(function) and function not in registered and name not in REACHES_NOBODY
    ]
    assert unchecked == []
    assert set(REACHES_NOBODY) <= {name for name, _f in found}, "an exemption names an action that is gone"


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN}


@pytest.mark.parametrize("name", sorted(PATHS))
def test_each_path_refuses_a_never_contact_relative_and_writes_nothing(name: str, worker: Any, person: Any) -> None:
    relative = helpers.relative(worker, person, ContactRule.NEVER)
    setup, run = PATHS[name]
    ready = setup(worker, relative)
    before, made = _counts(), _made()
    for means in (
        Means(how=How.DIRECT),
        Means(how=How.CHANNEL),
        Means(how=How.DIRECT, emergency=True, reason="soldiers are coming"),
    ):
        with pytest.raises(ContactRefused) as refused:
            run(worker, relative, means, ready)
        assert refused.value.code == "never"
    # Nothing written but the audit of each refusal: the target and the code, no value.
    refusals = AuditEntry.objects.filter(object_type="contact.refused", object_id=str(relative.pk))
    assert _counts() == {**before, "AuditEntry": before["AuditEntry"] + 3}
    assert [entry.fields for entry in refusals] == [["never"]] * 3 and {e.actor_id for e in refusals} == {worker.pk}
    assert _made() == made


@pytest.mark.parametrize("name", sorted(PATHS))
def test_each_path_goes_through_the_recorded_intermediary(name: str, worker: Any, person: Any) -> None:
    """Nobody types the intermediary's name: the means is "through the recorded one", and a
    contact made records the intermediary on file (filled in by the server)."""
    relative = helpers.relative(worker, person, ContactRule.INTERMEDIARY)
    setup, run = PATHS[name]
    ready = setup(worker, relative)
    made = _made()
    for means, code in ((Means(how=How.DIRECT), "intermediary"), (Means(how=How.CHANNEL), "intermediary")):
        with pytest.raises(ContactRefused) as refused:
            run(worker, relative, means, ready)
        assert refused.value.code == code
    assert _made() == made
    run(worker, relative, Means(how=How.INTERMEDIARY), ready)
    assert _made() == made + 1
    if name == "family.record_contact":
        assert ContactMade.objects.get().through == "U Ottama of the village monastery"


def test_the_recorded_channel_only(worker: Any, person: Any) -> None:
    relative = helpers.relative(worker, person, ContactRule.CHANNEL)
    with pytest.raises(ContactRefused) as other:
        _record_contact(worker, relative, Means(how=How.INTERMEDIARY))
    assert other.value.code == "channel"
    with pytest.raises(ContactRefused) as direct:
        _record_contact(worker, relative, Means(how=How.DIRECT))
    assert direct.value.code == "channel"
    made = _record_contact(worker, relative, Means(how=How.CHANNEL))
    assert made.how == How.CHANNEL and made.through == "Signal of the cousin in Mandalay"


def test_only_in_an_emergency_with_its_reason_and_audited_without_values(worker: Any, person: Any) -> None:
    relative = helpers.relative(worker, person, ContactRule.EMERGENCY)
    with pytest.raises(ContactRefused) as plain:
        _record_contact(worker, relative, Means(how=How.DIRECT))
    assert plain.value.code == "emergency"
    with pytest.raises(ContactRefused) as no_reason:
        _record_contact(worker, relative, Means(how=How.DIRECT, emergency=True))
    assert no_reason.value.code == "reason"
    made = _record_contact(worker, relative, Means(how=How.DIRECT, emergency=True, reason="Her son was shot"))
    assert made.emergency and made.reason == "Her son was shot"
    audit = AuditEntry.objects.get(object_type="contact.relative", object_id=str(relative.pk))
    assert audit.actor_id == worker.pk and audit.fields == ["emergency", "reason"]
    assert "shot" not in str(list(AuditEntry.objects.values_list("fields", flat=True)))


def test_unknown_targets_and_relatives_of_other_teams_refuse(worker: Any, person: Any, team_b: Any) -> None:
    for ref in ("", "relative:", "relative:x", "neighbour:1", "relative:999999"):
        with pytest.raises(ContactRefused) as refused:
            contact.check(ref, Means(how=How.DIRECT, emergency=True, reason="r"), worker)
        assert refused.value.code == "unknown"
    elsewhere = helpers.relative(worker, PersonFactory(team=team_b), ContactRule.EMERGENCY)
    with pytest.raises(ContactRefused) as hidden:
        contact.check(elsewhere.ref, Means(how=How.DIRECT, emergency=True, reason="r"), worker)
    assert hidden.value.code == "unknown"


def test_a_path_that_forgets_the_check_is_a_programming_error_and_writes_nothing(worker: Any, person: Any) -> None:
    relative = helpers.relative(worker, person, ContactRule.EMERGENCY)

    @contact.path("tests.forgetful", target=lambda user, relative: relative.ref)
    def do_forget(user: Any, relative: Relative) -> ContactMade:
        return ContactMade.objects.create(
            person=relative.person, relative=relative, how=How.DIRECT, on=date.today(), made_by=user
        )

    try:
        with pytest.raises(ContactPathError):
            do_forget(worker, relative)
        assert not ContactMade.objects.exists()
    finally:
        contact._paths.pop("tests.forgetful")


def test_a_path_that_checks_another_target_is_a_programming_error(worker: Any, person: Any) -> None:
    """Checking a relative one may reach does not let an action write a contact for another."""
    allowed = helpers.relative(worker, person, ContactRule.EMERGENCY)
    protected = helpers.relative(worker, person, ContactRule.NEVER)

    @contact.path("tests.swapped", target=lambda user, relative: relative.ref)
    def do_swap(user: Any, relative: Relative) -> ContactMade:
        contact.check(allowed.ref, Means(how=How.DIRECT, emergency=True, reason="r"), user)
        return ContactMade.objects.create(
            person=relative.person, relative=relative, how=How.DIRECT, on=date.today(), made_by=user
        )

    try:
        with pytest.raises(ContactPathError):
            do_swap(worker, protected)
        assert not ContactMade.objects.filter(relative=protected).exists()
    finally:
        contact._paths.pop("tests.swapped")


def test_refusals_are_in_the_users_language() -> None:
    from django.utils import translation

    with translation.override("my"):
        burmese = ContactRefused("never").message
    with translation.override("en"):
        english = ContactRefused("never").message
    assert english.startswith("This relative's rule") and burmese != english
    assert any("\u1000" <= char <= "\u109f" for char in burmese)
