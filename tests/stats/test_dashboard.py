"""The internal dashboard: every declared figure, for the people the user may see, in the
period and team chosen; drawn as SVG on the server with nothing external; working while the
vault is sealed, reading no encrypted column; in a number of queries that does not grow with
the data."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sanctuary.lib import stages
from sanctuary.people.models import Force
from sanctuary.vault import state
from sanctuary.vault.fields import EncryptedTextField
from tests.conftest import verified_client
from tests.stats import helpers

pytestmark = pytest.mark.django_db

FIGURES = {
    "funnel",
    "days_to_arrival",
    "occupancy",
    "stipend_spend",
    "graduation_rate",
    "employed_3_months",
    "referrals",
}


def _this_month(day: int = 10) -> date:
    return timezone.localdate().replace(day=day)


def _encrypted_columns() -> set[str]:
    return {
        f'"{model._meta.db_table}"."{field.column}"'
        for model in apps.get_models()
        for field in model._meta.local_fields
        if isinstance(field, EncryptedTextField)
    }


def test_every_stage_declares_its_figure() -> None:
    assert {figure.code for figure in stages.figures()} == FIGURES


def test_the_funnel_counts_the_people_of_ones_teams(make_user: Any, team_a: Any, team_b: Any) -> None:
    finance = make_user("finance_officer")  # team A only
    director = make_user("director", username="boss")
    for _ in range(3):
        helpers.arrived(team_a, _this_month(), contacted=_this_month(2))
    helpers.arrived(team_b, _this_month(), contacted=_this_month(2))
    mine = verified_client(finance).get(reverse("stats:index")).content.decode()
    everyone = verified_client(director).get(reverse("stats:index")).content.decode()
    assert "3 first contacts, 0 accepted, 3 arrived" in mine
    assert "4 first contacts, 0 accepted, 4 arrived" in everyone
    only_b = verified_client(director).get(reverse("stats:index"), {"team": team_b.pk}).content.decode()
    assert "1 first contacts, 0 accepted, 1 arrived" in only_b
    assert "8 days on average, 4 arrivals" in everyone


def test_the_period_filter_and_bad_months(make_user: Any, team_a: Any) -> None:
    director = make_user("director")
    helpers.arrived(team_a, date(2024, 3, 5))
    client = verified_client(director)
    page = client.get(reverse("stats:index"), {"start": "2024-01", "end": "2024-06"}).content.decode()
    assert "1 first contacts" in page and "2024-06" in page
    bad = client.get(reverse("stats:index"), {"start": "2024-13", "end": "2024-01"})
    assert bad.status_code == 200
    assert "Enter a month as year and month" in bad.content.decode()
    assert 'value="2024-13"' in bad.content.decode()  # what was typed is kept


def test_charts_are_server_svg_with_nothing_external(make_user: Any, team_a: Any) -> None:
    director = make_user("director")
    helpers.arrived(team_a, _this_month())
    html = verified_client(director).get(reverse("stats:index")).content.decode()
    charts = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(charts) == len(FIGURES)
    for svg in charts:
        assert "<script" not in svg and "<style" not in svg and " style=" not in svg
        assert "kozea" not in svg.lower() and "http://pygal" not in svg
        assert 'font-family="&quot;Noto Sans&quot;, &quot;Noto Sans Myanmar&quot;' in svg


def test_the_dashboard_in_burmese(make_user: Any, team_a: Any) -> None:
    director = make_user("director", language="my")
    helpers.arrived(team_a, _this_month())
    client = verified_client(director)
    client.cookies["django_language"] = "my"
    html = client.get(reverse("stats:index"), HTTP_ACCEPT_LANGUAGE="my").content.decode()
    funnel = re.search(r'id="chart-funnel">(.*?)</div>', html, flags=re.S)
    assert funnel and "ရောက်ရှိပြီး" in funnel[1]  # "Arrived", a legend of the chart


def test_the_dashboard_works_while_sealed_and_reads_no_encrypted_column(make_user: Any, team_a: Any) -> None:
    director = make_user("director")
    for _ in range(2):
        helpers.arrived(team_a, _this_month(), contacted=_this_month(2))
    client = verified_client(director)
    state.seal()
    assert state.is_sealed()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("stats:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 first contacts, 0 accepted, 2 arrived" in html
    encrypted = _encrypted_columns()
    assert '"people_person"."alias"' in encrypted  # the check below can fail
    for query in queries.captured_queries:
        named = [column for column in encrypted if column in query["sql"]]
        assert not named, (named, query["sql"][:300])


def test_the_number_of_queries_does_not_grow_with_the_data(
    make_user: Any, team_a: Any, django_assert_max_num_queries: Any
) -> None:
    director = make_user("director")
    client = verified_client(director)
    helpers.arrived(team_a, _this_month())
    client.get(reverse("stats:index"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("stats:index"))
    for n in range(40):
        helpers.arrived(team_a, _this_month() - timedelta(days=31 * (n % 11)), force=Force.POLICE)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("stats:index"))
    with django_assert_max_num_queries(40):
        client.get(reverse("stats:index"), {"start": "2021-01", "end": "2025-12"})


def test_others_figures_are_shown_beside_ours_never_added(make_user: Any) -> None:
    director, second = make_user("director"), helpers.second_director()
    from sanctuary.stats import actions
    from sanctuary.stats.models import ExternalFigure

    actions.do_add_external_figure(
        director,
        ExternalFigure(
            count=12341,
            what="personnel who joined the CDM",
            breakdown="3,015 soldiers, 9,326 police",
            as_of="mid-2024",
            source="People's Embrace",
            via="The Irrawaddy",
            published_on=date(2024, 7, 5),
            retrieved_on=date(2024, 7, 6),
        ),
    )
    helpers.released(second, director, helpers.table(director))
    html = verified_client(director).get(reverse("stats:index")).content.decode()
    ours = re.search(r'id="our-counts">(.*?)</section>', html, flags=re.S)
    others = re.search(r'id="others-figures">(.*?)</section>', html, flags=re.S)
    assert ours and others
    assert "12341" in others[1] and "People&#x27;s Embrace" in others[1] and "2024-07-05" in others[1]
    assert "Retrieved 2024-07-06" in others[1]
    assert "12341" not in ours[1]


def test_a_snapshot_is_kept_for_a_while_and_counted_again_on_request(
    make_user: Any, team_a: Any, settings: Any
) -> None:
    """With a snapshot time, the figures are counted once and kept (the page says when);
    new arrivals show when the snapshot is counted again."""
    from django.core.cache import cache

    cache.clear()
    settings.STATS_SNAPSHOT_SECONDS = 300
    director = make_user("director")
    client = verified_client(director)
    helpers.arrived(team_a, _this_month(), contacted=_this_month(2))
    assert "1 first contacts" in client.get(reverse("stats:index")).content.decode()
    helpers.arrived(team_a, _this_month(), contacted=_this_month(2))
    with CaptureQueriesContext(connection) as kept:
        page = client.get(reverse("stats:index")).content.decode()
    assert "1 first contacts" in page and "Counted at" in page
    assert not any("people_personevent" in q["sql"] for q in kept.captured_queries)
    assert "2 first contacts" in client.get(reverse("stats:index"), {"fresh": "1"}).content.decode()
    other = make_user("finance_officer", username="fin", teams=[])
    assert "0 first contacts" in verified_client(other).get(reverse("stats:index")).content.decode()
    cache.clear()
