"""The person record, as the registry sees it: the person list and true-name requests in the
navigation, the dashboard's pipeline, its merge step and demo people are the core's own, so
they are declared the same way as every stage's (``sanctuary.lib.stages``)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import Module, can_approve_identity
from sanctuary.audit import labels as audit_labels
from sanctuary.lib.stages import DashboardCard, MergeStep, NavEntry, Stage, TimelineMessage, register
from sanctuary.people import contact, transfers
from sanctuary.people import jobs as _jobs  # noqa: F401  (registers the register-wide job kinds)
from sanctuary.people.figures import FIGURES
from sanctuary.people.models import (
    ContactPoint,
    HouseholdMember,
    IdentityRequest,
    IdentityRequestStatus,
    Person,
    PersonDocument,
    PersonEvent,
    PersonSearchToken,
    Status,
    Transfer,
)
from sanctuary.vault.crypto import DecryptError
from sanctuary.vault.fields import read_values, write_values

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.accounts.models import User
    from sanctuary.people.merge import Merge


def identity_requests_waiting(user: User) -> int:
    return (
        IdentityRequest.objects.visible_to(user)
        .filter(status=IdentityRequestStatus.PENDING)
        .exclude(requester=user)
        .count()
    )


def _pipeline(request: HttpRequest) -> dict[str, Any]:
    people = Person.objects.visible_to(request.user)  # type: ignore[arg-type]
    counts = dict(people.order_by().values_list("status").annotate(n=Count("id")))
    week_ago = timezone.now() - timedelta(days=7)
    return {
        "status_counts": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
        "people_total": sum(counts.values()),
        "waiting_first_contact": people.filter(status=Status.FIRST_CONTACT, status_changed_at__lt=week_ago)
        .select_related("team")
        .order_by("status_changed_at")[:20],
        "recent_events": PersonEvent.objects.filter(person__in=people)
        .select_related("person", "actor")
        .order_by("-at", "-id")[:15],
    }


def _transfers_waiting(request: HttpRequest) -> dict[str, Any] | None:
    """Hand-overs waiting for this user's decision (none shown when there are none)."""
    user: User = request.user  # type: ignore[assignment]
    waiting = [
        t
        for t in Transfer.objects.visible_to(user).pending().select_related("to_team", "from_team")[:50]
        if transfers.refusal_to_decide(user, t) is None
    ]
    return {"transfers_waiting": len(waiting)} if waiting else None


def _demo(demo: Any) -> None:
    """Two accepted people of the intake desk waiting to be handed over to the safe houses (the
    shelter manager accepts them on the hand-overs page), and one handed over already."""
    if Transfer.objects.exists() or len(demo.teams) < 2:
        return
    intake, houses = demo.teams[0], demo.teams[1]
    asker, manager = demo.users.get("vetting"), demo.users.get("shelter")
    if asker is None or manager is None:
        return
    ready = [p for p in demo.new_people if p.team_id == intake.pk and p.status == Status.ACCEPTED][:3]
    for n, person in enumerate(ready):
        transfer = transfers.do_request_transfer(asker, person, houses, "စိစစ်ပြီး လက်ခံထားသည်- အိပ်ရာ လိုအပ်သည်။")
        if n == 0:
            transfers.do_decide_transfer(manager, transfer, accept=True)


def _check_person_contact(pk: int, means: contact.Means, user: Any) -> None:
    """``"person:<pk>"``: a person on file, reached directly, if the user may see them. Nobody
    messages a person recorded as captured (their phone may be in an interrogator's hands), as
    deceased, or rejected at vetting (possibly an infiltrator: told nothing more)."""
    person = Person.objects.visible_to(user).filter(pk=pk).first()
    if person is None:
        raise contact.ContactRefused("unknown")
    if person.status == Status.CAPTURED:
        raise contact.ContactRefused("captured")
    if person.status == Status.DECEASED:
        raise contact.ContactRefused("deceased")
    if person.status == Status.REJECTED:
        raise contact.ContactRefused("rejected")  # turned away at vetting: possibly an infiltrator
    if means.how != contact.How.DIRECT:
        raise contact.ContactRefused("how")


def _person_targets(person: Person, user: Any) -> list[tuple[str, str]]:
    if person.merged_into_id is not None or not Person.objects.visible_to(user).filter(pk=person.pk).exists():
        return []
    return [(f"person:{person.pk}", str(_("The person themself")))]


