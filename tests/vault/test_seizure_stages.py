"""Seizure, for the stages after intake: every identifying field and file of consent, care,
jobs and legal is written through the real actions, the vault is sealed, and none of the
values is found on the disk, in a pg_dump or in the logs.

``COVERED`` names, per model, the fields this test writes; ``test_every_field_is_written``
fails when a model of these apps declares an identifying (or scoped) field this test does
not write, so a new field cannot be added without being hunted for."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from sanctuary.care import actions as care
from sanctuary.care.models import PlanTemplate
from sanctuary.consent import actions as consent
from sanctuary.consent.models import Category, Method, Purpose, State
from sanctuary.people import timeline
from sanctuary.people.models import PersonEvent
from sanctuary.vault import state
from tests.consent import helpers
from tests.shelter.helpers import accepted
from tests.vault.images import jpeg_with_exif
from tests.vault.test_seizure import _forms, _haystacks

pytestmark = pytest.mark.django_db(transaction=True)

APPS = ("consent", "care", "jobs", "legal", "family", "evidence", "outreach", "stipends")

COVERED: dict[str, set[str]] = {
    "stipends.PaymentLine": {"receipt"},
    "stipends.Hold": {"reason"},
    "evidence.Testimony": {
        "when",
        "place",
        "unit",
        "commanders",
        "summary_my",
        "summary_en",
        "orders_received",
        "reports",
        "policies",
        "radio_logs",
        "documents_held",
    },
    "evidence.Item": {"title", "filename", "sha256", "sha512", "received_note"},
    "consent.ConsentRecord": {"relative_name", "relative_reason", "note", "withdraw_reason"},
    "care.CarePlan": {"assessment"},
    "care.Need": {"description", "goals"},
    "care.CareItem": {"title", "outcome"},
    "care.Referral": {"summary", "refuse_reason", "note"},
    "care.EmergencyAccess": {"reason"},
    "care.CounsellingNote": {"body"},
    "jobs.Employer": {"contact", "notes", "flag_reason"},
    "jobs.Placement": {"note", "end_note"},
    "legal.Paper": {"number", "notes"},
    "legal.PermitClock": {"resolution_note"},
    "legal.Detention": {"place", "note"},
    "legal.DocumentRequest": {"handler_name", "submitted_what"},
    "family.Relative": {"name", "village", "intermediary", "channel"},
    "family.RelativeEvent": {"detained_where", "detained_by", "note"},
    "family.ContactMade": {"through", "reason", "note"},
    "family.TracingRequest": {"note"},
    "family.TracingAction": {"asked", "outcome_note"},
    "outreach.OutreachContact": {"address"},
    "outreach.Reply": {"text", "sender"},
    "outreach.ChannelSettings": {"config"},
    "outreach.TemplateText": {"body", "cover"},
    "outreach.Send": {"texts"},
}


def _jobs_and_papers(user: Any, person: Any, needle: Callable[[str], str]) -> None:
    """An employer, a job with a work permit tied to it, the job ending (the clock starts and
    is resolved), a detention and a document request: every field written through the actions."""
    import uuid
    from decimal import Decimal

    from sanctuary.jobs import actions as jobs
    from sanctuary.jobs.models import Employer, Opening
    from sanctuary.legal import actions as legal
    from sanctuary.legal.models import DocumentType, PermitClock
    from sanctuary.people.models import Region
    from tests.vault.images import tiny_png

    today = timezone.localdate()
    employer = jobs.do_save_employer(
        user,
        Employer(
            code_name=f"E-{uuid.uuid4().hex[:8]}",
            sector="farming",
            region=Region.THAILAND,
            contact=needle("empcontact"),
            notes=needle("empnotes"),
        ),
        ["code_name", "contact", "notes"],
    )
    opening = jobs.do_save_opening(
        user,
        Opening(employer=employer, trade="farming", title="Farm hand", pay=Decimal(300), hours_per_week=48),
        ["title"],
    )
    placement = jobs.do_propose(user, person, opening, note=needle("placenote"))
    jobs.do_advance(user, placement)
    jobs.do_advance(user, placement)
    jobs.do_start(user, placement, started_on=today - timedelta(days=30), wage=Decimal(300), wage_unit="day")
    permit = DocumentType.objects.get(code="work_permit")
    legal.do_add_paper(
        user,
        person,
        {
            "doc_type": permit,
            "status": "issued",
            "number": needle("permitno"),
            "issued_on": today - timedelta(days=30),
            "expires_on": today + timedelta(days=300),
            "employer": employer.ref,
            "notes": needle("papernotes"),
        },
        scan=tiny_png(),
    )
    jobs.do_end(user, placement, ended_on=today, reason="exploited", note=needle("endnote"))
    jobs.do_flag_employer(user, employer, "exploits", needle("flagreason"))
    clock = PermitClock.objects.get(person=person)
    legal.do_resolve_clock(user, clock, "other", needle("clocknote"))
    legal.do_record_detention(user, person, today, "police", place=needle("detplace"), note=needle("detnote"))
    legal.do_save_request(
        user,
        person,
        {
            "doc_type": DocumentType.objects.get(code="pink_card"),
            "handler_kind": "lawyer",
            "handler_name": needle("handler"),
            "handler_user": None,
            "cost": Decimal(1500),
            "submitted_on": today,
            "expected_on": None,
            "done_on": None,
            "state": "submitted",
            "submitted_what": needle("submitted"),
        },
    )


def _family(user: Any, person: Any, needle: Callable[[str], str]) -> None:
    """A DETAINED father (his village is the needle that matters most), a mother reached
    through an intermediary, a sister by a safe channel in an emergency, and a search for a
    missing brother asked of the Red Cross: every field written through the actions."""
    from sanctuary.family import actions as family
    from sanctuary.people.contact import How, Means
    from tests.family import helpers as family_helpers

    father = family.do_add_relative(
        user,
        person,
        {
            "relation": "father",
            "name": needle("fathername"),
            "village": needle("detainedvillage"),
            "contact_rule": "never",
        },
    )
    family.do_record_event(
        user,
        father,
        {
            "kind": "detained",
            "on": str(timezone.localdate().year),
            "source": "relative",
            "detained_where": needle("heldwhere"),
            "detained_by": needle("heldby"),
            "note": needle("eventnote"),
        },
    )
    father.refresh_from_db()
    assert father.detained_now
    mother = family.do_add_relative(
        user,
        person,
        {
            "relation": "mother",
            "name": needle("mothername"),
            "contact_rule": "intermediary",
            "intermediary": needle("go"),
        },
    )
    means = Means(how=How.INTERMEDIARY)
    family.do_record_contact(user, mother, means, timezone.localdate(), needle("contactnote"))
    sister = family.do_add_relative(
        user,
        person,
        {"relation": "sister", "name": needle("sistername"), "contact_rule": "channel", "channel": needle("channel")},
    )
    family.do_record_contact(
        user,
        sister,
        Means(how=How.CHANNEL, emergency=True, reason=needle("emergencyreason")),
        timezone.localdate(),
    )
    brother = family.do_add_relative(
        user, person, {"relation": "brother", "name": needle("brothername"), "contact_rule": "emergency"}
    )
    partner = family_helpers.red_cross()
    family_helpers.tracing_consent(user, person, partner)
    tracing = family.do_open_tracing(user, brother, needle("tracingnote"))
    step = family.do_trace(
        user,
        tracing,
        "red_cross",
        partner,
        Means(how=How.DIRECT, emergency=True, reason=needle("tracereason")),
        needle("asked"),
    )
    family.do_record_outcome(user, step, "no_news", needle("outcomenote"))


# Values that are not needles of their own making (a file's hash, the evidence store's secret
# identity): the writers add them here and the test hunts for them too.
_EXTRA: list[str] = []


def _evidence(user: Any, person: Any, needle: Callable[[str], str]) -> None:
    """A screening record with every field, an original whose bytes (and hashes) carry the
    needle, a working copy, and a package built for an investigator: the bag on disk is
    encrypted to the recipient, the originals to the store key."""
    import hashlib

    from sanctuary.evidence import actions as evidence
    from sanctuary.evidence import keys as evidence_keys
    from sanctuary.evidence import store
    from sanctuary.evidence.models import Testimony
    from tests.evidence import helpers as evidence_helpers

    values = {name: needle(f"ev{name.replace('_', '')}") for name in Testimony.IDENTIFYING_FIELDS}
    testimony = evidence_helpers.testimony(user, person, **values)
    content = f"%PDF-1.4 {needle('evfilebytes')} original".encode()
    _EXTRA.extend([hashlib.sha256(content).hexdigest(), hashlib.sha512(content).hexdigest()])
    original = evidence_helpers.item(
        user, testimony, content, f"{needle('evfilename')}.pdf", title=needle("evtitle"), received_note=needle("evnote")
    )
    copy = evidence.do_receive_item(
        user,
        testimony,
        store.write_bytes(content.replace(b"original", b"redacted")),
        {
            "kind": "document",
            "title": needle("evcopytitle"),
            "filename": "copy.pdf",
            "received_how": "other",
            "derivative_kind": "redacted",
        },
        original=original,
    )
    officer = type(user).objects.create_user(username=f"second-{person.pk}", password="x" * 16)
    officer.role_grants.create(role="evidence_officer")
    key, _secret = evidence_helpers.key(user, evidence_helpers.investigator())
    evidence_helpers.testimony_consent(user, person, key.recipient)
    package = evidence.do_propose_package(user, testimony, key, [original, copy])
    evidence.do_release_package(type(user).objects.get(pk=officer.pk), package)
    package.refresh_from_db()
    assert package.state == "built", package.failure
    _EXTRA.append(str(evidence_keys.store_identity()))


def _outreach(user: Any, person: Any, needle: Callable[[str], str]) -> None:
    """An e-mail contact, a reply from them and one from a chat nobody is linked to, and the
    bot's token (the channel settings, once)."""
    from sanctuary.outreach import actions as outreach
    from sanctuary.outreach.models import ChannelSettings

    row = outreach.do_add_contact(user, person, f"person:{person.pk}", "manual", f"{needle('address')}@example.org")
    outreach.do_record_reply(user, row, "manual", needle("replytext"))
    template = outreach.do_save_template(
        user, None, "Meeting", {"my": (f"{{alias}} {needle('templatebody')}", needle("templatecover"))}
    )
    outreach.do_propose_send(user, template, [row])  # the send's copy of the texts
    outreach.do_record_reply(None, None, "telegram", needle("strangertext"), sender=needle("sender"))
    if not ChannelSettings.objects.filter(channel="telegram").exists():
        outreach.do_save_channel(user, "telegram", {"token": needle("bottoken"), "api": ""})


