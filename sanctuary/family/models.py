"""Relatives at home: who they are, what was done to them, how (and whether) they may be
contacted, and the search for those missing.

A relative's name and home village lead to the family: they are encrypted, bound to the
person, and shown only under the two-person true-identity rule for that person (as true
names are). In clear, for queries while sealed and for statistics: the relation, an age band,
a coarse region, whether they are in danger, and whether they are detained now.

Every relative carries a contact-safety rule (``contact_rule``, "never contact" unless
someone records otherwise); every action that could reach them asks
``sanctuary.people.contact.check`` first.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sanctuary.people.models import PersonScopedQuerySet, Region
from sanctuary.vault.fields import EncryptedModel, EncryptedTextField

# Access module (declared in module.py, granted in accounts.policy.STAGE_GRANTS).
FAMILY = "family"


class FamilyQuerySet(PersonScopedQuerySet):
    module = FAMILY


# --- Relatives -------------------------------------------------------------------------------------


class Relation(models.TextChoices):
    MOTHER = "mother", pgettext_lazy("relative", "Mother")
    FATHER = "father", pgettext_lazy("relative", "Father")
    SPOUSE = "spouse", pgettext_lazy("relative", "Spouse")
    CHILD = "child", pgettext_lazy("relative", "Child")
    BROTHER = "brother", pgettext_lazy("relative", "Brother")
    SISTER = "sister", pgettext_lazy("relative", "Sister")
    GRANDPARENT = "grandparent", pgettext_lazy("relative", "Grandparent")
    OTHER = "other", pgettext_lazy("relative", "Other relative")


class AgeBand(models.TextChoices):
    CHILD = "child", _("Under 18")
    ADULT = "adult", _("18 to 59")
    ELDER = "elder", _("60 or older")
    UNKNOWN = "unknown", pgettext_lazy("age", "Not known")


class ContactRule(models.TextChoices):
    NEVER = "never", _("Never contact")
    INTERMEDIARY = "intermediary", _("Only through a named intermediary")
    CHANNEL = "channel", _("Only by a named safe channel")
    EMERGENCY = "emergency", _("Only in an emergency")


class Relative(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("name", "village", "intermediary", "channel")
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="relatives", verbose_name=_("person")
    )
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    name = EncryptedTextField(_("name"), max_length=200)
    village = EncryptedTextField(_("home village"), max_length=200, blank=True)
    age_band = models.CharField(_("age"), max_length=8, choices=AgeBand.choices, default=AgeBand.UNKNOWN)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, default=Region.UNKNOWN)
    in_danger = models.BooleanField(_("in danger"), default=False)
    contact_rule = models.CharField(
        _("contact rule"), max_length=12, choices=ContactRule.choices, default=ContactRule.NEVER
    )
    intermediary = EncryptedTextField(_("name of the intermediary"), max_length=200, blank=True)
    channel = EncryptedTextField(_("the safe channel"), max_length=200, blank=True)
    detained_now = models.BooleanField(
        default=False, editable=False, verbose_name=_("detained now")
    )  # latest detention/release is a detention
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))

    objects = FamilyQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["detained_now"], name="family_relative_detained")]
        verbose_name = _("relative")
        verbose_name_plural = _("relatives")

    def __str__(self) -> str:
        return f"relative {self.pk}"

    @property
    def ref(self) -> str:
        """The opaque reference the contact check knows it by."""
        return relative_ref(self)


def relative_ref(relative: Relative) -> str:
    return f"relative:{relative.pk}"


# --- What happened to them -------------------------------------------------------------------------


class EventKind(models.TextChoices):
    VISITED = "visited", _("Visited by soldiers or police")
    QUESTIONED = "questioned", _("Questioned")
    DETAINED = "detained", pgettext_lazy("relative", "Detained")
    RELEASED = "released", pgettext_lazy("relative", "Released")
    PROPERTY_SEIZED = "property_seized", _("Property seized")
    ID_TAKEN = "id_taken", _("ID card taken")
    FORCED_CALL = "forced_call", _("Forced to call the defector")
    MOVED = "moved", _("Moved away")
    DIED = "died", _("Died")
    SAFE = "safe", _("Safe")


DETENTION_KINDS = (EventKind.DETAINED, EventKind.RELEASED)


class Source(models.TextChoices):
    PERSON = "person", _("The person")
    RELATIVE = "relative", _("Another relative")
    PARTNER = "partner", _("A partner")
    MEDIA = "media", _("Media")
    OTHER = "other", _("Other")


class RelativeEvent(EncryptedModel):
    """Something done to a relative, on a day that may be known only as a year or a month
    (``on`` is ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, which sorts). The person's foreign key
    is kept beside the relative's, so the values are bound to the person and a merge moves the
    row like any other."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("detained_where", "detained_by", "note")
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="relative_events", verbose_name=_("person")
    )
    relative = models.ForeignKey(Relative, on_delete=models.PROTECT, related_name="events", verbose_name=_("relative"))
    kind = models.CharField(_("what happened"), max_length=16, choices=EventKind.choices)
    on = models.CharField(_("when"), max_length=10)
    source = models.CharField(_("we know it from"), max_length=10, choices=Source.choices)
    detained_where = EncryptedTextField(_("where they are held"), max_length=300, blank=True)
    detained_by = EncryptedTextField(_("held by"), max_length=300, blank=True)
    note = EncryptedTextField(_("note"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(default=timezone.now, verbose_name=_("recorded on"))

    objects = FamilyQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["recorded_at"], name="family_event_recent")]
        verbose_name = _("relative's event")
        verbose_name_plural = _("relatives' events")

    def __str__(self) -> str:
        return f"relative event {self.pk}"


