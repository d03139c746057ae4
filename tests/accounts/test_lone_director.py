"""A lone director cannot satisfy a four-eyes rule with a second account of their own making.

A new account (and one reset, re-activated, or given a new role or the true-name delegation)
waits a day before any second-person step; making someone a director takes a second,
different director; every director sees what was done to accounts."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from sanctuary.accounts import actions as accounts
from sanctuary.accounts.models import AccountAlert, AccountChange, DirectorPromotion, PromotionState, Role, User
from sanctuary.accounts.policy import can_use, is_settled, require_settled
from sanctuary.lib.refusal import Refusal
from tests.access import World
from tests.conftest import verified_client
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def _build(modules: list[str], users: dict[str, User], team: Any, person: Any) -> dict[str, Any]:
    """The objects the access matrix makes for these modules (pending proposals among them)."""
    world = World(team=team, person=person, other=PersonFactory(team=team), users=users)
    for name in modules:
        world.objects.update(importlib.import_module(f"tests.{name}.access").objects(world))
    return world.objects


def _create_account(director: User, username: str, roles: list[str], team: Any, **extra: str) -> User:
    """What a director does on the staff page: a new account, with roles and a team."""
    data = {"username": username, "language": "en", "roles": roles, "teams": [team.pk], "is_active": "on", **extra}
    response = verified_client(director).post("/accounts/staff/new/", data)
    assert response.status_code == 200, response.content[:500]  # the temporary password page
    return User.objects.get(username=username)


def _settle(user: User) -> None:
    User.objects.filter(pk=user.pk).update(approver_hold_until=timezone.now() - timedelta(seconds=1))
    user.refresh_from_db()


def _make_director(proposer: User, confirmer: User, user: User) -> User:
    """Through the real promotion: proposed on the staff form, confirmed by another director."""
    client = verified_client(proposer)
    data = {
        "username": user.username,
        "language": "en",
        "roles": sorted(user.roles | {Role.DIRECTOR}),
        "teams": [t.pk for t in user.teams.all()],
        "is_active": "on",
    }
    assert client.post(f"/accounts/staff/{user.pk}/", data).status_code == 302
    promotion = DirectorPromotion.objects.get(user=user, state=PromotionState.PROPOSED)
    accounts.do_confirm_director(confirmer, promotion)
    return User.objects.get(pk=user.pk)


@dataclass(frozen=True)
class Kind:
    """One second-person step: what the matrix must build, the role the second account gets,
    and the real action the second account calls (``approve(user, objects, users)``)."""

    modules: list[str]
    roles: list[str]
    approve: Callable[[User, dict[str, Any], dict[str, User]], Any]
    extra: dict[str, str] | None = None
    director: bool = False  # the step is for directors: the account is promoted first


def _vetting_confirm(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.vetting import actions
    from sanctuary.vetting.models import VettingDecision

    return actions.do_second(u, VettingDecision.objects.get(pk=o["decision"]), True, "agree")


def _vetting_clear_flag(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.vetting import actions
    from sanctuary.vetting.models import RiskFlag

    flag = RiskFlag.objects.get(pk=o["flag"])
    if flag.clear_requested_by_id is None:
        actions.do_clear_flag(users["vetting_officer"], flag, "resolved")
    actions.do_clear_flag(u, flag, "agree")
    assert RiskFlag.objects.get(pk=flag.pk).cleared_by_id == u.pk


def _payment_run(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.stipends import actions
    from sanctuary.stipends.models import PaymentRun

    run = PaymentRun.objects.get(pk=o["payrun"])
    return actions.do_approve_run(u, run, seen=actions.run_fingerprint(run))


def _payment_line(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.stipends import actions
    from sanctuary.stipends.models import PaymentLine

    return actions.do_review_line(u, PaymentLine.objects.get(pk=o["line"]))


def _merge_confirm(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.matching import actions
    from sanctuary.matching.models import Decision, MatchReview

    review = MatchReview.objects.get(pk=o["review"])
    if review.decision != Decision.PROPOSED:
        actions.do_decide(users["vetting_officer"], review, Decision.SAME)
    actions.do_decide(u, review, Decision.SAME, seen=actions.confirmation(u, review).fingerprint)
    assert MatchReview.objects.get(pk=review.pk).decision == Decision.SAME


def _evidence_release(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.evidence import actions
    from sanctuary.evidence.models import Package

    return actions.do_release_package(u, Package.objects.get(pk=o["evidence_package"]))


def _evidence_key(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.evidence import actions
    from sanctuary.evidence.models import RecipientKey
    from sanctuary.vault import streams

    key = RecipientKey.objects.filter(confirmed_by__isnull=True, active=True).first()
    if key is None:
        recipient = RecipientKey.objects.get(pk=o["evidence_key"]).recipient
        _secret, public = streams.new_identity()
        key = actions.do_add_recipient_key(users["evidence_officer"], recipient, public, "2027")
    return actions.do_confirm_recipient_key(u, key)


def _stats_release(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.stats import actions
    from sanctuary.stats.models import Release

    return actions.do_approve_release(u, Release.objects.get(pk=o["stats_pending"]))


def _identity(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.people.identity import do_decide_identity
    from sanctuary.people.models import IdentityRequest

    return do_decide_identity(u, IdentityRequest.objects.get(pk=o["identity"]), approve=True)


def _emergency(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    """The lone director asks to open counselling notes; their new counsellor lead co-signs."""
    from sanctuary.care import actions
    from sanctuary.care.models import EmergencyAccess

    access = EmergencyAccess.objects.filter(requested_by=users["director"]).first()
    if access is None:
        access = actions.do_request_emergency(users["director"], PersonFactory(team=u.teams.get()), "urgent")
    return actions.do_answer_emergency(u, access, approve=True)


def _outreach_broadcast(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.outreach import actions
    from sanctuary.outreach.models import Send

    return actions.do_approve_send(u, Send.objects.get(pk=o["outreach_proposed"]))


def _outreach_link(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.outreach import actions
    from sanctuary.outreach.models import Reply

    reply = Reply.objects.get(pk=o["outreach_reply"])
    if reply.link_proposed_by_id is None:
        actions.do_propose_link(users["director"], reply, PersonFactory(team=u.teams.get()))
    return actions.do_confirm_link(u, reply)


def _training_selection(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.training import actions
    from sanctuary.training.models import Selection

    return actions.do_confirm_selection(u, Selection.objects.get(pk=o["selection"]))


def _training_graduation(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.training import actions
    from sanctuary.training.models import Graduation

    return actions.do_approve_graduation(u, Graduation.objects.get(pk=o["graduation"]))


def _certificate_revoke(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    from sanctuary.training import certificates
    from sanctuary.training.models import Certificate

    certificate = Certificate.objects.get(pk=o["certificate"])
    if certificate.revoke_proposed_by_id is None:
        certificates.do_propose_revoke(users["trainer"], certificate, "issued in error")
    return certificates.do_confirm_revoke(u, Certificate.objects.get(pk=certificate.pk))


def _director_promotion(u: User, o: dict[str, Any], users: dict[str, User]) -> Any:
    """A new director confirming a third account's promotion (proposed by the lone director)."""
    candidate = User.objects.filter(username="third").first() or UserFactory(username="third", roles=["trainer"])
    promotion = accounts.do_propose_director(users["director"], candidate)
    return accounts.do_confirm_director(u, promotion)