def _stipends(user: Any, person: Any, needle: Callable[[str], str]) -> None:
    """A run for the person, drafted, approved, paid out and reconciled with a receipt
    reference typed by hand; then a hold with its reason."""
    from datetime import date

    from sanctuary.stipends import actions as stipends
    from sanctuary.stipends.models import Funder, HoldKind, LineStatus, StipendRule
    from tests.factories import UserFactory

    maker, checker = (UserFactory(roles=["finance_officer"], teams=[person.team]) for _ in range(2))
    funder = Funder.objects.create(name=f"Funder {person.pk}")
    StipendRule.objects.create(funder=funder, effective_from=date(2026, 1, 1), single_amount=700, family_amount=1400)
    stipends.do_enroll(maker, person, funder, date(2026, 10, 1))
    run = stipends.do_draft_run(maker, funder, date(2026, 11, 1))
    stipends.do_approve_run(checker, run, seen=stipends.run_fingerprint(run))
    stipends.do_disburse_run(checker, run, "cash")
    line = run.lines.get()
    stipends.do_reconcile_run(maker, run, [stipends.Mark(line.pk, LineStatus.PAID, needle("receipt"))])
    stipends.do_add_hold(maker, person, HoldKind.HOLD, needle("holdreason"), date(2027, 1, 1), None)


