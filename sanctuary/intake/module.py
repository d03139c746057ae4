"""First contact, as the core sees it: access modules, navigation with the count of new
contacts, the dashboard card, the person page's links to their first contacts, the timeline,
the merge step and the demo's two contacts."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from sanctuary.intake import actions
from sanctuary.intake.models import INTAKE, Source, Submission, TriageState
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
from sanctuary.people import attribution
from sanctuary.people.models import ContactKind, Status

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.accounts.models import User
    from sanctuary.people.merge import Merge
    from sanctuary.people.models import Person

INTAKE_LOG = "intake_log"


def new_contacts(user: User) -> int:
    return Submission.objects.visible_to(user).filter(state=TriageState.NEW).count()


def _card(request: HttpRequest) -> dict[str, Any]:
    return {"new_contacts": new_contacts(request.user)}  # type: ignore[arg-type]


def _person_links(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    submissions = list(Submission.objects.visible_to(request.user).filter(person=person).only("id"))  # type: ignore[arg-type]
    return {"submissions": submissions} if submissions else None


def _own_words(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    """The person's story as they wrote it at first contact, on their page, for those who may
    read first contacts (each read audited, as on the triage page). Nothing while sealed."""
    from sanctuary.audit.log import record
    from sanctuary.audit.models import Action
    from sanctuary.vault import state

    if state.is_sealed():
        return None
    submissions = list(
        Submission.objects.visible_to(request.user).filter(person=person).select_related("key").order_by("pk")  # type: ignore[arg-type]
    )
    stories = []
    for submission in submissions:
        story = str(submission.read().get("story", "")).strip()
        if story:
            record(request.user, Action.VIEW, submission, fields=["story"])  # type: ignore[arg-type]
            stories.append((submission, story))
    return {"stories": stories} if stories else None


def _merge(merge: Merge) -> None:
    """First contacts follow the person (their payloads are sealed to the intake key, bound
    to the submission, not to a person: nothing to encrypt again)."""
    merge.move(Submission.objects.all())


DEMO_CONTACTS = [
    {
        "writer": "self",
        "name": "ကိုဇော်",
        "channel": "signal",
        "handle": "+66 81 234 5678",
        "force": "army",
        "rank": "တပ်ကြပ်",
        "location": "kayin",
        "urgency": "now",
        "story": "ကျွန်တော် တပ်ကနေ ထွက်ချင်ပါတယ်။ ဒီအပတ်ထဲ စခန်းက ထွက်နိုင်ပါတယ်။",
    },
    {
        "writer": "relative",
        "name": "Maung Thura",
        "channel": "facebook",
        "handle": "fb.com/thura.demo",
        "force": "police",
        "location": "yangon",
        "urgency": "week",
        "story": "My brother is a police constable and wants to leave. How can he reach you safely?",
    },
]


def _demo(demo: Any) -> None:
    """Two first contacts in the triage queue (added once)."""
    if Submission.objects.exists():
        return
    for fields in DEMO_CONTACTS:
        heard = "word:relative" if fields["writer"] == "relative" else ""
        actions.do_receive(fields, [], actions.new_form_token(), heard_via=heard)


# People the organisation accepted, whatever happened to them since.
ACCEPTED_ONWARDS = (
    Status.ACCEPTED,
    Status.IN_TRANSIT,
    Status.ARRIVED,
    Status.IN_SHELTER,
    Status.INDEPENDENT,
    Status.RESETTLED,
)


def _attribution(since: date, until: date) -> list[attribution.Count]:
    """First contacts received in the period by what they said brought them, and how many of
    them are people the organisation accepted (clear columns only: counted while sealed).
    Spam and contacts merged into an earlier one are not counted."""
    rows = (
        Submission.objects.filter(received_at__date__gte=since, received_at__date__lte=until, merged_into__isnull=True)
        .exclude(state=TriageState.SPAM)
        .order_by()
        .values("heard_via")
        .annotate(n=Count("id"), accepted=Count("id", filter=Q(person__status__in=ACCEPTED_ONWARDS)))
    )
    return [attribution.Count(row["heard_via"], row["n"], row["accepted"]) for row in rows]


attribution.register_counter(_attribution)


# What intake's steps say on the person timeline: which first contact (its day, how it came and
# the channel the person gave, as codes), never what it said.
_CONTACT: dict[str, Param] = {"received": DAY, "channel": Choice(ContactKind), "source": Choice(Source)}
TIMELINE_MESSAGES = (
    TimelineMessage(
        "intake.made_from", _("Record made from a first contact of %(received)s (%(source)s, %(channel)s)"), _CONTACT
    ),
    TimelineMessage(
        "intake.linked", _("First contact of %(received)s linked to this record (%(source)s, %(channel)s)"), _CONTACT
    ),
)


# Audit codes of intake that are no field, in words.
AUDIT_LABELS = {
    "intake.submission.files": _("attached files"),
    "intake.submission.story": _("their story"),
    "intake.intakekey.replaced_unverified_key": _("an unverified key replaced"),
    "intake:queue": _("first contacts to triage"),
}


register(
    Stage(
        app="intake",
        audit_labels=AUDIT_LABELS,
        access=(
            Access(INTAKE, _("The triage queue of first contacts")),
            Access(INTAKE_LOG, _("Log a first contact that came by chat or phone")),
        ),
        nav=(
            NavEntry(url="intake:queue", label=_("First contacts"), module=INTAKE, badge=new_contacts, order=20),
            NavEntry(url="intake:log", label=_("Log a contact"), module=INTAKE_LOG, hidden_with=INTAKE, order=21),
        ),
        dashboard=(DashboardCard(template="intake/_dashboard.html", context=_card, module=INTAKE, order=20),),
        person_panels=(
            PersonPanel(
                template="intake/_person_links.html", context=_person_links, module=INTAKE, place="actions", order=90
            ),
            PersonPanel(template="intake/_own_words.html", context=_own_words, module=INTAKE, place="cards", order=5),
        ),
        timeline=(TimelineKind("intake", _("First contact linked")),),
        timeline_messages=TIMELINE_MESSAGES,
        merge=MergeStep(models=("intake.Submission",), apply=_merge),
        demo=_demo,
        demo_order=20,
        public_paths=("/intake",),  # the public form and status page (the secret path is the core's)
    )
)