KINDS = {
    "vetting confirmation": Kind(["people", "vetting"], ["vetting_officer"], _vetting_confirm),
    "vetting flag cleared": Kind(["people", "vetting"], ["vetting_officer"], _vetting_clear_flag),
    "payment run approval": Kind(["stipends"], ["finance_officer"], _payment_run),
    "payment line review": Kind(["stipends"], ["finance_officer"], _payment_line),
    "merge confirmation": Kind(["matching"], ["vetting_officer"], _merge_confirm),
    "evidence release": Kind(["evidence"], ["evidence_officer"], _evidence_release),
    "evidence key confirmation": Kind(["evidence"], ["evidence_officer"], _evidence_key),
    "statistics release": Kind(["stats"], ["trainer"], _stats_release, director=True),
    "true-name approval": Kind(["people"], ["case_worker"], _identity, extra={"identity_approver": "on"}),
    "emergency co-sign": Kind([], ["counsellor_lead"], _emergency),
    "outreach broadcast": Kind(["outreach"], ["case_worker"], _outreach_broadcast),
    "outreach link": Kind(["outreach"], ["intake_officer"], _outreach_link),
    "training selection": Kind(["people", "vetting", "training"], ["trainer"], _training_selection),
    "training graduation": Kind(["people", "vetting", "training"], ["trainer"], _training_graduation),
    "certificate revocation": Kind(["people", "vetting", "training"], ["trainer"], _certificate_revoke),
    "director promotion": Kind([], ["trainer"], _director_promotion, director=True),
}


