import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.db.models import Max, Sum
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from federation import selectors
from federation.dashboards import ranking
from federation.dashboards import selectors as dashboards
from federation.dashboards.selectors import Status
from federation.dashboards.views import LAZY_TABLE_ID
from federation.entries.selectors import children_completeness, month_completeness
from federation.entries.services import EntryRow, entries_save, entry_upsert, month_complete
from federation.forms import ProgressQuery, ProgressQueryForm
from federation.models import Aggregation, Indicator, MonthlyEntry, Period, Rollup, Target, Unit
from federation.targets.services import target_set
from federation.tests.factories import GrassrootsFactory, UnitFactory, UserFactory, indicator

TODAY = datetime.date(2026, 11, 24)


def get(client, name, unit, *args, **params):
    return client.get(reverse(name, args=[unit.pk, *args]), params)


HTMX = {"HX-Request": "true"}


def children_table(client, unit, **params):
    """The children table as htmx fetches it into the dashboard."""
    return client.get(reverse("unit_dashboard_children", args=[unit.pk]), params, headers=HTMX)


def text(response) -> str:
    return response.content.decode()


def brute_force(unit: Unit, indicator: Indicator, year: int, months: range) -> int:
    """The figure straight from the entries of the unit's subtree, as DESIGN.md defines it."""
    entries = MonthlyEntry.objects.filter(
        unit__path__startswith=unit.path, indicator=indicator, year=year, month__in=list(months)
    )
    if indicator.aggregation == Aggregation.LAST:
        latest = entries.aggregate(month=Max("month"))["month"]
        entries = entries.filter(month=latest)
    return entries.aggregate(total=Sum("value"))["total"] or 0


@pytest.fixture
def figures(tree):
    """Entries for 2021 and 2022 across the tree and the targets of 2022.

    Hoài Đức's H1 2022 is DESIGN.md's example: 310 members against a year target of 512, and 11
    unions founded against an H1 target of 20.
    """
    t = tree
    new_members, founded = indicator("new_members"), indicator("new_grassroots_unions")
    total, left = indicator("total_members"), indicator("members_left")
    rows = [
        EntryRow(t["hd_1"], new_members, 2022, 3, 200),
        EntryRow(t["hd_2"], new_members, 2022, 5, 60),
        EntryRow(t["hd_2"], new_members, 2022, 6, 50),
        EntryRow(t["hd_2"], new_members, 2022, 8, 70),
        EntryRow(t["hoai_duc"], founded, 2022, 4, 11),
        EntryRow(t["ml_1"], new_members, 2022, 2, 40),
        EntryRow(t["ml_1"], new_members, 2022, 7, 25),
        EntryRow(t["edu_1"], new_members, 2022, 1, 10),
        EntryRow(t["hd_1"], total, 2022, 1, 500),
        EntryRow(t["hd_1"], total, 2022, 3, 520),
        EntryRow(t["hd_2"], total, 2022, 2, 300),
        EntryRow(t["hd_1"], left, 2022, 4, 5),
        EntryRow(t["hd_1"], new_members, 2021, 4, 150),
        EntryRow(t["hd_2"], new_members, 2021, 6, 126),
        EntryRow(t["ml_1"], new_members, 2021, 2, 80),
    ]
    entries_save(rows=rows, user=None)
    for unit, ind, period, value in [
        ("city", new_members, Period.YEAR, 900),
        ("hoai_duc", new_members, Period.YEAR, 512),
        ("hoai_duc", founded, Period.H1, 20),
        ("me_linh", new_members, Period.YEAR, 100),
        ("hd_1", new_members, Period.YEAR, 300),
        ("hd_1", new_members, Period.H1, 150),
        ("hd_2", new_members, Period.YEAR, 212),
    ]:
        target_set(unit=t[unit], indicator=ind, year=2022, period=period, value=value, user=None)
    return t


PERIODS = [("H1", None), ("H1", 5), ("Y", None), ("Y", 3), ("H2", None), ("H2", 9)]


