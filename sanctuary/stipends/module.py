"""Stipends, as the core sees it: the access module, navigation, the dashboard's runs to
approve, the person page's ledger button, the merge step and the demo's funder."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from sanctuary.lib.stages import (
    Access,
    DashboardCard,
    MergeStep,
    NavEntry,
    PersonPanel,
    Stage,
    TimelineMessage,
    register,
)
from sanctuary.people import support
from sanctuary.people.admission import admissible
from sanctuary.people.models import Person, Status
from sanctuary.stipends import jobs as _jobs  # noqa: F401  (registers the stipend job kinds)
from sanctuary.stipends.figures import FIGURES
from sanctuary.stipends.models import STIPENDS, Enrollment, Funder, Hold, PaymentLine, PaymentRun, RunState, StipendRule

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.people.merge import Merge


def _card(request: HttpRequest) -> dict[str, Any]:
    runs = (
        PaymentRun.objects.visible_to(request.user)  # type: ignore[arg-type]
        .filter(state=RunState.DRAFT)
        .exclude(drafted_by=request.user)
        .select_related("funder")
    )
    return {"runs_to_approve": runs}


def _ledger_button(request: HttpRequest, person: Person) -> dict[str, Any]:
    return {"person": person}


def _merge(merge: Merge) -> None:
    """Payments, holds and funder lists follow the person.

    Two payments for the same funder and month (the same person was paid twice, once on each
    record) both stay, as history on the record kept, and both wait for a second finance
    officer's review (a run cannot be paid out before); so do moved lines of runs not paid out
    yet. Every moved line names the record it was made to.
    Two open places on one funder's list become one: the moved one is closed today."""
    primary, secondary = merge.primary, merge.secondary
    taken = set(PaymentLine.objects.filter(person=primary).values_list("funder_id", "month"))
    moved = PaymentLine.objects.filter(person=secondary)
    twice = [(line.funder_id, line.month) for line in moved if (line.funder_id, line.month) in taken]
    # Lines of runs not paid out yet were approved for someone else: a finance officer looks
    # again before the money goes (do_disburse_run refuses until then).
    unpaid = list(moved.filter(run__state__in=[RunState.DRAFT, RunState.APPROVED]).values_list("pk", flat=True))
    PaymentLine.objects.filter(pk__in=unpaid).update(needs_review=True)
    # Every moved line names the record it was made to, so a file exported before the merge
    # still reconciles, and a month paid on both records may stand twice, as history.
    merge.moved["stipends.PaymentLine"] = moved.update(person=primary, merged_from=secondary)
    for funder_id, month in twice:
        PaymentLine.objects.filter(person=primary, funder_id=funder_id, month=month).update(needs_review=True)
    if twice:
        merge.note("stipends.paid_twice", n=len(twice))
    today = timezone.localdate()
    listed = set(Enrollment.objects.filter(person=primary, end__isnull=True).values_list("funder_id", flat=True))
    for enrollment in Enrollment.objects.filter(person=secondary, end__isnull=True, funder_id__in=listed):
        enrollment.end = max(enrollment.start, today)
        enrollment.save(update_fields=["end"])
    merge.move(Enrollment.objects.all())
    merge.move(Hold.objects.all())


def _demo(demo: Any) -> None:
    """One funder with today's rule; the admissible people on its list (added once)."""
    if Funder.objects.exists():
        return
    director = demo.users["director"]
    funder = Funder.objects.create(name="Community Fund")
    StipendRule.objects.create(funder=funder, effective_from=date(2024, 1, 1), single_amount=700, family_amount=1400)
    start = date(timezone.localdate().year, 1, 1)
    eligible = admissible(Person.objects.filter(status__in=[Status.IN_SHELTER, Status.ARRIVED, Status.ACCEPTED]))
    Enrollment.objects.bulk_create(
        [Enrollment(person=p, funder=funder, start=start, added_by=director) for p in eligible]
    )


def _stipend_ends(person_ids: Iterable[int]) -> dict[int, date]:
    """When each person's stipend ends: the end set on their list entry, or the rule's last
    month (``max_months`` after they joined). The earliest of their funders decides."""
    ends: dict[int, date] = {}
    limits: dict[int, int | None] = {}
    for funder_id, months in StipendRule.objects.order_by("funder_id", "-effective_from").values_list(
        "funder_id", "max_months"
    ):
        limits.setdefault(funder_id, months)
    ids = list(person_ids)
    for person_id, funder_id, start in Enrollment.objects.filter(person_id__in=ids, end__isnull=True).values_list(
        "person_id", "funder_id", "start"
    ):
        months = limits.get(funder_id)
        if months:
            index = start.month - 1 + months
            end = date(start.year + index // 12, index % 12 + 1, 1) - timedelta(days=1)
            ends[person_id] = min(end, ends.get(person_id, end))
    for person_id, end in Enrollment.objects.filter(person_id__in=ids, end__isnull=False).values_list(
        "person_id", "end"
    ):
        ends[person_id] = min(end, ends.get(person_id, end))
    return ends


support.register_stipend_end(_stipend_ends)


# What a merge says of stipends on the kept record's timeline. Merges wrote it as a note before
# messages, in one of its forms (``forms``: the sentence for 1 and for more, to recognise).
TIMELINE_MESSAGES = (
    TimelineMessage(
        "stipends.paid_twice",
        ngettext_lazy(
            "%(n)s month was paid on both records: flagged for finance review.",
            "%(n)s months were paid on both records: flagged for finance review.",
            "n",
        ),
        forms=(
            ngettext_lazy(
                "%(n)s month was paid on both records: flagged for finance review.",
                "%(n)s months were paid on both records: flagged for finance review.",
                1,
            ),
            ngettext_lazy(
                "%(n)s month was paid on both records: flagged for finance review.",
                "%(n)s months were paid on both records: flagged for finance review.",
                2,
            ),
        ),
    ),
)


# Audit codes of stipends that are no field, in words: the file a run was exported as.
AUDIT_LABELS = {
    "stipends.paymentrun.csv": _("CSV file"),
    "stipends.paymentrun.xlsx": _("XLSX file"),
    "stipends.paymentrun.pdf": _("PDF file"),
    "stipends.paymentrun.funder": _("file for the funder"),
    "people.person.stipends": _("stipends"),  # a person's ledger, viewed
    "stipends:funder": _("funder's list"),
    "stipends:run": _("payment run"),
    "stipends:reconcile": _("reconciliation"),
}


register(
    Stage(
        app="stipends",
        audit_labels=AUDIT_LABELS,
        figures=FIGURES,
        access=(Access(STIPENDS, _("Funders, rules, payment runs, reconciliation, ledgers")),),
        nav=(NavEntry(url="stipends:runs", label=_("Stipends"), module=STIPENDS, order=60),),
        dashboard=(DashboardCard(template="stipends/_dashboard.html", context=_card, module=STIPENDS, order=40),),
        person_panels=(
            PersonPanel(
                template="stipends/_ledger_button.html",
                context=_ledger_button,
                module=STIPENDS,
                place="actions",
                order=40,
            ),
        ),
        timeline_messages=TIMELINE_MESSAGES,
        merge=MergeStep(models=("stipends.PaymentLine", "stipends.Enrollment", "stipends.Hold"), apply=_merge),
        demo=_demo,
        demo_order=40,
    )
)
