"""Every write of care: plans and their due items, services, referrals, counselling sessions
and notes, emergency access, outcome scales and group sessions. One transaction each, with
its audit record (field names only) and, where the journey moves, the person's timeline.

Care uses a person's data for the purpose "care", and a referral passes it to a partner:
both ask :func:`sanctuary.consent.require` inside their transaction, which locks the consent
record, so a withdrawal and a referral never cross.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary import consent
from sanctuary.accounts.models import Role
from sanctuary.accounts.policy import ON_HOLD, require_settled
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.care import notes
from sanctuary.care.models import (
    REFERRAL_OPEN,
    Area,
    CareItem,
    CarePlan,
    CareSettings,
    CounsellingNote,
    CounsellingSession,
    EmergencyAccess,
    GroupAttendance,
    GroupSession,
    Need,
    PlanState,
    PlanTemplate,
    Referral,
    ReferralState,
    ScaleScore,
    ServiceType,
    counsellor_roles,
)
from sanctuary.consent.models import ConsentRecord, Purpose, Recipient
from sanctuary.consent.rules import find as find_consent
from sanctuary.lib.bounds import CARE_DUE, CARE_PAST, REFUSALS, refuse_outside
from sanctuary.lib.refusal import Refusal
from sanctuary.people import timeline
from sanctuary.people.models import Person, PersonEvent

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

TIMELINE = "care"

# Which service a template item's area becomes.
AREA_SERVICE = {
    Area.MEDICAL: ServiceType.MEDICAL,
    Area.MENTAL: ServiceType.COUNSELLING,
    Area.LEGAL: ServiceType.LEGAL,
    Area.FAMILY: ServiceType.FAMILY,
    Area.HOUSING: ServiceType.HOUSING,
    Area.WORK: ServiceType.WORK,
    Area.MONEY: ServiceType.MONEY,
    Area.REVIEW: ServiceType.CHECK,
}


class CareError(Refusal):
    messages = {
        "open_plan": _("This person already has an open care plan: add to it instead."),
        "plan_closed": _("This care plan is closed."),
        "item_closed": _("This item is already done or cancelled."),
        "provider_inactive": _("This partner is no longer in use: choose another one."),
        "not_a_provider": _("Referrals go to clinics, lawyers, partner organisations or UN agencies."),
        "nothing_shared": _("Say what is shared with the partner."),
        "referral_state": _("This referral cannot change that way now."),
        "refuse_needs_reason": _("Write why the partner refused."),
        "counsellor_only": _("Only counsellors record counselling sessions and notes."),
        "emergency_roles": _(
            "Emergency access needs two people: a counsellor lead and a director, one asking and the other approving."
        ),
        "emergency_own": _("You asked for this access: another person must approve it."),
        "emergency_state": _("This request was already answered."),
        "on_hold": ON_HOLD,
        "not_their_counsellor": _("Only the person's own counsellor marks this as seen."),
        "needs_reason": _("Write the reason."),
        "scale_answers": _("Answer each of the five questions with a number from 0 to 5."),
        "unknown_codes": _("These case codes are not among the people you may see: %(codes)s"),
        "no_codes": _("Enter the case code of at least one person who came."),
        "future": _("This date is in the future."),
        "appointment_before": _("The follow-up date is before today."),
        **REFUSALS,
    }


def _event(actor: User, person: Person, code: str, **params: Any) -> None:
    """A step on the person timeline: one of the messages ``module.py`` declares."""
    PersonEvent.objects.create(person=person, kind=TIMELINE, message=timeline.message(code, **params), actor=actor)


# --- Plans, needs and items ---------------------------------------------------------------------


@transaction.atomic
def do_create_plan(
    actor: User, person: Person, *, template: PlanTemplate | None, arrived_on: date, assessment: str = ""
) -> CarePlan:
    """A plan, with the template's items due from the day of arrival. Needs care consent."""
    refuse_outside(arrived_on, CARE_PAST, CareError)
    consent.require(person, Purpose.CARE)
    if CarePlan.objects.select_for_update().filter(person=person, state=PlanState.OPEN).exists():
        raise CareError("open_plan")
    plan = CarePlan.objects.create(
        person=person, template=template, arrived_on=arrived_on, assessment=assessment, created_by=actor
    )
    items = []
    if template is not None:
        for t in template.items.all():
            items.append(
                CareItem(
                    person=person,
                    plan=plan,
                    template_item=t,
                    area=t.area,
                    service=AREA_SERVICE.get(Area(t.area), ServiceType.CHECK),
                    due_on=arrived_on + timedelta(days=t.offset_days),
                    assigned_to=actor,
                )
            )
    for item in items:  # one by one: each value is bound to its own row (no bulk_create)
        item.save()
    record(actor, Action.CREATE, plan, fields=["template", "arrived_on", *(["assessment"] if assessment else [])])
    _event(actor, person, "care.plan_made", items=len(items))
    return plan


