"""Payment runs: draft (one transaction), approve (a second finance user), disburse, reconcile.

Drafting deletes and rebuilds the lines of the month's draft inside one transaction: a
crash (even kill -9) leaves the previous state or the complete new draft, and drafting
again is always safe. The unique (person, funder, month) constraint makes paying twice
impossible whatever happens around it.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from sanctuary.accounts.policy import ON_HOLD, require_settled
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.bounds import REFUSALS, STIPEND_MONTH, STIPEND_RULE, refuse_outside
from sanctuary.lib.refusal import Refusal
from sanctuary.people import support
from sanctuary.people.admission import admissible, admission_block
from sanctuary.people.models import HouseholdMember, Person, Relation
from sanctuary.people.support import Adjustment
from sanctuary.stipends.models import (
    Enrollment,
    Funder,
    Hold,
    LineStatus,
    PaymentLine,
    PaymentRun,
    RunState,
    StipendRule,
    month_start,
)

if TYPE_CHECKING:
    from django.forms import ModelForm

    from sanctuary.accounts.models import User

BATCH = 1000


class RunError(Refusal):
    messages = {
        "on_hold": ON_HOLD,
        "no_rule": _("This funder has no rule for that month: add one first."),
        "not_draft": _("This run is approved already: it cannot be drafted again."),
        "own_run": _("You drafted this run: a second finance officer must approve it."),
        "drafting": _("A draft of this month is being made right now: open it in a moment."),
        "changed": _(
            "This run changed after you looked at it (it was drafted again): look at it again, then approve it."
        ),
        "not_approved": _("The run must be approved before it is paid out."),
        "not_disbursed": _("The run must be paid out before it is reconciled."),
        "lines_to_review": ngettext_lazy(
            "%(n)s line of this run comes from records merged into one person: review it before paying out.",
            "%(n)s lines of this run come from records merged into one person: review them before paying out.",
            "n",
        ),
        "rule_date_taken": _("There is already a rule from that date."),
        "unknown_condition": _("The rule names a condition that is not installed (%(name)s): edit the rule."),
        "already_enrolled": _("Already on this funder's list."),
        "reviewed": _("This line was reviewed already."),
        **REFUSALS,
    }


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def previous_month(month: date) -> date:
    return month_start(month - timedelta(days=1))


def rule_for(funder: Funder, month: date) -> StipendRule | None:
    """The rule in force on the month's first day (or the first one starting in it)."""
    rules = StipendRule.objects.filter(funder=funder, effective_from__lte=month_end(month))
    return rules.order_by("-effective_from").first()


def eligible(funder: Funder, month: date) -> QuerySet[Enrollment]:
    """Enrollments that pay this month: on the list during the month, admissible, not held."""
    first, last = month, month_end(month)
    holds = Hold.objects.filter(person=OuterRef("person"), start__lte=last).filter(
        Q(end__isnull=True) | Q(end__gte=first)
    )
    people = admissible(Person.objects.filter(merged_into__isnull=True))
    return (
        Enrollment.objects.filter(funder=funder, start__lte=last)
        .filter(Q(end__isnull=True) | Q(end__gte=first))
        .filter(person__in=people.values("pk"))
        .exclude(Exists(holds))
        .order_by("person_id")
    )


def _amount(rule: StipendRule, family: bool, enrollment: Enrollment, month: date) -> tuple[Decimal, str]:
    full = rule.family_amount if family else rule.single_amount
    basis = "family" if family else "single"
    if not rule.prorate:
        return full, basis
    first, last = month, month_end(month)
    start = max(first, enrollment.start)
    end = min(last, enrollment.end) if enrollment.end else last
    days, in_month = (end - start).days + 1, (last - first).days + 1
    if days >= in_month:
        return full, basis
    amount = (full * days / in_month).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return amount, f"{basis};prorated:{days}/{in_month}"