# --- the numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "through_month"), PERIODS)
def test_unit_figures_equal_progress_for_and_the_entries(
    client, figures, city_leader, period, through_month
):
    client.force_login(city_leader)
    months = selectors.period_months(period, through_month)
    for name in ("city", "hoai_duc", "hd_1", "education"):
        unit = figures[name]
        params = {"year": 2022, "period": period, "through_month": through_month or ""}
        rows = get(client, "unit_dashboard", unit, **params).context["rows"]

        expected = selectors.progress_for(unit, 2022, period, through_month)
        assert [r.indicator for r in rows] == [p.indicator for p in expected]
        for row, progress in zip(rows, expected, strict=True):
            f = row.figure
            assert (f.actual, f.target, f.target_period, f.percent) == (
                progress.actual,
                progress.target,
                progress.target_period,
                progress.percent,
            )
            assert f.actual == brute_force(unit, row.indicator, 2022, months)
            assert row.last_year.actual == brute_force(unit, row.indicator, 2021, months)


@pytest.mark.parametrize(("period", "through_month"), PERIODS)
def test_children_figures_equal_progress_for_and_the_entries(
    client, figures, city_leader, period, through_month
):
    client.force_login(city_leader)
    months = selectors.period_months(period, through_month)
    for name in ("city", "hoai_duc"):
        params = {"year": 2022, "period": period, "through_month": through_month or ""}
        table = children_table(client, figures[name], **params).context["children"].table
        assert {r.unit for r in table.rows} == set(Unit.objects.get_children(figures[name]))
        for row in table.rows:
            expected = {
                p.indicator.pk: p
                for p in selectors.progress_for(row.unit, 2022, period, through_month)
            }
            for indicator_id, f in row.figures.items():
                p = expected[indicator_id]
                assert (f.actual, f.target, f.target_period, f.percent) == (
                    p.actual,
                    p.target,
                    p.target_period,
                    p.percent,
                )
                assert f.actual == brute_force(row.unit, f.indicator, 2022, months)


def test_the_page_writes_progress_the_way_reports_do(client, figures, district_staff):
    client.force_login(district_staff)

    response = get(client, "unit_dashboard", figures["hoai_duc"], year=2022, period="H1")

    page = text(response)
    assert "310/512 — đạt 60,5%" in page
    assert "11/20 — đạt 55,0%" in page
    assert "Cùng kỳ 2021: 276" in page
    assert "tăng 34 (12,3%)" in page


def test_h1_is_compared_with_the_year_target_when_there_is_no_h1_target(
    client, figures, district_staff
):
    """DESIGN.md: "kết nạp được 310/512 đoàn viên, đạt 60,5% kế hoạch" with 512 the year's."""
    client.force_login(district_staff)

    rows = get(client, "unit_dashboard", figures["hoai_duc"], year=2022, period="H1").context[
        "rows"
    ]

    by_code = {r.indicator.code: r.figure for r in rows}
    members = by_code["new_members"]
    assert (members.target, members.target_period) == (512, Period.YEAR)
    assert members.against_year_target
    assert members.pace == Decimal("50.0")  # six months of a twelve-month target
    assert members.status == Status.ON_PACE
    founded = by_code["new_grassroots_unions"]
    assert (founded.target, founded.target_period, founded.percent) == (20, "H1", Decimal("55.0"))
    assert founded.pace == Decimal("100.0")
    assert founded.status == Status.BEHIND
    assert "kế hoạch năm" in text(
        get(client, "unit_dashboard", figures["hoai_duc"], year=2022, period="H1")
    )


def test_a_cut_off_month_counts_the_months_up_to_it(client, figures, district_staff):
    client.force_login(district_staff)

    response = get(
        client, "unit_dashboard", figures["hoai_duc"], year=2022, period="H1", through_month=5
    )

    assert "260/512 — đạt 50,8%" in text(response)
    assert "số liệu đến hết tháng 05/2022" in text(response)
    members = next(r for r in response.context["rows"] if r.indicator.code == "new_members")
    assert members.figure.pace == Decimal("41.7")  # five of the year's twelve months
    assert members.last_year.actual == 150


