"""One progress rule: the dashboard, the API, the children table and the report snapshot print
the same figures for every period and cut-off month, because they all read
federation.selectors.progress_for_units."""

from decimal import Decimal

import pytest
from django.urls import reverse

from federation import selectors
from federation.models import Period
from federation.tests.api import api_as
from reports.models import ReportKind
from reports.selectors import figures_snapshot
from reports.tests.conftest import save, target

# (period, cut-off month): the whole year, half-years, each with and without a cut-off.
CASES = [
    (Period.YEAR, None),
    (Period.YEAR, 9),
    (Period.H1, None),
    (Period.H1, 5),
    (Period.H2, None),
    (Period.H2, 10),
]
# Hoài Đức's new members in each case, by hand: 200 in March, 60 in May, 50 in June, 40 in
# August, 25 in November; the year's target 512 and the H2 target 300.
NEW_MEMBERS = {
    (Period.YEAR, None): (375, 512, "Y", "73.2"),
    (Period.YEAR, 9): (350, 512, "Y", "68.4"),
    (Period.H1, None): (310, 512, "Y", "60.5"),
    (Period.H1, 5): (260, 512, "Y", "50.8"),
    (Period.H2, None): (65, 300, "H2", "21.7"),
    (Period.H2, 10): (40, 300, "H2", "13.3"),
}
# A report reviews the first half (H1) or the whole year (its H2 kind): no report is about H2
# alone, so those two cases are checked on the other three readers.
REPORT_KINDS = {Period.H1: ReportKind.H1, Period.YEAR: ReportKind.H2}


def figure(actual, target, target_period, percent) -> tuple:
    return (actual, target, target_period, None if percent is None else str(Decimal(percent)))


@pytest.fixture
def year_2022(hoai_duc_2022, tree):
    """hoai_duc_2022's first half, a second half, and targets for H2 and for a stock."""
    hd, hd_1, hd_2 = hoai_duc_2022, tree["hd_1"], tree["hd_2"]
    save(hd_1, "new_members", 2022, 8, 40)
    save(hd_2, "new_members", 2022, 11, 25)
    save(hd_1, "total_members", 2022, 9, 1300)
    target(hd, "new_members", 2022, Period.H2, 300)
    target(hd, "total_members", 2022, Period.YEAR, 1500)
    return hd


def query(period, through_month) -> dict:
    params = {"year": 2022, "period": period}
    return params | ({"through_month": through_month} if through_month else {})


def on_the_dashboard(client, unit, period, through_month) -> dict:
    response = client.get(reverse("unit_dashboard", args=[unit.pk]), query(period, through_month))
    return {
        row.indicator.code: figure(f.actual, f.target, f.target_period, f.percent)
        for row in response.context["rows"]
        for f in [row.figure]
    }


def in_the_api(user, unit, period, through_month) -> dict:
    url = reverse("api_unit_progress", args=[unit.pk])
    answer = api_as(user).get(url, query(period, through_month)).json()
    return {
        row["indicator"]: figure(
            row["actual"],
            row["target"],
            row["target_period"],
            None if row["percent"] is None else str(row["percent"]),
        )
        for row in answer["indicators"]
    }


def in_the_childrens_table(client, parent, unit, period, through_month) -> dict:
    url = reverse("unit_dashboard_children", args=[parent.pk])
    table = client.get(url, query(period, through_month)).context["children"].table
    row = next(r for r in table.rows if r.unit == unit)
    return {
        f.indicator.code: figure(f.actual, f.target, f.target_period, f.percent)
        for f in row.figures.values()
    }


def in_the_report(unit, period, through_month) -> dict:
    kind = REPORT_KINDS[period]
    month = through_month or ReportKind(kind).default_through_month
    rows = figures_snapshot(unit, 2022, kind, month)["indicators"]
    return {
        r["code"]: figure(r["actual"], r["target"], r["target_period"], r["percent"]) for r in rows
    }


def in_the_reports_childrens_table(parent, unit, period, through_month) -> dict:
    """The snapshot's children table has no target period: (actual, target, percent) only."""
    kind = REPORT_KINDS[period]
    month = through_month or ReportKind(kind).default_through_month
    rows = figures_snapshot(parent, 2022, kind, month)["children"]["rows"]
    row = next(r for r in rows if r["id"] == unit.pk)
    return {
        code: (f["actual"], f["target"], None if f["percent"] is None else str(f["percent"]))
        for code, f in row["figures"].items()
    }


@pytest.fixture(params=["here", "by the database"])
def summed(request, monkeypatch):
    """Runs a test with the months of any number of units added up here, then with the flows
    summed by the database: progress_for_units's two ways of reading the roll-up."""
    monkeypatch.setattr(selectors, "SUMMED_HERE_UP_TO", 10**6 if request.param == "here" else 0)


@pytest.mark.parametrize(("period", "through_month"), CASES)
def test_every_reader_prints_the_same_progress(
    client, tree, city_leader, year_2022, period, through_month, summed
):
    client.force_login(city_leader)
    hoai_duc = year_2022
    dashboard = on_the_dashboard(client, hoai_duc, period, through_month)

    assert dashboard["new_members"] == NEW_MEMBERS[(period, through_month)]
    assert in_the_api(city_leader, hoai_duc, period, through_month) == dashboard
    children = in_the_childrens_table(client, tree["city"], hoai_duc, period, through_month)
    assert {"new_members", "total_members"} <= set(children)  # those with a target
    assert children == {code: dashboard[code] for code in children}
    if period in REPORT_KINDS:
        assert in_the_report(hoai_duc, period, through_month) == dashboard
        reported = in_the_reports_childrens_table(tree["city"], hoai_duc, period, through_month)
        assert reported == {
            code: (a, t, p) for code, (a, t, _, p) in dashboard.items() if code in reported
        }