def _conditions(rule: StipendRule, person_ids: list[int], month: date) -> dict[int, list[tuple[str, Adjustment]]]:
    """What the conditions ticked on the rule do to each person's payment this month. A
    condition no installed stage registers any more refuses the draft: paying in full what
    the funder conditioned is not a silent default."""
    found: dict[int, list[tuple[str, Adjustment]]] = {}
    for code in rule.condition_codes():
        condition = support.condition(code)
        if condition is None:
            raise RunError("unknown_condition", name=code)
        for person_id, adjustment in condition.evaluate(person_ids, month, month_end(month)).items():
            found.setdefault(person_id, []).append((code, adjustment))
    return found


def check_can_draft(funder: Funder, month: date) -> None:
    refuse_outside(month, STIPEND_MONTH, RunError)
    """Refuse before queueing a draft that cannot be made (no rule; approved already)."""
    if rule_for(funder, month_start(month)) is None:
        raise RunError("no_rule")
    if PaymentRun.objects.filter(funder=funder, month=month_start(month)).exclude(state=RunState.DRAFT).exists():
        raise RunError("not_draft")


def do_draft_run(user: User, funder: Funder, month: date, on_batch: Callable[[int], None] | None = None) -> PaymentRun:
    """Create or rebuild the month's draft run for a funder (one transaction)."""
    month = month_start(month)
    refuse_outside(month, STIPEND_MONTH, RunError)
    rule = rule_for(funder, month)
    if rule is None:
        raise RunError("no_rule")
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().filter(funder=funder, month=month).first()
        if run is not None and run.state != RunState.DRAFT:
            raise RunError("not_draft")
        if run is None:
            try:
                with transaction.atomic():
                    run = PaymentRun.objects.create(
                        funder=funder, month=month, drafted_by=user, drafted_at=timezone.now()
                    )
            except IntegrityError:  # another first draft of this month, at this very moment
                raise RunError("drafting") from None
        else:
            run.lines.all().delete()
            run.drafted_by = user
            run.drafted_at = timezone.now()
        enrollments = list(eligible(funder, month).only("id", "person_id", "start", "end"))
        person_ids = [e.person_id for e in enrollments]
        families = set(
            HouseholdMember.objects.filter(
                person_id__in=person_ids, relation__in=[Relation.SPOUSE, Relation.CHILD]
            ).values_list("person_id", flat=True)
        )
        earlier: dict[int, int] = {}
        if rule.max_months:
            counts = (
                PaymentLine.objects.filter(funder=funder, person_id__in=person_ids, month__lt=month)
                .exclude(status=LineStatus.RETURNED)
                .values("person_id")
                .annotate(n=Count("id"))
            )
            earlier = {row["person_id"]: row["n"] for row in counts}
        adjustments = _conditions(rule, person_ids, month)
        lines: list[PaymentLine] = []
        done = 0
        for enrollment in enrollments:
            if rule.max_months and earlier.get(enrollment.person_id, 0) >= rule.max_months:
                continue
            amount, basis = _amount(rule, enrollment.person_id in families, enrollment, month)
            for code, adjustment in adjustments.get(enrollment.person_id, []):
                amount = (amount * adjustment.share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                basis = f"{basis};cond:{code}:{adjustment.code}"
            lines.append(
                PaymentLine(
                    run=run,
                    person_id=enrollment.person_id,
                    funder=funder,
                    month=month,
                    amount=amount,
                    currency=funder.currency,
                    basis=basis,
                )
            )
            if len(lines) >= BATCH:
                PaymentLine.objects.bulk_create(lines)
                done += len(lines)
                lines = []
                if on_batch:
                    on_batch(done)
        PaymentLine.objects.bulk_create(lines)
        totals = run.lines.aggregate(total=Sum("amount"), people=Count("id"))
        run.total = totals["total"] or Decimal(0)
        run.people = totals["people"]
        run.save()
        record(user, Action.CREATE, run, fields=["lines"])
    return run


def run_fingerprint(run: PaymentRun) -> str:
    """What the second officer reviews: every line (person, amount, currency, basis), the
    total and when it was drafted. Drafting again changes it, so an approval given to one
    version cannot pay another."""
    lines = PaymentLine.objects.filter(run_id=run.pk).order_by("person_id")
    blob = "|".join(
        f"{p}:{a:.2f}:{c}:{b}" for p, a, c, b in lines.values_list("person_id", "amount", "currency", "basis")
    )
    stored = PaymentRun.objects.filter(pk=run.pk).values_list("total", "people", "drafted_at").get()  # as stored
    total, people, drafted_at = stored
    head = f"{run.pk}:{total:.2f}:{people}:{drafted_at.isoformat() if drafted_at else ''}"
    return hashlib.sha256(f"{head}|{blob}".encode()).hexdigest()


@transaction.atomic
def do_approve_run(user: User, run: PaymentRun, seen: str) -> PaymentRun:
    """The second officer approves the version they reviewed (``seen``: its fingerprint, shown
    on the page and posted back)."""
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    if run.state != RunState.DRAFT:
        raise RunError("not_draft")
    if run.drafted_by_id == user.pk:
        raise RunError("own_run")
    require_settled(user, RunError)
    if seen != run_fingerprint(run):
        raise RunError("changed")
    run.state = RunState.APPROVED
    run.approved_by = user
    run.approved_at = timezone.now()
    run.save(update_fields=["state", "approved_by", "approved_at"])
    record(user, Action.UPDATE, run, fields=["state"])
    return run


@transaction.atomic
def do_disburse_run(user: User, run: PaymentRun, method: str) -> PaymentRun:
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    if run.state != RunState.APPROVED:
        raise RunError("not_approved")
    to_review = run.lines.filter(needs_review=True).count()
    if to_review:  # its lines changed hands after approval (a merge): look before paying
        raise RunError("lines_to_review", n=to_review)
    run.state = RunState.DISBURSED
    run.method = method
    run.disbursed_at = timezone.now()
    run.save(update_fields=["state", "method", "disbursed_at"])
    record(user, Action.UPDATE, run, fields=["state", "method"])
    return run


@dataclass(frozen=True)
class Mark:
    line_id: int
    status: str
    receipt: str


@transaction.atomic
def do_reconcile_run(user: User, run: PaymentRun, marks: list[Mark]) -> PaymentRun:
    """Apply every mark (all were validated), and close the run when no line is pending."""
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    if run.state not in {RunState.DISBURSED, RunState.RECONCILED}:
        raise RunError("not_disbursed")
    now = timezone.now()
    lines = {line.pk: line for line in run.lines.filter(pk__in=[m.line_id for m in marks])}
    for mark in marks:
        line = lines[mark.line_id]
        line.status = mark.status
        line.receipt = mark.receipt
        line.reconciled_by = user
        line.reconciled_at = now
        # One by one: each reference is encrypted for its own row (no bulk_update).
        line.save(update_fields=["status", "receipt", "reconciled_by", "reconciled_at"])
    if not run.lines.filter(status=LineStatus.PENDING).exists():
        run.state = RunState.RECONCILED
        run.reconciled_at = now
        run.save(update_fields=["state", "reconciled_at"])
    record(user, Action.UPDATE, run, fields=["lines.status", "lines.receipt"])
    return run


def differences(run: PaymentRun, user: Any) -> dict[str, Any]:
    """Against last month's run of the same funder: who is new, who left, whose amount changed,
    among the people ``user`` may see (``hidden`` counts the changes about the others: a run
    covers every team, its viewer does not)."""
    previous = PaymentRun.objects.filter(funder=run.funder, month=previous_month(run.month)).first()
    now = dict(run.lines.values_list("person_id", "amount"))
    before = dict(previous.lines.values_list("person_id", "amount")) if previous else {}
    changed = set(now) ^ set(before) | {k for k in now if k in before and now[k] != before[k]}
    names = {
        p.pk: p for p in Person.objects.visible_to(user).filter(pk__in=changed).only("id", "uid", "case_code", "alias")
    }
    return {
        "hidden": len(changed - set(names)),
        "added": [(names[k], now[k]) for k in sorted(set(now) - set(before)) if k in names],
        "removed": [(names[k], before[k]) for k in sorted(set(before) - set(now)) if k in names],
        "changed": [
            (names[k], before[k], now[k]) for k in sorted(now) if k in before and now[k] != before[k] and k in names
        ],
        "previous": [previous] if previous else [],
    }


def do_encrypt_clear_receipts() -> int:
    """Move receipt references stored in clear before they were encrypted (migration 0004)
    into the encrypted field, and empty the clear column; run at every unseal (nothing to do
    after the first). Returns how many lines were moved."""
    moved = 0
    for line in PaymentLine.objects.exclude(receipt_clear="").only("id", "uid", "receipt", "receipt_clear").iterator():
        line.receipt = line.receipt_clear
        line.receipt_clear = ""
        line.save(update_fields=["receipt", "receipt_clear"])
        moved += 1
    if moved:
        record(None, Action.UPDATE, object_type="stipends.paymentline", fields=["receipt"], username="vault")
    return moved


def why_not_paid(person: Person, funder: Funder, month: date) -> str:
    """A code for why someone on a funder's list is not in this month's run."""
    block = admission_block(person)
    if block:
        return block
    first, last = month, month_end(month)
    if Hold.objects.filter(person=person, start__lte=last).filter(Q(end__isnull=True) | Q(end__gte=first)).exists():
        return "hold"
    if (
        not Enrollment.objects.filter(person=person, funder=funder, start__lte=last)
        .filter(Q(end__isnull=True) | Q(end__gte=first))
        .exists()
    ):
        return "not_enrolled"
    return "max_months"


@transaction.atomic
def do_enroll(user: User, person: Person, funder: Funder, start: date) -> Enrollment:
    refuse_outside(start, STIPEND_MONTH, RunError)
    enrollment = Enrollment(person=person, funder=funder, start=start, added_by=user)
    try:
        with transaction.atomic():
            enrollment.save()  # refuses rejected and flagged people
    except IntegrityError:
        raise RunError("already_enrolled") from None
    record(user, Action.CREATE, enrollment, fields=["funder", "start"])
    return enrollment


@transaction.atomic
def do_add_funder(user: User, form: ModelForm[Funder]) -> Funder:
    funder = form.save()
    record(user, Action.CREATE, funder, fields=sorted(form.changed_data))
    return funder


@transaction.atomic
def do_add_rule(user: User, funder: Funder, form: ModelForm[StipendRule]) -> StipendRule:
    rule = form.save(commit=False)
    refuse_outside(rule.effective_from, STIPEND_RULE, RunError)
    rule.funder = funder
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise RunError("rule_date_taken") from None
    record(user, Action.CREATE, rule, fields=sorted(form.changed_data))
    return rule


@transaction.atomic
def do_add_hold(user: User, person: Person, kind: str, reason: str, start: date, end: date | None) -> Hold:
    refuse_outside(start, STIPEND_MONTH, RunError)
    refuse_outside(end, STIPEND_MONTH, RunError)
    hold = Hold.objects.create(person=person, created_by=user, kind=kind, reason=reason, start=start, end=end)
    record(user, Action.CREATE, hold, fields=["kind", "reason", "start", "end"])
    return hold


@transaction.atomic
def do_review_line(user: User, line: PaymentLine) -> PaymentLine:
    """A finance officer has looked at a payment kept from a merged record."""
    line = PaymentLine.objects.select_for_update().select_related("run").get(pk=line.pk)
    if not line.needs_review:
        raise RunError("reviewed")
    if line.run.drafted_by_id == user.pk:  # four eyes, as for the approval
        raise RunError("own_run")
    require_settled(user, RunError)
    line.needs_review = False
    line.reviewed_by = user
    line.reviewed_at = timezone.now()
    line.save(update_fields=["needs_review", "reviewed_by", "reviewed_at"])
    record(user, Action.UPDATE, line, fields=["needs_review"])
    return line
