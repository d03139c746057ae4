"""Vocational training and civic education: courses, cohorts, sessions, attendance,
selection, graduation, follow-ups and certificates.

A *course* is what is taught (a trade, or a civic-education or life-skills subject); a
*cohort* is one run of it, with seats, a trainer and sessions generated from the course's
weekly pattern. Courses of the civic kind run as *groups*: the same sessions and
attendance, members join without selection, and nobody graduates.

People reach a cohort through an :class:`Application`. Competitive cohorts rank the
applications by the organisation's criteria (:class:`TrainingSettings`), one person proposes
the list and another confirms it (:class:`Selection`); the first ``seats`` get a seat, the
others wait first come, first served. Every four-eyes rule is also a database constraint.

What is identifying is encrypted and bound to the person (reasons, notes, the certificate's
code). Dates, states and attendance marks are clear, so the attendance page stays fast and
the absence alert works while sealed: they say that case ``2026-0012`` was absent, never who
that is.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import can_use, sees_all_people
from sanctuary.people import admission
from sanctuary.people.models import Person, PersonScopedQuerySet
from sanctuary.people.work import Trade
from sanctuary.vault.fields import EncryptedModel, EncryptedQuerySet, EncryptedTextField

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

# Access modules (declared in module.py, granted in accounts.policy.STAGE_GRANTS).
TRAINING = "training"  # trainers: courses, cohorts, sessions, attendance, selection, graduation, certificates
TRAINING_APPLY = "training_apply"  # case workers: apply for their people, withdraw, excuse, follow up, alerts
TRAINING_CONFIG = "training_config"  # directors: criteria, the attendance statuses, the issuer's name


def _either(user: User) -> bool:
    return can_use(user, TRAINING) or can_use(user, TRAINING_APPLY)


class OrgQuerySet(EncryptedQuerySet):
    """Courses, cohorts, sessions and the status set: the organisation's, seen by trainers
    and by case workers (who apply to cohorts)."""

    def visible_to(self, user: User) -> Any:
        return self.all() if user.is_authenticated and _either(user) else self.none()


class TrainingQuerySet(PersonScopedQuerySet):
    """Rows about a person: trainers and case workers see those of the people they may see
    (their teams).

    ``roll_call(user)`` adds, for a trainer, the rows of the cohorts a director made them the
    trainer of, whatever the students' teams: a training centre teaches people of every team,
    and the trainer needs names, marks and assessments for the roll call, not the records.
    Reasons, excuses, follow-ups and every write about the person stay with ``visible_to``.
    """

    cohort_path: ClassVar[str] = "cohort"

    def visible_to(self, user: User) -> Any:
        if not user.is_authenticated or not _either(user):
            return self.none()
        if sees_all_people(user):
            return self.all()
        return self.filter(**{f"{self.person_path}__in": Person.objects.visible_to(user)})

    def roll_call(self, user: User) -> Any:
        if not user.is_authenticated or not _either(user):
            return self.none()
        if sees_all_people(user):
            return self.all()
        mine = Q(**{f"{self.person_path}__in": Person.objects.visible_to(user)})
        if can_use(user, TRAINING):
            mine |= Q(**{f"{self.cohort_path}__trainer": user})
        return self.filter(mine)


class ThroughApplication(TrainingQuerySet):
    person_path = "application__person"
    cohort_path = "application__cohort"


class ThroughAttendance(TrainingQuerySet):
    person_path = "attendance__application__person"
    cohort_path = "attendance__application__cohort"


# --- The organisation's settings ---------------------------------------------------------------


class TrainingSettings(models.Model):
    """One row: how applicants are ranked, when an absence streak alerts the case worker, and
    the neutral name certificates are issued under (never "defector", a unit or a place)."""

    issuer_name = models.CharField(
        _("issuer's name on certificates"),
        max_length=120,
        default="Community Skills Centre",
        help_text=_("A neutral name: a checkpoint officer who reads it must learn nothing."),
    )
    absence_alert_after = models.PositiveSmallIntegerField(
        _("alert the case worker after this many unexcused absences in a row"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    # Ranking: each applicant's score is the sum of these weights times what they measure.
    weight_waiting = models.DecimalField(
        _("points per week of waiting"), max_digits=6, decimal_places=2, default=Decimal("1.00")
    )
    weight_prior = models.DecimalField(
        _("points per course already finished"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("-3.00"),
        help_text=_("Negative: people who had no training yet come first."),
    )
    weight_stipend = models.DecimalField(
        _("points when the stipend ends within 60 days"), max_digits=6, decimal_places=2, default=Decimal("4.00")
    )
    weight_household = models.DecimalField(
        _("points per spouse or child"), max_digits=6, decimal_places=2, default=Decimal("1.00")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated on"))

    class Meta:
        verbose_name = _("training settings")
        verbose_name_plural = _("training settings")

    def __str__(self) -> str:
        return "training settings"

    @classmethod
    def current(cls) -> TrainingSettings:
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls.objects.create()


class StatusSet(models.Model):
    """A version of the attendance statuses. Editing the statuses makes a new version; a mark
    points to the status of the version in force when it was taken, so changing a weight
    later never rewrites what an old mark meant."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))

    objects = OrgQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-id"]
        verbose_name = _("set of attendance statuses")
        verbose_name_plural = _("sets of attendance statuses")

    def __str__(self) -> str:
        return f"statuses v{self.pk}"

    @classmethod
    def current(cls) -> StatusSet:
        found = cls.objects.order_by("-pk").first()
        if found is None:
            raise StatusSet.DoesNotExist("no attendance statuses (migration 0002 makes the default set)")
        return found


