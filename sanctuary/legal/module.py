"""Legal papers, as the core sees it: the access modules, navigation with the count of papers
to act on, the dashboard card, the person page's papers card, the timeline, the merge step,
the work-permit listener on jobs ending and the demo's papers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.legal.actions import TIMELINE, do_add_paper, do_save_request, start_permit_clocks
from sanctuary.legal.models import (
    LEGAL,
    LEGAL_CONFIG,
    Authority,
    Detention,
    DetentionStatus,
    DocumentRequest,
    DocumentType,
    HandlerKind,
    LegalSettings,
    Paper,
    PaperStatus,
    PermitClock,
    RequestState,
)
from sanctuary.lib.stages import (
    DAY,
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
from sanctuary.people import work
from sanctuary.people.admission import admission_block
from sanctuary.people.models import Person, Status

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.accounts.models import User
    from sanctuary.people.merge import Merge


def _to_act_on(user: User) -> tuple[Any, Any, Any]:
    today = timezone.localdate()
    return (
        Paper.objects.visible_to(user).to_renew(today),
        PermitClock.objects.visible_to(user).open(),
        Detention.objects.visible_to(user).open(),
    )


def _badge(user: User) -> int:
    """Papers to renew, open permit clocks and open detentions: one query (a UNION ALL)."""
    papers, clocks, detentions = _to_act_on(user)
    ids = [queryset.order_by().values_list("pk") for queryset in (papers, clocks, detentions)]
    return ids[0].union(*ids[1:], all=True).count()


def _card(request: HttpRequest) -> dict[str, Any] | None:
    user: Any = request.user
    papers, clocks, detentions = _to_act_on(user)
    return {
        "expiring": papers.count(),
        "clocks": clocks.count(),
        "detentions": detentions.count(),
        "requests": DocumentRequest.objects.visible_to(user).pending().count(),
    }


def _panel(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    user: Any = request.user
    warning_days = LegalSettings.current().expiry_warning_days
    today = timezone.localdate()
    papers = list(Paper.objects.visible_to(user).filter(person=person).select_related("doc_type"))
    return {
        "person": person,
        "papers": [(p, p.days_left(today), p.standing(warning_days, today)) for p in papers],
        "clocks": [(c, c.days_left(today)) for c in PermitClock.objects.visible_to(user).open().filter(person=person)],
        "detentions": list(Detention.objects.visible_to(user).open().filter(person=person)),
        "requests": list(
            DocumentRequest.objects.visible_to(user).pending().filter(person=person).select_related("doc_type")
        ),
        "can_add": person.merged_into_id is None,
    }


def _merge(merge: Merge) -> None:
    """Papers, clocks, detentions and requests follow the person, encrypted again for the
    record kept. Nothing blocks a merge: two papers of one type are history (an old card and
    its renewal), and two open detentions are both shown until someone closes one. Status
    changes and the call checklist hang off their paper or detention and hold no values."""
    for model in (Paper, PermitClock, Detention, DocumentRequest):
        merge.move(model.objects.all())


def _demo(demo: Any) -> None:
    """A few papers for demo people (one pink card expiring within the warning days, a work
    permit, an application), and one request handled by a lawyer (added once)."""
    if Paper.objects.exists():
        return
    director = demo.users["director"]
    today = timezone.localdate()
    types = {t.code: t for t in DocumentType.objects.all()}
    if not {"pink_card", "work_permit", "unhcr"} <= set(types):
        return
    people = [
        p
        for p in Person.objects.filter(status=Status.IN_SHELTER, merged_into__isnull=True).order_by("pk")[:20]
        if admission_block(p) is None
    ][:4]
    plans = [
        ("pink_card", PaperStatus.ISSUED, today - timedelta(days=700), today + timedelta(days=35)),
        ("work_permit", PaperStatus.ISSUED, today - timedelta(days=200), today + timedelta(days=530)),
        ("unhcr", PaperStatus.ISSUED, today - timedelta(days=90), None),
        ("pink_card", PaperStatus.APPLIED, None, None),
    ]
    for person, (code, status, issued, expires) in zip(people, plans, strict=False):
        do_add_paper(
            director,
            person,
            {
                "doc_type": types[code],
                "status": status,
                "number": f"DEMO-{person.pk:05d}",
                "issuer": "Mae Sot immigration office" if issued else "",
                "issued_on": issued,
                "expires_on": expires,
            },
        )
    if people:
        do_save_request(
            director,
            people[0],
            {
                "doc_type": types["work_permit"],
                "handler_kind": HandlerKind.LAWYER,
                "handler_name": "Demo legal aid lawyer",
                "cost": Decimal("1500.00"),
                "submitted_on": today - timedelta(days=10),
                "expected_on": today + timedelta(days=20),
                "state": RequestState.SUBMITTED,
                "submitted_what": "Copy of the pink card, two photos, the employer's letter.",
            },
        )


# What legal steps say on the person timeline (encrypted: a detention is about someone). The
# earlier sentences (``legacy``) were stored as notes before messages; converted notes still
# say them, in the reader's language (a detention's end was its status alone).
TIMELINE_MESSAGES = (
    TimelineMessage(
        "legal.permit_clock",
        _("Work permit: the job ended; a new employer is needed by %(deadline)s."),
        {"deadline": DAY},
        legacy=(_("Work permit: the job ended; a new employer is needed."),),
    ),
    TimelineMessage(
        "legal.detained",
        _("Arrested or detained (%(authority)s) on %(on)s."),
        {"authority": Choice(Authority), "on": DAY},
        legacy=(_("Arrested or detained by Thai authorities."),),
    ),
    TimelineMessage(
        "legal.detention_ended",
        _("Detention ended: %(status)s on %(on)s."),
        {"status": Choice(DetentionStatus), "on": DAY},
        legacy=("%(status)s",),
    ),
)


# Audit codes of legal that are no field, in words.
AUDIT_LABELS = {
    "legal.paper.employer": _("employer"),
    "legal.detentioncall.done": _("done"),
    "legal.documenttype.document_type": _("document type"),
    "legal.legalsettings.settings": _("settings"),
    "legal:alerts": _("legal alerts"),
}


register(
    Stage(
        app="legal",
        audit_labels=AUDIT_LABELS,
        access=(
            Access(LEGAL, _("Papers, requests, work-permit clocks, arrests and detention")),
            Access(LEGAL_CONFIG, _("Types of paper, the alert periods, the detention call checklist")),
        ),
        nav=(NavEntry(url="legal:alerts", label=_("Papers"), module=LEGAL, badge=_badge, order=60),),
        dashboard=(DashboardCard(template="legal/_dashboard.html", context=_card, module=LEGAL, order=40),),
        person_panels=(
            PersonPanel(template="legal/_person_panel.html", context=_panel, module=LEGAL, place="cards", order=40),
        ),
        timeline=(TimelineKind(TIMELINE, _("Papers and detention")),),
        timeline_messages=TIMELINE_MESSAGES,
        merge=MergeStep(
            models=("legal.Paper", "legal.PermitClock", "legal.Detention", "legal.DocumentRequest"), apply=_merge
        ),
        demo=_demo,
        demo_order=60,
    )
)


def _employment_ended(*, person: Any, employer_ref: str, ended_on: Any, user: Any) -> None:
    """A job ended (jobs calls this through the core, inside its transaction): start the
    work-permit clock of the papers tied to that employer."""
    start_permit_clocks(person=person, employer_ref=employer_ref, ended_on=ended_on, user=user)


work.on_employment_ended(_employment_ended)