def _check_merge(merge: Merge) -> list[str]:
    """Records of two teams are not merged: the people of one team would move out of its
    members' sight (a journey's coordinator among them). A director first moves one record
    into the other's team. Every document must still be readable, to be encrypted again."""
    primary, secondary = merge.primary, merge.secondary
    reasons = []
    if primary.team_id != secondary.team_id:
        reasons.append(
            str(_("the records are in different teams (%(a)s, %(b)s): a director moves one into the other's team"))
            % {"a": primary.team or "—", "b": secondary.team or "—"}
        )
    for document in PersonDocument.objects.filter(person=secondary).select_related("person"):
        try:
            document.read_file()
        except (OSError, DecryptError):
            reasons.append(str(_("a document of %(code)s cannot be read any more")) % {"code": secondary.case_code})
    return reasons


def _warn_merge(merge: Merge) -> list[str]:
    """Grants end with a merge, and a waiting hand-over of the folded record is withdrawn:
    said before it is confirmed, when there are any."""
    warnings: list[str] = []
    now = timezone.now()
    requests = IdentityRequest.objects.filter(person__in=[merge.primary, merge.secondary])
    open_ones = requests.filter(status=IdentityRequestStatus.APPROVED, expires_at__gt=now) | requests.filter(
        status=IdentityRequestStatus.PENDING
    )
    if open_ones.exists():
        warnings.append(str(_("True-name grants on either record end, and requests waiting for a decision lapse.")))
    if Transfer.objects.pending().filter(person=merge.secondary).exists():
        warnings.append(str(_("The hand-over waiting for the folded record is withdrawn.")))
    return warnings


def _merge(merge: Merge) -> None:
    """Contacts, household, timeline and documents follow the person, encrypted again for the
    record kept (documents' files too: written anew, the old file removed once the merge is
    committed). True-name requests stay with the record they were made for: an approval to
    see one record's identity is not one to see another's, so open grants end and pending
    requests lapse."""
    for model in (ContactPoint, HouseholdMember, PersonEvent):
        merge.move(model.objects.all())
    for document in PersonDocument.objects.filter(person=merge.secondary).select_related("person"):
        data = document.read_file()
        values = read_values(document)
        old_name = document.stored_name
        document.person = merge.primary
        document.stored_name = document.write_file(data)
        merge.wrote_file(document.stored_name)
        write_values(document, values, also=("person", "stored_name"))
        merge.delete_file_on_commit(old_name)
        merge.moved["people.PersonDocument"] = merge.moved.get("people.PersonDocument", 0) + 1
    # On both records: a grant to see the kept record's identity would otherwise show the
    # folded one's family and papers, which nobody approved.
    now = timezone.now()
    requests = IdentityRequest.objects.filter(person__in=[merge.primary, merge.secondary])
    requests.filter(status=IdentityRequestStatus.APPROVED, expires_at__gt=now).update(expires_at=now)
    requests.filter(status=IdentityRequestStatus.PENDING).update(status=IdentityRequestStatus.REFUSED, decided_at=now)
    # Search words come from the alias of the record kept; the other is no longer listed.
    PersonSearchToken.objects.filter(person=merge.secondary).delete()
    # Hand-overs stay with the record they were made for (its history); one still waiting
    # is withdrawn: the record kept is handed over on its own.
    transfers.withdraw_on_merge(merge.user, merge.secondary)


class _PersonFields:
    """A parameter listing fields of a person's record (by name, never a value), shown as the
    audit view names them."""

    def show(self, value: Any) -> str:
        codes = value if isinstance(value, list) else [value]
        return ", ".join(audit_labels.field_labels("people.person", [str(c) for c in codes])) or "—"

    def parse(self, text: str) -> Any:
        return None  # never written as a note


# What the core's timeline steps say (``people.timeline``); stages declare theirs.
TIMELINE_MESSAGES = (
    TimelineMessage("people.merged_with", _("Merged with %(case_code)s")),
    TimelineMessage("people.merged_into", _("Merged into %(case_code)s")),
    TimelineMessage("people.handed_over", _("Handed over from “%(from_team)s” to “%(to_team)s”")),
    TimelineMessage("people.updated", _("Changed: %(fields)s"), params={"fields": _PersonFields()}),
)