# Writers beyond consent and care: function(user, person, needle) that writes every covered
# field of its models through the stage's actions, each value containing ``needle``.
WRITERS: dict[str, Callable[[Any, Any, Callable[[str], str]], None]] = {
    "jobs and legal": _jobs_and_papers,
    "family": _family,
    "evidence": _evidence,
    "outreach": _outreach,
    "stipends": _stipends,
}


def _declared(model: type) -> set[str]:
    return set(getattr(model, "IDENTIFYING_FIELDS", ())) | set(getattr(model, "SCOPED_FIELDS", {}))


def test_every_field_is_written() -> None:
    missing = []
    for app in APPS:
        try:
            config = apps.get_app_config(app)
        except LookupError:
            continue
        for model in config.get_models():
            declared = _declared(model)
            if declared and not declared <= COVERED.get(model._meta.label, set()):
                missing.append(f"{model._meta.label}: {sorted(declared - COVERED.get(model._meta.label, set()))}")
    assert missing == []


def _consent_and_care(user: Any, lead: Any, director: Any, person: Any, needle: Callable[[str], str]) -> None:
    today = timezone.localdate()
    answer = consent.Answer(
        state=State.GIVEN,
        given_on=today,
        method=Method.THUMBPRINT,
        given_by="relative",
        relative_name=needle("relname"),
        relative_relation="mother",
        relative_reason=needle("relreason"),
        scan=jpeg_with_exif(needle("scanexif")),
    )
    care_consent = consent.do_record_consent(
        user,
        person,
        purpose=Purpose.CARE,
        recipient=None,
        category=Category.INTERNAL,
        notice_version="1",
        notice_language="my",
        retain_until=consent.default_retention(),
        answer=answer,
        note=needle("consentnote"),
    )
    clinic = helpers.partner()
    sharing = helpers.given(user, person, Purpose.SHARING, recipient=clinic)
    plan = care.do_create_plan(
        user, person, template=PlanTemplate.objects.first(), arrived_on=today, assessment=needle("assessment")
    )
    care.do_add_need(user, plan, area="medical", description=needle("needdesc"), goals=needle("needgoals"), due_on=None)
    item = care.do_add_item(user, plan, area="medical", service="medical", title=needle("itemtitle"), due_on=today)
    care.do_complete_item(user, item, outcome=needle("itemoutcome"))
    refused = care.do_refer(user, person, recipient=clinic, area="medical", shared=["alias"], summary=needle("refsum"))
    care.do_answer_referral(user, refused, accepted=False, reason=needle("refrefuse"))
    withdrawn = care.do_refer(user, person, recipient=clinic, area="medical", shared=["alias"])
    care.do_close_referral(user, withdrawn, outcome="withdrawn", note=needle("refnote"))
    session = care.do_record_session(
        lead, person, kind="individual", held_on=today, minutes=50, note=needle("notebody")
    )
    care.do_add_note(lead, session, needle("addendum"), addendum_to=session.notes.get())
    access = care.do_request_emergency(lead, person, needle("emergency"))
    care.do_answer_emergency(director, access, approve=True)
    consent.do_withdraw_consent(user, sharing, withdrawn_on=today, reason=needle("withdrawreason"))
    del care_consent