@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
def test_a_lone_directors_new_account_cannot_approve(kind: Kind, users_by_role, person_a, team_a) -> None:  # type: ignore[no-untyped-def]
    """The director creates a second account and it is refused, saying until when; after the
    wait the same call goes through (so the refusal was the wait, nothing else)."""
    objects = _build(kind.modules, users_by_role, team_a, person_a)
    director = users_by_role["director"]
    puppet = _create_account(director, "puppet", kind.roles, team_a, **(kind.extra or {}))
    if kind.director:
        _settle(puppet)  # even a settled account is held again once it becomes a director
        puppet = _make_director(director, UserFactory(roles=["director"]), puppet)
    assert not is_settled(puppet)
    with pytest.raises(Refusal) as refused, transaction.atomic():
        kind.approve(puppet, objects, users_by_role)
    assert refused.value.code == "on_hold"
    until = timezone.localtime(puppet.approver_hold_until)
    assert str(until.year) in refused.value.message and str(until.day) in refused.value.message
    _settle(puppet)
    kind.approve(puppet, objects, users_by_role)


def test_the_refusal_re_displays_the_page_with_the_time(users_by_role, person_a, team_a) -> None:  # type: ignore[no-untyped-def]
    """Approving through the page: the vetting page comes back with the refusal, in the
    user's language, and the decision still waits."""
    from sanctuary.vetting.models import DecisionState, VettingDecision

    objects = _build(["people", "vetting"], users_by_role, team_a, person_a)
    puppet = _create_account(users_by_role["director"], "puppet", ["vetting_officer"], team_a)
    User.objects.filter(pk=puppet.pk).update(must_change_password=False)  # as after the first login
    decision = VettingDecision.objects.get(pk=objects["decision"])
    response = verified_client(puppet).post(
        f"/vetting/{person_a.pk}/decision/{decision.pk}/confirm/", {"reason": "my careful reason"}
    )
    page = response.content.decode()
    assert "you can approve or confirm this from" in page
    assert "my careful reason" in page
    assert VettingDecision.objects.get(pk=decision.pk).state == DecisionState.PENDING


def test_resets_restart_the_wait(make_user) -> None:  # type: ignore[no-untyped-def]
    director, officer = make_user("director"), make_user("vetting_officer")
    assert is_settled(officer)
    accounts.do_reset_two_factor(director, officer)
    assert not is_settled(User.objects.get(pk=officer.pk))
    _settle(officer)
    accounts.do_reset_password(director, officer)
    assert not is_settled(User.objects.get(pk=officer.pk))
    changes = set(AccountAlert.objects.filter(user=officer).values_list("change", flat=True))
    assert changes == {AccountChange.TWO_FACTOR_RESET, AccountChange.PASSWORD_RESET}