def _open_plan(plan: CarePlan) -> CarePlan:
    """The plan, locked, while it is open and the person's care consent holds (a withdrawal
    stops every further use of their data for care; what was written stays)."""
    plan = CarePlan.objects.select_for_update().select_related("person").get(pk=plan.pk)
    if plan.state != PlanState.OPEN:
        raise CareError("plan_closed")
    consent.require(plan.person, Purpose.CARE)
    return plan


@transaction.atomic
def do_update_assessment(actor: User, plan: CarePlan, assessment: str) -> CarePlan:
    plan = _open_plan(plan)
    plan.assessment = assessment
    plan.save(update_fields=["assessment"])
    record(actor, Action.UPDATE, plan, fields=["assessment"])
    return plan


@transaction.atomic
def do_add_need(actor: User, plan: CarePlan, *, area: str, description: str, goals: str, due_on: date | None) -> Need:
    refuse_outside(due_on, CARE_DUE, CareError)
    plan = _open_plan(plan)
    need = Need.objects.create(plan=plan, area=area, description=description, goals=goals, due_on=due_on)
    record(actor, Action.CREATE, need, fields=["area", "description", *(["goals"] if goals else []), "due_on"])
    return need


@transaction.atomic
def do_add_item(
    actor: User,
    plan: CarePlan,
    *,
    area: str,
    service: str,
    title: str,
    due_on: date,
    provider: Recipient | None = None,
    appointment_at: datetime | None = None,
    need: Need | None = None,
    follow_up_of: CareItem | None = None,
) -> CareItem:
    """A service or due item: us or a partner, with an appointment if one is made."""
    refuse_outside(due_on, CARE_DUE, CareError)
    refuse_outside(appointment_at and timezone.localtime(appointment_at), CARE_DUE, CareError)
    plan = _open_plan(plan)
    if provider is not None and not provider.active:
        raise CareError("provider_inactive")
    item = CareItem.objects.create(
        person=plan.person,
        plan=plan,
        area=area,
        service=service,
        title=title,
        due_on=due_on,
        provider=provider,
        appointment_at=appointment_at,
        need=need,
        follow_up_of=follow_up_of,
        assigned_to=actor,
    )
    record(actor, Action.CREATE, item, fields=["area", "service", "title", "due_on", "provider", "appointment_at"])
    return item


@transaction.atomic
def do_complete_item(
    actor: User, item: CareItem, *, outcome: str, follow_up_on: date | None = None, follow_up_title: str = ""
) -> CareItem:
    """Done, with its outcome; a follow-up date adds the next item, due then."""
    refuse_outside(follow_up_on, CARE_DUE, CareError)
    item = CareItem.objects.select_for_update().select_related("plan", "person").get(pk=item.pk)
    if not item.is_open:
        raise CareError("item_closed")
    consent.require(item.person, Purpose.CARE)
    if follow_up_on is not None and follow_up_on < timezone.localdate():
        raise CareError("appointment_before")
    item.outcome, item.done_at, item.done_by = outcome, timezone.now(), actor
    item.save(update_fields=["outcome", "done_at", "done_by"])
    record(actor, Action.STATUS, item, fields=["done_at", *(["outcome"] if outcome else [])])
    if follow_up_on is not None:
        do_add_item(
            actor,
            item.plan,
            area=item.area,
            service=item.service,
            title=follow_up_title or str(_("Follow-up")),
            due_on=follow_up_on,
            provider=item.provider,
            need=item.need,
            follow_up_of=item,
        )
    return item