def test_a_stock_takes_the_latest_month_with_figures(client, figures, district_staff):
    client.force_login(district_staff)

    rows = get(client, "unit_dashboard", figures["hoai_duc"], year=2022, period="H1").context[
        "rows"
    ]

    total = next(r for r in rows if r.indicator.code == "total_members")
    assert total.figure.actual == 520  # March, the last month with an entry below Hoài Đức


def test_the_status_rule_is_stated_on_the_page(client, figures, district_staff):
    client.force_login(district_staff)

    page = text(get(client, "unit_dashboard", figures["hoai_duc"], year=2022, period="H1"))

    assert "Cách xếp tình trạng" in page
    assert "Tiến độ cần đạt = số tháng đã kết thúc của kỳ kế hoạch" in page
    assert "càng thấp càng tốt" in page


# --- pace and status ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "target_period", "last_month", "today", "pace"),
    [
        (2026, "Y", 12, TODAY, "83.3"),  # ten months over on 24/11
        (2026, "Y", 5, TODAY, "41.7"),  # cut off at May
        (2026, "H1", 6, TODAY, "100.0"),  # H1 is over
        (2026, "H2", 12, TODAY, "66.7"),  # July to October over
        (2026, "Y", 12, datetime.date(2026, 1, 15), "0.0"),  # nothing over yet
        (2027, "Y", 12, TODAY, "0.0"),  # a year to come
        (2025, "Y", 12, TODAY, "100.0"),  # a year gone
        (2025, "Y", 6, TODAY, "50.0"),  # H1 figures against the year target
    ],
)
def test_the_expected_pace_is_the_share_of_the_target_period_over(
    db, year, target_period, last_month, today, pace
):
    members = indicator("new_members")
    assert dashboards.expected_pace(members, target_period, year, last_month, today) == Decimal(
        pace
    )


def test_a_stock_is_expected_at_its_target_whatever_the_month(db):
    assert dashboards.expected_pace(indicator("total_members"), "Y", 2026, 3, TODAY) == 100


@pytest.mark.parametrize(
    ("percent", "pace", "status"),
    [
        ("100.0", "50.0", Status.ACHIEVED),
        ("120.0", "100.0", Status.ACHIEVED),
        ("50.0", "50.0", Status.ON_PACE),
        ("49.9", "50.0", Status.BEHIND),
        ("99.9", "100.0", Status.BEHIND),
    ],
)
def test_status_follows_the_stated_rule(db, percent, pace, status):
    assert dashboards.status_of(indicator("new_members"), Decimal(percent), Decimal(pace)) == status


def test_lower_is_better_indicators_and_figures_without_target_get_no_status(db):
    assert dashboards.status_of(indicator("members_left"), Decimal(10), Decimal(50)) is None
    assert dashboards.status_of(indicator("new_members"), None, None) is None


# --- the children table ------------------------------------------------------------------------


def test_children_are_ranked_by_percent_and_link_to_their_dashboards(client, figures, city_leader):
    client.force_login(city_leader)

    response = children_table(client, figures["city"], year=2022, period="H1")

    rows = response.context["children"].page.object_list
    assert [(r.unit.code, r.rank) for r in rows] == [("HD", 1), ("ML", 2), ("GD", None)]
    page = text(response)
    for code in ("hoai_duc", "me_linh", "education"):
        url = reverse("unit_dashboard", args=[figures[code].pk])
        assert f'href="{url}?year=2022&amp;period=H1"' in page


def test_children_without_any_target_are_ranked_by_their_figures(client, figures, city_leader):
    second = GrassrootsFactory(parent=figures["me_linh"], code="ML02")
    entry_upsert(
        unit=second, indicator=indicator("new_members"), year=2022, month=2, value=5, user=None
    )
    client.force_login(city_leader)

    response = children_table(client, figures["me_linh"], year=2022, period="H1")

    children = response.context["children"]
    assert [i.code for i in children.table.indicators] == ["new_members"]  # those with figures
    assert [(r.unit.code, r.rank) for r in children.page.object_list] == [
        ("ML01", 1),
        ("ML02", 2),
    ]
    assert "hạng theo số thực hiện" in text(response)


