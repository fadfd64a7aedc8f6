import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from federation.models import Unit, UnitKind
from federation.tests.factories import GrassrootsFactory, UnitFactory, UserFactory
from reports import pdf, services, tasks
from reports.models import Report, ReportBatch, ReportKind, ReportVersion, VersionStatus
from reports.tests.conftest import override_celery, save, target


def request_built(report, user, capture):
    with capture(execute=True):
        version = services.report_version_request(report=report, user=user)
    version.refresh_from_db()
    return version


# --- the report ---------------------------------------------------------------------------------


def test_new_report_starts_from_a_draft_the_leader_can_rewrite(tree, district_leader):
    district_leader.first_name, district_leader.last_name = "Hạnh", "Trần Thị"
    district_leader.save()

    report, created = services.report_create_or_update(
        unit=tree["hoai_duc"], year=2022, kind=ReportKind.H1, user=district_leader
    )

    assert created
    assert report.through_month == 6
    assert report.place == "Hoài Đức"
    assert report.signer_name == "Trần Thị Hạnh"
    assert report.signer_title == "CHỦ TỊCH"
    assert report.recipients.splitlines()[0] == "LĐLĐ Thành phố Hà Nội (để báo cáo)"
    assert "Chưa có chỉ tiêu nào đạt tiến độ" in report.strengths  # drafted from no figures
    assert report.shortcomings and report.causes and report.proposals
    assert "6 tháng cuối năm 2022" in report.priorities


def test_year_end_report_looks_to_next_year_and_counts_to_december(tree):
    report, _ = services.report_create_or_update(
        unit=tree["hoai_duc"], year=2022, kind=ReportKind.H2, user=None
    )

    assert report.through_month == 12
    assert "năm 2023" in report.priorities


def test_one_report_per_unit_year_and_half(tree):
    first, _ = services.report_create_or_update(
        unit=tree["hoai_duc"], year=2022, kind=ReportKind.H1, user=None
    )
    again, created = services.report_create_or_update(
        unit=tree["hoai_duc"], year=2022, kind=ReportKind.H1, user=None, place="Trạm Trôi"
    )

    assert not created
    assert again.pk == first.pk
    assert Report.objects.get(pk=first.pk).place == "Trạm Trôi"


def test_grassroots_unions_do_not_write_this_report(tree):
    with pytest.raises(ValidationError):
        services.report_create_or_update(unit=tree["hd_1"], year=2022, kind="H1", user=None)


def test_cut_off_month_must_fall_in_the_half_reviewed(report):
    with pytest.raises(ValidationError) as caught:
        services.report_update(report=report, user=None, through_month=9)

    assert "through_month" in caught.value.message_dict
    report.refresh_from_db()
    assert report.through_month == 6


def test_edits_to_the_text_are_kept_in_history(report, district_leader):
    services.report_update(report=report, user=district_leader, strengths="Hoàn thành tốt.")

    latest = report.history.latest()
    assert latest.strengths == "Hoàn thành tốt."
    assert latest.history_user == district_leader


# --- versions -----------------------------------------------------------------------------------


def test_requested_version_is_queued_with_its_text_frozen(report, district_staff):
    version = services.report_version_request(report=report, user=district_staff)

    assert version.status == VersionStatus.QUEUED
    assert version.number == 1
    assert version.created_by == district_staff
    assert version.document["document_number"] == "45/BC-LĐLĐ"
    assert version.document["parent_name"] == "LĐLĐ Thành phố Hà Nội"
    assert version.document["superior"] == "Thành phố"
    assert version.snapshot is None


def test_built_version_keeps_the_figures_it_was_made_from(
    report, district_staff, django_capture_on_commit_callbacks
):
    version = request_built(report, district_staff, django_capture_on_commit_callbacks)

    assert version.status == VersionStatus.DONE
    assert version.progress == 100
    assert version.attempts == 1
    assert version.started_at <= version.finished_at
    new_members = next(r for r in version.snapshot["indicators"] if r["code"] == "new_members")
    assert new_members == {
        "code": "new_members",
        "name": "Đoàn viên kết nạp mới",
        "unit_of_measure": "người",
        "higher_is_better": True,
        "actual": 310,
        "target": 512,
        "target_period": "Y",
        "percent": "60.5",
        "previous": 200,
        "forecast": {
            "value": 319,
            "low": None,
            "high": None,
            "basis": "profile",
            "through_month": 6,
            "year_target": 512,
            "percent": "62.3",
        },
    }
    with version.pdf.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"


