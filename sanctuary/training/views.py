"""Training screens: courses, cohorts and their sessions, applications, selection with a
second person, attendance on a phone, graduation, follow-ups, alerts and the settings.

Views are thin: they fetch through ``visible_to``, validate a form and call one ``do_*``
action; a refusal is shown in the user's language with what they typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import can_use, module_required
from sanctuary.audit.lists import audit_shown, ids_of
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.bounds import COHORT
from sanctuary.people.admission import NotAdmissible
from sanctuary.people.reach import person_or_404
from sanctuary.training import actions
from sanctuary.training.actions import TrainingError
from sanctuary.training.forms import (
    AddSessionForm,
    ApplyForm,
    AssessmentForm,
    CancelForm,
    CohortEditForm,
    CohortForm,
    CourseForm,
    ExcuseForm,
    FollowUpForm,
    SessionForm,
    SettingsForm,
    StatusFormSet,
    WithdrawForm,
)
from sanctuary.training.models import (
    TAKING_PART,
    TRAINING,
    TRAINING_APPLY,
    TRAINING_CONFIG,
    Alert,
    Application,
    AppState,
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    Certificate,
    Cohort,
    CohortState,
    Course,
    FollowUp,
    Graduation,
    Selection,
    Session,
    StatusSet,
    TrainingSettings,
)

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

F = Callable[..., HttpResponse]


def either_required(view: F) -> F:
    """Trainers and case workers (who apply, excuse and follow up for their people)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (can_use(request.user, TRAINING) or can_use(request.user, TRAINING_APPLY)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _cohort(request: HttpRequest, pk: int) -> Cohort:
    return get_object_or_404(Cohort.objects.visible_to(request.user).select_related("course", "trainer"), pk=pk)  # type: ignore[arg-type]


def _application(request: HttpRequest, pk: int, *, roll_call: bool = False) -> Application:
    """An application the user may see through their teams, or (``roll_call``) also one of a
    cohort they teach: names, marks and assessments only."""
    found = Application.objects.roll_call if roll_call else Application.objects.visible_to
    return get_object_or_404(found(request.user).select_related("person", "cohort__course"), pk=pk)  # type: ignore[arg-type]


def _status(form: Any) -> int:
    """A form shown again after a POST was refused or invalid: 400, with everything typed."""
    return 400 if form.is_bound else 200


def _refused(request: HttpRequest, error: Exception) -> None:
    messages.error(request, getattr(error, "message", str(error)))


# --- Cohorts and courses --------------------------------------------------------------------------


@require_GET
@module_required(TRAINING)
def cohorts(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    rows = (
        Cohort.objects.visible_to(request.user)  # type: ignore[arg-type]
        .select_related("course", "trainer")
        .annotate(
            seated=Count("applications", filter=Q(applications__state__in=TAKING_PART)),
            applied=Count("applications", filter=Q(applications__state=AppState.APPLIED)),
            waiting=Count("applications", filter=Q(applications__state=AppState.WAITLISTED)),
        )
    )
    if state in CohortState.values:
        rows = rows.filter(state=state)
    else:
        rows = rows.exclude(state__in=(CohortState.GRADUATED, CohortState.CANCELLED))
    return render(
        request,
        "training/cohorts.html",
        {
            "cohorts": rows,
            "state": state,
            "states": CohortState.choices,
            "today": timezone.localdate(),
            "can_configure": can_use(request.user, TRAINING_CONFIG),
        },
    )


@require_GET
@module_required(TRAINING)
def courses(request: HttpRequest) -> HttpResponse:
    rows = Course.objects.visible_to(request.user).annotate(n=Count("cohorts"))  # type: ignore[arg-type]
    return render(request, "training/courses.html", {"courses": rows})


@require_http_methods(["GET", "POST"])
@module_required(TRAINING)
def course_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    course = get_object_or_404(Course.objects.visible_to(request.user), pk=pk) if pk else Course()  # type: ignore[arg-type]
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.do_save_course(
                request.user,  # type: ignore[arg-type]
                form.save(commit=False),
                form.cleaned_data.get("prerequisite_list"),
            )
        except TrainingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Course saved."))
            return redirect("training:cohort_new_for", saved.pk) if pk is None else redirect("training:courses")
    return render(request, "training/course_form.html", {"form": form, "course": course}, status=_status(form))


@require_http_methods(["GET", "POST"])
@module_required(TRAINING)
def cohort_new(request: HttpRequest, course_pk: int) -> HttpResponse:
    course = get_object_or_404(Course.objects.visible_to(request.user), pk=course_pk)  # type: ignore[arg-type]
    form = _without_trainer(
        request, CohortForm(request.POST or None, initial={"seats": course.seats, "start": timezone.localdate()})
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cohort = actions.do_create_cohort(
                request.user,  # type: ignore[arg-type]
                course,
                data["start"],
                seats=data["seats"],
                trainer=data.get("trainer"),
                label=data["label"],
            )
        except TrainingError as error:
            form.add_error(None, error.message)
        else:
            return redirect("training:cohort", cohort.pk)
    return render(request, "training/cohort_new.html", {"form": form, "course": course}, status=_status(form))


@require_GET
@module_required(TRAINING)
def cohort(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = _cohort(request, pk)
    visible = Application.objects.roll_call(user).filter(cohort=found).select_related("person")
    seated = list(visible.filter(state__in=TAKING_PART).order_by("person__case_code"))
    shares = actions.attendance_share([a.pk for a in seated])
    for app in seated:
        done, total = shares.get(app.pk, (0, 0))
        app.share = round(done * 100 / total) if total else None  # type: ignore[attr-defined]
    all_apps = Application.objects.filter(cohort=found)
    today = timezone.localdate()
    sessions = Session.objects.filter(cohort=found)
    next_day = sessions.filter(cancelled=False, day__lte=today).order_by("-day").values_list("day", flat=True).first()
    applied = list(visible.filter(state=AppState.APPLIED).order_by("applied_at", "id"))
    waiting = list(visible.filter(state=AppState.WAITLISTED).order_by("applied_at", "id"))
    audit_shown(request, [*ids_of(seated), *ids_of(applied), *ids_of(waiting)])
    context = {
        "cohort": found,
        "seated": seated,
        "applied": applied,
        "waiting": waiting,
        "counts": all_apps.aggregate(
            seated=Count("id", filter=Q(state__in=TAKING_PART)),
            applied=Count("id", filter=Q(state=AppState.APPLIED)),
            waiting=Count("id", filter=Q(state=AppState.WAITLISTED)),
        ),
        "hidden": all_apps.exclude(state=AppState.WITHDRAWN).count()
        - visible.exclude(state=AppState.WITHDRAWN).count(),
        "sessions_held": sessions.filter(cancelled=False, day__lte=today).count(),
        "sessions_total": sessions.filter(cancelled=False).count(),
        "attendance_day": next_day,
        "selection": found.selections.filter(state=Selection.State.PROPOSED).first(),
        "confirmed": found.selections.filter(state=Selection.State.CONFIRMED).exists(),
        "graduation": found.graduations.filter(state=Graduation.State.PROPOSED).first(),
        "edit_form": _without_trainer(
            request, CohortEditForm(initial={"seats": found.seats, "trainer": found.trainer_id, "label": found.label})
        ),
        "cancel_form": CancelForm(),
        "next_states": _next_states(found),
    }
    return render(request, "training/cohort.html", context)


def _without_trainer(request: HttpRequest, form: Any) -> Any:
    """Only directors name a cohort's trainer (it shows the trainer the cohort's names)."""
    if not can_use(request.user, TRAINING_CONFIG):
        del form.fields["trainer"]
    return form


def _next_states(cohort: Cohort) -> list[tuple[str, Any]]:
    allowed = actions._TRANSITIONS.get(CohortState(cohort.state), set())
    order = [CohortState.ENROLLING, CohortState.RUNNING, CohortState.DRAFT]
    return [(state.value, state.label) for state in order if state in allowed]


@require_POST
@module_required(TRAINING)
def cohort_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = _cohort(request, pk)
    form = _without_trainer(request, CohortEditForm(request.POST))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_update_cohort(
                request.user,  # type: ignore[arg-type]
                found,
                seats=data["seats"],
                trainer=data["trainer"] if "trainer" in form.fields else found.trainer,
                label=data["label"],
            )
        except TrainingError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Cohort saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("training:cohort", found.pk)


@require_POST
@module_required(TRAINING)
def cohort_state(request: HttpRequest, pk: int) -> HttpResponse:
    found = _cohort(request, pk)
    state = request.POST.get("state", "")
    reason = ""
    if state == CohortState.CANCELLED:
        form = CancelForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say why the cohort is cancelled."))
            return redirect("training:cohort", found.pk)
        reason = form.cleaned_data["reason"]
    try:
        actions.do_set_cohort_state(request.user, found, state, reason)  # type: ignore[arg-type]
    except TrainingError as error:
        _refused(request, error)
    return redirect("training:cohort", found.pk)


@require_POST
@module_required(TRAINING)
def end_group(request: HttpRequest, pk: int) -> HttpResponse:
    found = _cohort(request, pk)
    try:
        actions.do_end_group(request.user, found)  # type: ignore[arg-type]
    except TrainingError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The group has ended."))
    return redirect("training:cohort", found.pk)


# --- Sessions ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@module_required(TRAINING)
def sessions(request: HttpRequest, pk: int) -> HttpResponse:
    found = _cohort(request, pk)
    form = AddSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_session(request.user, found, form.cleaned_data["day"], form.cleaned_data["topic"])  # type: ignore[arg-type]
        except TrainingError as error:
            form.add_error("day", error.message)
        else:
            messages.success(request, _("Session added."))
            return redirect("training:sessions", found.pk)
    rows = Session.objects.filter(cohort=found).annotate(marked=Count("marks")).order_by("day")
    return render(
        request,
        "training/sessions.html",
        {"cohort": found, "sessions": rows, "form": form, "today": timezone.localdate()},
        status=_status(form),
    )


@require_POST
@module_required(TRAINING)
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session.objects.visible_to(request.user).select_related("cohort"), pk=pk)  # type: ignore[arg-type]
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            actions.do_edit_session(request.user, session, **form.cleaned_data)  # type: ignore[arg-type]
        except TrainingError as error:
            _refused(request, error)
    return redirect("training:sessions", session.cohort_id)


# --- Applications -----------------------------------------------------------------------------------


def _open_cohorts(user: User) -> Any:
    return (
        Cohort.objects.visible_to(user)
        .filter(
            Q(state=CohortState.ENROLLING) | Q(state=CohortState.RUNNING, course__kind="civic"),
        )
        .select_related("course")
        .order_by("start")
    )


@require_http_methods(["GET", "POST"])
@either_required
def apply(request: HttpRequest, person_pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    person = person_or_404(user, person_pk, merged_into__isnull=True)
    form = ApplyForm(request.POST or None, cohorts=_open_cohorts(user), initial={"cohort": request.GET.get("cohort")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = actions.do_apply(
                user, person, data["cohort"], data["reason"], asked_by_person=data["asked_by_person"]
            )
        except (TrainingError, NotAdmissible) as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Application saved: %(state)s.") % {"state": application.get_state_display()})
            return redirect("training:application", application.pk)
    return render(request, "training/apply.html", {"form": form, "person": person}, status=_status(form))


@require_GET
@either_required
def application(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    app = _application(request, pk, roll_call=True)
    # Through the teams: the whole page. Only as the cohort's trainer: the roll call part.
    record_view = Application.objects.visible_to(user).filter(pk=app.pk).exists()
    record(user, Action.VIEW, app, fields=["application"] if record_view else ["roll_call"])
    marks = list(
        Attendance.objects.filter(application=app).select_related("session", "status").order_by("-session__day")
    )
    changes: dict[int, list[AttendanceChange]] = {}
    for change in AttendanceChange.objects.filter(attendance__application=app).select_related(
        "old_status", "new_status", "changed_by"
    ):
        changes.setdefault(change.attendance_id, []).append(change)
    for mark in marks:
        mark.history = changes.get(mark.pk, [])  # type: ignore[attr-defined]
    done, total = actions.attendance_share([app.pk]).get(app.pk, (0, 0))
    trainer = can_use(user, TRAINING)
    certificates = list(Certificate.objects.filter(application=app))
    context = {
        "application": app,
        "marks": marks,
        "share": round(done * 100 / total) if total else None,
        "excuses": app.excuses.all(),
        "assessments": app.assessments.all(),
        "criteria": app.cohort.course.criteria_lines(),
        "follow_ups": app.follow_ups.all(),
        # One form at a time: the earliest follow-up not recorded yet.
        "next_follow_up": app.follow_ups.filter(outcome="").values_list("pk", flat=True).first(),
        "alerts": app.alerts.filter(resolved_at__isnull=True),
        "certificates": certificates,
        "can_issue": trainer
        and app.state == AppState.GRADUATED
        and not any(c.revoked_at is None for c in certificates),
        "trainer": trainer,
        "withdraw_form": WithdrawForm(),
        "excuse_form": ExcuseForm(),
        "assessment_form": AssessmentForm(),
        "follow_up_form": FollowUpForm(),
        "active": record_view and app.state in (AppState.APPLIED, AppState.SEATED, AppState.WAITLISTED),
        "record_view": record_view,
    }
    return render(request, "training/application.html", context)


@require_POST
@either_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the person withdraws."))
        return redirect("training:application", app.pk)
    try:
        promoted = actions.do_withdraw(request.user, app, form.cleaned_data["reason"])  # type: ignore[arg-type]
    except TrainingError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Withdrawn."))
        if promoted:
            messages.info(request, _("The seat went to the first person on the waitlist; their case worker is told."))
    return redirect("training:application", app.pk)


@require_POST
@either_required
def excuse(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application(request, pk)
    form = ExcuseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_excuse(request.user, app, data["first_day"], data["last_day"], data["reason"])  # type: ignore[arg-type]
        except TrainingError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Absence excused."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("training:application", app.pk)


@require_POST
@module_required(TRAINING)
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application(request, pk, roll_call=True)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_record_assessment(request.user, app, data["name"], data["passed"], data["kind"])  # type: ignore[arg-type]
        except TrainingError as error:
            _refused(request, error)
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("training:application", app.pk)


@require_POST
@either_required
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(FollowUp.objects.visible_to(request.user).select_related("application"), pk=pk)  # type: ignore[arg-type]
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_follow_up(request.user, found, form.cleaned_data["outcome"], form.cleaned_data["note"])  # type: ignore[arg-type]
        except TrainingError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Follow-up recorded."))
    return redirect("training:application", found.application_id)


@require_GET
@either_required
def alerts(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    rows = (
        Alert.objects.visible_to(user)
        .filter(resolved_at__isnull=True)
        .select_related("application__person", "application__cohort__course")
    )
    due = (
        FollowUp.objects.visible_to(user)
        .filter(outcome="", due__lte=timezone.localdate() + timedelta(days=14))
        .select_related("application__person", "application__cohort__course")
    )
    rows, due = list(rows), list(due)
    audit_shown(request, [*ids_of(rows, "application.person_id"), *ids_of(due, "application.person_id")])
    return render(request, "training/alerts.html", {"alerts": rows, "follow_ups": due})


@require_POST
@either_required
def resolve_alert(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(Alert.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    try:
        actions.do_resolve_alert(request.user, alert)  # type: ignore[arg-type]
    except TrainingError as error:
        _refused(request, error)
    return redirect("training:alerts")


# --- Selection ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@module_required(TRAINING)
def selection(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = _cohort(request, pk)
    if request.method == "POST":
        try:
            actions.do_propose_selection(user, found)
        except TrainingError as error:
            _refused(request, error)
        else:
            messages.success(request, _("List proposed: a second person confirms it."))
        return redirect("training:selection", found.pk)
    pending = found.selections.filter(state=Selection.State.PROPOSED).select_related("proposed_by").first()
    if pending is not None:
        rows = pending.ranking
    else:
        rows = [r.as_row() | {"terms": r.terms} for r in actions.rank(found)] if not found.is_group else []
    apps = {
        a.pk: a
        for a in Application.objects.roll_call(user).filter(pk__in=[r["app"] for r in rows]).select_related("person")
    }
    rules = TrainingSettings.current()
    table = []
    for n, row in enumerate(rows, start=1):
        table.append({"n": n, "row": row, "application": apps.get(row["app"])})
    audit_shown(request, ids_of(table, lambda t: t["application"] and t["application"].person_id))
    return render(
        request,
        "training/selection.html",
        {
            "cohort": found,
            "table": table,
            "pending": pending,
            "rules": rules,
            "free": max(found.seats - actions._seated(found), 0),
        },
    )


@require_POST
@module_required(TRAINING)
def selection_decide(request: HttpRequest, pk: int, answer: str) -> HttpResponse:
    return _decide(
        request,
        Selection,
        pk,
        answer,
        {
            "confirm": (
                actions.do_confirm_selection,
                _("List confirmed: seats given, the others are on the waitlist."),
            ),
            "decline": (actions.do_decline_selection, ""),
        },
    )


def _decide(request: HttpRequest, model: type[Any], pk: int, answer: str, answers: dict[str, Any]) -> HttpResponse:
    """The second person's answer to a pending list (or its proposer withdrawing it)."""
    found = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    if answer not in answers:
        raise Http404
    action, done = answers[answer]
    try:
        action(request.user, found)
    except TrainingError as error:
        _refused(request, error)
    else:
        if done:
            messages.success(request, done)
    return redirect("training:cohort", found.cohort_id)


# --- Attendance -------------------------------------------------------------------------------------


def _day(value: str) -> date:
    try:
        day = parse_date(value)
    except ValueError:  # well formed, but no such day (2025-02-30)
        day = None
    if day is None or not COHORT.holds(day):  # no session can be on 9999-12-31
        raise Http404
    return day


@require_http_methods(["GET", "POST"])
@module_required(TRAINING)
def attendance(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    """One session on one screen: a row per person, one tap per status, one save."""
    user: User = request.user  # type: ignore[assignment]
    found = _cohort(request, pk)
    when = _day(day)
    sessions_qs = Session.objects.filter(cohort=found, cancelled=False).order_by("day")
    previous = sessions_qs.filter(day__lt=when).values_list("day", flat=True).last()
    following = sessions_qs.filter(day__gt=when, day__lte=timezone.localdate()).values_list("day", flat=True).first()
    try:
        session = actions.session_on(found, when)
    except TrainingError as error:
        return render(
            request,
            "training/attendance.html",
            {"cohort": found, "day": when, "refusal": error.message, "previous": previous, "following": following},
            status=404 if error.code == "no_session" else 409,
        )
    statuses = list(AttendanceStatus.objects.filter(status_set=StatusSet.current()))
    people = list(
        Application.objects.roll_call(user)
        .filter(cohort=found, state__in=TAKING_PART)
        .select_related("person")
        .order_by("person__case_code")
    )
    errors = []
    if request.method == "POST":
        marks: dict[int, int] = {}
        for app in people:
            value = request.POST.get(f"m{app.pk}", "")
            if value.isdigit():
                marks[app.pk] = int(value)
            else:
                errors.append(app.pk)
        if not errors:
            try:
                counts = actions.do_take_attendance(user, session, marks)
            except TrainingError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("Attendance saved: %(new)s new, %(changed)s corrected.")
                    % {"new": counts["new"], "changed": counts["changed"]},
                )
                return redirect("training:attendance", found.pk, when.isoformat())
        else:
            messages.error(request, _("Choose a status for everyone (marked in red)."))
    existing = {m.application_id: m.status for m in Attendance.objects.filter(session=session).select_related("status")}
    excused = actions.excused_on([a.pk for a in people], when)
    by_code = {s.code: s for s in statuses}
    default = by_code.get("present") or (statuses[0] if statuses else None)
    rows = []
    for app in people:
        posted = request.POST.get(f"m{app.pk}", "") if request.method == "POST" else ""
        mark = existing.get(app.pk)
        if posted.isdigit():
            chosen = int(posted)
        elif mark is not None:
            # A mark taken under an older status set is shown against today's set by its code.
            current = by_code.get(mark.code)
            chosen = mark.pk if current is None or current.pk == mark.pk else current.pk
        elif app.pk in excused and "excused" in by_code:
            chosen = by_code["excused"].pk
        else:
            chosen = default.pk if default else 0
        rows.append(
            {
                "application": app,
                "chosen": chosen,
                "marked": mark,
                "excused": app.pk in excused,
                "error": app.pk in errors,
            }
        )
    audit_shown(request, ids_of(people))
    return render(
        request,
        "training/attendance.html",
        {
            "cohort": found,
            "day": when,
            "session": session,
            "statuses": statuses,
            "rows": rows,
            "saved": bool(existing),
            "previous": previous,
            "following": following,
        },
    )


# --- Graduation --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@module_required(TRAINING)
def graduation(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = _cohort(request, pk)
    if request.method == "POST":
        try:
            actions.do_propose_graduation(user, found)
        except TrainingError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Graduation list proposed: a second person approves it."))
        return redirect("training:graduation", found.pk)
    pending = found.graduations.filter(state=Graduation.State.PROPOSED).select_related("proposed_by").first()
    results: list[dict[str, Any]]
    if found.is_group:
        results = []
    else:
        results = pending.results if pending else [r.as_row() for r in actions.graduation_check(found)]
    apps = {
        a.pk: a
        for a in Application.objects.roll_call(user).filter(pk__in=[r["app"] for r in results]).select_related("person")
    }
    table = [{"row": r, "application": apps.get(r["app"])} for r in results]
    audit_shown(request, ids_of(table, lambda t: t["application"] and t["application"].person_id))
    return render(
        request,
        "training/graduation.html",
        {
            "cohort": found,
            "table": table,
            "pending": pending,
            "course": found.course,
            "passing": sum(1 for r in results if r["passes"]),
        },
    )


@require_POST
@module_required(TRAINING)
def graduation_decide(request: HttpRequest, pk: int, answer: str) -> HttpResponse:
    return _decide(
        request,
        Graduation,
        pk,
        answer,
        {
            "approve": (actions.do_approve_graduation, _("Graduation approved.")),
            "decline": (actions.do_decline_graduation, ""),
        },
    )


# --- Settings ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@module_required(TRAINING_CONFIG)
def settings_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    current = TrainingSettings.current()
    statuses = StatusSet.current().statuses.all()
    initial = [
        {
            "code": s.code,
            "label_my": s.label_my,
            "label_en": s.label_en,
            "label_th": s.label_th,
            "weight": s.weight,
            "counts": s.counts,
            "unexcused_absence": s.unexcused_absence,
        }
        for s in statuses
    ]
    form = SettingsForm(request.POST if "settings" in request.POST else None, instance=current)
    formset = StatusFormSet(request.POST if "statuses" in request.POST else None, initial=initial, prefix="s")
    if form.is_bound and form.is_valid():
        actions.do_save_settings(user, form.save(commit=False))
        messages.success(request, _("Settings saved."))
        return redirect("training:settings")
    if formset.is_bound and formset.is_valid():
        rows = [
            actions.StatusRow(**{k: v for k, v in f.cleaned_data.items() if k != "DELETE"})
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        actions.do_save_statuses(user, rows)
        messages.success(request, _("Attendance statuses saved: marks already taken keep the statuses they used."))
        return redirect("training:settings")
    return render(request, "training/settings.html", {"form": form, "formset": formset})
