import json

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from federation.selectors import progress_for
from federation.tests.factories import GrassrootsFactory
from reports import selectors, services
from reports.models import ReportVersion, VersionStatus
from reports.tests.conftest import save, target


def test_snapshot_holds_the_numbers_the_dashboards_show(hoai_duc_2022):
    snapshot = selectors.figures_snapshot(hoai_duc_2022, 2022, "H1", 5)

    expected = progress_for(hoai_duc_2022, 2022, "H1", 5)
    assert [(r["code"], r["actual"], r["target"]) for r in snapshot["indicators"]] == [
        (p.indicator.code, p.actual, p.target) for p in expected
    ]
    assert json.loads(json.dumps(snapshot)) == snapshot


def test_snapshot_compares_with_the_same_months_of_last_year(hoai_duc_2022):
    save(hoai_duc_2022, "new_members", 2021, 6, 40)  # after the cut-off: left out

    snapshot = selectors.figures_snapshot(hoai_duc_2022, 2022, "H1", 5)

    by_code = {row["code"]: row for row in snapshot["indicators"]}
    assert (by_code["new_members"]["actual"], by_code["new_members"]["previous"]) == (260, 200)


def test_year_end_snapshot_gives_the_whole_year(hoai_duc_2022):
    save(hoai_duc_2022, "new_members", 2022, 11, 100)

    snapshot = selectors.figures_snapshot(hoai_duc_2022, 2022, "H2", 12)

    new_members = snapshot["indicators"][0]
    assert (new_members["actual"], new_members["target_period"]) == (410, "Y")
    assert snapshot["period"] == "Y"


def test_children_table_gives_each_child_the_indicators_they_have(hoai_duc_2022, tree):
    snapshot = selectors.figures_snapshot(hoai_duc_2022, 2022, "H1", 6)

    children = snapshot["children"]
    assert [c["code"] for c in children["columns"]] == ["new_members", "total_members"]
    assert [(r["code"], r["figures"]["new_members"]["actual"]) for r in children["rows"]] == [
        ("HD01", 200),
        ("HD02", 110),
    ]


def test_snapshot_costs_the_same_queries_whatever_the_number_of_children(
    hoai_duc_2022, django_assert_num_queries
):
    for number in range(20):
        GrassrootsFactory(parent=hoai_duc_2022, code=f"HD1{number:02d}")
    hoai_duc_2022.refresh_from_db()

    # the indicators, the children, progress_for this year and last year (2 each), the
    # year-end forecast (2), the children's figures (2)
    with django_assert_num_queries(1 + 1 + 2 + 2 + 2 + 2):
        selectors.figures_snapshot(hoai_duc_2022, 2022, "H1", 6)