def test_generating_again_adds_a_version_and_keeps_the_earlier_pdf(
    report, district_staff, django_capture_on_commit_callbacks
):
    first = request_built(report, district_staff, django_capture_on_commit_callbacks)
    save(report.unit, "new_members", 2022, 6, 90)  # a late entry for June
    services.report_update(report=report, user=district_staff, document_number="46/BC-LĐLĐ")

    second = request_built(report, district_staff, django_capture_on_commit_callbacks)

    assert (first.number, second.number) == (1, 2)
    assert first.pdf.name != second.pdf.name
    first.refresh_from_db()
    assert first.pdf.storage.exists(first.pdf.name)
    actual = {v.number: v.snapshot["indicators"][0]["actual"] for v in (first, second)}
    assert actual == {1: 310, 2: 400}


def test_an_old_version_renders_again_exactly_as_it_was(
    report, district_staff, django_capture_on_commit_callbacks
):
    version = request_built(report, district_staff, django_capture_on_commit_callbacks)
    before = pdf.render_html(version.document, version.snapshot)

    save(report.unit, "new_members", 2022, 6, 90)
    services.report_update(report=report, user=district_staff, strengths="Đã sửa sau.")
    version.refresh_from_db()

    assert pdf.render_html(version.document, version.snapshot) == before
    assert "310/512" in before and "Đã sửa sau." not in before


def test_cut_off_month_limits_the_figures(
    report, district_staff, django_capture_on_commit_callbacks
):
    services.report_update(report=report, user=district_staff, through_month=5)

    version = request_built(report, district_staff, django_capture_on_commit_callbacks)

    new_members = version.snapshot["indicators"][0]
    assert (new_members["actual"], new_members["percent"]) == (260, "50.8")


def test_build_of_a_finished_version_changes_nothing(
    report, district_staff, django_capture_on_commit_callbacks
):
    version = request_built(report, district_staff, django_capture_on_commit_callbacks)

    assert services.report_version_build(version_id=version.pk) is None

    again = ReportVersion.objects.get(pk=version.pk)
    assert (again.attempts, again.pdf.name, again.finished_at) == (
        1,
        version.pdf.name,
        version.finished_at,
    )


def test_build_after_a_worker_died_midway_builds_the_version_again(report, district_staff):
    version = services.report_version_request(report=report, user=district_staff)
    ReportVersion.objects.filter(pk=version.pk).update(status=VersionStatus.RUNNING, attempts=1)

    services.report_version_build(version_id=version.pk)

    version.refresh_from_db()
    assert (version.status, version.attempts) == (VersionStatus.DONE, 2)


def test_version_whose_worker_keeps_dying_is_failed_instead_of_redelivered_for_ever(
    report, district_staff
):
    version = services.report_version_request(report=report, user=district_staff)
    ReportVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.RUNNING, attempts=services.MAX_ATTEMPTS
    )

    assert services.report_version_build(version_id=version.pk) is None

    version.refresh_from_db()
    assert version.status == VersionStatus.FAILED
    assert "bị dừng giữa chừng" in version.error


def test_failed_version_can_be_tried_again(report, district_staff):
    version = services.report_version_request(report=report, user=district_staff)
    services.report_version_fail(version_id=version.pk, error="Hết dung lượng đĩa")

    services.report_version_retry(version=version, user=district_staff)

    version.refresh_from_db()
    assert (version.status, version.error) == (VersionStatus.QUEUED, "")


def test_only_failed_versions_are_tried_again(report, district_staff):
    version = services.report_version_request(report=report, user=district_staff)

    with pytest.raises(ValidationError):
        services.report_version_retry(version=version, user=district_staff)


def test_without_a_broker_a_version_running_past_the_time_limit_is_shown_failed(
    report, district_staff, settings
):
    version = services.report_version_request(report=report, user=district_staff)
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(
        seconds=settings.CELERY_TASK_TIME_LIMIT + 120
    )
    ReportVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.RUNNING, started_at=long_ago
    )
    version.refresh_from_db()

    services.report_version_recover_if_stuck(version)

    assert version.status == VersionStatus.FAILED
    assert "Quá thời gian" in version.error