class AttendanceStatus(models.Model):
    status_set = models.ForeignKey(
        StatusSet, on_delete=models.PROTECT, related_name="statuses", verbose_name=_("set of statuses")
    )
    code = models.SlugField(_("code"), max_length=24)
    label_my = models.CharField(_("name in Burmese"), max_length=60)
    label_en = models.CharField(_("name in English"), max_length=60)
    label_th = models.CharField(_("name in Thai"), max_length=60)
    weight = models.DecimalField(
        _("counts as this much of a day"),
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    counts = models.BooleanField(
        _("the day counts"), default=True, help_text=_("Off for excused days: they are left out of the share.")
    )
    unexcused_absence = models.BooleanField(_("an unexcused absence"), default=False)
    order = models.PositiveSmallIntegerField(default=0, verbose_name=_("order"))

    objects = OrgQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["status_set", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["status_set", "code"], name="training_status_code_once"),
            models.CheckConstraint(condition=Q(weight__gte=0) & Q(weight__lte=1), name="training_status_weight"),
        ]
        verbose_name = _("attendance status")
        verbose_name_plural = _("attendance statuses")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        lang = (get_language() or "my")[:2]
        return str(getattr(self, f"label_{lang}", "") or self.label_en)


# --- Courses and cohorts ----------------------------------------------------------------------


class CourseKind(models.TextChoices):
    VOCATIONAL = "vocational", _("Vocational course: cohorts, selection, graduation")
    CIVIC = "civic", _("Civic education or life skills: groups, no graduation")


WEEKDAYS = [  # with a context: "Mon" alone is also Mon State
    (0, pgettext_lazy("weekday", "Mon")),
    (1, pgettext_lazy("weekday", "Tue")),
    (2, pgettext_lazy("weekday", "Wed")),
    (3, pgettext_lazy("weekday", "Thu")),
    (4, pgettext_lazy("weekday", "Fri")),
    (5, pgettext_lazy("weekday", "Sat")),
    (6, pgettext_lazy("weekday", "Sun")),
]