def test_ties_share_a_rank(db, tree):
    members = indicator("new_members")
    query = ProgressQuery(2022, "Y", None)

    def row(unit, actual, target):
        progress = selectors.IndicatorProgress(
            members, actual, target, "Y", selectors.percent_of(actual, target)
        )
        f = dashboards.figure(progress, query, TODAY)
        return dashboards.ChildRow(unit, {members.pk: f}, "missing")

    rows = [row(tree["hd_1"], 50, 100), row(tree["hd_2"], 50, 100), row(tree["ml_1"], 80, 100)]
    ranking.rank(rows, members)
    assert [r.rank for r in rows] == [2, 2, 1]


@pytest.mark.parametrize(
    ("sort", "direction", "codes"),
    [
        ("name", "asc", ["GD", "HD", "ML"]),  # Công đoàn ngành…, LĐLĐ huyện Hoài Đức, … Mê Linh
        ("actual", "desc", ["HD", "ML", "GD"]),
        ("actual", "asc", ["GD", "ML", "HD"]),
        ("percent", "desc", ["HD", "ML", "GD"]),
        ("rank", "asc", ["HD", "ML", "GD"]),
    ],
)
def test_the_children_table_sorts_by_any_column(
    client, figures, city_leader, sort, direction, codes
):
    client.force_login(city_leader)

    response = children_table(
        client, figures["city"], year=2022, period="H1", sort=sort, dir=direction
    )

    assert [r.unit.code for r in response.context["children"].page.object_list] == codes
    assert "<html" not in text(response)
    assert response["HX-Push-Url"].startswith(reverse("unit_dashboard", args=[figures["city"].pk]))


def test_the_children_partial_is_404_for_a_unit_without_children(client, figures, city_leader):
    client.force_login(city_leader)
    assert get(client, "unit_dashboard_children", figures["hd_1"]).status_code == 404


# --- the table, loaded after the page ----------------------------------------------------------


def test_the_page_loads_its_children_table_afterwards_with_its_own_query_string(
    client, figures, city_leader
):
    client.force_login(city_leader)
    params = {"year": 2022, "period": "H1", "sort": "actual", "dir": "asc", "page": 1}

    response = get(client, "unit_dashboard", figures["city"], **params)

    page = text(response)
    table_url = reverse("unit_dashboard_children", args=[figures["city"].pk])
    query = "year=2022&amp;period=H1&amp;sort=actual&amp;dir=asc&amp;page=1"
    assert f'id="{LAZY_TABLE_ID}"' in page
    assert f'hx-get="{table_url}?{query}" hx-trigger="load"' in page
    assert "Đang tải bảng xếp hạng đơn vị trực thuộc…" in page
    assert f'<noscript><a href="{table_url}?{query}">' in page
    assert "children" not in response.context
    assert "LĐLĐ huyện Mê Linh" not in page  # no row of the table yet


def test_the_table_loaded_into_the_page_keeps_its_sort_and_pushes_no_address(
    client, figures, city_leader
):
    client.force_login(city_leader)
    params = {"year": 2022, "period": "H1", "sort": "actual", "dir": "asc"}
    loading = {**HTMX, "HX-Trigger": LAZY_TABLE_ID}

    loaded = client.get(
        reverse("unit_dashboard_children", args=[figures["city"].pk]), params, headers=loading
    )
    sorted_again = children_table(client, figures["city"], **params)

    assert [r.unit.code for r in loaded.context["children"].page.object_list] == ["GD", "ML", "HD"]
    assert "HX-Push-Url" not in loaded  # the address is the page's already
    dashboard_url = reverse("unit_dashboard", args=[figures["city"].pk])
    assert sorted_again["HX-Push-Url"] == f"{dashboard_url}?year=2022&period=H1&sort=actual&dir=asc"
    # Opened in a new tab, a sort link shows the whole dashboard, sorted.
    assert f'href="{dashboard_url}?year=2022&amp;period=H1&amp;sort=actual&amp;dir=desc"' in text(
        loaded
    )


