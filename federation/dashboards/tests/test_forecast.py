"""The year-end forecast on the dashboard: beside each indicator with a year target, as a
sortable column of the children table (least likely first), and as the chart's dashed line."""

import datetime
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from federation.entries.services import EntryRow, entries_save
from federation.models import Period
from federation.targets.services import target_set
from federation.tests.factories import indicator

# Mid-June 2026 in Hà Nội: January to May are over, the forecast starts from May.
NOW = datetime.datetime(2026, 6, 15, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
SEASONAL = [0, 0, 40, 60, 50, 20, 10, 10, 30, 40, 60, 80]  # 400 in 2025, 150 by May


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def season(tree, clock):
    """Hoài Đức's two CĐCS: hd_1 admits on a seasonal profile and is twice as quick this year;
    hd_2 admitted 10 a month last year and half as many this year. Hoài Đức had 200 of its 520
    by May 2025."""
    new_members = indicator("new_members")
    hd_1, hd_2 = tree["hd_1"], tree["hd_2"]
    rows = [EntryRow(hd_1, new_members, 2025, m, v) for m, v in enumerate(SEASONAL, start=1)]
    rows += [EntryRow(hd_2, new_members, 2025, m, 10) for m in range(1, 13)]
    rows += [EntryRow(hd_1, new_members, 2026, m, 2 * SEASONAL[m - 1]) for m in range(1, 6)]
    rows += [EntryRow(hd_2, new_members, 2026, m, 5) for m in range(1, 6)]
    entries_save(rows=rows, user=None)
    for unit, value in (("hoai_duc", 1000), ("hd_1", 900), ("hd_2", 200)):
        target_set(
            unit=tree[unit],
            indicator=new_members,
            year=2026,
            period=Period.YEAR,
            value=value,
            user=None,
        )
    return tree


def page_text(client, unit, name="unit_dashboard", **params) -> str:
    response = client.get(reverse(name, args=[unit.pk]), {"year": 2026, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_the_dashboard_shows_where_the_year_is_heading(client, season, district_staff):
    client.force_login(district_staff)
    page = page_text(client, season["hoai_duc"])
    # 325 by May; last year 200 of 520 by May: 325 × (520 + 12) / (200 + 5) = 843,4
    assert "Dự báo cả năm: 843, khoảng 84,3% kế hoạch" in page


def test_a_half_year_view_forecasts_the_year_against_the_years_target(
    client, season, district_staff
):
    client.force_login(district_staff)
    page = page_text(client, season["hoai_duc"], period="H1")
    assert "Dự báo cả năm: 843, khoảng 84,3% kế hoạch" in page


def test_a_year_that_is_over_shows_no_forecast(client, season, district_staff):
    client.force_login(district_staff)
    target_set(
        unit=season["hoai_duc"],
        indicator=indicator("new_members"),
        year=2025,
        period=Period.YEAR,
        value=500,
        user=None,
    )
    assert "Dự báo cả năm" not in page_text(client, season["hoai_duc"], year=2025, period="Y")


def test_the_children_table_puts_the_least_likely_first(client, season, district_staff):
    client.force_login(district_staff)
    table = page_text(client, season["hoai_duc"], "unit_dashboard_children", sort="forecast")
    # A CĐCS follows Hoài Đức's seasons, 205/532 of the year by May:
    # hd_1: 300 × 532 / 205 = 779 of 900 (86,6%); hd_2: 25 × 532 / 205 = 65 of 200 (32,5%)
    cells = re.findall(r'data-label="Dự báo cả năm"[^>]*>([^<]*)<', table)
    assert cells == ["32,5%", "86,6%"]
    assert table.index(season["hd_2"].display_name) < table.index(season["hd_1"].display_name)

    turned = page_text(
        client, season["hoai_duc"], "unit_dashboard_children", sort="forecast", dir="desc"
    )
    assert re.findall(r'data-label="Dự báo cả năm"[^>]*>([^<]*)<', turned) == ["86,6%", "32,5%"]


def test_the_chart_draws_the_forecast_to_december(client, season, district_staff):
    client.force_login(district_staff)
    page = page_text(client, season["hoai_duc"])
    data = json.loads(
        re.search(r'<script id="trend-data" type="application/json">(.*?)</script>', page).group(1)
    )
    path = next(s for s in data["series"] if s["code"] == "new_members")["forecast"]
    assert path[:4] == [None] * 4
    assert (path[4], path[11]) == (325, 843)
    assert path[4:] == sorted(path[4:])


def test_the_children_table_costs_two_queries_more_whatever_the_number_of_children(
    client, season, district_staff, django_assert_max_num_queries
):
    client.force_login(district_staff)
    url = reverse("unit_dashboard_children", args=[season["hoai_duc"].pk])
    # session, user, roles, the unit; indicators, children, progress (2), the month's data
    # entry (2), clusters; and the forecasts, two queries for every child
    with django_assert_max_num_queries(13):
        client.get(url, {"year": 2026}, headers={"HX-Request": "true"})


def test_a_cdcs_page_forecasts_from_its_parents_seasons(client, season, district_staff):
    client.force_login(district_staff)
    page = page_text(client, season["hd_2"], period="Y")
    # 25 × 532 / 205 = 65 of the year's 200, as in its parent's children table
    assert "Dự báo cả năm: 65, khoảng 32,5% kế hoạch" in page