class Course(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=CourseKind.choices, default=CourseKind.VOCATIONAL)
    trade = models.CharField(_("trade or subject"), max_length=16, choices=Trade.choices)
    name_my = models.CharField(_("name in Burmese"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120)
    name_th = models.CharField(_("name in Thai"), max_length=120)
    description_my = models.TextField(_("description in Burmese"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    description_th = models.TextField(_("description in Thai"), blank=True)
    weeks = models.PositiveSmallIntegerField(
        _("length in weeks"), default=6, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    weekdays = models.CharField(
        _("days of the week"), max_length=7, default="012345", help_text=_("Six days a week by default.")
    )
    hours_per_session = models.DecimalField(
        _("hours per session"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("6.0"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal(12))],
    )
    seats = models.PositiveSmallIntegerField(
        _("seats"), default=10, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, blank=True, verbose_name=_("finished first"), related_name="+"
    )
    min_attendance = models.PositiveSmallIntegerField(
        _("minimum attendance (%)"), default=80, validators=[MaxValueValidator(100)]
    )
    assessments_required = models.PositiveSmallIntegerField(_("practical assessments to pass"), default=1)
    extra_criteria = models.TextField(
        _("other criteria"), blank=True, help_text=_("One per line; the trainer ticks each before graduation.")
    )
    active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    objects = OrgQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["name_en", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(min_attendance__lte=100), name="training_course_attendance_share"),
        ]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "my")[:2]
        return str(getattr(self, f"name_{lang}", "") or self.name_en)

    @property
    def description(self) -> str:
        lang = (get_language() or "my")[:2]
        return str(getattr(self, f"description_{lang}", "") or self.description_en)

    @property
    def is_group(self) -> bool:
        return self.kind == CourseKind.CIVIC

    @property
    def days(self) -> list[int]:
        return sorted({int(c) for c in self.weekdays if c.isdigit() and int(c) < 7})

    def criteria_lines(self) -> list[str]:
        return [line.strip() for line in self.extra_criteria.splitlines() if line.strip()]


class CohortState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ENROLLING = "enrolling", _("Enrolling")
    RUNNING = "running", _("Running")
    GRADUATED = "graduated", _("Graduated")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (CohortState.ENROLLING, CohortState.RUNNING)


class Cohort(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("course"))
    label = models.CharField(_("label"), max_length=80, blank=True, help_text=_("For example “January, House Teak”."))
    state = models.CharField(_("state"), max_length=12, choices=CohortState.choices, default=CohortState.DRAFT)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    seats = models.PositiveSmallIntegerField(_("seats"), validators=[MinValueValidator(1), MaxValueValidator(200)])
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trainer"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=300, blank=True)

    objects = OrgQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="training_cohort_ordered"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="training_cohort_has_seats"),
        ]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")

    def __str__(self) -> str:
        return f"{self.course.name} {self.start:%Y-%m-%d}" + (f" ({self.label})" if self.label else "")

    @property
    def is_group(self) -> bool:
        return self.course.is_group