# The audit codes of the person record that are no field, in words. The fields named here give
# themselves no name yet: people/models.py is being changed alongside (the transfers), so their
# names live here for now; a field's own ``verbose_name`` wins over these.
_FIELDS = {
    "people.person.status_changed_at": _("status changed on"),
    "people.person.created_at": _("created on"),
    "people.person.updated_at": _("updated on"),
    "people.person.created_by": _("created by"),
    "people.person.form_token_hash": _("form token fingerprint"),
    "people.person.merged_into": _("merged into"),
    "people.contactpoint.person": _("person"),
    "people.householdmember.person": _("person"),
    "people.personsearchtoken.person": _("person"),
    "people.personsearchtoken.token": _("token"),
    "people.identityrequest.person": _("person"),
    "people.identityrequest.requester": _("requester"),
    "people.identityrequest.status": _("status"),
    "people.identityrequest.decided_by": _("decided by"),
    "people.identityrequest.decided_at": _("decided on"),
    "people.identityrequest.expires_at": _("expires on"),
    "people.identityrequest.created_at": _("created on"),
    "people.persondocument.person": _("person"),
    "people.persondocument.content_type": _("file type"),
    "people.persondocument.size": _("size"),
    "people.persondocument.stored_name": _("stored file name"),
    "people.persondocument.uploaded_at": _("uploaded on"),
    "people.persondocument.uploaded_by": _("uploaded by"),
    "people.presavecheck.user": _("user"),
    "people.presavecheck.at": _("time"),
    "people.presavecheck.withheld": _("withheld"),
    "people.presavecheck.saved": _("saved"),
}
AUDIT_LABELS = {
    **_FIELDS,
    "people.person.note": _("note"),  # a status change's note (its value is on the timeline)
    "people.person.reason": _("reason"),  # a true-name request's reason
    "people.person.merged_records": _("records merged"),
    "people.person.merged_from": _("merged from record"),  # "merged_from:<id>"
    "people.person.presave": _("check before saving"),
    "people.person.refused:limit": _("refused: too many checks in an hour"),
    "people.person.matches_shown": _("possible matches shown"),
    "people.person.no_match_shown": _("no possible match"),
    "people.person.matches_withheld": _("possible matches withheld"),
    "people.person.identifier": _("search by a number"),
    "people.person.q": _("search by name"),
    "people.persondocument.file": _("file"),
    "people.person.seed": _("demo people made"),
    "people.person.handed_over": _("read by the previous team after a hand-over"),
    "people.person.out_of_reach": _("asked for, but not in the user's teams"),
    "people.person.from_team": _("from team"),  # "from_team:<id>"
    "people.person.to_team": _("to team"),  # "to_team:<id>"  # "seed:<n>", the demo's entry
    "people:list": _("person list"),
    "people:identity_queue": _("true-name requests"),
    "people:transfers": _("hand-overs"),
    # Reaching someone (``people.contact``): the kind of target, and why a contact was refused.
    "contact.refused": _("contact refused"),
    "contact.person": _("contact with a person"),
    "emergency": _("emergency"),
    "reason": _("reason"),
    **{f"contact.refused.{code}": message for code, message in contact.ContactRefused.messages.items()},
}


register(
    Stage(
        app="people",
        timeline_messages=TIMELINE_MESSAGES,
        audit_labels=AUDIT_LABELS,
        figures=FIGURES,
        nav=(
            NavEntry(url="people:list", label=_("People"), module=Module.PEOPLE, order=10),
            NavEntry(url="people:transfers", label=_("Hand-overs"), module=Module.TRANSFER, order=12),
            NavEntry(
                url="people:identity_queue",
                label=_("True-name requests"),
                visible=can_approve_identity,
                badge=identity_requests_waiting,
                order=95,
            ),
        ),
        dashboard=(
            DashboardCard(template="people/_dashboard.html", context=_pipeline, module=Module.PEOPLE, order=50),
            DashboardCard(
                template="people/_transfers_dashboard.html",
                context=_transfers_waiting,
                module=Module.TRANSFER,
                order=45,
            ),
        ),
        merge=MergeStep(
            models=(
                "people.ContactPoint",
                "people.HouseholdMember",
                "people.PersonEvent",
                "people.PersonDocument",
                "people.IdentityRequest",
                "people.PersonSearchToken",
                "people.Transfer",
            ),
            check=_check_merge,
            warn=_warn_merge,
            apply=_merge,
            order=10,
        ),
        demo=_demo,
        demo_order=5,
    )
)
contact.register_rule("person", _check_person_contact, targets=_person_targets)