@pytest.mark.parametrize("kind", ["H1", "H2"])
def test_snapshots_of_many_units_are_each_ones_snapshot_in_the_queries_of_one(
    hoai_duc_2022, tree, kind, django_assert_num_queries
):
    save(tree["ml_1"], "new_members", 2022, 2, 30)
    save(tree["edu_1"], "total_members", 2022, 3, 500)
    target(tree["me_linh"], "new_members", 2022, "Y", 100)
    units = [tree["hoai_duc"], tree["me_linh"], tree["education"]]
    through_month = 6 if kind == "H1" else 12
    with CaptureQueriesContext(connection) as one:
        alone = {u.pk: selectors.figures_snapshot(u, 2022, kind, through_month) for u in units}

    with django_assert_num_queries(len(one) // len(units)):
        together = selectors.figures_snapshots(units, 2022, kind, through_month)

    def without_time(snapshot: dict) -> dict:
        return {key: value for key, value in snapshot.items() if key != "built_at"}

    assert {pk: without_time(s) for pk, s in together.items()} == {
        pk: without_time(s) for pk, s in alone.items()
    }
    assert together[tree["me_linh"].pk]["children"]["rows"][0]["code"] == "ML01"


@pytest.mark.parametrize(("period", "through_month"), [("H1", None), ("H1", 5), ("Y", 11)])
def test_children_figures_are_those_progress_for_gives_each_child(
    hoai_duc_2022, tree, period, through_month
):
    hd_1, hd_2 = tree["hd_1"], tree["hd_2"]
    save(hd_1, "total_members", 2022, 3, 90)
    save(hd_2, "total_members", 2022, 2, 40)
    save(hd_2, "new_members", 2022, 11, 7)
    target(hd_1, "new_members", 2022, "Y", 400)
    target(hd_1, "new_members", 2022, "H1", 150)
    target(hd_2, "total_members", 2022, "Y", 80)

    batched = selectors.progress_for_units([hd_1, hd_2], 2022, period, through_month)

    for unit in (hd_1, hd_2):
        assert batched[unit.pk] == progress_for(unit, 2022, period, through_month)


# --- scope -------------------------------------------------------------------------------------


def test_report_of_another_district_is_not_found(report, other_district_staff):
    with pytest.raises(Http404):
        selectors.report_for_user_or_404(other_district_staff, report.pk)


def test_version_of_another_district_is_not_found(report, other_district_staff, district_staff):
    version = services.report_version_request(report=report, user=district_staff)

    with pytest.raises(Http404):
        selectors.version_for_user_or_404(other_district_staff, version.pk)
    assert selectors.version_for_user_or_404(district_staff, version.pk) == version


def test_only_leaders_of_the_parent_or_above_build_all_child_reports(
    tree, city_leader, district_leader, district_staff
):
    assert selectors.may_generate_for_children(city_leader, tree["city"])
    assert not selectors.may_generate_for_children(district_leader, tree["city"])
    # Hoài Đức's children are CĐCS, which write no such report.
    assert not selectors.may_generate_for_children(district_leader, tree["hoai_duc"])


# --- batches ------------------------------------------------------------------------------------


def test_batch_progress_is_one_query(tree, django_assert_num_queries):
    batch = services.report_batch_request(parent=tree["city"], year=2022, kind="H1", user=None)
    first, second, _ = batch.versions.order_by("pk")
    ReportVersion.objects.filter(pk=first.pk).update(status=VersionStatus.DONE)
    ReportVersion.objects.filter(pk=second.pk).update(status=VersionStatus.FAILED)

    with django_assert_num_queries(1):
        progress = selectors.batch_progress(batch)

    assert (progress.done, progress.failed, progress.total) == (1, 1, 3)
    assert progress.is_pending
    assert progress.percent == 67


def test_zip_takes_the_latest_finished_pdf_of_each_child(tree):
    me_linh, _ = services.report_create_or_update(
        unit=tree["me_linh"], year=2022, kind="H1", user=None
    )
    earlier = services.report_version_request(report=me_linh, user=None)
    batch = services.report_batch_request(parent=tree["city"], year=2022, kind="H1", user=None)
    built = {v.report.unit.code: v for v in batch.versions.select_related("report__unit")}
    for version, status in ((earlier, "done"), (built["HD"], "done"), (built["ML"], "failed")):
        ReportVersion.objects.filter(pk=version.pk).update(status=status, pdf=f"{version.pk}.pdf")

    latest = selectors.batch_latest_pdfs(batch)

    # Mê Linh's build in this batch failed: its earlier PDF goes in the ZIP instead.
    assert [(v.report.unit.code, v.number) for v in latest] == [("HD", 1), ("ML", 1)]
    assert latest[1].pk == earlier.pk


def test_a_mid_year_snapshot_says_where_the_year_is_heading(hoai_duc_2022):
    snapshot = selectors.figures_snapshot(hoai_duc_2022, 2022, "H1", 6)

    by_code = {row["code"]: row for row in snapshot["indicators"]}
    # 310 by June; 2021 had all its 200 by June: 310 × (200 + 12) / (200 + 6) = 319
    assert by_code["new_members"]["forecast"] == {
        "value": 319,
        "low": None,
        "high": None,
        "basis": "profile",
        "through_month": 6,
        "year_target": 512,
        "percent": "62.3",
    }
    # An H1 target only: the forecast is there, its percent of a year target is not.
    assert by_code["new_grassroots_unions"]["forecast"]["percent"] is None


def test_a_year_end_snapshot_has_no_forecast(hoai_duc_2022):
    snapshot = selectors.figures_snapshot(hoai_duc_2022, 2022, "H2", 12)
    assert all(row["forecast"] is None for row in snapshot["indicators"])