def test_the_table_loaded_into_the_page_shows_the_pages_page(
    client, figures, city_leader, monkeypatch
):
    monkeypatch.setattr(ranking, "CHILDREN_PER_PAGE", 2)
    client.force_login(city_leader)
    params = {"year": 2022, "period": "H1", "page": 2}
    table_url = reverse("unit_dashboard_children", args=[figures["city"].pk])
    assert f"{table_url}?year=2022&amp;period=H1&amp;page=2" in text(
        get(client, "unit_dashboard", figures["city"], **params)
    )

    loaded = client.get(table_url, params, headers={**HTMX, "HX-Trigger": LAZY_TABLE_ID})

    children = loaded.context["children"]
    assert children.page.number == 2
    assert [r.unit.code for r in children.page.object_list] == ["GD"]  # third by rank: none
    assert "Trang 2/2" in text(loaded)


def test_without_javascript_the_table_is_a_page_whose_links_stay_on_it(
    client, figures, city_leader
):
    client.force_login(city_leader)

    response = get(client, "unit_dashboard_children", figures["city"], year=2022, period="H1")

    page = text(response)
    table_url = reverse("unit_dashboard_children", args=[figures["city"].pk])
    dashboard_url = reverse("unit_dashboard", args=[figures["city"].pk])
    assert "<html" in page and "<h1" in page
    assert 'aria-current="page">Đơn vị trực thuộc' in page
    assert f'href="{table_url}?year=2022&amp;period=H1&amp;sort=actual&amp;dir=desc"' in page
    assert f'href="{dashboard_url}?year=2022&amp;period=H1"' in page
    assert [r.unit.code for r in response.context["children"].page.object_list] == [
        "HD",
        "ML",
        "GD",
    ]
    assert "HX-Push-Url" not in response
    assert "HX-Request" in response["Vary"]


def test_the_children_table_is_404_outside_the_users_subtree_however_it_is_asked(
    client, figures, district_staff
):
    client.force_login(district_staff)
    asked = [{}, HTMX, {**HTMX, "HX-Trigger": LAZY_TABLE_ID}]

    for unit in ("city", "me_linh", "education"):
        url = reverse("unit_dashboard_children", args=[figures[unit].pk])
        for headers in asked:
            assert client.get(url, headers=headers).status_code == 404
    assert children_table(client, figures["hoai_duc"]).status_code == 200


def test_each_child_shows_whether_its_month_is_entered(client, figures, city_leader):
    month_complete(unit=figures["me_linh"], year=2022, month=5, user=None)
    client.force_login(city_leader)

    table = (
        children_table(client, figures["city"], year=2022, period="H1", through_month=5)
        .context["children"]
        .table
    )

    assert table.data_month == (2022, 5)
    data = {r.unit.code: r.data_label for r in table.rows}
    assert data == {"HD": "Đang nhập", "ML": "Đã hoàn thành", "GD": "Chưa nhập"}


def test_the_completeness_column_agrees_with_the_monthly_entry_report(figures):
    month_complete(unit=figures["me_linh"], year=2022, month=3, user=None)
    month_complete(unit=figures["hd_2"], year=2022, month=3, user=None)
    for parent in ("city", "hoai_duc", "me_linh", "education"):
        report = month_completeness(figures[parent], 2022, 3)
        ids = [child.unit.pk for child in report.children]
        shown = children_completeness(ids, 2022, 3)
        for child in report.children:
            assert shown.get(child.unit.pk, "missing") == child.status


@pytest.mark.parametrize(
    ("query", "month"),
    [
        (ProgressQuery(2026, "Y", None), (2026, 10)),  # the last month over, being chased
        (ProgressQuery(2026, "H1", None), (2026, 6)),
        (ProgressQuery(2026, "Y", 3), (2026, 3)),
        (ProgressQuery(2025, "Y", None), (2025, 12)),
        (ProgressQuery(2027, "H2", None), (2027, 7)),
    ],
)
def test_completeness_is_shown_for_the_figures_last_month_that_is_over(query, month):
    assert dashboards.completeness_month(query, TODAY) == month


# --- the trend ---------------------------------------------------------------------------------


def trend_of(unit, year: int) -> dict[str, dict]:
    history = dashboards.unit_history(unit, year)
    rows = dashboards.indicator_rows(unit, ProgressQuery(year, "Y", None), TODAY, history)
    return {s["code"]: s for s in dashboards.trend(year, rows, TODAY, history)}


