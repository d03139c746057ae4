"""Training, as the core sees it: the access modules, navigation, the dashboard card, the
person page's training history, the timeline, the merge step, the stipend condition on
attendance and the demo's courses."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import can_use
from sanctuary.lib.stages import (
    DAY,
    Access,
    Choice,
    DashboardCard,
    MergeStep,
    NavEntry,
    Param,
    PersonPanel,
    Stage,
    TimelineKind,
    TimelineMessage,
    register,
)
from sanctuary.people import support, work
from sanctuary.people.admission import admission_block
from sanctuary.people.models import Person, Status
from sanctuary.training import stipend
from sanctuary.training.actions import TIMELINE, do_apply, do_create_cohort, do_save_course, do_set_cohort_state
from sanctuary.training.figures import FIGURES
from sanctuary.training.models import (
    ACTIVE_STATES,
    TRAINING,
    TRAINING_APPLY,
    TRAINING_CONFIG,
    Alert,
    Application,
    AppState,
    Certificate,
    Cohort,
    CohortState,
    Course,
    CourseKind,
    Excuse,
    FollowUp,
    Graduation,
    Selection,
    Trade,
)
from sanctuary.vault.fields import read_values, write_values

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.accounts.models import User
    from sanctuary.people.merge import Merge


def _waiting_for_second(user: Any) -> Any:
    """Lists (selections, graduations) someone else proposed, waiting for this user."""
    selections = Selection.objects.visible_to(user).filter(state=Selection.State.PROPOSED).exclude(proposed_by=user)
    graduations = Graduation.objects.visible_to(user).filter(state=Graduation.State.PROPOSED).exclude(proposed_by=user)
    revokes = Certificate.objects.visible_to(user).filter(revoke_proposed_by__isnull=False, revoked_at__isnull=True)
    return selections, graduations, revokes.exclude(revoke_proposed_by=user)


def _badge(user: User) -> int:
    selections, graduations, revokes = _waiting_for_second(user)
    return selections.count() + graduations.count() + revokes.count()


def _alerts_badge(user: User) -> int:
    return Alert.objects.visible_to(user).filter(resolved_at__isnull=True).count()


def _sees_training(user: Any) -> bool:
    return can_use(user, TRAINING) or can_use(user, TRAINING_APPLY)


def _card(request: HttpRequest) -> dict[str, Any] | None:
    user: Any = request.user
    if not _sees_training(user):
        return None
    selections, graduations, revokes = _waiting_for_second(user)
    return {
        "running": Cohort.objects.visible_to(user).filter(state=CohortState.RUNNING).count(),
        "enrolling": Cohort.objects.visible_to(user).filter(state=CohortState.ENROLLING).count(),
        "to_confirm": selections.count() + graduations.count() + revokes.count(),
        "alerts": Alert.objects.visible_to(user).filter(resolved_at__isnull=True).count(),
        "follow_ups": FollowUp.objects.visible_to(user).filter(outcome="", due__lte=timezone.localdate()).count(),
    }


def _panel(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    if not _sees_training(request.user):
        return None
    applications = list(
        Application.objects.visible_to(request.user)  # type: ignore[arg-type]
        .filter(person=person)
        .select_related("cohort__course")
        .order_by("-applied_at")
    )
    can_apply = admission_block(person) is None and person.merged_into_id is None
    if not applications and not can_apply:
        return None
    return {"person": person, "applications": applications, "can_apply": can_apply}


def _check_merge(merge: Merge) -> list[str]:
    """One person cannot hold two places in one cohort: withdraw one application first."""
    mine = Application.objects.filter(person=merge.primary, state__in=ACTIVE_STATES).values("cohort_id")
    clash = (
        Application.objects.filter(person=merge.secondary, state__in=ACTIVE_STATES, cohort_id__in=mine)
        .select_related("cohort__course")
        .order_by("pk")
    )
    named = ", ".join(str(app.cohort) for app in clash)
    if named:
        return [
            str(_("both records applied to the same cohort (%(cohorts)s): withdraw one first")) % {"cohorts": named}
        ]
    return []


def _merge(merge: Merge) -> None:
    """Applications follow the person, with their marks and certificates. Excuses, follow-ups
    and certificates are bound to the person of their application, so their values are
    encrypted again for the record kept."""
    children: list[Any] = []
    for model in (Excuse, FollowUp, Certificate):
        for row in model.objects.filter(application__person=merge.secondary).select_related("application"):
            children.append((row, read_values(row)))
    merge.move(Application.objects.all())
    for row, plain in children:
        row.application.person = merge.primary
        write_values(row, plain)


def _demo(demo: Any) -> None:
    """A motorcycle-repair course with a cohort taking applications, and a civic-education
    group (added once)."""
    if Course.objects.exists():
        return
    director = demo.users["director"]
    trainer = demo.users.get("trainer", director)
    course = do_save_course(
        director,
        Course(
            trade=Trade.MOTORCYCLE,
            name_my="ဆိုင်ကယ်ပြုပြင်ရေး",
            name_en="Motorcycle repair",
            name_th="ซ่อมรถจักรยานยนต์",
            description_en="Engines, brakes and electrics, six days a week.",
            description_my="အင်ဂျင်၊ ဘရိတ်နှင့် လျှပ်စစ်၊ တစ်ပတ်လျှင် ခြောက်ရက်။",
            description_th="เครื่องยนต์ เบรก และระบบไฟฟ้า สัปดาห์ละหกวัน",
            weeks=6,
            seats=10,
        ),
    )
    civic = do_save_course(
        director,
        Course(
            kind=CourseKind.CIVIC,
            trade=Trade.CIVIC,
            name_my="ဒီမိုကရေစီနှင့် လူ့အခွင့်အရေး",
            name_en="Democracy and human rights",
            name_th="ประชาธิปไตยและสิทธิมนุษยชน",
            weeks=4,
            weekdays="5",
            hours_per_session=2,
            seats=30,
            assessments_required=0,
        ),
    )
    today = timezone.localdate()
    cohort = do_create_cohort(director, course, today + timedelta(days=7), trainer=trainer, label="Demo")
    do_set_cohort_state(director, cohort, CohortState.ENROLLING)
    group = do_create_cohort(director, civic, today - timedelta(days=7), trainer=trainer)
    do_set_cohort_state(director, group, CohortState.ENROLLING)
    do_set_cohort_state(director, group, CohortState.RUNNING)
    people = Person.objects.filter(status=Status.IN_SHELTER, merged_into__isnull=True).order_by("pk")
    applied = 0
    for person in people[:60]:
        if admission_block(person) is not None:
            continue
        do_apply(director, person, cohort, "Wants a trade to work in Thailand.")
        if applied % 2 == 0:
            do_apply(director, person, group, "Civic education.")
        applied += 1
        if applied >= 14:
            break


# What training steps say on the person timeline: the course by its trade and first day (a
# code and a date, never its name), and where the application stands.
_COURSE: dict[str, Param] = {"trade": Choice(Trade), "start": DAY, "state": Choice(AppState)}
TIMELINE_MESSAGES = (
    TimelineMessage("training.applied", _("Applied for a course: %(trade)s, from %(start)s (%(state)s)"), _COURSE),
    TimelineMessage("training.withdrawn", _("Withdrew from a course: %(trade)s, from %(start)s"), _COURSE),
    TimelineMessage("training.selected", _("Selection confirmed for %(trade)s, from %(start)s: %(state)s"), _COURSE),
    TimelineMessage("training.finished", _("Course ended: %(trade)s, from %(start)s: %(state)s"), _COURSE),
    TimelineMessage("training.certificate", _("Certificate issued: %(trade)s, from %(start)s"), _COURSE),
)


# Audit codes of training that are no field, in words.
AUDIT_LABELS = {
    "training.application.application": _("application"),
    "training.application.roll_call": _("roll call"),
    "training.certificate.certificate_pdf": _("certificate file"),
    "training.certificatekey.replaced_unverified_key": _("an unverified key replaced"),
    "training.cohort.cohort": _("cohort"),
    "training.course.course": _("course"),
    "training.session.attendance": _("attendance"),
    "training.trainingsettings.settings": _("settings"),
    "people.person.certificate": _("certificate"),
    "training:alerts": _("training alerts"),
    "training:attendance": _("attendance"),
    "training:cohort": _("cohort"),
    "training:graduation": _("graduation"),
    "training:selection": _("selection"),
}


register(
    Stage(
        app="training",
        audit_labels=AUDIT_LABELS,
        figures=FIGURES,
        access=(
            Access(TRAINING, _("Courses, cohorts, attendance, selection, graduation, certificates")),
            Access(TRAINING_APPLY, _("Apply for a person to a course, excuse absences, follow-ups, training alerts")),
            Access(TRAINING_CONFIG, _("Selection criteria, attendance statuses, the name on certificates")),
        ),
        nav=(
            NavEntry(url="training:cohorts", label=_("Training"), module=TRAINING, badge=_badge, order=55),
            NavEntry(
                url="training:alerts",
                label=_("Training alerts"),
                module=TRAINING_APPLY,
                badge=_alerts_badge,
                hidden_with=TRAINING,
                order=56,
            ),
        ),
        dashboard=(DashboardCard(template="training/_dashboard.html", context=_card, order=35),),
        person_panels=(PersonPanel(template="training/_person_panel.html", context=_panel, place="cards", order=50),),
        timeline=(TimelineKind(TIMELINE, _("Training")),),
        timeline_messages=TIMELINE_MESSAGES,
        merge=MergeStep(models=("training.Application",), check=_check_merge, apply=_merge),
        demo=_demo,
        demo_order=50,
        public_paths=("/c/",),  # the certificate check: anyone with a certificate's code
        redacted_paths=("/c/",),  # …whose code never reaches a log
    )
)

support.register_condition(stipend.ATTENDANCE)


def _skills(person_ids: Any) -> dict[int, list[work.Skill]]:
    """The trades people trained in, for jobs' matching (``sanctuary.people.work``): one
    query; graduates at the level they reached on the cohort's last day."""
    levels = {
        AppState.GRADUATED: work.SkillLevel.GRADUATED,
        AppState.SEATED: work.SkillLevel.TRAINING,
        AppState.APPLIED: work.SkillLevel.APPLIED,
        AppState.WAITLISTED: work.SkillLevel.APPLIED,
        AppState.NOT_PASSED: work.SkillLevel.TRAINING,
        AppState.FINISHED: work.SkillLevel.TRAINING,
    }
    found: dict[int, list[work.Skill]] = {}
    rows = (
        Application.objects.filter(person_id__in=list(person_ids), state__in=list(levels))
        .select_related("cohort__course")
        .order_by("cohort__start")
    )
    for app in rows:
        course = app.cohort.course
        on = app.cohort.end if app.state == AppState.GRADUATED else app.cohort.start
        found.setdefault(app.person_id, []).append(work.Skill(course.trade, levels[app.state], on, course.name))
    return found


work.register_skills(_skills)