def test_new_roles_reactivation_and_delegation_restart_the_wait(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    director, user = make_user("director"), make_user("case_worker")
    client = login(director)
    base = {"username": user.username, "language": "en", "teams": [team_a.pk], "is_active": "on"}

    def save(**data: Any) -> User:
        assert client.post(f"/accounts/staff/{user.pk}/", {**base, **data}).status_code == 302
        return User.objects.get(pk=user.pk)

    assert is_settled(save(roles=["case_worker", "auditor"]))  # the auditor approves nothing
    assert not is_settled(save(roles=["case_worker", "auditor", "finance_officer"]))
    _settle(user)
    assert is_settled(save(roles=["case_worker"], is_active=""))
    assert not is_settled(save(roles=["case_worker"]))  # active again
    _settle(user)
    assert not is_settled(save(roles=["case_worker"], identity_approver="on"))


def test_promotion_to_director_waits_for_a_different_director(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    """Giving the director role proposes it: no director powers until another director
    confirms; the proposer cannot; after confirmation the new director waits too."""
    first, second, user = make_user("director"), make_user("director"), make_user("case_worker")
    data = {"username": user.username, "language": "en", "roles": ["case_worker", "director"]}
    data |= {"teams": [team_a.pk], "is_active": "on"}
    assert login(first).post(f"/accounts/staff/{user.pk}/", data).status_code == 302
    user = User.objects.get(pk=user.pk)
    assert user.roles == {"case_worker"}
    assert not can_use(user, "staff")
    assert verified_client(user).get("/accounts/staff/").status_code == 403
    promotion = DirectorPromotion.objects.get(user=user)
    with pytest.raises(accounts.AccountRefused) as refused:
        accounts.do_confirm_director(first, promotion)
    assert refused.value.code == "promotion_own"
    with pytest.raises(accounts.AccountRefused):
        accounts.do_confirm_director(user, promotion)  # not a director, and their own
    response = login(second).post(f"/accounts/promotions/{promotion.pk}/confirm/")
    assert response.status_code == 302
    user = User.objects.get(pk=user.pk)
    assert Role.DIRECTOR in user.roles and not is_settled(user)
    with pytest.raises(Refusal):
        require_settled(user)
    assert AccountAlert.objects.filter(user=user, change=AccountChange.DIRECTOR_CONFIRMED, actor=second).exists()


def test_creating_an_account_as_director_is_a_proposal_too(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    director = make_user("director")
    data = {"username": "newboss", "language": "en", "roles": ["director"], "teams": [team_a.pk], "is_active": "on"}
    assert login(director).post("/accounts/staff/new/", data).status_code == 200
    user = User.objects.get(username="newboss")
    assert user.roles == frozenset()
    assert DirectorPromotion.objects.filter(user=user, state=PromotionState.PROPOSED, proposed_by=director).exists()


def test_the_database_refuses_a_proposer_confirming(make_user) -> None:  # type: ignore[no-untyped-def]
    director, user = make_user("director"), make_user("case_worker")
    promotion = DirectorPromotion.objects.create(user=user, proposed_by=director)
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        DirectorPromotion.objects.filter(pk=promotion.pk).update(
            state=PromotionState.CONFIRMED, confirmed_by=director, confirmed_at=now
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        DirectorPromotion.objects.filter(pk=promotion.pk).update(
            state=PromotionState.CONFIRMED, confirmed_by=user, confirmed_at=now
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        DirectorPromotion.objects.create(user=director, proposed_by=director)


def test_a_lone_director_is_told_the_way_out(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    director, user = make_user("director"), make_user("case_worker")
    accounts.do_propose_director(director, user)
    page = login(director).get("/accounts/staff/").content.decode()
    assert "There is no other director to confirm it" in page and "create_director" in page
    assert f"/accounts/promotions/{DirectorPromotion.objects.get().pk}/confirm/" not in page


def test_directors_see_account_alerts(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    """Every director sees a new account on the dashboard and the staff page: which account,
    what changed, who did it; the director who did it cannot acknowledge it away."""
    first, second = make_user("director", username="boss"), make_user("director", username="deputy")
    _create_account(first, "puppet", ["finance_officer"], team_a)
    alert = AccountAlert.objects.get(change=AccountChange.CREATED)
    for viewer in (first, second):
        for url in ("/", "/accounts/staff/"):
            page = login(viewer).get(url).content.decode()
            assert "puppet" in page and "Account created" in page and "Finance officer" in page and "boss" in page
    with pytest.raises(accounts.AccountRefused):
        accounts.do_acknowledge_alert(first, alert)
    assert login(second).post(f"/accounts/account-alerts/{alert.pk}/acknowledge/").status_code == 302
    assert "Account created" not in login(first).get("/accounts/staff/").content.decode()


def test_alerts_show_for_seven_days(make_user) -> None:  # type: ignore[no-untyped-def]
    director, user = make_user("director"), make_user("case_worker")
    alert = accounts.alert_directors(director, user, AccountChange.ROLES, roles=["finance_officer"])
    assert list(AccountAlert.objects.open()) == [alert]
    AccountAlert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - timedelta(days=6, hours=23))
    assert list(AccountAlert.objects.open()) == [alert]
    AccountAlert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert not AccountAlert.objects.open().exists()


@pytest.mark.parametrize("role", ["case_worker", "vetting_officer", "auditor", "counsellor_lead"])
def test_non_directors_cannot_see_or_confirm_promotions(role, make_user, team_b) -> None:  # type: ignore[no-untyped-def]
    """Another team's staff, outsiders and the candidate: no alert, no confirm, no cancel."""
    director, candidate = make_user("director"), make_user("case_worker")
    promotion = accounts.do_propose_director(director, candidate)
    alert = AccountAlert.objects.get(user=candidate)
    for user in (make_user(role, teams=[team_b]), make_user(role), candidate):
        client: Client = verified_client(user)
        assert candidate.username not in client.get("/").content.decode()
        assert client.get("/accounts/staff/").status_code == 403
        for path in (
            f"/accounts/promotions/{promotion.pk}/confirm/",
            f"/accounts/promotions/{promotion.pk}/cancel/",
            f"/accounts/account-alerts/{alert.pk}/acknowledge/",
        ):
            assert client.post(path).status_code == 403
        with pytest.raises(accounts.AccountRefused):
            accounts.do_confirm_director(user, promotion)
    assert DirectorPromotion.objects.get(pk=promotion.pk).state == PromotionState.PROPOSED
    assert Role.DIRECTOR not in User.objects.get(pk=candidate.pk).roles
    assert AccountAlert.objects.get(pk=alert.pk).acknowledged_at is None


def test_create_director_bootstraps_the_first_and_holds_a_second(capsys) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    call_command("create_director", "first")
    first = User.objects.get(username="first")
    assert Role.DIRECTOR in first.roles and is_settled(first)
    call_command("create_director", "second")
    second = User.objects.get(username="second")
    assert Role.DIRECTOR in second.roles and not is_settled(second)
    assert AccountAlert.objects.filter(user=second, via="create_director", actor=None).exists()