def test_the_trend_has_monthly_and_cumulative_figures_of_both_years(figures):
    unit = figures["hoai_duc"]
    members, total = indicator("new_members"), indicator("total_members")

    series = trend_of(unit, 2022)

    assert series["new_members"]["monthly"][2:8] == [200, 0, 60, 50, 0, 70]
    assert series["new_members"]["monthly_before"][3:6] == [150, 0, 126]
    for month in range(1, 13):
        assert series["new_members"]["cumulative"][month - 1] == brute_force(
            unit, members, 2022, range(1, month + 1)
        )
        assert series["total_members"]["cumulative"][month - 1] == brute_force(
            unit, total, 2022, range(1, month + 1)
        )
    assert series["new_members"]["target_year"] == 512
    assert series["total_members"]["stock"] is True


def test_the_trend_stops_at_this_month(tree):
    series = trend_of(tree["city"], 2026)["new_members"]
    assert series["monthly"][10] == 0 and series["monthly"][11] is None
    assert series["cumulative"][11] is None


def test_the_chart_gets_its_data_and_chart_js_from_static(client, figures, district_staff):
    client.force_login(district_staff)

    page = text(get(client, "unit_dashboard", figures["hoai_duc"], year=2022))

    assert '<script id="trend-data" type="application/json">' in page
    assert "vendor/chart.js/chart.umd.min.js" in page
    assert "js/dashboard.js" in page


# --- Excel -------------------------------------------------------------------------------------


def sheet_rows(response, index=0):
    workbook = load_workbook(BytesIO(response.content))
    return [list(r) for r in workbook.worksheets[index].iter_rows(values_only=True)]


def test_the_indicator_table_exports_with_the_same_numbers(client, figures, district_staff):
    client.force_login(district_staff)

    response = get(
        client, "unit_dashboard_export", figures["hoai_duc"], "indicators", year=2022, period="H1"
    )

    assert response["Content-Disposition"] == 'attachment; filename="tien-do-hd-H1-2022.xlsx"'
    rows = sheet_rows(response)
    members = next(r for r in rows if r[0] == "Đoàn viên kết nạp mới")
    assert members[2:11] == [310, 512, "Cả năm", 60.5, 50, "Đúng tiến độ", 276, 34, 12.3]
    monthly = sheet_rows(response, 1)
    assert ["Đoàn viên kết nạp mới", 2022, 0, 0, 200, 0, 60, 50, 0, 70, 0, 0, 0, 0] in monthly


def test_the_children_table_exports_every_child_in_the_pages_order(client, figures, city_leader):
    client.force_login(city_leader)

    response = get(
        client, "unit_dashboard_export", figures["city"], "children", year=2022, period="H1"
    )

    header, *rows = sheet_rows(response)
    assert header[:4] == ["Hạng", "Mã đơn vị", "Đơn vị", "Đoàn viên kết nạp mới: thực hiện"]
    assert [r[:7] for r in rows] == [
        [1, "HD", "LĐLĐ huyện Hoài Đức", 310, 512, 60.5, "Đúng tiến độ"],
        [2, "ML", "LĐLĐ huyện Mê Linh", 40, 100, 40, "Chậm tiến độ"],
        [None, "GD", "Công đoàn ngành Giáo dục", 10, None, None, None],
    ]
    assert header[-1] == "Số liệu tháng 06/2022"


def test_an_unknown_table_or_a_leaf_has_no_children_export(client, figures, city_leader):
    client.force_login(city_leader)
    assert get(client, "unit_dashboard_export", figures["city"], "other").status_code == 404
    assert get(client, "unit_dashboard_export", figures["hd_1"], "children").status_code == 404


# --- scope -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("unit_dashboard", ()),
        ("unit_dashboard_children", ()),
        ("unit_dashboard_export", ("indicators",)),
        ("unit_dashboard_export", ("children",)),
    ],
)
def test_staff_of_one_district_get_404_on_another_districts_dashboard(
    client, figures, district_staff, name, args
):
    client.force_login(district_staff)

    for unit in ("me_linh", "ml_1", "city"):
        assert get(client, name, figures[unit], *args).status_code == 404