@transaction.atomic
def do_cancel_item(actor: User, item: CareItem) -> CareItem:
    item = CareItem.objects.select_for_update().get(pk=item.pk)
    if not item.is_open:
        raise CareError("item_closed")
    item.cancelled_at = timezone.now()
    item.save(update_fields=["cancelled_at"])
    record(actor, Action.STATUS, item, fields=["cancelled_at"])
    return item


@transaction.atomic
def do_close_plan(actor: User, plan: CarePlan) -> CarePlan:
    plan = _open_plan(plan)
    plan.state, plan.closed_at = PlanState.CLOSED, timezone.now()
    plan.save(update_fields=["state", "closed_at"])
    CareItem.objects.filter(plan=plan, done_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now()
    )
    record(actor, Action.STATUS, plan, fields=["state"])
    _event(actor, plan.person, "care.plan_closed")
    return plan


# --- Referrals --------------------------------------------------------------------------------------

PROVIDER_KINDS = ("clinic", "legal_aid", "ngo", "un")


@transaction.atomic
def do_refer(
    actor: User,
    person: Person,
    *,
    recipient: Recipient,
    area: str,
    shared: Sequence[str],
    summary: str = "",
    item: CareItem | None = None,
) -> Referral:
    """Only with the person's consent to share with this partner, checked now, under lock."""
    if not recipient.active:
        raise CareError("provider_inactive")
    if recipient.kind not in PROVIDER_KINDS:
        raise CareError("not_a_provider")
    if not shared:
        raise CareError("nothing_shared")
    allowed = consent.require(person, Purpose.SHARING, recipient)
    referral = Referral.objects.create(
        person=person,
        item=item,
        recipient=recipient,
        consent=allowed,
        area=area,
        shared=list(shared),
        summary=summary,
        sent_by=actor,
    )
    record(actor, Action.CREATE, referral, fields=["recipient", "consent", "area", "shared", "summary"])
    _event(actor, person, "care.referred", area=area, partner=recipient.kind)
    return referral