class Session(models.Model):
    """One day of teaching. Holidays and cancelled days stay, marked, so the plan is readable."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("cohort"))
    day = models.DateField(_("day"))
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    cancelled = models.BooleanField(_("no session (holiday or cancelled)"), default=False)
    note = models.CharField(_("why"), max_length=200, blank=True)

    objects = OrgQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["cohort", "day"]
        constraints = [models.UniqueConstraint(fields=["cohort", "day"], name="training_session_once_a_day")]
        verbose_name = _("training day")
        verbose_name_plural = _("training days")

    def __str__(self) -> str:
        return f"session {self.day:%Y-%m-%d}"


# --- Applications, seats and the waitlist --------------------------------------------------------


class AppState(models.TextChoices):
    APPLIED = "applied", _("Applied")
    SEATED = "seated", _("Has a seat")
    WAITLISTED = "waitlisted", _("On the waitlist")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    GRADUATED = "graduated", _("Graduated")
    NOT_PASSED = "not_passed", _("Did not pass")
    FINISHED = "finished", _("Took part")  # a group member when the group ended


ACTIVE_STATES = (AppState.APPLIED, AppState.SEATED, AppState.WAITLISTED)
TAKING_PART = (AppState.SEATED, AppState.GRADUATED, AppState.NOT_PASSED, AppState.FINISHED)


class Application(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("reason", "withdraw_reason")
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="training_applications", verbose_name=_("person")
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="applications", verbose_name=_("cohort"))
    reason = EncryptedTextField(_("why this course"), max_length=1000)
    asked_by_person = models.BooleanField(_("the person asked for it"), default=False)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("applied by")
    )
    applied_at = models.DateTimeField(default=timezone.now, verbose_name=_("applied on"))
    state = models.CharField(_("state"), max_length=12, choices=AppState.choices, default=AppState.APPLIED)
    seated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("seated on"))
    withdraw_reason = EncryptedTextField(_("why they withdrew"), max_length=1000, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True, verbose_name=_("withdrawn on"))

    objects = TrainingQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["applied_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "cohort"], condition=~Q(state="withdrawn"), name="training_apply_once"
            ),
        ]
        verbose_name = _("course application")
        verbose_name_plural = _("course applications")

    def __str__(self) -> str:
        return f"application {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is None:
            # Rejected and flagged people are never given a seat among others.
            admission.ensure_admissible(self.person)
        super().save(*args, **kwargs)


class TwoPersonList(models.Model):
    """A list one person proposes and another decides: the ranked selection and the graduation
    list. ``fingerprint`` is what the list was made from, so a list that changed under the
    second person is refused rather than decided unseen. The database refuses a decision by
    the proposer, a decision without a decider, and two pending lists for one cohort."""

    cohort: models.ForeignKey[Cohort, Cohort]  # each list names its own related_name
    fingerprint = models.CharField(max_length=64, verbose_name=_("fingerprint"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(default=timezone.now, verbose_name=_("proposed on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided on"))

    objects = OrgQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        abstract = True
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
                name="%(app_label)s_%(class)s_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(state="proposed") | Q(decided_by__isnull=False), name="%(app_label)s_%(class)s_decided_by"
            ),
            models.UniqueConstraint(
                fields=["cohort"], condition=Q(state="proposed"), name="%(app_label)s_%(class)s_one_pending"
            ),
        ]


class Selection(TwoPersonList):
    """A ranked list confirmed or declined by a second person. ``ranking`` holds application
    ids, scores and the terms that made them (numbers only, no names)."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for a second person")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="selections", verbose_name=_("cohort"))
    ranking = models.JSONField(default=list, verbose_name=_("ranking"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.PROPOSED, verbose_name=_("state"))

    class Meta(TwoPersonList.Meta):
        pass
        verbose_name = _("selection list")
        verbose_name_plural = _("selection lists")

    def __str__(self) -> str:
        return f"selection {self.pk}"


# --- Attendance ----------------------------------------------------------------------------------


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="marks", verbose_name=_("session"))
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="marks", verbose_name=_("application")
    )
    status = models.ForeignKey(AttendanceStatus, on_delete=models.PROTECT, related_name="+", verbose_name=_("status"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("marked by")
    )
    marked_at = models.DateTimeField(default=timezone.now, verbose_name=_("marked on"))

    objects = ThroughApplication.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["session", "application"]
        constraints = [
            models.UniqueConstraint(fields=["session", "application"], name="training_mark_once"),
        ]
        verbose_name = _("attendance mark")
        verbose_name_plural = _("attendance marks")

    def __str__(self) -> str:
        return f"mark {self.pk}"


class AttendanceChange(models.Model):
    """A correction: the mark as it was, kept."""

    attendance = models.ForeignKey(
        Attendance, on_delete=models.CASCADE, related_name="changes", verbose_name=_("attendance")
    )
    old_status = models.ForeignKey(
        AttendanceStatus, on_delete=models.PROTECT, related_name="+", verbose_name=_("old status")
    )
    new_status = models.ForeignKey(
        AttendanceStatus, on_delete=models.PROTECT, related_name="+", verbose_name=_("new status")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("changed on"))

    objects = ThroughAttendance.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["attendance", "changed_at", "id"]
        verbose_name = _("attendance correction")
        verbose_name_plural = _("attendance corrections")

    def __str__(self) -> str:
        return f"change {self.pk}"


class Excuse(EncryptedModel):
    """Absence excused in advance (a hospital visit, a job interview), with its reason."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)
    VAULT_PARENT = "application.person"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="excuses", verbose_name=_("application")
    )
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("until"))
    reason = EncryptedTextField(_("reason"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))

    objects = ThroughApplication.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["first_day", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="training_excuse_ordered"),
        ]
        verbose_name = _("excused absence")
        verbose_name_plural = _("excused absences")

    def __str__(self) -> str:
        return f"excuse {self.pk}"

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


class AlertKind(models.TextChoices):
    ABSENT = "absent", _("Absent several days in a row")
    PROMOTED = "promoted", _("Given a seat from the waitlist")


class Alert(models.Model):
    """For the case worker: a streak of unexcused absences, or a seat freed and given."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("application")
    )
    kind = models.CharField(max_length=12, choices=AlertKind.choices, verbose_name=_("kind"))
    count = models.PositiveSmallIntegerField(default=0, verbose_name=_("count"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved on"))

    objects = ThroughApplication.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind"], condition=Q(resolved_at__isnull=True), name="training_alert_one_open"
            ),
        ]
        verbose_name = _("training alert")
        verbose_name_plural = _("training alerts")

    def __str__(self) -> str:
        return f"alert {self.pk}"


# --- Graduation and what came after --------------------------------------------------------------


class Assessment(models.Model):
    """A practical assessment or one of the course's other criteria, passed or not."""

    class Kind(models.TextChoices):
        PRACTICAL = "practical", _("Practical assessment")
        CRITERION = "criterion", _("Other criterion")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("application")
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PRACTICAL, verbose_name=_("kind"))
    name = models.CharField(_("what was assessed"), max_length=120)
    passed = models.BooleanField(_("passed"), default=False)
    day = models.DateField(_("day"), default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    objects = ThroughApplication.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["day", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "name"], name="training_assessment_once")]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"assessment {self.pk}"


