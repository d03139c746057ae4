"""Care plans from templates, due and overdue items, services, and referrals that need consent
for their recipient at the moment they are made."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from sanctuary.care import actions
from sanctuary.care.actions import CareError
from sanctuary.care.models import CareItem, CarePlan, PlanTemplate, Referral, ReferralState
from sanctuary.consent import actions as consent_actions
from sanctuary.consent.models import Purpose
from sanctuary.consent.rules import ConsentRefused
from sanctuary.lib import bounds
from sanctuary.people.models import PersonEvent
from tests.consent import helpers
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _person(user, team):  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team)
    helpers.given(user, person, Purpose.CARE)
    return person


def test_a_plan_from_the_template_sets_due_dates_from_arrival(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = _person(user, team_a)
    template = PlanTemplate.objects.get(name_en="Arrival care plan")
    arrived = timezone.localdate() - timedelta(days=5)
    plan = actions.do_create_plan(user, person, template=template, arrived_on=arrived)
    due = {i.template_item.title_en: (i.due_on - arrived).days for i in plan.items.select_related("template_item")}
    assert due == {"Medical check": 1, "Counselling intake": 3, "Legal check": 7, "Review of the plan": 30}
    overdue = CareItem.objects.filter(plan=plan).overdue()
    assert {i.template_item.title_en for i in overdue} == {"Medical check", "Counselling intake"}
    step = PersonEvent.objects.select_related("person").get(person=person, kind="care")
    with translation.override("en"):  # what happened, said in the reader's language
        assert step.lines == ["Care plan made, with 4 steps"]
    with pytest.raises(CareError) as error:
        actions.do_create_plan(user, person, template=template, arrived_on=arrived)
    assert error.value.code == "open_plan"


def test_a_plan_needs_care_consent(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = PersonFactory(team=team_a)
    with pytest.raises(ConsentRefused) as error:
        actions.do_create_plan(user, person, template=None, arrived_on=timezone.localdate())
    assert error.value.code == "none"
    assert not CarePlan.objects.exists()


def test_done_with_a_follow_up_and_cancelled(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = _person(user, team_a)
    plan = actions.do_create_plan(user, person, template=None, arrived_on=timezone.localdate())
    clinic = helpers.partner()
    item = actions.do_add_item(
        user, plan, area="medical", service="medical", title="Dental", due_on=timezone.localdate(), provider=clinic
    )
    actions.do_complete_item(user, item, outcome="Two fillings", follow_up_on=timezone.localdate() + timedelta(days=14))
    follow = CareItem.objects.get(follow_up_of=item)
    assert follow.provider == clinic and follow.is_open
    with pytest.raises(CareError):
        actions.do_complete_item(user, item, outcome="again")
    actions.do_cancel_item(user, follow)
    actions.do_close_plan(user, plan)
    with pytest.raises(CareError) as error:
        actions.do_add_need(user, plan, area="legal", description="x", goals="", due_on=None)
    assert error.value.code == "plan_closed"


def test_referral_states(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = _person(user, team_a)
    clinic = helpers.partner()
    helpers.given(user, person, Purpose.SHARING, recipient=clinic)
    first = actions.do_refer(user, person, recipient=clinic, area="medical", shared=["alias", "medical"], summary="s")
    assert first.state == ReferralState.SENT and first.consent.recipient_id == clinic.pk
    assert first.shared_labels()
    with pytest.raises(CareError):
        actions.do_close_referral(user, first, outcome=ReferralState.DONE)  # not accepted yet
    actions.do_answer_referral(user, first, accepted=True)
    done = actions.do_close_referral(user, first, outcome=ReferralState.DONE)
    assert done.state == ReferralState.DONE and done.closed_at is not None
    second = actions.do_refer(user, person, recipient=clinic, area="medical", shared=["alias"])
    with pytest.raises(CareError) as error:
        actions.do_answer_referral(user, second, accepted=False)
    assert error.value.code == "refuse_needs_reason"
    refused = actions.do_answer_referral(user, second, accepted=False, reason="full")
    assert refused.state == ReferralState.REFUSED
    with pytest.raises(CareError):
        actions.do_close_referral(user, refused, outcome=ReferralState.WITHDRAWN)
    third = actions.do_refer(user, person, recipient=clinic, area="medical", shared=["alias"])
    assert actions.do_close_referral(user, third, outcome=ReferralState.WITHDRAWN).state == ReferralState.WITHDRAWN


def test_withdrawal_blocks_a_referral_made_a_second_later(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = _person(user, team_a)
    clinic = helpers.partner()
    record = helpers.given(user, person, Purpose.SHARING, recipient=clinic)
    open_one = actions.do_refer(user, person, recipient=clinic, area="medical", shared=["alias"])
    consent_actions.do_withdraw_consent(user, record, withdrawn_on=timezone.localdate())
    with pytest.raises(ConsentRefused) as error:
        actions.do_refer(user, person, recipient=clinic, area="medical", shared=["alias"])
    assert error.value.code == "withdrawn"
    open_one.refresh_from_db()
    assert open_one.state == ReferralState.WITHDRAWN  # at once, everywhere
    assert Referral.objects.count() == 1


def test_withdrawing_one_consent_keeps_referrals_another_still_covers(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = _person(user, team_a)
    clinic = helpers.partner()
    helpers.given(user, person, Purpose.SHARING, recipient=clinic)
    category = helpers.given(user, person, Purpose.SHARING, category="clinic")
    referral = actions.do_refer(user, person, recipient=clinic, area="medical", shared=["alias"])
    consent_actions.do_withdraw_consent(user, category, withdrawn_on=timezone.localdate())
    referral.refresh_from_db()
    assert referral.state == ReferralState.SENT  # the clinic is still named by its own consent


def test_a_named_no_beats_a_category_yes(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    """ "Any clinic, but not that one": withdrawing the named consent stops that clinic even
    though the category still covers clinics; other clinics still go through."""
    user = make_user("case_worker")
    person = _person(user, team_a)
    clinic, other = helpers.partner(), helpers.partner("River Clinic")
    helpers.given(user, person, Purpose.SHARING, category="clinic")
    named = helpers.given(user, person, Purpose.SHARING, recipient=clinic)
    referral = actions.do_refer(user, person, recipient=clinic, area="medical", shared=["alias"])
    consent_actions.do_withdraw_consent(user, named, withdrawn_on=timezone.localdate())
    referral.refresh_from_db()
    assert referral.state == ReferralState.WITHDRAWN
    with pytest.raises(ConsentRefused) as error:
        actions.do_refer(user, person, recipient=clinic, area="medical", shared=["alias"])
    assert error.value.code == "withdrawn"
    assert actions.do_refer(user, person, recipient=other, area="medical", shared=["alias"])


def test_a_later_refusal_ends_an_earlier_consent(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = _person(user, team_a)
    clinic = helpers.partner()
    helpers.given(user, person, Purpose.SHARING, recipient=clinic, days_ago=30)
    referral = actions.do_refer(user, person, recipient=clinic, area="medical", shared=["alias"])
    asked = helpers.requested(user, person, Purpose.SHARING, recipient=clinic)
    consent_actions.do_answer_consent(user, asked, consent_actions.Answer(state="refused"))
    with pytest.raises(ConsentRefused) as error:
        actions.do_refer(user, person, recipient=clinic, area="medical", shared=["alias"])
    assert error.value.code == "refused"
    referral.refresh_from_db()
    assert referral.state == ReferralState.WITHDRAWN


def test_withdrawn_care_consent_stops_further_care_writes(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = PersonFactory(team=team_a)
    record = helpers.given(user, person, Purpose.CARE)
    plan = actions.do_create_plan(user, person, template=None, arrived_on=timezone.localdate())
    consent_actions.do_withdraw_consent(user, record, withdrawn_on=timezone.localdate())
    with pytest.raises(ConsentRefused):
        actions.do_add_need(user, plan, area="medical", description="x", goals="", due_on=None)
    assert CarePlan.objects.get(pk=plan.pk).state == "open"  # what was written stays


def test_referral_refused_in_burmese_with_the_form_kept(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker", language="my")
    person = _person(user, team_a)
    clinic = helpers.partner()
    response = login(user).post(
        f"/care/person/{person.pk}/refer/",
        {"recipient": clinic.pk, "area": "medical", "shared": ["alias", "medical"], "summary": "needs a dentist"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    with translation.override("my"):
        expected = str(ConsentRefused("none", purpose=Purpose.SHARING.label, recipient=clinic.name).message)
    assert expected in page and "needs a dentist" in page
    assert not Referral.objects.exists()


def test_plan_form_future_arrival_refused_and_kept(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker", language="my")
    person = _person(user, team_a)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = login(user).post(f"/care/person/{person.pk}/plan/", {"arrived_on": future, "assessment": "sleeps badly"})
    assert response.status_code == 400
    assert "sleeps badly" in response.content.decode()
    with translation.override("my"):  # a day to come is outside the range of a day done
        assert str(bounds.MESSAGE % bounds.limits_shown(bounds.CARE_PAST)) in response.content.decode()


def test_case_worker_makes_a_plan_through_the_pages(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    person = _person(user, team_a)
    client: Client = login(user)
    template = PlanTemplate.objects.get(name_en="Arrival care plan")
    response = client.post(
        f"/care/person/{person.pk}/plan/",
        {"template": template.pk, "arrived_on": timezone.localdate().isoformat(), "assessment": "a"},
    )
    assert response.status_code == 302
    plan = CarePlan.objects.get(person=person)
    page = client.get(f"/care/plans/{plan.pk}/").content.decode()
    assert "Medical check" in page and "Review of the plan" in page
    assert client.post(f"/care/plans/{plan.pk}/needs/", {"area": "medical", "description": "tooth"}).status_code == 302
    assert plan.needs.get().description == "tooth"


def _many_items(user, team, n):  # type: ignore[no-untyped-def]
    template = PlanTemplate.objects.get(name_en="Arrival care plan")
    for _ in range(n):
        person = _person(user, team)
        actions.do_create_plan(user, person, template=template, arrived_on=timezone.localdate() - timedelta(days=40))


def test_dashboard_and_list_queries_do_not_grow(make_user, login, team_a, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    user = make_user("case_worker")
    client = login(user)
    _many_items(user, team_a, 2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for n in (2, 12):
        if n == 12:
            _many_items(user, team_a, 10)
        for path in ("/", "/care/"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            counts[(path, n)] = len(queries)
    assert counts[("/", 2)] == counts[("/", 12)]
    assert counts[("/care/", 2)] == counts[("/care/", 12)]
    with django_assert_max_num_queries(30):
        client.get("/care/")
    page = client.get("/").content.decode()
    assert 'id="care-overdue">48<' in page  # 12 people x 4 overdue items


def test_other_teams_items_are_not_counted(make_user, login, team_a, team_b) -> None:  # type: ignore[no-untyped-def]
    mine = make_user("case_worker")
    theirs = make_user("case_worker", teams=[team_b])
    _many_items(mine, team_a, 1)
    assert 'id="care-overdue">0<' in login(theirs).get("/").content.decode()