def _referral(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().get(pk=referral.pk)


@transaction.atomic
def do_answer_referral(actor: User, referral: Referral, *, accepted: bool, reason: str = "") -> Referral:
    referral = _referral(referral)
    if referral.state != ReferralState.SENT:
        raise CareError("referral_state")
    if not accepted and not reason.strip():
        raise CareError("refuse_needs_reason")
    referral.state = ReferralState.ACCEPTED if accepted else ReferralState.REFUSED
    referral.answered_at = timezone.now()
    referral.refuse_reason = "" if accepted else reason
    if not accepted:
        referral.closed_at = referral.answered_at
    referral.save()
    record(actor, Action.STATUS, referral, fields=["state", *([] if accepted else ["refuse_reason"])])
    return referral


@transaction.atomic
def do_close_referral(actor: User, referral: Referral, *, outcome: str, note: str = "") -> Referral:
    """Accepted → done; sent or accepted → withdrawn (by us)."""
    referral = _referral(referral)
    if outcome == ReferralState.DONE and referral.state != ReferralState.ACCEPTED:
        raise CareError("referral_state")
    if outcome == ReferralState.WITHDRAWN and referral.state not in REFERRAL_OPEN:
        raise CareError("referral_state")
    if outcome not in (ReferralState.DONE, ReferralState.WITHDRAWN):
        raise CareError("referral_state")
    referral.state, referral.closed_at, referral.note = outcome, timezone.now(), note
    referral.save()
    record(actor, Action.STATUS, referral, fields=["state", *(["note"] if note else [])])
    return referral


def withdraw_referrals_without_consent(withdrawn: ConsentRecord, actor: User) -> None:
    """Listener (``consent.rules.on_withdrawn``): open referrals to partners this consent
    covered are withdrawn in the same transaction, unless another consent still covers them."""
    if withdrawn.purpose != Purpose.SHARING:
        return  # care consent withdrawn: no more care writes (each asks require), nothing to close
    open_referrals = Referral.objects.select_for_update().filter(person_id=withdrawn.person_id, state__in=REFERRAL_OPEN)
    for referral in open_referrals.select_related("recipient"):
        if not withdrawn.covers(referral.recipient):
            continue
        if find_consent(withdrawn.person, Purpose.SHARING, referral.recipient) is not None:
            continue
        referral.state, referral.closed_at = ReferralState.WITHDRAWN, timezone.now()
        referral.note = str(_("Withdrawn because the person withdrew their consent."))
        referral.save()
        record(actor, Action.STATUS, referral, fields=["state", "note"])


# --- Counselling ----------------------------------------------------------------------------------


@transaction.atomic
def do_record_session(
    actor: User, person: Person, *, kind: str, held_on: date, minutes: int, note: str = ""
) -> CounsellingSession:
    """That a session happened (directors see this), and the counsellor's note (they do not)."""
    if not counsellor_roles(actor):
        raise CareError("counsellor_only")
    refuse_outside(held_on, CARE_PAST, CareError)
    if held_on > timezone.localdate():
        raise CareError("future")
    consent.require(person, Purpose.CARE)
    session = CounsellingSession.objects.create(
        person=person, counsellor=actor, kind=kind, held_on=held_on, minutes=minutes
    )
    record(actor, Action.CREATE, session, fields=["kind", "held_on", "minutes"])
    if note.strip():
        do_add_note(actor, session, note)
    return session


@transaction.atomic
def do_add_note(
    actor: User, session: CounsellingSession, text: str, addendum_to: CounsellingNote | None = None
) -> CounsellingNote:
    """A note, or an addendum to one (notes are never edited)."""
    if not counsellor_roles(actor):
        raise CareError("counsellor_only")
    if not text.strip():
        raise CareError("needs_reason")
    consent.require(session.person, Purpose.CARE)
    note = CounsellingNote(person=session.person, session=session, author=actor, addendum_to=addendum_to)
    notes.seal_body(note, text)
    note.save()
    record(actor, Action.CREATE, note, fields=["body", *(["addendum_to"] if addendum_to else [])])
    return note


def _is_lead(user: User) -> bool:
    return Role.COUNSELLOR_LEAD in user.roles


def _is_director(user: User) -> bool:
    return Role.DIRECTOR in user.roles


@transaction.atomic
def do_request_emergency(actor: User, person: Person, reason: str) -> EmergencyAccess:
    if not (_is_lead(actor) or _is_director(actor)):
        raise CareError("emergency_roles")
    if not reason.strip():
        raise CareError("needs_reason")
    access = EmergencyAccess.objects.create(person=person, reason=reason, requested_by=actor)
    record(actor, Action.CREATE, access, fields=["reason"])
    return access


@transaction.atomic
def do_answer_emergency(actor: User, access: EmergencyAccess, *, approve: bool) -> EmergencyAccess:
    """The second person: a director for a lead's request, a lead for a director's."""
    access = EmergencyAccess.objects.select_for_update().select_related("requested_by").get(pk=access.pk)
    if access.approved_at is not None or access.refused_at is not None:
        raise CareError("emergency_state")
    if access.requested_by_id == actor.pk:
        raise CareError("emergency_own")
    require_settled(actor, CareError)
    asker = access.requested_by
    pair = (_is_lead(asker) and _is_director(actor)) or (_is_director(asker) and _is_lead(actor))
    if not pair:
        raise CareError("emergency_roles")
    now = timezone.now()
    if approve:
        access.approved_by, access.approved_at = actor, now
        access.expires_at = CareSettings.current().emergency_until()
    else:
        access.approved_by, access.refused_at = actor, now
    access.save()
    record(actor, Action.STATUS, access, fields=["approved_at" if approve else "refused_at", "expires_at"])
    return access


@transaction.atomic
def do_ack_emergency(actor: User, access: EmergencyAccess) -> EmergencyAccess:
    """The person's counsellor has seen that their notes were opened: only a counsellor who
    holds sessions with the person, never the one who asked or approved, once approved."""
    access = EmergencyAccess.objects.select_for_update().get(pk=access.pk)
    theirs = CounsellingSession.objects.filter(person_id=access.person_id, counsellor=actor).exists()
    if not theirs or access.approved_at is None or actor.pk in (access.requested_by_id, access.approved_by_id):
        raise CareError("not_their_counsellor")
    if access.seen_by_counsellor_at is None:
        access.seen_by_counsellor_at = timezone.now()
        access.save(update_fields=["seen_by_counsellor_at"])
        record(actor, Action.UPDATE, access, fields=["seen_by_counsellor_at"])
    return access


@transaction.atomic
def do_record_scale(actor: User, person: Person, *, when: str, taken_on: date, answers: Sequence[int]) -> ScaleScore:
    if not counsellor_roles(actor):
        raise CareError("counsellor_only")
    if len(answers) != 5 or any(not 0 <= a <= 5 for a in answers):
        raise CareError("scale_answers")
    refuse_outside(taken_on, CARE_PAST, CareError)
    if taken_on > timezone.localdate():
        raise CareError("future")
    consent.require(person, Purpose.CARE)
    score = ScaleScore.objects.create(person=person, when=when, taken_on=taken_on, raw=sum(answers), recorded_by=actor)
    record(actor, Action.CREATE, score, fields=["scale", "when", "taken_on", "raw"])
    return score


@transaction.atomic
def do_record_group(actor: User, *, kind: str, held_on: date, minutes: int, case_codes: Iterable[str]) -> GroupSession:
    """A group meeting and who came, by case code: the codes must be of people the
    facilitator may see; unknown ones are refused, all of them named."""
    codes = sorted({c.strip().upper() for c in case_codes if c.strip()})
    if not codes:
        raise CareError("no_codes")
    refuse_outside(held_on, CARE_PAST, CareError)
    if held_on > timezone.localdate():
        raise CareError("future")
    people = {p.case_code.upper(): p for p in Person.objects.visible_to(actor).filter(case_code__in=codes)}
    missing = [c for c in codes if c not in people]
    if missing:
        raise CareError("unknown_codes", codes=", ".join(missing))
    group = GroupSession.objects.create(kind=kind, held_on=held_on, minutes=minutes, facilitator=actor)
    GroupAttendance.objects.bulk_create([GroupAttendance(group=group, person=people[c]) for c in codes])
    record(actor, Action.CREATE, group, fields=["kind", "held_on", "minutes", "attendance"])
    return group


def merge_care(merge: Any) -> None:
    """Plans, items, referrals, sessions, notes and scales follow the person. Two open plans
    are refused by the check; notes are re-encrypted for the kept person (their associated
    data names the person)."""
    from sanctuary.vault.fields import read_values, write_values

    children = [(n, read_values(n)) for n in Need.objects.filter(plan__person=merge.secondary)]
    moved_notes = []
    for note in CounsellingNote.objects.filter(person=merge.secondary).select_related("person"):
        moved_notes.append((note, notes.open_for_merge(note)))
    # An emergency grant was for one record: it never carries over to another person's notes.
    now = timezone.now()
    grants = EmergencyAccess.objects.filter(person__in=[merge.primary, merge.secondary])
    grants.filter(approved_at__isnull=True, refused_at__isnull=True).update(refused_at=now)
    grants.filter(expires_at__gt=now).update(expires_at=now)
    merge.move(CarePlan.objects.all())
    merge.move(CareItem.objects.all())
    merge.move(Referral.objects.all())
    merge.move(EmergencyAccess.objects.all())
    kept_groups = GroupAttendance.objects.filter(person=merge.primary).values("group_id")
    GroupAttendance.objects.filter(person=merge.secondary, group_id__in=kept_groups).delete()  # one person, one mark
    for model in (CounsellingSession, ScaleScore, GroupAttendance):
        model.objects.filter(person=merge.secondary).update(person=merge.primary)
    for need, plain in children:
        need.plan.person = merge.primary
        write_values(need, plain)
    for note, text in moved_notes:
        note.person = merge.primary
        notes.seal_body(note, text)
        CounsellingNote.objects.reseal_for_merge(note)


def check_merge(merge: Any) -> list[str]:
    both = CarePlan.objects.filter(person__in=[merge.primary, merge.secondary], state=PlanState.OPEN).count()
    if both > 1:
        return [str(_("both records have an open care plan: close one first"))]
    return []


@transaction.atomic
def do_save_template(actor: User, form: Any, formset: Any) -> PlanTemplate:
    """A plan template and its items (validated forms); plans made earlier keep their items."""
    created = form.instance.pk is None
    template = form.save()
    formset.instance = template
    formset.save()
    record(actor, Action.CREATE if created else Action.UPDATE, template, fields=[*form.changed_data, "items"])
    return template


@transaction.atomic
def do_save_settings(actor: User, form: Any) -> CareSettings:
    saved = form.save()
    record(actor, Action.UPDATE, saved, fields=list(form.changed_data))
    return saved
