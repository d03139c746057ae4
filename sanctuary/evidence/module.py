"""Evidence, as the core sees it: an access module directors are not given, the officers'
desk in the navigation (with what waits for them), the dashboard card, the person page's
testimony card (officers only), the merge step, the consent listener and demo data.

Nothing about evidence is written to the person's timeline (see ``actions``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sanctuary.consent import rules as consent_rules
from sanctuary.consent.models import Purpose, restrict_purpose
from sanctuary.evidence import jobs  # noqa: F401 - registers the packaging job
from sanctuary.evidence.actions import on_consent_withdrawn
from sanctuary.evidence.models import (
    EVIDENCE,
    Item,
    Package,
    PackageState,
    Testimony,
    WithdrawalNotice,
)
from sanctuary.lib.stages import Access, DashboardCard, MergeStep, NavEntry, PersonPanel, Stage, register
from sanctuary.vault.fields import read_values, write_values

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.accounts.models import User
    from sanctuary.people.merge import Merge
    from sanctuary.people.models import Person


def _waiting(user: User) -> tuple[Any, Any, Any]:
    return (
        Package.objects.visible_to(user).filter(state=PackageState.PROPOSED).exclude(proposed_by=user),
        Item.objects.visible_to(user).filter(hash_failed_at__isnull=False),
        WithdrawalNotice.objects.visible_to(user).filter(sent_at__isnull=True),
    )


def _badge(user: User) -> int:
    """Packages to release, items that failed a hash check, notices to send: one query."""
    ids = [queryset.order_by().values_list("pk") for queryset in _waiting(user)]
    return ids[0].union(*ids[1:], all=True).count()


def _card(request: HttpRequest) -> dict[str, Any] | None:
    to_release, failed, notices = _waiting(request.user)  # type: ignore[arg-type]
    return {"to_release": to_release.count(), "failed": failed.count(), "notices": notices.count()}


def _panel(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    rows = list(Testimony.objects.visible_to(request.user).filter(person=person))  # type: ignore[arg-type]
    return {"person": person, "testimonies": rows, "can_add": person.merged_into_id is None}


def _check_merge(merge: Merge) -> list[str]:
    """A package being released or built is tied to its testimony's fingerprint: finish or
    cancel it first."""
    busy = Package.objects.filter(
        testimony__person__in=[merge.primary, merge.secondary], state__in=[PackageState.PROPOSED, PackageState.RELEASED]
    )
    if busy.exists():
        return [gettext("A referral package of one of the records waits to be released or built: finish or cancel it.")]
    return []


def _merge(merge: Merge) -> None:
    """Screening records follow the person; their items are bound to the person through the
    testimony, so their values are encrypted again for the record kept. The files themselves
    are encrypted to the organisation's store key, not to the person: they stay as they are."""
    children = [(row, read_values(row)) for row in Item.objects.filter(testimony__person=merge.secondary)]
    merge.move(Testimony.objects.all())
    for row, plain in children:
        row.testimony.person = merge.primary
        write_values(row, plain)


def _demo(demo: Any) -> None:
    """One screening record with a small document, for the demo evidence officer (added once)."""
    if Testimony.objects.exists() or "evidence" not in demo.users:
        return
    from sanctuary.evidence import actions, store
    from sanctuary.evidence.models import Involvement, ItemKind, OrderKind, ReceivedHow
    from sanctuary.people.models import Region

    officer = demo.users["evidence"]
    teams = set(officer.teams.values_list("pk", flat=True))
    people = [p for p in demo.new_people if p.team_id in teams and p.merged_into_id is None][:1]
    if not people:
        return
    testimony = actions.do_save_testimony(
        officer,
        Testimony(
            person=people[0],
            involvement=Involvement.RECEIVED_ORDERS,
            order_kinds=[OrderKind.ARSON],
            region=Region.SAGAING,
            when="2022, dry season",
            unit="Light Infantry Battalion (demo)",
            summary_my="ရွာမီးရှို့ရန် အမိန့်ကို ရေဒီယိုဖြင့် လက်ခံရရှိခဲ့သည်။",
            summary_en="Received a radio order to burn a village.",
        ),
        ["involvement", "order_kinds", "region", "when", "unit", "summary_my", "summary_en"],
    )
    stored = store.write_bytes(b"Demo order, typed copy. Not a real document.\n")
    actions.do_receive_item(
        officer,
        testimony,
        stored,
        {
            "kind": ItemKind.DOCUMENT,
            "title": "Typed copy of an order (demo)",
            "filename": "order.txt",
            "content_type": "text/plain",
            "received_how": ReceivedHow.IN_PERSON,
        },
    )


consent_rules.on_withdrawn(on_consent_withdrawn)
restrict_purpose(Purpose.TESTIMONY, EVIDENCE)  # only evidence officers see who agreed to testify

# Audit codes of evidence that are no field, in words (the chain of custody of an item).
AUDIT_LABELS = {
    "evidence.item.received": _("received"),
    "evidence.item.downloaded": _("downloaded"),
    "evidence.item.working_copy": _("working copy made"),
    "evidence.item.item": _("evidence item"),  # "item:<id>": the copy made
    "evidence.item.package": _("evidence package"),  # "package:<id>": the package it went into
    "evidence.package.file": _("file"),
    "evidence:testimonies": _("testimonies"),
    "system.evidence.package": _("the job that builds an evidence package"),
}


register(
    Stage(
        app="evidence",
        audit_labels=AUDIT_LABELS,
        access=(Access(EVIDENCE, _("Testimony and evidence (evidence officers only)"), directors=False),),
        nav=(NavEntry(url="evidence:testimonies", label=_("Evidence"), module=EVIDENCE, badge=_badge, order=75),),
        dashboard=(DashboardCard(template="evidence/_dashboard.html", context=_card, module=EVIDENCE, order=60),),
        person_panels=(PersonPanel(template="evidence/_person_panel.html", context=_panel, module=EVIDENCE, order=80),),
        merge=MergeStep(models=("evidence.Testimony",), check=_check_merge, apply=_merge),
        demo=_demo,
        demo_order=70,
    )
)