# --- Contact made -----------------------------------------------------------------------------------


class How(models.TextChoices):
    DIRECT = "direct", _("Directly")
    INTERMEDIARY = "intermediary", _("Through an intermediary")
    CHANNEL = "channel", _("By a safe channel")


class ContactMade(EncryptedModel):
    """A contact someone made with a relative, allowed by the relative's rule at that moment."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("through", "reason", "note")
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="relative_contacts", verbose_name=_("person")
    )
    relative = models.ForeignKey(
        Relative, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("relative")
    )
    how = models.CharField(_("how"), max_length=12, choices=How.choices)
    through = EncryptedTextField(_("intermediary or channel"), max_length=200, blank=True)
    emergency = models.BooleanField(_("emergency"), default=False)
    reason = EncryptedTextField(_("why it could not wait"), max_length=1000, blank=True)
    on = models.DateField(_("on"))
    note = EncryptedTextField(_("note"), max_length=2000, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("made by")
    )
    made_at = models.DateTimeField(default=timezone.now, verbose_name=_("made on"))

    objects = FamilyQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("contact made")
        verbose_name_plural = _("contacts made")

    def __str__(self) -> str:
        return f"contact {self.pk}"


# --- Tracing the missing ------------------------------------------------------------------------------


class TracingState(models.TextChoices):
    OPEN = "open", pgettext_lazy("tracing", "Open")
    TRACING = "tracing", pgettext_lazy("tracing", "Tracing")
    LOCATED = "located", pgettext_lazy("tracing", "Located")
    VERIFIED = "verified", pgettext_lazy("tracing", "Verified")
    CLOSED = "closed", pgettext_lazy("tracing", "Closed")


# Where a request may go from each state (the actions enforce it, under a row lock).
TRANSITIONS: dict[str, frozenset[str]] = {
    TracingState.OPEN: frozenset({TracingState.TRACING, TracingState.CLOSED}),
    TracingState.TRACING: frozenset({TracingState.LOCATED, TracingState.CLOSED}),
    TracingState.LOCATED: frozenset({TracingState.VERIFIED, TracingState.TRACING, TracingState.CLOSED}),
    TracingState.VERIFIED: frozenset({TracingState.CLOSED}),
    TracingState.CLOSED: frozenset(),
}
OPEN_TRACING = (TracingState.OPEN, TracingState.TRACING, TracingState.LOCATED, TracingState.VERIFIED)


class TracingQuerySet(FamilyQuerySet):
    def still_open(self) -> TracingQuerySet:
        return self.exclude(state=TracingState.CLOSED)


class TracingRequest(EncryptedModel):
    """The search for a missing relative, opened with the person's consent for tracing."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("note",)
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="tracing_requests", verbose_name=_("person")
    )
    relative = models.ForeignKey(
        Relative, on_delete=models.PROTECT, related_name="tracing_requests", verbose_name=_("relative")
    )
    state = models.CharField(
        pgettext_lazy("tracing", "state"), max_length=10, choices=TracingState.choices, default=TracingState.OPEN
    )
    consent = models.ForeignKey(
        "consent.ConsentRecord", on_delete=models.PROTECT, related_name="+", verbose_name=_("consent")
    )
    note = EncryptedTextField(_("what is known"), max_length=2000, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    opened_at = models.DateTimeField(default=timezone.now, verbose_name=_("opened on"))
    changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("changed on"))

    objects = TracingQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["relative"], condition=~Q(state="closed"), name="family_one_open_tracing_per_relative"
            ),
        ]
        indexes = [models.Index(fields=["state", "opened_at"], name="family_tracing_state")]
        verbose_name = _("tracing request")
        verbose_name_plural = _("tracing requests")

    def __str__(self) -> str:
        return f"tracing {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state != TracingState.CLOSED


class ActionKind(models.TextChoices):
    PARTNER = "partner", _("Asked a partner")
    RED_CROSS = "red_cross", _("Red Cross referral")
    PEER_NETWORK = "peer_network", _("Asked a peer network")


class Outcome(models.TextChoices):
    WAITING = "waiting", _("No answer yet")
    NO_NEWS = "no_news", _("No news")
    FOUND = "found", _("Found them")
    NOT_FOUND = "not_found", _("Could not find them")
    REFUSED = "refused", _("They would not help")


class TracingAction(EncryptedModel):
    """One step of a search: a partner, the Red Cross or a peer network asked about the
    relative, with the consent that allowed it and, later, what came of it."""

    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("asked", "outcome_note")
    VAULT_PARENT = "person"

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="tracing_actions", verbose_name=_("person")
    )
    request = models.ForeignKey(
        TracingRequest, on_delete=models.PROTECT, related_name="actions", verbose_name=_("request")
    )
    kind = models.CharField(_("what was done"), max_length=12, choices=ActionKind.choices)
    recipient = models.ForeignKey(
        "consent.Recipient", on_delete=models.PROTECT, related_name="+", verbose_name=_("partner")
    )
    consent = models.ForeignKey(
        "consent.ConsentRecord", on_delete=models.PROTECT, related_name="+", verbose_name=_("consent")
    )
    asked = EncryptedTextField(_("what we told them"), max_length=2000, blank=True)
    asked_on = models.DateField(_("on"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.WAITING)
    outcome_note = EncryptedTextField(_("what they said"), max_length=2000, blank=True)
    outcome_on = models.DateField(_("answered on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created on"))

    objects = FamilyQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["asked_on", "id"]
        verbose_name = _("tracing step")
        verbose_name_plural = _("tracing steps")

    def __str__(self) -> str:
        return f"tracing action {self.pk}"