def test_broker_that_does_not_answer_fails_the_version_with_a_reason(
    report, district_staff, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(tasks.build_report_version, "apply_async", refuse)

    with django_capture_on_commit_callbacks(execute=True):
        version = services.report_version_request(report=report, user=district_staff)

    version.refresh_from_db()
    assert version.status == VersionStatus.FAILED
    assert "hàng đợi" in version.error


def test_api_door_creates_the_report_and_its_first_version(tree, district_staff):
    version = services.report_generate(
        unit=tree["hoai_duc"], year=2022, kind="H1", user=district_staff, through_month=5
    )

    assert version.report.through_month == 5
    assert version.document["through_month"] == 5
    assert version.status == VersionStatus.QUEUED


# --- bulk ---------------------------------------------------------------------------------------


def test_batch_builds_a_report_for_every_child_that_writes_one(
    tree, city_leader, django_capture_on_commit_callbacks
):
    own_text, _ = services.report_create_or_update(
        unit=tree["me_linh"], year=2022, kind="H1", user=None, strengths="Mê Linh tự viết."
    )

    with django_capture_on_commit_callbacks(execute=True):
        batch = services.report_batch_request(
            parent=tree["city"], year=2022, kind="H1", user=city_leader, through_month=5
        )

    versions = {v.report.unit.code: v for v in batch.versions.select_related("report__unit")}
    assert set(versions) == {"HD", "ML", "GD"}
    assert all(v.status == VersionStatus.DONE for v in versions.values())
    assert versions["ML"].document["strengths"] == "Mê Linh tự viết."
    assert all(v.document["through_month"] == 5 for v in versions.values())
    own_text.refresh_from_db()
    assert own_text.through_month == 5


def batch_queries(parent) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.report_batch_request(parent=parent, year=2022, kind="H1", user=None)
    return len(queries)


def province(code: str, districts: int) -> Unit:
    """A province whose districts each have a CĐCS with a figure and a target."""
    parent = UnitFactory(code=code, kind=UnitKind.PROVINCIAL_FEDERATION)
    for number in range(districts):
        district = UnitFactory(
            parent=parent, code=f"{code}{number:02d}", name=f"LĐLĐ huyện Số {number}"
        )
        save(GrassrootsFactory(parent=district), "new_members", 2022, 3, 10 + number)
        target(district, "new_members", 2022, "Y", 100)
    parent.refresh_from_db()
    return parent


def test_batch_costs_the_same_queries_whatever_the_number_of_children(db):
    """A province's batch drafts and queues 700 reports in one request: its statements must not
    grow with them, the first time (drafts) or the next (new versions)."""
    few, many = province("AA", 2), province("BB", 9)

    # The first time drafts each report; the second makes a new version of each.
    assert [batch_queries(many), batch_queries(many)] == [batch_queries(few), batch_queries(few)]
    assert ReportVersion.objects.filter(report__unit__code="BB08").count() == 2


def test_batch_keeps_who_drafted_and_queued_each_report_and_by_which_door(
    tree, city_leader, district_leader
):
    district_leader.first_name, district_leader.last_name = "Hạnh", "Trần Thị"
    district_leader.save()
    services.report_create_or_update(
        unit=tree["me_linh"], year=2022, kind="H1", user=None, strengths="Mê Linh tự viết."
    )

    batch = services.report_batch_request(
        parent=tree["city"], year=2022, kind="H1", user=city_leader, through_month=5
    )

    hoai_duc = Report.objects.get(unit=tree["hoai_duc"])
    assert hoai_duc.signer_name == "Trần Thị Hạnh"
    assert hoai_duc.place == "Hoài Đức"
    assert "Chưa có chỉ tiêu nào đạt tiến độ" in hoai_duc.strengths
    me_linh = Report.objects.get(unit=tree["me_linh"])
    assert me_linh.strengths == "Mê Linh tự viết."
    for report in (hoai_duc, me_linh):
        latest = report.history.latest()
        assert (latest.through_month, latest.history_user) == (5, city_leader)
        assert latest.history_change_reason == services.BATCH_DOOR
    assert [record.history_type for record in me_linh.history.order_by("history_id")] == ["+", "~"]
    for version in batch.versions.all():
        assert version.history.get().history_user == city_leader
        assert version.document["parent_name"] == "LĐLĐ Thành phố Hà Nội"


def test_batch_with_a_cut_off_outside_the_half_changes_nothing(tree, city_leader):
    with pytest.raises(ValidationError):
        services.report_batch_request(
            parent=tree["city"], year=2022, kind="H1", user=city_leader, through_month=9
        )

    assert not Report.objects.exists()
    assert not ReportBatch.objects.exists()


def test_batch_needs_children_that_write_reports(tree, district_leader):
    with pytest.raises(ValidationError):
        services.report_batch_request(
            parent=tree["hoai_duc"], year=2022, kind="H1", user=district_leader
        )


def test_the_build_task_is_queued_by_the_name_celery_knows_it_by():
    assert tasks.build_report_version.name == services.BUILD_TASK


# --- who may write ------------------------------------------------------------------------------


def test_a_role_elsewhere_cannot_write_a_units_report_by_any_service(
    tree, report, district_staff, other_district_staff
):
    version = services.report_version_request(report=report, user=district_staff)
    services.report_version_fail(version_id=version.pk, error="hỏng")
    version.refresh_from_db()
    writes = [
        lambda user: services.report_create_or_update(
            unit=tree["hoai_duc"], year=2023, kind="H1", user=user
        ),
        lambda user: services.report_update(report=report, user=user, strengths="Sửa trộm."),
        lambda user: services.report_version_request(report=report, user=user),
        lambda user: services.report_generate(
            unit=tree["hoai_duc"], year=2022, kind="H1", user=user
        ),
        lambda user: services.report_version_retry(version=version, user=user),
        lambda user: services.report_assessment_redraft(report=report, user=user),
        lambda user: services.report_version_sign(
            version=version, user=user, pkcs12=b"", password=""
        ),
    ]
    for write in writes:
        with pytest.raises(PermissionDenied):
            write(other_district_staff)
    report.refresh_from_db()
    assert report.strengths != "Sửa trộm."
    assert Report.objects.count() == 1
    assert report.versions.count() == 1
    assert report.versions.get().status == VersionStatus.FAILED


def test_only_a_leader_of_the_parent_or_above_builds_all_childrens_reports(tree, district_leader):
    city_staff = UserFactory(role_on=tree["city"], role_on__role="staff")
    for user in (city_staff, district_leader):
        with pytest.raises(PermissionDenied):
            services.report_batch_request(parent=tree["city"], year=2022, kind="H1", user=user)
    assert not ReportBatch.objects.exists()
    assert not Report.objects.exists()


# --- stuck versions -----------------------------------------------------------------------------


def stuck_for(settings) -> datetime.timedelta:
    """Longer than any build may run: the sweep takes a version this old for dead."""
    return datetime.timedelta(
        seconds=settings.CELERY_TASK_TIME_LIMIT + services.STUCK_MARGIN_SECONDS + 1
    )


def left_running(report, user, started_at, attempts=1) -> ReportVersion:
    """A version its worker was building when it died, as the database keeps it."""
    version = services.report_version_request(report=report, user=user)
    ReportVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.RUNNING, started_at=started_at, attempts=attempts, progress=35
    )
    return version


