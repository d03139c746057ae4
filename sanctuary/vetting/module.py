"""Vetting, as the core sees it: access modules, navigation, dashboard, the person page's
button, the timeline, the merge step, demo data, and the two rules it lends the core (the
admission rule and the watch list)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import sees_all_people
from sanctuary.lib.stages import (
    Access,
    Choice,
    DashboardCard,
    MergeStep,
    NavEntry,
    PersonPanel,
    Stage,
    TimelineKind,
    TimelineMessage,
    register,
)
from sanctuary.people import admission, timeline, watch
from sanctuary.people.actions import do_change_status
from sanctuary.people.models import Person, Status
from sanctuary.vetting import rules
from sanctuary.vetting.models import (
    VETTING,
    CheckOutcome,
    CheckResult,
    DecisionState,
    FlagKind,
    Outcome,
    Referee,
    RiskFlag,
    VettingDecision,
    VettingNote,
    WatchAlert,
)
from sanctuary.vetting.watch import VettingWatchList

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.accounts.models import User
    from sanctuary.people.merge import Merge

VETTING_CONFIG = "vetting_config"

admission.register(
    admission.AdmissionRule(
        block=rules.admission_block, admissible=rules.admissible, must_room_alone=rules.must_room_alone
    )
)
watch.register(VettingWatchList())


def attention(user: User) -> int:
    """Decisions waiting for this officer's second opinion, and open watch-list alerts."""
    waiting = VettingDecision.objects.filter(state=DecisionState.PENDING).exclude(proposed_by=user)
    if not sees_all_people(user):
        waiting = waiting.filter(person__in=Person.objects.visible_to(user))
    return waiting.count() + WatchAlert.objects.visible_to(user, open_only=True).count()


def _card(request: HttpRequest) -> dict[str, Any]:
    return {"attention": attention(request.user)}  # type: ignore[arg-type]


def _person_button(request: HttpRequest, person: Person) -> dict[str, Any]:
    return {"person": person}


# --- Merge: decisions are kept, and the stricter outcome wins -----------------------------

# The more a check's outcome says against someone, the stricter it is.
_CHECK_STRICTNESS = {
    CheckOutcome.NOT_APPLICABLE: 0,
    CheckOutcome.CONFIRMED: 0,
    CheckOutcome.NOT_CONFIRMED: 1,
    CheckOutcome.CONCERN: 2,
}


def _check_merge(merge: Merge) -> list[str]:
    pending = VettingDecision.objects.filter(
        person__in=[merge.primary, merge.secondary], state=DecisionState.PENDING
    ).values_list("person__case_code", flat=True)
    codes = sorted(pending)
    if len(codes) > 1:
        return [
            str(_("both records have a vetting decision waiting (%(codes)s): confirm or withdraw one"))
            % {"codes": ", ".join(codes)}
        ]
    return []


def _stricter_checks(primary: Person, secondary: Person) -> tuple[int, list[int]]:
    """How many of the folded record's check results say more against the person than the
    kept record's result for the same check, and the folded results with no counterpart."""
    kept = {r.check_item_id: r.outcome for r in CheckResult.objects.filter(person=primary)}
    stricter, unmatched = 0, []
    for pk, item, outcome in CheckResult.objects.filter(person=secondary).values_list("pk", "check_item_id", "outcome"):
        mine = kept.get(item)
        if mine is None:
            unmatched.append(pk)
        elif _CHECK_STRICTNESS[CheckOutcome(outcome)] > _CHECK_STRICTNESS[CheckOutcome(mine)]:
            stricter += 1
    return stricter, unmatched


def _disagreement(primary: Person, secondary: Person) -> tuple[set[str], int, bool, bool, list[int]]:
    """What the two records' vetting says together: the outcomes, the stricter checks,
    whether the latest outcomes differ, whether the merged record must be rejected, and the
    folded record's check results the kept record has no result for.
    Any difference counts, "never vetted" against "accepted" too: an acceptance of one
    record is not one of the other identity."""
    latest = (rules.latest_outcome(primary), rules.latest_outcome(secondary))
    outcomes = {o for o in latest if o}
    stricter, unmatched = _stricter_checks(primary, secondary)
    reject = Outcome.REJECTED in outcomes and primary.status != Status.REJECTED
    return outcomes, stricter, latest[0] != latest[1], reject, unmatched


def _warn_merge(merge: Merge) -> list[str]:
    """Said before a merge is confirmed: what it will do to the person's admission."""
    outcomes, stricter, differ, reject, _unmatched = _disagreement(merge.primary, merge.secondary)
    labels = sorted(str(Outcome(o).label) for o in outcomes)
    if differ and len(outcomes) < 2:
        labels.append(str(_("never vetted")))
    warnings = []
    if reject:
        warnings.append(str(_("One of the records was rejected at vetting: the merged record will be rejected.")))
    if differ or stricter:
        warnings.append(
            str(
                _(
                    "The records were vetted differently (%(said)s): the merged record cannot be housed or paid "
                    "until two vetting officers have vetted it again."
                )
            )
            % {"said": ", ".join(labels)}
        )
    return warnings


def _merge(merge: Merge) -> None:
    primary, secondary = merge.primary, merge.secondary
    outcomes, stricter_checks, differ, reject, unmatched = _disagreement(primary, secondary)
    # A proposal about the folded record was about that identity: it lapses with it.
    VettingDecision.objects.filter(person=secondary, state=DecisionState.PENDING).update(state=DecisionState.WITHDRAWN)
    for model in (Referee, RiskFlag, VettingNote, VettingDecision):
        merge.move(model.objects.all())
    # One result per check and person: the merged record keeps its own; a result of the other
    # record for the same check stays with that record, as history. When that one says more
    # against the person, the records disagree (below).
    merge.move(CheckResult.objects.filter(pk__in=unmatched))
    _merge_alerts(merge)
    if differ or stricter_checks or reject:
        _stricter_wins(merge, outcomes, stricter_checks, differ=differ)


