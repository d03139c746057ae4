"""As directors would, on a 360 px phone, in Burmese: the statistics dashboard draws its
charts on the server with Burmese labels set in our bundled Myanmar font (checked as an
image: the chart has ink where its Burmese legend is, and looks different when the Myanmar
font is taken away and the browser is left with the system's fonts, which have none), and a
published table is proposed by one director, approved by a second, and its CSV downloaded."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from sanctuary.people.models import Force
from sanctuary.stats.models import Release, ReleaseState
from tests.e2e.test_login_person_flow import _log_in
from tests.stats import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "shots"
ARRIVED = "ရောက်ရှိပြီး"  # "Arrived", a series of the first chart
ARMY = "ကြည်းတပ်"


def _phone(browser: Any, live_server: Any, user: Any) -> Any:
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="my-MM")
    page = context.new_page()
    page.set_default_timeout(15_000)
    _log_in(page, live_server, user)
    assert page.locator("html").get_attribute("lang") == "my"
    return page


def _submit(page: Any, selector: str) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")
    with page.expect_navigation():
        page.click(selector)


def _image(png: bytes) -> Any:
    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("L")


def _ink(image: Any) -> int:
    return sum(image.histogram()[:128])


def _differing(a: Any, b: Any) -> int:
    from PIL import ImageChops

    return sum(ImageChops.difference(a, b).histogram()[41:])


def test_chart_in_burmese_and_a_table_released_by_two_directors(  # type: ignore[no-untyped-def]
    browser, live_server, make_user, team_a
) -> None:
    first = make_user("director", username="director1", language="my")
    second = make_user("director", username="director2", language="my")
    helpers.count_everyone(first)
    today = timezone.localdate()
    for n in range(6):
        helpers.arrived(team_a, today.replace(day=1 + n % 5), force=Force.ARMY)
    for _ in range(30):
        helpers.arrived(team_a, date(2024, 2, 10), force=Force.ARMY)
    for _ in range(14):
        helpers.arrived(team_a, date(2024, 5, 10), force=Force.POLICE)
    table = helpers.table(first, columns="")

    # The dashboard: the funnel chart's legend in Burmese, in our Myanmar font.
    page = _phone(browser, live_server, first)
    page.goto(live_server.url + "/stats/")
    page.evaluate("document.fonts.ready.then(() => true)")
    chart = page.locator("#chart-funnel svg")
    legend = chart.locator("g.legends text", has_text=ARRIVED)
    assert legend.count() == 1
    assert page.evaluate("text => document.fonts.check('14px \"Noto Sans Myanmar\"', text)", ARRIVED)
    legend.scroll_into_view_if_needed()
    ours = _image(chart.screenshot())
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "stats-chart-my.png").write_bytes(chart.screenshot())
    box = legend.bounding_box()
    frame = chart.bounding_box()
    assert box and frame
    area = (
        int(box["x"] - frame["x"]),
        int(box["y"] - frame["y"]),
        int(box["x"] - frame["x"] + box["width"]),
        int(box["y"] - frame["y"] + box["height"]),
    )
    assert _ink(ours.crop(area)) > 40, "the Burmese legend drew nothing"
    # The same chart without our Myanmar font: Latin Noto only, then the system's fonts.
    page.evaluate(
        "document.querySelector('#chart-funnel svg').setAttribute('font-family', '\"Noto Sans\", sans-serif')"
    )
    page.wait_for_timeout(200)
    without = _image(chart.screenshot())
    (SHOTS / "stats-chart-no-myanmar-font.png").write_bytes(chart.screenshot())
    assert ours.size == without.size
    assert _differing(ours.crop(area), without.crop(area)) > 40, "the legend looks the same without our font"
    page.reload()

    # One director proposes the release: its numbers are frozen.
    page.goto(f"{live_server.url}/stats/tables/{table.pk}/")
    _submit(page, "#propose")
    release = Release.objects.get(table=table)
    assert release.state == ReleaseState.PROPOSED
    assert page.locator("#approve").count() == 0  # not for the one who proposed it
    assert ARMY in page.locator("#release-table").inner_text()

    # A second director approves it, then downloads the CSV.
    other = _phone(browser, live_server, second)
    other.goto(f"{live_server.url}/stats/releases/{release.pk}/")
    _submit(other, "#approve")
    release.refresh_from_db()
    assert (release.state, release.approved_by_id) == (ReleaseState.APPROVED, second.pk)
    with other.expect_download() as waiting:
        other.click("#download-csv")
    download = waiting.value
    assert download.suggested_filename == f"table-{release.pk}.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["#meta+force", "#affected+num", "#meta+note"]
    army = next(row for row in rows[2:] if row[0] == ARMY)
    assert army[1] == "30"
    other.screenshot(path=str(SHOTS / "stats-release-my.png"), full_page=True)
