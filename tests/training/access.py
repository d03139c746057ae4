"""Access matrix: training (cohorts, attendance, selection, graduation, certificates)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from sanctuary.training import actions
from sanctuary.training.models import Alert, AlertKind, AppState, FollowUp
from sanctuary.vetting.models import DecisionState, VettingDecision
from tests.access import ALL, ORG, PUBLIC, TEAM, Url
from tests.training import helpers

TRAINING = frozenset({"director", "trainer"})
EITHER = frozenset({"director", "trainer", "case_worker"})
CONFIG = frozenset({"director"})


def _app(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["application"]}


def _cohort(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["cohort"]}


URLS = [
    Url("training:cohorts", "GET", TRAINING),
    Url("training:courses", "GET", TRAINING),
    Url("training:course_new", "GET", TRAINING),
    Url("training:course_edit", "GET", TRAINING, ORG, lambda o: {"pk": o["course"]}),
    Url("training:cohort_new_for", "GET", TRAINING, ORG, lambda o: {"course_pk": o["course"]}),
    Url("training:cohort", "GET", TRAINING, ORG, _cohort),
    Url("training:cohort_edit", "POST", TRAINING, ORG, _cohort),
    Url("training:cohort_state", "POST", TRAINING, ORG, _cohort),
    Url("training:end_group", "POST", TRAINING, ORG, _cohort),
    Url("training:sessions", "GET", TRAINING, ORG, _cohort),
    Url("training:session_edit", "POST", TRAINING, ORG, lambda o: {"pk": o["session"]}),
    Url("training:selection", "GET", TRAINING, ORG, lambda o: {"pk": o["enrolling"]}),
    Url("training:selection_decide", "POST", TRAINING, ORG, lambda o: {"pk": o["selection"], "answer": "decline"}),
    Url("training:attendance", "GET", TRAINING, ORG, lambda o: {"pk": o["cohort"], "day": o["today"]}),
    Url("training:graduation", "GET", TRAINING, ORG, _cohort),
    Url("training:graduation_decide", "POST", TRAINING, ORG, lambda o: {"pk": o["graduation"], "answer": "decline"}),
    Url("training:apply", "GET", EITHER, TEAM, lambda o: {"person_pk": o["person"].pk}),
    Url("training:application", "GET", EITHER, TEAM, _app),
    Url("training:withdraw", "POST", EITHER, TEAM, _app),
    Url("training:excuse", "POST", EITHER, TEAM, _app),
    Url("training:assessment", "POST", TRAINING, TEAM, _app),
    Url("training:certificate_issue", "POST", TRAINING, TEAM, lambda o: {"pk": o["graduate"]}),
    Url("training:certificate_pdf", "GET", TRAINING, TEAM, lambda o: {"pk": o["certificate"]}),
    Url("training:certificate_revoke", "POST", TRAINING, TEAM, lambda o: {"pk": o["certificate"]}),
    Url("training:certificate_revoke_confirm", "POST", TRAINING, TEAM, lambda o: {"pk": o["certificate"]}),
    Url("training:follow_up", "POST", EITHER, TEAM, lambda o: {"pk": o["follow_up"]}),
    Url("training:alerts", "GET", EITHER),
    Url("training:resolve_alert", "POST", EITHER, TEAM, lambda o: {"pk": o["training_alert"]}),
    Url("training:settings", "GET", CONFIG),
    Url("certificates:check", "GET", ALL, PUBLIC),
    Url("certificates:key", "GET", ALL, PUBLIC),
    Url("certificates:certificate", "GET", ALL, PUBLIC, lambda o: {"code": o["code"]}),
]


def objects(world: Any) -> dict[str, Any]:
    """A running cohort with the team's person seated (a session today, an alert), a
    graduate of another cohort with a certificate and follow-ups, and an enrolling cohort
    with a pending selection. The person was accepted by vetting's ``objects``."""
    director, trainer = world.users["director"], world.users["trainer"]
    running, (app,) = helpers.seated(director, [world.person], seats=2, days_ago=3, weekdays="0123456")
    alert = Alert.objects.create(application=app, kind=AlertKind.ABSENT, count=3)
    VettingDecision.objects.create(  # the team's other person, accepted too
        person=world.other,
        outcome="accepted",
        state=DecisionState.CONFIRMED,
        proposed_by=world.users["vetting_officer"],
        proposed_reason="r",
        second_by=director,
        second_reason="r",
        second_at=timezone.now(),
    )
    _done, (graduate,) = helpers.seated(director, [world.other], days_ago=20, name_en="Sewing")
    graduate.state = AppState.GRADUATED
    graduate.save(update_fields=["state"])
    follow_up = FollowUp.objects.create(application=graduate, months=1, due=timezone.localdate())
    certificate, code = _certificate(director, graduate)
    enrolling = helpers.cohort(director, start=timezone.localdate() + timedelta(days=5))
    actions.do_apply(director, world.person, enrolling, "reason")
    selection = actions.do_propose_selection(trainer, enrolling)
    graduation = actions.do_propose_graduation(trainer, running)
    return {
        "course": running.course_id,
        "cohort": running.pk,
        "session": running.sessions.first().pk,  # type: ignore[union-attr]
        "today": timezone.localdate().isoformat(),
        "application": app.pk,
        "training_alert": alert.pk,
        "graduate": graduate.pk,
        "follow_up": follow_up.pk,
        "certificate": certificate,
        "code": code,
        "enrolling": enrolling.pk,
        "selection": selection.pk,
        "graduation": graduation.pk,
    }


def _certificate(user: Any, graduate: Any) -> tuple[int, str]:
    from sanctuary.training import certificates

    issued = certificates.do_issue_certificate(user, graduate, name_choice="alias")
    return issued.pk, certificates.group_code(str(issued.code))