def _merge_alerts(merge: Merge) -> None:
    """Watch-list alerts follow the person; one that would now be about the merged record
    itself, or repeat another, is marked looked at and stays where it was."""
    primary, secondary = merge.primary, merge.secondary
    for alert in WatchAlert.objects.filter(Q(watched=secondary) | Q(person=secondary)):
        watched = primary.pk if alert.watched_id == secondary.pk else alert.watched_id
        person = primary.pk if alert.person_id == secondary.pk else alert.person_id
        same: dict[str, Any] = {"watched_id": watched, "person_id": person, "submission": alert.submission}
        clash = WatchAlert.objects.filter(**same)
        if watched == person or clash.exclude(pk=alert.pk).exists():
            if alert.resolved_at is None:
                alert.resolved_at, alert.resolved_by = timezone.now(), merge.user
                alert.save(update_fields=["resolved_at", "resolved_by"])
            continue
        WatchAlert.objects.filter(pk=alert.pk).update(watched_id=watched, person_id=person)


def _stricter_wins(merge: Merge, outcomes: set[str], stricter_checks: int, *, differ: bool) -> None:
    """The two records were vetted differently: the merged record is rejected if either was,
    and blocked until two officers have vetted it again (a "merged" flag, which takes two
    officers to clear like any flag)."""
    primary = merge.primary
    said = ", ".join(sorted(str(Outcome(o).label) for o in outcomes)) or "—"
    if Outcome.REJECTED in outcomes and primary.status != Status.REJECTED:
        rejected = timeline.message("vetting.merge_rejected")
        do_change_status(merge.user, primary, Status.REJECTED, kind="vetting", by_decision=True, message=rejected)
        primary.refresh_from_db(fields=["status"])
    if differ or stricter_checks:
        RiskFlag.objects.create(
            person=primary,
            kind=FlagKind.MERGED,
            reason=f"{merge.secondary.case_code}: {said}; checks: {stricter_checks}",
            raised_by=merge.user,
        )
    merge.note("vetting.merge_stricter", said=sorted(outcomes))


# --- Demo: people past vetting were accepted or rejected by two officers ---------------------

_ACCEPTED_BEFORE = {
    Status.ACCEPTED,
    Status.IN_TRANSIT,
    Status.ARRIVED,
    Status.IN_SHELTER,
    Status.INDEPENDENT,
    Status.RESETTLED,
    Status.LOST_CONTACT,
    Status.CAPTURED,
}


def _demo(demo: Any) -> None:
    first, second = demo.users.get("vetting"), demo.users.get("vetting2")
    if first is None or second is None:
        return
    decisions = [
        VettingDecision(
            person=person,
            outcome=Outcome.REJECTED if person.status == Status.REJECTED else Outcome.ACCEPTED,
            state=DecisionState.CONFIRMED,
            proposed_by=first,
            proposed_reason="demo",
            proposed_at=person.status_changed_at,
            second_by=second,
            second_reason="demo",
            second_at=person.status_changed_at,
        )
        for person in demo.new_people
        if person.status in _ACCEPTED_BEFORE or person.status == Status.REJECTED
    ]
    VettingDecision.objects.bulk_create(decisions, batch_size=1000)


# What vetting's steps say on the person timeline (the status they moved between is shown
# with them). The merge's sentence is the one merges wrote as a note before messages.
TIMELINE_MESSAGES = (
    TimelineMessage("vetting.decided", _("Proposed by one vetting officer and confirmed by another")),
    TimelineMessage("vetting.merge_rejected", _("One of the merged records was rejected at vetting")),
    TimelineMessage(
        "vetting.merge_stricter",
        _("Vetting differed between the records (%(said)s): the stricter outcome holds."),
        {"said": Choice(Outcome, many=True)},
    ),
)


# Audit codes of vetting that are no field, in words.
AUDIT_LABELS = {
    "vetting.riskflag.clear_requested": _("clearing asked"),
    "vetting.riskflag.cleared": _("cleared"),
    "vetting.watchalert.resolved": _("looked at"),
    "people.person.vetting": _("vetting record"),  # a person's vetting page, viewed
    "vetting:queue": _("vetting queue"),
}


register(
    Stage(
        app="vetting",
        audit_labels=AUDIT_LABELS,
        access=(
            Access(VETTING, _("Checklists, referees, proofs, risk flags, four-eyes decisions, watch-list alerts")),
            Access(VETTING_CONFIG, _("The organisation's vetting checklist")),
        ),
        nav=(NavEntry(url="vetting:queue", label=_("Vetting"), module=VETTING, badge=attention, order=30),),
        dashboard=(DashboardCard(template="vetting/_dashboard.html", context=_card, module=VETTING, order=25),),
        person_panels=(
            PersonPanel(
                template="vetting/_person_button.html",
                context=_person_button,
                module=VETTING,
                place="actions",
                order=10,
            ),
        ),
        timeline=(TimelineKind("vetting", _("Vetting decision")),),
        timeline_messages=TIMELINE_MESSAGES,
        merge=MergeStep(
            models=(
                "vetting.CheckResult",
                "vetting.Referee",
                "vetting.RiskFlag",
                "vetting.VettingNote",
                "vetting.VettingDecision",
                "vetting.WatchAlert",
            ),
            check=_check_merge,
            warn=_warn_merge,
            apply=_merge,
        ),
        demo=_demo,
        demo_order=10,
    )
)
