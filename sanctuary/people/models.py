"""The person record: who someone is, where they are in the journey, and what happened.

Identifying fields (see DESIGN.md §3, "Data protection model") are declared in
``IDENTIFYING_FIELDS`` on each model: the reviewed statement of what identifies someone.
Every one is an ``EncryptedTextField``, and every encrypted field is declared
(``tests/vault/test_seizure.py`` checks both, and takes the values it hunts for on a seized
disk from these lists). Clear fields are the ones the system queries while sealed: case
code, status, team, force, rank group, region, dates of workflow.

Everyone is shown by alias; ``true_name`` is never shown in lists.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import Module, can_approve_identity, can_use, sees_all_people
from sanctuary.lib import stages
from sanctuary.lib.text import ascii_digits
from sanctuary.people import admission, timeline
from sanctuary.people.search import canonical_identifier, canonical_phone_or_empty, name_tokens, query_tokens
from sanctuary.vault import crypto, files
from sanctuary.vault.fields import (
    BlindIndexField,
    Ciphertext,
    EncryptedModel,
    EncryptedQuerySet,
    EncryptedTextField,
    index_for,
)

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


class Force(models.TextChoices):
    ARMY = "army", _("Army")
    POLICE = "police", _("Police")
    NAVY = "navy", _("Navy")
    AIR_FORCE = "air_force", _("Air force")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


class RankGroup(models.TextChoices):
    """Coarse, for statistics; the exact rank is an identifying field."""

    OTHER_RANKS = "other_ranks", _("Private / constable")
    NCO = "nco", _("Non-commissioned officer")
    OFFICER = "officer", _("Officer")
    UNKNOWN = "unknown", _("Not known")


class Region(models.TextChoices):
    """Myanmar's states and regions, and places outside it: coarse, for statistics."""

    AYEYARWADY = "ayeyarwady", _("Ayeyarwady")
    BAGO = "bago", _("Bago")
    CHIN = "chin", _("Chin")
    KACHIN = "kachin", _("Kachin")
    KAYAH = "kayah", _("Kayah")
    KAYIN = "kayin", _("Kayin")
    MAGWAY = "magway", _("Magway")
    MANDALAY = "mandalay", _("Mandalay")
    MON = "mon", _("Mon")
    NAYPYITAW = "naypyitaw", _("Naypyitaw")
    RAKHINE = "rakhine", _("Rakhine")
    SAGAING = "sagaing", _("Sagaing")
    SHAN = "shan", _("Shan")
    TANINTHARYI = "tanintharyi", _("Tanintharyi")
    YANGON = "yangon", _("Yangon")
    THAILAND = "thailand", _("Thailand")
    OTHER = "other", _("Elsewhere")
    UNKNOWN = "unknown", _("Not known")