def test_dashboards_need_a_login(client, figures):
    for name in ("unit_dashboard", "unit_dashboard_children"):
        response = get(client, name, figures["hoai_duc"])
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_breadcrumbs_link_only_the_ancestors_the_user_may_see(client, figures, district_staff):
    client.force_login(district_staff)

    page = text(get(client, "unit_dashboard", figures["hd_1"]))

    assert f'href="{reverse("unit_dashboard", args=[figures["hoai_duc"].pk])}' in page
    assert reverse("unit_dashboard", args=[figures["city"].pk]) not in page
    assert "LĐLĐ Hà Nội" in page or "LĐLĐ Thành phố Hà Nội" in page


def test_only_leaders_above_are_offered_to_set_the_childrens_targets(
    client, figures, district_staff, district_leader
):
    client.force_login(district_leader)
    assert get(client, "unit_dashboard", figures["hoai_duc"]).context["can_set_targets"]
    client.force_login(district_staff)
    assert not get(client, "unit_dashboard", figures["hoai_duc"]).context["can_set_targets"]


# --- cost --------------------------------------------------------------------------------------


def bulk_children(parent: Unit, count: int, prefix: str, kind: str) -> list[Unit]:
    """Children created in one statement with their materialized paths, for big trees."""
    units = [
        Unit(
            code=f"{prefix}{n:05d}",
            name=f"Đơn vị {prefix}{n}",
            kind=kind,
            path=Unit._get_path(parent.path, parent.depth + 1, parent.numchild + n),
            depth=parent.depth + 1,
        )
        for n in range(1, count + 1)
    ]
    created = Unit.objects.bulk_create(units, batch_size=500)
    Unit.objects.filter(pk=parent.pk).update(numchild=parent.numchild + count)
    parent.refresh_from_db()
    return created


@pytest.fixture
def big_tree(db):
    """A city with 30 districts of 100 CĐCS each, figures on every district."""
    city = UnitFactory(code="BIG", name="LĐLĐ lớn", kind="provincial_federation")
    districts = bulk_children(city, 30, "Q", "district_federation")
    unions = []
    for district in Unit.objects.filter(pk__in=[d.pk for d in districts]):
        unions += bulk_children(district, 100, f"{district.code}-", "grassroots_union")
    members = indicator("new_members")
    # Written directly, for speed: roll-up rows above, a CĐCS's own entries (it keeps no rows).
    Rollup.objects.bulk_create(
        Rollup(unit=unit, indicator=members, year=2022, month=m, total=m, entries=1)
        for unit in [city, *districts]
        for m in range(1, 13)
    )
    MonthlyEntry.objects.bulk_create(
        MonthlyEntry(unit=unit, indicator=members, year=2022, month=m, value=m)
        for unit in unions[:200]
        for m in range(1, 13)
    )
    Target.objects.bulk_create(
        Target(unit=d, indicator=members, year=2022, period="Y", value=100) for d in districts
    )
    return city


def count_queries(client, name, unit, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse(name, args=[unit.pk]), {"year": 2022, "period": "H1"}, headers=headers
        )
    assert response.status_code == 200
    return len(queries)


def test_the_dashboard_costs_the_same_queries_on_a_tree_of_thousands(
    client, figures, big_tree, django_assert_max_num_queries
):
    assert Unit.objects.count() > 3000
    client.force_login(UserFactory(is_superuser=True))
    district = Unit.objects.get(code="Q00001")
    union = Unit.objects.filter(path__startswith=district.path, depth=district.depth + 1).first()

    for unit in (big_tree, district, union):
        # the request's own (user, unit, ancestors, the values to check, a superuser's navbar
        # root), then the indicators, the unit's months and its targets
        with django_assert_max_num_queries(9):
            get(client, "unit_dashboard", unit, year=2022, period="H1")
    for unit, children in ((big_tree, 30), (district, 100)):
        with django_assert_max_num_queries(13):  # with the children's forecasts
            response = children_table(client, unit, year=2022, period="H1")
        assert len(response.context["children"].table.rows) == children
    # The same figures and targets on a tree a thousand times smaller: the same queries.
    for name in ("unit_dashboard", "unit_dashboard_children"):
        assert count_queries(client, name, big_tree, **HTMX) == count_queries(
            client, name, figures["city"], **HTMX
        )


