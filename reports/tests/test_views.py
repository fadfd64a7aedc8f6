import datetime
import io
import zipfile

import pytest
from celery import group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone

from federation.tests.factories import UserFactory
from reports import services, tasks
from reports.models import Report, ReportBatch, ReportVersion, VersionStatus
from reports.tests.certificates import PASSWORD, authority, leader_pkcs12
from reports.tests.conftest import override_celery, save


def text_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def built_version(report, district_staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version = services.report_version_request(report=report, user=district_staff)
    version.refresh_from_db()
    return version


@pytest.fixture
def stored_version(report, district_staff):
    """A finished version with a stand-in file, for pages that only need one to exist."""
    version = services.report_version_request(report=report, user=district_staff)
    version.pdf.save("v1.pdf", ContentFile(b"%PDF-1.7 stand-in"), save=False)
    version.status = VersionStatus.DONE
    version.save()
    return version


@pytest.fixture
def district_batch(report, stored_version):
    """A batch whose reports all belong to Hoài Đức, to check scope on batch pages."""
    batch = ReportBatch.objects.create(
        parent=report.unit, year=2022, kind="H1", through_month=6, created_by=None
    )
    stored_version.batch = batch
    stored_version.save()
    return batch


@pytest.fixture
def city_staff(tree):
    return UserFactory(username="hn_staff", role_on=tree["city"], role_on__role="staff")


# --- every view refuses what is outside the user's scope ---------------------------------------

VIEWS = [
    ("get", "report_list", "unit"),
    ("post", "report_start", "unit"),
    ("get", "report_bulk", "unit"),
    ("post", "report_bulk", "unit"),
    ("get", "report_detail", "report"),
    ("post", "report_detail", "report"),
    ("post", "report_generate", "report"),
    ("get", "report_redraft", "report"),
    ("get", "report_compare", "report"),
    ("post", "report_redraft", "report"),
    ("get", "report_version_status", "version"),
    ("post", "report_version_retry", "version"),
    ("get", "report_version_pdf", "version"),
    ("get", "report_version_docx", "version"),
    ("get", "report_version_sign", "version"),
    ("post", "report_version_sign", "version"),
    ("get", "report_batch", "batch"),
    ("get", "report_batch_status", "batch"),
    ("get", "report_batch_zip", "batch"),
]


@pytest.mark.parametrize(("method", "name", "target"), VIEWS)
def test_staff_of_another_district_gets_404_on_every_report_view(
    client, other_district_staff, report, stored_version, district_batch, method, name, target
):
    objects = {
        "unit": report.unit,
        "report": report,
        "version": stored_version,
        "batch": district_batch,
    }
    client.force_login(other_district_staff)

    response = getattr(client, method)(reverse(name, args=[objects[target].pk]))

    assert response.status_code == 404


@pytest.mark.parametrize(("method", "name", "target"), VIEWS)
def test_anonymous_visitor_is_sent_to_login_on_every_report_view(
    client, report, stored_version, district_batch, method, name, target
):
    objects = {
        "unit": report.unit,
        "report": report,
        "version": stored_version,
        "batch": district_batch,
    }

    response = getattr(client, method)(reverse(name, args=[objects[target].pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- a unit's reports ---------------------------------------------------------------------------


def test_unit_page_links_to_its_reports(client, district_staff, tree):
    client.force_login(district_staff)

    response = client.get(reverse("unit_detail", args=[tree["hoai_duc"].pk]))

    assert reverse("report_list", args=[tree["hoai_duc"].pk]) in text_of(response)


def test_report_list_shows_each_report_and_its_latest_pdf(client, district_staff, built_version):
    client.force_login(district_staff)

    response = client.get(reverse("report_list", args=[built_version.report.unit_id]))

    assert response.status_code == 200
    text = text_of(response)
    assert "Sơ kết 6 tháng đầu năm 2022" in text
    assert reverse("report_version_pdf", args=[built_version.pk]) in text


def test_staff_opens_a_new_report_as_a_prefilled_draft(client, district_staff, tree):
    client.force_login(district_staff)

    response = client.post(
        reverse("report_start", args=[tree["hoai_duc"].pk]), {"year": "2023", "kind": "H1"}
    )

    report = Report.objects.get(unit=tree["hoai_duc"], year=2023, kind="H1")
    assert response["Location"] == reverse("report_detail", args=[report.pk])
    assert report.place == "Hoài Đức"


def test_report_page_shows_the_edit_form_and_versions(client, district_staff, built_version):
    client.force_login(district_staff)

    response = client.get(reverse("report_detail", args=[built_version.report_id]))

    text = text_of(response)
    assert 'name="strengths"' in text
    assert "Phiên bản 1" in text
    assert "Tải PDF" in text


def test_saving_the_form_changes_the_text_and_can_generate_a_version(
    client, district_staff, report, django_capture_on_commit_callbacks
):
    client.force_login(district_staff)
    form = {
        "through_month": "5",
        "document_number": "45/BC-LĐLĐ",
        "place": "Hoài Đức",
        "issued_on": "2022-07-05",
        "signer_name": "Nguyễn Văn Bình",
        "signer_title": "CHỦ TỊCH",
        "recipients": "LĐLĐ Thành phố Hà Nội",
        "strengths": "Hoàn thành vượt mức chỉ tiêu thành lập CĐCS.",
        "shortcomings": "",
        "causes": "",
        "priorities": "Phát triển đoàn viên.",
        "proposals": "",
        "generate": "1",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report_detail", args=[report.pk]), form)

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.through_month == 5
    assert report.strengths == "Hoàn thành vượt mức chỉ tiêu thành lập CĐCS."
    version = report.versions.get()
    assert version.status == VersionStatus.DONE
    assert version.document["strengths"] == report.strengths


def test_cut_off_outside_the_half_is_refused_on_the_form(client, district_staff, report):
    client.force_login(district_staff)

    response = client.post(
        reverse("report_detail", args=[report.pk]), {"through_month": "9", "place": "X"}
    )

    assert response.status_code == 200
    assert "is-invalid" in text_of(response)
    report.refresh_from_db()
    assert report.through_month == 6


def test_generate_button_queues_a_new_version(client, district_staff, report):
    client.force_login(district_staff)

    response = client.post(reverse("report_generate", args=[report.pk]))

    assert response.status_code == 302
    assert report.versions.get().status == VersionStatus.QUEUED


# --- status, retry and the PDF ------------------------------------------------------------------


def test_status_of_a_queued_version_polls_with_a_progress_bar(client, district_staff, report):
    version = services.report_version_request(report=report, user=district_staff)
    client.force_login(district_staff)

    response = client.get(reverse("report_version_status", args=[version.pk]))

    text = text_of(response)
    assert 'hx-trigger="every 2s"' in text
    assert "Đang chờ tạo báo cáo" in text
    assert 'role="progressbar"' in text


def test_status_of_a_running_version_shows_how_far_it_got(client, district_staff, report):
    version = services.report_version_request(report=report, user=district_staff)
    ReportVersion.objects.filter(pk=version.pk).update(status="running", progress=60)
    version.refresh_from_db()
    ReportVersion.objects.filter(pk=version.pk).update(started_at=version.created_at)
    client.force_login(district_staff)

    text = text_of(client.get(reverse("report_version_status", args=[version.pk])))

    assert "Đang tạo báo cáo… 60%" in text


def test_status_of_a_done_version_stops_polling_and_offers_the_pdf(
    client, district_staff, built_version
):
    client.force_login(district_staff)

    text = text_of(client.get(reverse("report_version_status", args=[built_version.pk])))

    assert "hx-trigger" not in text
    assert reverse("report_version_pdf", args=[built_version.pk]) in text
    assert reverse("report_version_docx", args=[built_version.pk]) in text
    assert "Tải Word" in text


def test_failed_version_shows_the_error_and_a_retry_button(client, district_staff, report):
    version = services.report_version_request(report=report, user=district_staff)
    services.report_version_fail(version_id=version.pk, error="Hết dung lượng đĩa")
    client.force_login(district_staff)

    text = text_of(client.get(reverse("report_version_status", args=[version.pk])))

    assert "Hết dung lượng đĩa" in text
    assert "Thử lại" in text
    assert reverse("report_version_retry", args=[version.pk]) in text


def test_retry_builds_a_failed_version(
    client, district_staff, report, django_capture_on_commit_callbacks
):
    version = services.report_version_request(report=report, user=district_staff)
    services.report_version_fail(version_id=version.pk, error="Hết dung lượng đĩa")
    client.force_login(district_staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report_version_retry", args=[version.pk]))

    assert response["Location"] == reverse("report_detail", args=[report.pk])
    version.refresh_from_db()
    assert version.status == VersionStatus.DONE


def test_pdf_is_served_to_a_user_whose_scope_covers_the_unit(client, city_leader, built_version):
    client.force_login(city_leader)

    response = client.get(reverse("report_version_pdf", args=[built_version.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "BaoCao_HD_2022_H1_v1.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_pdf_is_streamed_from_its_file_in_a_few_queries(
    client, city_leader, built_version, django_assert_max_num_queries
):
    """Five people download PDFs again and again in the load test: the file is sent as it is
    stored, a block at a time (FileResponse, which gunicorn sends with sendfile), never read
    into memory, and the version comes with its report and unit in one query."""
    client.force_login(city_leader)

    # the user, the roles, the version with its report and unit (the session is in the cache)
    with django_assert_max_num_queries(3):
        response = client.get(reverse("report_version_pdf", args=[built_version.pk]))

    assert isinstance(response, FileResponse)
    assert response["Content-Length"] == str(built_version.pdf.size)
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_word_copy_is_downloaded_beside_the_pdf(client, city_leader, built_version):
    client.force_login(city_leader)

    response = client.get(reverse("report_version_docx", args=[built_version.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "BaoCao_HD_2022_H1_v1.docx" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_word_copy_of_an_unfinished_version_answers_409(client, district_staff, report):
    version = services.report_version_request(report=report, user=district_staff)
    client.force_login(district_staff)

    assert client.get(reverse("report_version_docx", args=[version.pk])).status_code == 409


def test_pdf_of_an_unfinished_version_answers_409(client, district_staff, report):
    version = services.report_version_request(report=report, user=district_staff)
    client.force_login(district_staff)

    response = client.get(reverse("report_version_pdf", args=[version.pk]))

    assert response.status_code == 409


def test_pages_tell_superusers_reports_are_built_in_the_request_without_a_worker(
    client, district_staff, superuser, report, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(superuser)
    assert "Chưa cấu hình máy chủ hàng đợi" in text_of(
        client.get(reverse("report_detail", args=[report.pk]))
    )

    # How the server is set up is nothing ordinary users can act on.
    client.force_login(district_staff)
    assert "Chưa cấu hình máy chủ hàng đợi" not in text_of(
        client.get(reverse("report_detail", args=[report.pk]))
    )


def test_pages_do_not_mention_it_with_a_worker(client, district_staff, report, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client.force_login(district_staff)

    text = text_of(client.get(reverse("report_detail", args=[report.pk])))

    assert "Chưa cấu hình máy chủ hàng đợi" not in text


# --- bulk ---------------------------------------------------------------------------------------


def test_city_leader_builds_every_child_report_and_downloads_them_as_one_zip(
    client, city_leader, tree, django_capture_on_commit_callbacks
):
    client.force_login(city_leader)
    city = tree["city"]
    assert "Tạo báo cáo cho các đơn vị trực thuộc" in text_of(
        client.get(reverse("report_list", args=[city.pk]))
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("report_bulk", args=[city.pk]), {"year": "2022", "kind": "H1"}
        )

    batch = ReportBatch.objects.get()
    assert response["Location"] == reverse("report_batch", args=[batch.pk])
    page = text_of(client.get(response["Location"]))
    assert "<strong>3/3</strong> báo cáo đã xong" in page
    assert "hx-trigger" not in page

    archive = client.get(reverse("report_batch_zip", args=[batch.pk]))

    assert archive["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))).namelist()
    assert sorted(names) == [
        "GD_cong-doan-nganh-giao-duc_v1.docx",
        "GD_cong-doan-nganh-giao-duc_v1.pdf",
        "HD_ldld-huyen-hoai-duc_v1.docx",
        "HD_ldld-huyen-hoai-duc_v1.pdf",
        "ML_ldld-huyen-me-linh_v1.docx",
        "ML_ldld-huyen-me-linh_v1.pdf",
    ]


def test_batch_page_counts_n_of_n_while_it_runs(client, city_leader, tree):
    client.force_login(city_leader)
    batch = services.report_batch_request(parent=tree["city"], year=2022, kind="H1", user=None)
    first = batch.versions.order_by("pk").first()
    ReportVersion.objects.filter(pk=first.pk).update(status=VersionStatus.DONE)

    text = text_of(client.get(reverse("report_batch_status", args=[batch.pk])))

    assert "<strong>1/3</strong> báo cáo đã xong" in text
    assert 'hx-trigger="every 2s"' in text


def test_zip_before_any_report_is_done_answers_409(client, city_leader, tree):
    client.force_login(city_leader)
    batch = services.report_batch_request(parent=tree["city"], year=2022, kind="H1", user=None)

    assert client.get(reverse("report_batch_zip", args=[batch.pk])).status_code == 409


def test_city_staff_may_not_build_all_reports_at_once(client, city_staff, tree):
    client.force_login(city_staff)

    response = client.post(reverse("report_bulk", args=[tree["city"].pk]), {"year": "2022"})

    assert response.status_code == 403
    assert not ReportBatch.objects.exists()


def test_district_leader_has_no_bulk_action_for_the_city(client, district_leader, tree):
    client.force_login(district_leader)

    assert client.get(reverse("report_bulk", args=[tree["city"].pk])).status_code == 404


# --- a broker that refuses, a build that got stuck ----------------------------------------------

# The views run outside a transaction, as in production: the build is queued (or refused) as the
# service commits, before the view decides what to say.
committing = pytest.mark.django_db(transaction=True, serialized_rollback=True)
REFUSED = "Chưa tạo được PDF. Không gửi được yêu cầu tới hàng đợi: Connection refused"


@pytest.fixture
def broker_refusing(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(tasks.build_report_version, "apply_async", refuse)
    monkeypatch.setattr(group, "apply_async", refuse)


@committing
def test_generate_says_the_broker_refused_instead_of_sent(
    client, district_staff, report, broker_refusing
):
    client.force_login(district_staff)

    response = client.post(reverse("report_generate", args=[report.pk]), follow=True)

    text = text_of(response)
    assert REFUSED in text
    assert "alert-danger" in text
    assert "Đã gửi yêu cầu tạo PDF." not in text
    assert report.versions.get().status == VersionStatus.FAILED


@committing
def test_save_and_generate_says_saved_but_not_sent(client, district_staff, report, broker_refusing):
    client.force_login(district_staff)
    form = {
        "through_month": "6",
        "place": "Hoài Đức",
        "issued_on": "2022-07-05",
        "signer_title": "CHỦ TỊCH",
        "strengths": "Đã sửa.",
        "generate": "1",
    }

    text = text_of(client.post(reverse("report_detail", args=[report.pk]), form, follow=True))

    assert "Đã lưu báo cáo." in text
    assert REFUSED in text
    assert "Đã lưu và gửi yêu cầu tạo PDF." not in text


@committing
def test_retry_says_the_broker_refused_again(client, district_staff, report, broker_refusing):
    version = services.report_version_request(report=report, user=district_staff)
    assert ReportVersion.objects.get(pk=version.pk).status == VersionStatus.FAILED
    client.force_login(district_staff)

    response = client.post(reverse("report_version_retry", args=[version.pk]), follow=True)

    text = text_of(response)
    assert REFUSED in text
    assert "Đã gửi lại yêu cầu" not in text


@committing
def test_bulk_says_how_many_reports_the_broker_refused(client, city_leader, tree, broker_refusing):
    client.force_login(city_leader)

    response = client.post(
        reverse("report_bulk", args=[tree["city"].pk]), {"year": "2022", "kind": "H1"}, follow=True
    )

    assert (
        "Chưa tạo được 3/3 báo cáo. Không gửi được yêu cầu tới hàng đợi: Connection refused"
        in text_of(response)
    )


def _stuck_running(report, user, settings) -> ReportVersion:
    version = services.report_version_request(report=report, user=user)
    long_ago = timezone.now() - datetime.timedelta(
        seconds=settings.CELERY_TASK_TIME_LIMIT + services.STUCK_MARGIN_SECONDS + 1
    )
    ReportVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.RUNNING, started_at=long_ago, attempts=1, progress=60
    )
    return version


def test_status_of_a_stuck_version_shows_it_waiting_again_with_a_broker(
    client, district_staff, report, settings, monkeypatch, django_capture_on_commit_callbacks
):
    override_celery(monkeypatch, task_always_eager=False)
    monkeypatch.setattr(tasks.build_report_version, "apply_async", lambda *a, **k: None)
    version = _stuck_running(report, district_staff, settings)
    client.force_login(district_staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("report_version_status", args=[version.pk]))

    text = text_of(response)
    assert "Đang chờ tạo báo cáo" in text
    assert "hx-trigger" in text
    assert "Tạo báo cáo không thành công" not in text


def test_status_of_a_stuck_version_shows_it_failed_without_a_broker(
    client, district_staff, report, settings
):
    version = _stuck_running(report, district_staff, settings)
    client.force_login(district_staff)

    text = text_of(client.get(reverse("report_version_status", args=[version.pk])))

    assert "Tạo báo cáo không thành công" in text
    assert "Quá thời gian tạo báo cáo" in text
    assert "Thử lại" in text


# --- the leader's digital signature -------------------------------------------------------------


def upload(content: bytes, name: str = "lanh-dao.p12") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/x-pkcs12")


def test_leader_signs_a_version_from_its_page(client, district_leader, built_version):
    client.force_login(district_leader)
    status = text_of(client.get(reverse("report_version_status", args=[built_version.pk])))
    sign_url = reverse("report_version_sign", args=[built_version.pk])
    assert sign_url in status
    assert "Mật khẩu của tệp" in text_of(client.get(sign_url))

    response = client.post(
        sign_url, {"certificate": upload(leader_pkcs12(authority())), "password": PASSWORD}
    )

    assert response["Location"] == reverse("report_detail", args=[built_version.report_id])
    status = text_of(client.get(reverse("report_version_status", args=[built_version.pk])))
    assert "Đã ký số" in status
    assert "CN=Nguyễn Văn Bình" in status
    assert sign_url not in status
    pdf = client.get(reverse("report_version_pdf", args=[built_version.pk]))
    assert "_da_ky.pdf" in pdf["Content-Disposition"]


def test_staff_is_not_offered_signing_and_is_refused_with_403(
    client, district_staff, built_version
):
    client.force_login(district_staff)
    sign_url = reverse("report_version_sign", args=[built_version.pk])

    status = text_of(client.get(reverse("report_version_status", args=[built_version.pk])))
    response = client.post(
        sign_url, {"certificate": upload(leader_pkcs12(authority())), "password": PASSWORD}
    )

    assert sign_url not in status
    assert response.status_code == 403
    built_version.refresh_from_db()
    assert not built_version.is_signed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7 " * 20_000, "Tệp quá lớn"),
        (b"MIIB not really a certificate", "Tệp không phải chứng thư số PKCS#12"),
    ],
)
def test_sign_form_refuses_large_or_foreign_files(
    client, district_leader, built_version, content, message
):
    client.force_login(district_leader)

    response = client.post(
        reverse("report_version_sign", args=[built_version.pk]),
        {"certificate": upload(content), "password": PASSWORD},
    )

    assert response.status_code == 200
    assert message in text_of(response)
    built_version.refresh_from_db()
    assert not built_version.is_signed


def test_wrong_password_shows_why_and_keeps_nothing_typed(client, district_leader, built_version):
    client.force_login(district_leader)

    response = client.post(
        reverse("report_version_sign", args=[built_version.pk]),
        {"certificate": upload(leader_pkcs12(authority())), "password": "sai-mat-khau"},
    )

    page = text_of(response)
    assert "Mật khẩu không đúng" in page
    assert "sai-mat-khau" not in page


# --- the assessment drafted from the figures ----------------------------------------------------


def test_a_new_report_starts_with_its_assessment_drafted_from_the_figures(
    client, district_staff, hoai_duc_2022
):
    client.force_login(district_staff)

    response = client.post(
        reverse("report_start", args=[hoai_duc_2022.pk]), {"year": "2022", "kind": "H1"}
    )

    page = text_of(client.get(response["Location"]))
    assert "đoàn viên kết nạp mới đạt 60,5% kế hoạch (310/512 người)" in page
    assert "CĐCS thành lập mới đạt 55,0% kế hoạch (11/20 CĐCS), theo tiến độ cần đạt 100,0%" in page
    assert reverse("report_redraft", args=[Report.objects.get().pk]) in page


def test_redraft_asks_first_then_overwrites_the_edited_text(
    client, district_staff, report, django_capture_on_commit_callbacks
):
    services.report_update(report=report, user=district_staff, strengths="Viết tay.")
    client.force_login(district_staff)
    url = reverse("report_redraft", args=[report.pk])

    confirm = text_of(client.get(url))
    report.refresh_from_db()
    assert "sẽ bị ghi đè" in confirm and "Viết tay." in confirm
    assert report.strengths == "Viết tay."  # asking changed nothing

    response = client.post(url)

    assert response["Location"] == reverse("report_detail", args=[report.pk])
    report.refresh_from_db()
    assert "đoàn viên kết nạp mới đạt 60,5% kế hoạch" in report.strengths
    assert report.history.first().history_change_reason == "Soạn lại từ số liệu"


# --- two versions compared ----------------------------------------------------------------------


def test_two_versions_are_compared_from_the_report_page(
    client, district_staff, report, hoai_duc_2022, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_version_request(report=report, user=district_staff)
    save(hoai_duc_2022, "new_members", 2022, 6, 20)  # 310 → 330 new members
    services.report_update(report=report, user=district_staff, causes="Nguyên nhân mới.")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_version_request(report=report, user=district_staff)
    client.force_login(district_staff)

    detail = text_of(client.get(reverse("report_detail", args=[report.pk])))
    page = text_of(client.get(reverse("report_compare", args=[report.pk])))

    assert reverse("report_compare", args=[report.pk]) in detail
    assert "Số liệu thay đổi" in page
    assert ">310<" in page and ">330<" in page
    assert "330/512" in page
    assert "<ins>Nguyên nhân mới.</ins>" in page


def test_compare_says_when_there_is_nothing_to_compare_yet(client, district_staff, report):
    client.force_login(district_staff)

    page = text_of(client.get(reverse("report_compare", args=[report.pk])))

    assert "Cần ít nhất hai phiên bản" in page


def test_compare_refuses_the_same_version_twice(client, district_staff, report, stored_version):
    other = services.report_version_request(report=report, user=district_staff)
    ReportVersion.objects.filter(pk__in=[stored_version.pk, other.pk]).update(
        status=VersionStatus.DONE, snapshot={}
    )
    client.force_login(district_staff)

    page = text_of(client.get(reverse("report_compare", args=[report.pk]), {"old": 1, "new": 1}))

    assert "Hãy chọn hai phiên bản khác nhau." in page