@pytest.fixture
def sent(monkeypatch):
    """The version ids sent to the broker, instead of building them."""
    ids = []
    monkeypatch.setattr(
        tasks.build_report_version,
        "apply_async",
        lambda args=(), kwargs=None, **options: ids.extend(args),
    )
    return ids


def test_sweep_queues_a_version_stuck_running_again_and_it_is_built(
    report, district_staff, settings, django_capture_on_commit_callbacks
):
    version = left_running(report, district_staff, timezone.now() - stuck_for(settings))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_versions_requeue_stuck() == 1

    version.refresh_from_db()
    assert (version.status, version.attempts, version.error) == (VersionStatus.DONE, 2, "")
    with version.pdf.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"


def test_sweep_fails_a_stuck_version_tried_max_attempts_times_with_the_reason(
    report, district_staff, settings, sent, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - stuck_for(settings)
    version = left_running(report, district_staff, long_ago, attempts=services.MAX_ATTEMPTS)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_versions_requeue_stuck() == 0

    version.refresh_from_db()
    assert version.status == VersionStatus.FAILED
    assert version.error == "Đã thử tạo 6 lần, lần nào cũng bị dừng giữa chừng."
    assert sent == []


def test_sweep_leaves_a_build_within_the_time_limit_alone(
    report, district_staff, settings, sent, django_capture_on_commit_callbacks
):
    recent = timezone.now() - stuck_for(settings) + datetime.timedelta(seconds=5)
    version = left_running(report, district_staff, recent)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_versions_requeue_stuck() == 0

    version.refresh_from_db()
    assert (version.status, version.progress, version.attempts) == (VersionStatus.RUNNING, 35, 1)
    assert sent == []


def test_sweep_leaves_done_and_failed_versions_alone(
    report, district_staff, settings, sent, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - stuck_for(settings)
    for status in (VersionStatus.DONE, VersionStatus.FAILED):
        version = left_running(report, district_staff, long_ago)
        ReportVersion.objects.filter(pk=version.pk).update(status=status, finished_at=long_ago)
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_versions_requeue_stuck() == 0

    assert sorted(ReportVersion.objects.values_list("status", "finished_at")) == [
        (VersionStatus.DONE, long_ago),
        (VersionStatus.FAILED, long_ago),
    ]
    assert sent == []


def test_sweep_sends_a_version_whose_message_was_lost_once_per_time_limit(
    report, district_staff, settings, sent, django_capture_on_commit_callbacks
):
    version = services.report_version_request(report=report, user=district_staff)
    later = timezone.now() + stuck_for(settings)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_versions_requeue_stuck(now=later - stuck_for(settings)) == 0
        assert services.report_versions_requeue_stuck(now=later) == 1
        assert services.report_versions_requeue_stuck(now=later) == 0
        assert services.report_versions_requeue_stuck(now=later + stuck_for(settings)) == 1

    assert sent == [version.pk, version.pk]
    version.refresh_from_db()
    assert version.status == VersionStatus.QUEUED


def test_retried_version_waits_a_whole_time_limit_before_it_is_sent_again(
    report, district_staff, settings, sent, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - 3 * stuck_for(settings)
    version = left_running(report, district_staff, long_ago)
    services.report_version_fail(version_id=version.pk, error="Hết dung lượng đĩa")
    ReportVersion.objects.filter(pk=version.pk).update(created_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        services.report_version_retry(version=version, user=district_staff)
        assert services.report_versions_requeue_stuck() == 0

    assert sent == [version.pk]


def test_duplicate_message_leaves_the_build_under_way_alone(report, district_staff):
    version = left_running(report, district_staff, timezone.now())

    assert services.report_version_build(version_id=version.pk, first_delivery=True) is None

    version.refresh_from_db()
    assert (version.status, version.attempts) == (VersionStatus.RUNNING, 1)


def test_first_delivery_takes_over_a_build_whose_worker_is_long_dead(
    report, district_staff, settings
):
    version = left_running(report, district_staff, timezone.now() - stuck_for(settings))

    services.report_version_build(version_id=version.pk, first_delivery=True)

    version.refresh_from_db()
    assert (version.status, version.attempts) == (VersionStatus.DONE, 2)


def test_with_a_broker_the_page_queues_a_stuck_version_again_instead_of_failing_it(
    report, district_staff, settings, sent, monkeypatch, django_capture_on_commit_callbacks
):
    override_celery(monkeypatch, task_always_eager=False)
    version = left_running(report, district_staff, timezone.now() - stuck_for(settings))
    version.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        version = services.report_version_recover_if_stuck(version)

    assert (version.status, version.progress, version.error) == (VersionStatus.QUEUED, 0, "")
    assert sent == [version.pk]


def test_the_beat_schedule_runs_the_sweep_task(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["requeue-stuck-report-versions"]

    assert schedule["task"] == tasks.requeue_stuck_versions.name


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_version_another_sweep_holds_is_skipped_not_sent_twice(
    report, district_staff, settings, sent
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    version = left_running(report, district_staff, timezone.now() - stuck_for(settings))
    sent.clear()  # the request's own message
    locked, release = threading.Event(), threading.Event()

    def other_sweep():
        with transaction.atomic():
            ReportVersion.objects.select_for_update().get(pk=version.pk)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=other_sweep)
    holder.start()
    locked.wait(10)
    try:
        assert services.report_versions_requeue_stuck() == 0
    finally:
        release.set()
        holder.join()
    assert services.report_versions_requeue_stuck() == 1
    assert sent == [version.pk]


def test_a_unit_whose_old_code_holds_a_path_still_gets_its_pdf(
    report, district_staff, django_capture_on_commit_callbacks
):
    """Codes are held to letters, digits, "-", "_", "." now; one stored before could hold
    "../..". The PDF is stored under the unit's id and downloaded under the code made safe."""
    Unit.objects.filter(pk=report.unit_id).update(code="../../x")
    version = request_built(report, district_staff, django_capture_on_commit_callbacks)
    assert version.status == VersionStatus.DONE
    assert version.pdf.name.startswith(f"reports/{report.unit_id}/")
    assert version.download_name == "BaoCao_-..-x_2022_H1_v1.pdf"