def test_the_page_at_the_top_of_a_tree_costs_no_more_queries_than_at_a_grassroots_union(
    client, big_tree
):
    """The children's table, the one part that grows with the level, comes after the page."""
    client.force_login(UserFactory(is_superuser=True))
    union = Unit.objects.filter(depth=big_tree.depth + 2).first()

    city = count_queries(client, "unit_dashboard", big_tree)
    assert city <= count_queries(client, "unit_dashboard", union)


# --- the period form ---------------------------------------------------------------------------


def form(params: dict, today=TODAY, **kwargs) -> ProgressQueryForm:
    data = QueryDict(mutable=True)
    data.update(params)
    return ProgressQueryForm(data, today=today, **kwargs)


def test_the_period_form_reads_a_good_query():
    f = form({"year": "2022", "period": "H1", "through_month": "5"})
    assert f.query == ProgressQuery(2022, "H1", 5)
    assert f.problems == []
    assert f.query.as_params() == {"year": 2022, "period": "H1", "through_month": 5}
    assert f.query.last_month == 5


def test_the_period_form_defaults_to_this_year_and_half():
    assert form({}).query == ProgressQuery(2026, "Y", None)
    assert form({}, today=datetime.date(2026, 3, 1)).query == ProgressQuery(2026, "H1", None)
    assert form({}, period="Y", today=datetime.date(2026, 3, 1)).query.period == "Y"


@pytest.mark.parametrize(
    ("params", "query", "problem"),
    [
        ({"year": "abc"}, ProgressQuery(2026, "Y", None), "Năm phải là số từ 2000 đến 2100"),
        ({"year": "9" * 5000}, ProgressQuery(2026, "Y", None), "Năm phải"),
        ({"period": "Q3"}, ProgressQuery(2026, "Y", None), "Kỳ không hợp lệ; đang xem cả năm."),
        (
            {"period": "H2", "through_month": "3"},
            ProgressQuery(2026, "H2", None),
            "Tháng cắt số liệu phải thuộc 6 tháng cuối năm; đang xem cả kỳ.",
        ),
        ({"through_month": "13"}, ProgressQuery(2026, "Y", None), "Tháng cắt số liệu"),
    ],
)
def test_the_period_form_falls_back_with_a_reason(params, query, problem):
    f = form(params)
    assert f.query == query
    assert any(p.startswith(problem) for p in f.problems), f.problems


def test_bad_parameters_on_the_dashboard_are_warned_about(client, figures, district_staff):
    client.force_login(district_staff)
    response = get(client, "unit_dashboard", figures["hoai_duc"], period="Q3")
    assert response.status_code == 200
    assert 'class="alert alert-warning' in text(response)


def test_a_new_grassroots_union_has_a_dashboard_without_children(client, tree, district_staff):
    union = GrassrootsFactory(parent=tree["hoai_duc"], code="HD09")
    client.force_login(district_staff)

    response = get(client, "unit_dashboard", union)

    assert response.status_code == 200
    assert "Đơn vị trực thuộc" not in text(response)
    assert reverse("unit_dashboard_children", args=[union.pk]) not in text(response)
    assert "chưa giao chỉ tiêu" in text(response)


def test_names_in_the_children_table_are_escaped(client, tree, district_staff):
    union = GrassrootsFactory(parent=tree["hoai_duc"], name="Công đoàn <script>x()</script>")
    # A code stored before codes were held to letters, digits, "-", "_" and ".".
    Unit.objects.filter(pk=union.pk).update(code="HD<9>")
    client.force_login(district_staff)

    page = text(children_table(client, tree["hoai_duc"]))

    assert "<script>x()" not in page
    assert "Công đoàn &lt;script&gt;x()&lt;/script&gt;" in page
    assert "HD&lt;9&gt;" in page