class Graduation(TwoPersonList):
    """The graduation list: who passes and why, proposed by one person and approved by another.
    ``results`` is what was checked (application ids, shares, counts and reason codes)."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for a second person")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="graduations", verbose_name=_("cohort"))
    results = models.JSONField(default=list, verbose_name=_("results"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.PROPOSED, verbose_name=_("state"))

    class Meta(TwoPersonList.Meta):
        pass
        verbose_name = _("graduation list")
        verbose_name_plural = _("graduation lists")

    def __str__(self) -> str:
        return f"graduation {self.pk}"


class Outcome(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    FURTHER_TRAINING = "further_training", _("Further training")
    NONE = "none", _("No work yet")
    LOST_CONTACT = "lost_contact", _("Lost contact")


FOLLOW_UP_MONTHS = (1, 3, 6)


class FollowUp(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("note",)
    VAULT_PARENT = "application.person"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("application")
    )
    months = models.PositiveSmallIntegerField(verbose_name=_("months"))
    due = models.DateField(verbose_name=_("due on"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    note = EncryptedTextField(_("note"), max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("recorded on"))

    objects = ThroughApplication.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["due", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "months"], name="training_follow_up_once"),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(recorded_by__isnull=False), name="training_follow_up_recorded_by"
            ),
        ]
        verbose_name = _("training follow-up")
        verbose_name_plural = _("training follow-ups")

    def __str__(self) -> str:
        return f"follow-up {self.pk}"


def follow_up_due(graduated: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    import calendar

    month = graduated.month - 1 + months
    year, month = graduated.year + month // 12, month % 12 + 1
    return date(year, month, min(graduated.day, calendar.monthrange(year, month)[1]))


# --- Certificates --------------------------------------------------------------------------------


class CertificateKey(EncryptedModel):
    """The Ed25519 key certificates are signed with. The newest one signs; older ones still
    verify what they signed. The public half is published (``/c/key``)."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("private_key",)

    key_id = models.CharField(max_length=16, unique=True, verbose_name=_("key id"))
    public_key = models.BinaryField(max_length=32, verbose_name=_("public key"))
    private_key = EncryptedTextField(verbose_name=_("private key"))  # hex, encrypted under the vault's data key
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("certificate signing key")
        verbose_name_plural = _("certificate signing keys")

    def __str__(self) -> str:
        return f"certificate key {self.key_id}"


class NameChoice(models.TextChoices):
    ALIAS = "alias", _("The alias (safest)")
    CHOSEN = "chosen", _("Another name the person chose")
    TRUE_NAME = "true_name", _("The true name (the person asked, and you have a true-name grant)")


class CertificateQuerySet(ThroughApplication):
    def active(self) -> CertificateQuerySet:
        return self.filter(revoked_at__isnull=True)


class Certificate(EncryptedModel):
    """A certificate as issued. The signed statement (name as printed, trade, hours, dates,
    issuer) is stored only encrypted under a key derived from the certificate's own code
    (``sealed``), so the public verify page works while the vault is sealed and the database
    alone does not say who holds one; ``lookup`` is a hash of the code. The code is also kept
    under the vault (``code``) for staff, who can download the PDF again."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("code", "revoke_reason")
    VAULT_PARENT = "application.person"

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("application")
    )
    key = models.ForeignKey(CertificateKey, on_delete=models.PROTECT, related_name="+", verbose_name=_("key"))
    lookup = models.CharField(max_length=64, unique=True, verbose_name=_("lookup index"))
    sealed = models.BinaryField(verbose_name=_("sealed text"))
    code = EncryptedTextField(max_length=64, verbose_name=_("code"))
    name_choice = models.CharField(
        max_length=12, choices=NameChoice.choices, default=NameChoice.ALIAS, verbose_name=_("name on the certificate")
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    issued_at = models.DateTimeField(default=timezone.now, verbose_name=_("issued on"))
    revoke_reason = EncryptedTextField(_("why it is revoked"), max_length=500, blank=True)
    revoke_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revocation proposed by"),
    )
    revoke_proposed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revocation proposed on"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked on"))

    objects = CertificateQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_by__isnull=True)
                | (Q(revoke_proposed_by__isnull=False) & ~Q(revoked_by=F("revoke_proposed_by"))),
                name="training_revoke_four_eyes",
            ),
            models.UniqueConstraint(
                fields=["application"], condition=Q(revoked_at__isnull=True), name="training_one_live_certificate"
            ),
        ]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return f"certificate {self.pk}"


def session_days(course: Course, start: date) -> list[date]:
    """The days of a cohort starting on ``start``: the course's weekdays for its weeks."""
    days = set(course.days)
    last = start + timedelta(weeks=course.weeks) - timedelta(days=1)
    return [
        start + timedelta(days=n)
        for n in range((last - start).days + 1)
        if (start + timedelta(days=n)).weekday() in days
    ]