class Status(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("First contact")
    VETTING = "vetting", _("Vetting")
    ACCEPTED = "accepted", _("Accepted")
    IN_TRANSIT = "in_transit", _("In transit")
    ARRIVED = "arrived", _("Arrived")
    IN_SHELTER = "in_shelter", _("In shelter")
    INDEPENDENT = "independent", _("Independent")
    RESETTLED = "resettled", _("Resettled")
    REJECTED = "rejected", _("Rejected")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    CAPTURED = "captured", _("Captured")
    DECEASED = "deceased", _("Deceased")


# Statuses that mean the organisation took the person in (a bed in a safe house): only
# admissible people reach them (``sanctuary.people.admission``).
ADMITTED_STATUSES = frozenset({Status.IN_SHELTER})
# Set only by a confirmed four-eyes vetting decision, never by hand.
DECISION_STATUSES = frozenset({Status.ACCEPTED, Status.REJECTED})

CASE_CODE_PREFIX = re.compile(r"^\d{4}(-\d{0,6})?$")
PHONE_LIKE = re.compile(r"^[\d\s+\-().]+$")


class PersonQuerySet(EncryptedQuerySet):
    def lock(self, pk: int) -> Person:
        """The person's row, locked for the rest of the transaction. Every action that writes
        about one person takes this first, before any other row and before the audit chain,
        so writers of one person queue in one order and never deadlock (issue 17)."""
        return self.select_for_update().get(pk=pk)

    def lock_row(self, pk: int) -> None:
        """:meth:`lock` without reading the record (nothing decrypted)."""
        self.select_for_update().filter(pk=pk).values_list("pk").get()

    def lock_rows(self, pks: list[int]) -> None:
        """Several people's rows, in id order (two writers of the same two never deadlock)."""
        list(self.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk"))

    def visible_to(self, user: User) -> PersonQuerySet:
        """The people ``user`` may see: their teams' people; everyone for directors.

        Users whose roles give no access to people see nobody.
        """
        if not user.is_authenticated or not can_use(user, Module.PEOPLE):
            return self.none()
        current = self.filter(merged_into__isnull=True)
        if sees_all_people(user):
            return current
        return current.filter(team_id__in=user.team_ids)

    def readable_by(self, user: User) -> PersonQuerySet:
        """:meth:`visible_to`, and the people handed over from one of the user's teams whose
        read period has not ended (``TransferSettings.previous_team_reads_days``). Read-only:
        the person page alone asks this; every write and every stage's page asks
        :meth:`visible_to`, so the previous team reads the record and changes nothing."""
        if not user.is_authenticated or not can_use(user, Module.PEOPLE):
            return self.none()
        if sees_all_people(user):
            return self.visible_to(user)
        teams = list(user.team_ids)
        reading = Transfer.objects.reading().filter(from_team_id__in=teams).values("person_id")
        return self.filter(merged_into__isnull=True).filter(Q(team_id__in=teams) | Q(pk__in=reading))

    def search(self, query: str, *, identifiers: bool = False) -> PersonQuerySet:
        """Exact matches through blind indexes (the vault must be unsealed).

        A case code matches by prefix; a phone exactly; otherwise every word or syllable
        of the query must be a word or syllable of the person's alias (see
        ``sanctuary.people.search``). NRC and service numbers identify a person as surely
        as a true name: they are searched only with ``identifiers=True``, which the
        views allow to directors alone.
        """
        query = query.strip()
        if not query:
            return self
        if CASE_CODE_PREFIX.match(query):
            return self.filter(case_code__startswith=query)
        looks_like_phone = PHONE_LIKE.match(ascii_digits(query)) and sum(c.isdigit() for c in query) >= 8
        phone = canonical_phone_or_empty(query) if looks_like_phone and not identifiers else ""
        if phone:
            matches = ContactPoint.objects.filter(value_index=index_for("phone", phone, str)).values("person_id")
            return self.filter(pk__in=matches)
        if identifiers and any(c.isdigit() for c in query):
            identifier = Q(nrc_index=index_for("nrc", query, canonical_identifier))
            identifier |= Q(service_index=index_for("service", query, canonical_identifier))
            return self.filter(identifier)
        tokens = sorted(query_tokens_indexes(query))
        if not tokens or identifiers:
            return self.none()
        matching = (
            PersonSearchToken.objects.filter(token__in=tokens)
            .values("person_id")
            .annotate(hits=models.Count("token", distinct=True))
            .filter(hits=len(tokens))
            .values("person_id")
        )
        return self.filter(pk__in=matching)


class Person(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = (
        "alias",
        "true_name",
        "birth_date",
        "father_name",
        "defection_date",
        "rank",
        "unit",
        "hometown",
        "service_number",
        "nrc_number",
        "languages",
        "skills",
        "notes",
    )

    case_code = models.CharField(_("case code"), max_length=16, unique=True, editable=False)
    alias = EncryptedTextField(_("alias"), max_length=200, help_text=_("The name shown everywhere."))
    true_name = EncryptedTextField(_("true name"), max_length=200, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = EncryptedTextField(
        _("birth date"), max_length=10, blank=True, help_text=_("Year, year and month, or full date.")
    )
    father_name = EncryptedTextField(_("father's name"), max_length=200, blank=True)
    force = models.CharField(_("force"), max_length=16, choices=Force.choices, default=Force.UNKNOWN)
    rank = EncryptedTextField(_("rank"), max_length=100, blank=True)
    rank_group = models.CharField(_("rank group"), max_length=16, choices=RankGroup.choices, default=RankGroup.UNKNOWN)
    unit = EncryptedTextField(_("unit"), max_length=200, blank=True)
    service_number = EncryptedTextField(_("service number"), max_length=64, blank=True)
    nrc_number = EncryptedTextField(_("NRC number"), max_length=64, blank=True)
    hometown = EncryptedTextField(_("hometown"), max_length=200, blank=True)
    region = models.CharField(_("home region"), max_length=16, choices=Region.choices, default=Region.UNKNOWN)
    defection_date = EncryptedTextField(_("date of defection"), max_length=10, blank=True)
    languages = EncryptedTextField(_("languages"), max_length=200, blank=True)
    skills = EncryptedTextField(_("skills"), max_length=300, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    nrc_index = BlindIndexField(source="nrc_number", purpose="nrc", normaliser=canonical_identifier)
    service_index = BlindIndexField(source="service_number", purpose="service", normaliser=canonical_identifier)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="people", verbose_name=_("team")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.FIRST_CONTACT)
    status_changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The one case worker who looks after this person (their case load); None: nobody yet.
    case_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("case worker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_load",
    )
    # The HMAC of the one-time token of the form that created this record: "back" and "save"
    # again on the same page finds this person instead of creating a second one.
    form_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    # A duplicate folded into another record (sanctuary.matching): kept, never shown in lists.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        # No index of its own: almost every value is NULL, and SQLite would then pick it
        # over person_current_recent_idx and sort the whole register for each list page.
        db_index=False,
    )

    objects = PersonQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["team", "status"], name="person_team_status_idx"),
            models.Index(fields=["status", "status_changed_at"], name="person_status_idx"),
            models.Index(fields=["-created_at", "-id"], name="person_recent_idx"),
            # The person list: current (not merged) records, newest first.
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(merged_into__isnull=True),
                name="person_current_recent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_code} {self.alias}"

    @staticmethod
    def next_case_code(year: int) -> str:
        prefix = f"{year}-"
        last = (
            Person.objects.filter(case_code__startswith=prefix)
            .order_by("-case_code")
            .values_list("case_code", flat=True)
            .first()
        )
        number = int(last.split("-", 1)[1]) + 1 if last else 1
        return f"{prefix}{number:04d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.status in ADMITTED_STATUSES and self._status_changes():
            # Rejected and flagged people are never admitted, whatever screen asked for it.
            admission.ensure_admissible(self)
        super().save(*args, **kwargs)
        alias = self.__dict__.get("alias")
        loaded = self.__dict__.get("_vault_loaded", {}).get("alias")
        if isinstance(alias, str) and not isinstance(alias, Ciphertext) and (loaded is None or loaded[0] != alias):
            refresh_search_tokens([self])

    def _status_changes(self) -> bool:
        if self.pk is None:
            return True
        stored = Person.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        return stored != self.status

    def save_with_case_code(self) -> None:
        """Insert with the next free case code of this year, retrying on a race."""
        year = timezone.localdate().year
        for _attempt in range(5):
            self.case_code = self.next_case_code(year)
            try:
                with transaction.atomic():
                    self.save(force_insert=True)
                return
            except IntegrityError:
                self.pk = None
        raise IntegrityError("could not allocate a case code")


class PersonScopedQuerySet(EncryptedQuerySet):
    """Rows that belong to a person (a contact, a stay, a payment, a vetting note …).

    ``visible_to(user)``: none unless the user may use the module (``module``; the person
    list's by default), then only rows of people the user may see (``Person.objects.
    visible_to``), reached through ``person_path``. Directors see every row, including those
    left on a merged record. Subclasses set ``module`` and, when the person is further away
    than a ``person`` field, ``person_path``.
    """

    module: ClassVar[str] = "people"
    person_path: ClassVar[str] = "person"

    def visible_to(self, user: User) -> Any:
        if not user.is_authenticated or not can_use(user, self.module):
            return self.none()
        if sees_all_people(user):  # no IN (every person) subquery: SQLite would build it per request
            return self.all()
        return self.filter(**{f"{self.person_path}__in": Person.objects.visible_to(user)})


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    FACEBOOK = "facebook", _("Facebook")
    TELEGRAM = "telegram", _("Telegram")
    SIGNAL = "signal", _("Signal")
    WHATSAPP = "whatsapp", _("WhatsApp")
    VIBER = "viber", _("Viber")
    LINE = "line", _("LINE")
    EMAIL = "email", _("Email")
    OTHER = "other", _("Other")


class ContactPoint(EncryptedModel):
    """A phone number or social-media handle. Phones are stored in E.164 form."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("value",)
    VAULT_PARENT = "person"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=16, choices=ContactKind.choices, default=ContactKind.PHONE)
    value = EncryptedTextField(_("number or handle"), max_length=200)
    value_index = BlindIndexField(source="value", purpose="phone", normaliser=canonical_phone_or_empty)

    objects = PersonScopedQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.kind}:{self.pk}"


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Brother or sister")
    OTHER = "other", _("Other relative")


class HouseholdMember(EncryptedModel):
    """Spouse, children and other relatives who travel or live with the person."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("name", "birth_date", "notes")
    VAULT_PARENT = "person"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="household")
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    name = EncryptedTextField(_("name"), max_length=200)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = EncryptedTextField(_("birth date"), max_length=10, blank=True)
    notes = EncryptedTextField(_("notes"), max_length=300, blank=True)

    objects = PersonScopedQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["id"]
        verbose_name = _("household member")
        verbose_name_plural = _("household members")

    def __str__(self) -> str:
        return f"{self.relation}:{self.pk}"


class EventKind(models.TextChoices):
    """The core's kinds of timeline step; stages add theirs (``Stage.timeline``)."""

    CREATED = "created", _("Record created")
    UPDATED = "updated", _("Record updated")
    STATUS = "status", _("Status changed")
    NOTE = "note", _("Note")
    MERGED = "merged", _("Records merged")
    TRANSFERRED = "transferred", _("Handed over to another team")


def event_kinds() -> list[tuple[str, Any]]:
    """``PersonEvent.kind`` choices: the core's and every registered stage's."""
    return [*EventKind.choices, *((kind.code, kind.label) for kind in stages.timeline_kinds())]


class PersonEvent(EncryptedModel):
    """One step on the person's timeline.

    What happened is ``message``: message codes and their parameters (``people.timeline``),
    made into sentences in the reader's language when read (``lines``). ``note`` is what a
    user typed with the step (a status change's note), shown as typed."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("note", "message")
    VAULT_PARENT = "person"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events", verbose_name=_("person"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=16, choices=event_kinds)
    status_from = models.CharField(_("status before"), max_length=16, choices=Status.choices, blank=True)
    status_to = models.CharField(_("status after"), max_length=16, choices=Status.choices, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    # Encrypted like the note: a code says what happened to someone. See people.timeline.
    message = EncryptedTextField(_("what happened"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("staff")
    )

    objects = PersonScopedQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "at"], name="person_event_idx")]
        verbose_name = _("timeline step")
        verbose_name_plural = _("timeline steps")

    def __str__(self) -> str:
        return f"{self.person_id}:{self.kind}"

    @property
    def kind_label(self) -> str:
        """The kind in words; a kind nobody declares any more (a stage removed) in neutral words."""
        labels = dict(event_kinds())
        return str(labels.get(self.kind, _("Step")))

    @property
    def lines(self) -> list[str]:
        """What the step says, in the reader's language (``people.timeline.lines_of``)."""
        return timeline.lines_of(self)

    @property
    def text(self) -> str:
        return "; ".join(self.lines)


class PersonSearchToken(models.Model):
    """One blind-indexed word or syllable of a person's names (see ``people.search``)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="search_tokens")
    token = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "person"], name="person_token_unique")]
        verbose_name = _("search word")
        verbose_name_plural = _("search words")

    def __str__(self) -> str:
        return f"{self.person_id}:{self.token}"


def token_indexes(alias: str) -> set[str]:
    """Search tokens come from the alias only: the person list must not become a way to
    test whether someone with a given true name is on file. (Duplicate checks use their
    own blocking keys.)"""
    return {index_for("name", token, str) for token in name_tokens(alias)}


def query_tokens_indexes(query: str) -> set[str]:
    return {index_for("name", token, str) for token in query_tokens(query)}


def refresh_search_tokens(people: list[Person]) -> None:
    """Rebuild the name tokens of these people from their (decrypted) names."""
    PersonSearchToken.objects.filter(person__in=people).delete()
    rows = [
        PersonSearchToken(person=person, token=token) for person in people for token in token_indexes(str(person.alias))
    ]
    PersonSearchToken.objects.bulk_create(rows, batch_size=2000)


class IdentityRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class IdentityRequestQuerySet(PersonScopedQuerySet):
    def visible_to(self, user: User) -> Any:
        """Requests an approver may decide: of people they may see. (Requesters see their own
        grants on the person page, through ``active_grant``.)"""
        if not can_approve_identity(user):
            return self.none()
        return self.filter(person__in=Person.objects.visible_to(user))

    def active_grant(self, user: User, person: Person) -> IdentityRequest | None:
        return (
            self.filter(
                requester=user, person=person, status=IdentityRequestStatus.APPROVED, expires_at__gt=timezone.now()
            )
            .order_by("-expires_at")
            .first()
        )


class IdentityRequest(EncryptedModel):
    """The two-person rule: seeing a true name needs a reason and a second person's approval.

    An approval lets only the requester see the person's true identity (true name, father's
    name, NRC number, household) until ``expires_at``.
    """

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)
    VAULT_PARENT = "person"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identity_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = EncryptedTextField(_("reason"), max_length=500)
    status = models.CharField(
        max_length=16, choices=IdentityRequestStatus.choices, default=IdentityRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = IdentityRequestQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The two-person rule in the database, like the other four-eyes rules: nobody
            # decides their own request.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requester")),
                name="identity_request_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_by__isnull=False) | Q(decided_at__isnull=False),
                name="identity_request_decided_by_someone",
            ),
        ]
        verbose_name = _("true-name request")
        verbose_name_plural = _("true-name requests")

    def __str__(self) -> str:
        return f"identity request {self.pk}"


class DocumentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")
    PROOF = "proof", _("Vetting proof")
    CONSENT = "consent", _("Consent form")
    PAPER = "paper", _("Legal paper")


class PersonDocument(EncryptedModel):
    """A photo or document, encrypted on disk (``sanctuary.vault.files``)."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("title",)
    VAULT_PARENT = "person"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices, default=DocumentKind.PHOTO)
    title = EncryptedTextField(_("title"), max_length=200, blank=True)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    stored_name = models.CharField(max_length=64, unique=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = PersonScopedQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"document {self.pk}"

    def file_aad(self, stored: str | None = None) -> bytes:
        """The file's associated data: bound to its person, like the row's values (a file
        written before that, ``s1``, is read with the old form until rotated)."""
        parent = self.vault_parent_uid() if stored is None or crypto.is_bound(stored) else ""
        return crypto.aad_for(self._meta.db_table, "file", str(self.uid), parent)

    def write_file(self, data: bytes, version: int | None = None) -> str:
        """Encrypt ``data`` for this row (and its person) to a new file; returns its name."""
        return files.write_encrypted(data, self.file_aad(), version, prefix=crypto.BOUND_PREFIX)

    def read_file(self) -> bytes:
        return files.read_decrypted(self.stored_name, self.file_aad)


class PresaveCheck(models.Model):
    """One "is this person already on file?" check before the person form saves (issue 17,
    item 3): who, when, whether it matched someone the user was not shown, and whether the
    form was then saved. Counted for the per-user limit and for the probing alert (many
    checks, few saves); nothing of what was typed is kept. Rows older than
    ``PRESAVE_RETENTION_DAYS`` are deleted as new ones are written."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    withheld = models.PositiveSmallIntegerField(default=0)  # matches the user was not shown
    saved = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["user", "at"], name="presave_user_at_idx")]
        verbose_name = _("check before saving")
        verbose_name_plural = _("checks before saving")

    def __str__(self) -> str:
        return f"pre-save check {self.pk}"


# --- Hand-overs between teams -------------------------------------------------------------------
#
# A person belongs to one team, and only that team's members (and directors) see them. Real
# organisations hand people on: intake -> vetting -> safe house -> case work. A transfer names
# the receiving team and a reason; per the organisation's policy (:class:`TransferSettings`)
# someone of the receiving team (or a director) accepts it, and the previous team keeps
# read-only access to the person's page for a set number of days, or none.


class TransferApproval(models.TextChoices):
    NONE = "none", _("No approval: the hand-over takes effect at once")
    RECEIVING = "receiving", _("Someone of the receiving team accepts it")
    DIRECTOR = "director", _("A director approves it")


class TransferSettings(models.Model):
    """One row: the organisation's policy for hand-overs."""

    approval = models.CharField(
        _("who approves a hand-over"),
        max_length=10,
        choices=TransferApproval.choices,
        default=TransferApproval.RECEIVING,
    )
    previous_team_reads_days = models.PositiveSmallIntegerField(
        _("days the previous team can still read the person's page"),
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
        help_text=_("0: the previous team loses access at once."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("hand-over policy")
        verbose_name_plural = _("hand-over policies")

    def __str__(self) -> str:
        return "transfer settings"

    @classmethod
    def current(cls) -> TransferSettings:
        row = cls.objects.order_by("pk").first()
        return row if row is not None else cls()


class TransferState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    DONE = "done", _("Handed over")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TransferQuerySet(EncryptedQuerySet):
    def visible_to(self, user: User) -> Any:
        """Hand-overs from or to the user's teams (every one for directors), for users who
        may hand people over; nobody else sees any."""
        if not user.is_authenticated or not can_use(user, Module.TRANSFER):
            return self.none()
        if sees_all_people(user):
            return self.all()
        teams = list(user.team_ids)
        return self.filter(Q(from_team_id__in=teams) | Q(to_team_id__in=teams))

    def pending(self) -> TransferQuerySet:
        return self.filter(state=TransferState.PENDING)

    def reading(self, now: Any = None) -> TransferQuerySet:
        """Done hand-overs whose previous team may still read the person's page."""
        return self.filter(state=TransferState.DONE, read_until__gt=now or timezone.now())


class Transfer(EncryptedModel):
    """One hand-over of a person from one team to another."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("reason", "decision_note")
    VAULT_PARENT = "person"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("person"))
    # None: the person was in no team (only directors saw them).
    from_team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from team")
    )
    to_team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+", verbose_name=_("to team"))
    reason = EncryptedTextField(_("reason"), max_length=1000)
    state = models.CharField(_("state"), max_length=10, choices=TransferState.choices, default=TransferState.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = EncryptedTextField(_("note"), max_length=1000, blank=True)
    # Until when the previous team may still read the person's page (None: not at all).
    read_until = models.DateTimeField(_("previous team reads until"), null=True, blank=True)

    objects = TransferQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        constraints = [
            # One open hand-over per person: two at once would race for the team.
            models.UniqueConstraint(fields=["person"], condition=Q(state="pending"), name="transfer_one_pending"),
            models.CheckConstraint(condition=~Q(from_team=models.F("to_team")), name="transfer_other_team"),
            # Nobody accepts or refuses their own request (withdrawing it is theirs to do). A
            # hand-over that needed no approval has no decider.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | Q(state="withdrawn") | ~Q(decided_by=models.F("requested_by")),
                name="transfer_four_eyes",
            ),
        ]
        indexes = [
            models.Index(fields=["to_team", "state"], name="transfer_to_state_idx"),
            models.Index(fields=["from_team", "state", "read_until"], name="transfer_from_reads_idx"),
        ]

    def __str__(self) -> str:
        return f"transfer {self.pk}"