def test_a_seized_machine_reveals_no_stage_data(make_user, team_a, tmp_path, caplog, capfd) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    user = make_user("case_worker")
    lead = make_user("counsellor", "counsellor_lead")
    director = make_user("director")
    needles: list[str] = []
    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    for i in range(5):
        person = accepted(team_a, officers)  # admissible: jobs and papers need it

        def needle(name: str, i: int = i) -> str:
            value = f"{name}Qx{i:02d}seized"
            needles.append(value)
            return value

        _consent_and_care(user, lead, director, person, needle)
        for write in WRITERS.values():
            write(user, person, needle)
    assert timezone.localdate() - timedelta(days=1) < timezone.localdate()
    needles.extend(_EXTRA)
    # What the timeline says happened is encrypted too: its message codes are not on the disk.
    written = {code for event in PersonEvent.objects.all() for code, _params in timeline.decode(event.message)}
    assert {"legal.detained", "jobs.proposed", "care.referred"} <= written
    needles.extend(sorted(written))
    state.seal()
    haystacks = _haystacks(tmp_path)
    haystacks["logs"] = (caplog.text + "".join(capfd.readouterr())).encode("utf-8")
    leaks = [
        f"{value!r} in {where}"
        for value in needles
        for form in _forms(value)
        for where, content in haystacks.items()
        if form in content
    ]
    assert leaks == []
    assert len(needles) >= 5 * 27
