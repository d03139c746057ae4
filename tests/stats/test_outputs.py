"""The files of an approved release: a CSV with its HXL hashtag row, an XLSX and a one-page
PDF with the chart, set in our bundled fonts; labels in the reader's language; made from the
frozen output."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from sanctuary.people.models import Force
from sanctuary.stats import actions
from tests.conftest import verified_client
from tests.pdf_fonts import MYANMAR, assert_set_in_bundled_fonts
from tests.stats import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def release(make_user: Any, team_a: Any) -> Any:
    first, second = make_user("director", username="d1"), make_user("director", username="d2")
    helpers.count_everyone(first)
    for _ in range(30):
        helpers.arrived(team_a, date(2024, 2, 10), force=Force.ARMY)
    for _ in range(12):
        helpers.arrived(team_a, date(2024, 5, 10), force=Force.POLICE)
    return helpers.released(first, second, helpers.table(first))


def test_the_csv_has_an_hxl_row_and_one_line_per_cell(release: Any) -> None:
    with translation.override("en"):
        content, content_type, name = actions.do_export_release(release.approved_by, release, "csv")
    assert content_type.startswith("text/csv") and name == f"table-{release.pk}.csv"
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header, tags, *lines = rows
    assert header == ["Force", "Period", "From", "Until", "Number of people", "Note"]
    assert tags == ["#meta+force", "#date+period", "#date+start", "#date+end", "#affected+num", "#meta+note"]
    assert all(tag.startswith("#") for tag in tags)
    assert len(lines) == (len(Force.values) + 1) * (4 + 1)
    army_q1 = next(line for line in lines if line[:2] == ["Army", "2024-Q1"])
    assert army_q1[2:4] == ["2024-01-01", "2024-03-31"]
    total = lines[-1]
    assert total[0] == "Total" and total[1] == "Total" and total[-1] == "total"
    assert total[-2] == str(release.output["table"]["total"] or "")
    suppressed = [line for line in lines if "suppressed" in line[-1]]
    assert suppressed and all(line[-2] == "" for line in suppressed)


def test_the_csv_in_burmese(release: Any) -> None:
    with translation.override("my"):
        content, _type, _name = actions.do_export_release(release.approved_by, release, "csv")
    text = content.decode("utf-8-sig")
    assert "ကြည်းတပ်" in text  # Army
    assert text.splitlines()[1].startswith("#meta+force")


def test_the_xlsx_opens_and_holds_the_table(release: Any) -> None:
    from openpyxl import load_workbook

    with translation.override("en"):
        content, _type, name = actions.do_export_release(release.approved_by, release, "xlsx")
    assert name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(content))
    table, about = book["Table"], book["About"]
    assert table["A1"].value == "Arrivals by force"
    assert [c.value for c in table[3]][:2] == ["Force", "2024-Q1"]
    values = {row[0].value: [c.value for c in row[1:]] for row in table.iter_rows(min_row=4)}
    assert values["Total"][-1] == release.output["table"]["total"]
    facts = {row[0].value: row[1].value for row in about.iter_rows()}
    assert facts["SHA-256"] == release.sha256 and "d1" not in str(facts) and "d2" not in str(facts)


def test_the_pdf_has_the_chart_and_the_table_in_our_fonts(release: Any) -> None:
    import pypdfium2

    with translation.override("my"):
        content, _type, _name = actions.do_export_release(release.approved_by, release, "pdf")
    pdf = pypdfium2.PdfDocument(content)
    assert len(pdf) == 1
    text = pdf[0].get_textpage().get_text_range()
    assert release.sha256 in text.replace("\r", "").replace("\n", "")
    assert "2024-Q1" in text
    assert_set_in_bundled_fonts(content, {MYANMAR: "ကြည်းတပ်"})


def test_downloads_through_the_page(release: Any, make_user: Any) -> None:
    finance = make_user("finance_officer")
    response = verified_client(finance).get(reverse("stats:download", args=[release.pk, "csv"]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"] == f'attachment; filename="table-{release.pk}.csv"'
    missing = verified_client(finance).get(reverse("stats:download", args=[release.pk, "doc"]))
    assert missing.status_code == 302
