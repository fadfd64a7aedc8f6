"""Report pages: a unit's reports, the edit form, version status (polled by htmx), the PDF and
its Word copy, and the bulk action of a federation leader with its ZIP of PDFs and Word copies.

Who may do what: seeing a report and downloading its PDF needs the unit in the user's scope
(Permission.VIEW); editing and generating needs Permission.ENTER_DATA, since staff prepare the
document the leader signs; generating for all child units at once needs a leader's role on the
parent (Permission.SET_TARGETS on its children). Anything outside the scope answers 404; the
services refuse a write the role does not allow (403), whichever door it comes by.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from federation.selectors import Permission, breadcrumbs, scope_for, unit_for_user_or_404

from . import archive, comparison, selectors, services
from .forms import BatchForm, CompareForm, ReportForm, ReportStartForm, SignForm
from .models import Report, ReportVersion, VersionStatus

POLL_SECONDS = 2


def _reports_link(unit) -> tuple[str, str]:
    return ("Báo cáo", reverse("report_list", args=[unit.pk]))


def _under_report(request: HttpRequest, report: Report, step: str) -> dict:
    """What a page under a report shows above itself: the unit's breadcrumbs and the trail from
    the unit's reports through the report to this `step`."""
    return {
        "report": report,
        "unit": report.unit,
        "ancestors": breadcrumbs(request.user, report.unit),
        "trail": [
            _reports_link(report.unit),
            (report.title_short, reverse("report_detail", args=[report.pk])),
            (step, None),
        ],
    }


def _may_edit(user, unit) -> bool:
    return scope_for(user).allows(unit, Permission.ENTER_DATA)


def _may_sign(user, unit) -> bool:
    """A leader of the unit or above (services.report_version_sign holds the rule)."""
    return scope_for(user).allows_below(unit, Permission.SET_TARGETS)


def _failure_of(versions: list[ReportVersion]) -> str | None:
    """After a request that queued builds, read back once it committed: why they failed already
    (the broker refused them; or, without a broker, they were built here and failed), if they
    did, for the page to say instead of "sent"."""
    failed = [version for version in versions if version.status == VersionStatus.FAILED]
    if not failed:
        return None
    count = f"{len(failed)}/{len(versions)} báo cáo" if len(versions) > 1 else "PDF"
    return f"Chưa tạo được {count}. {failed[0].error}"


# --- a unit's reports ---------------------------------------------------------------------------


@require_GET
@login_required
def report_list(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_for_user_or_404(request.user, pk)
    context = {
        "unit": unit,
        "ancestors": breadcrumbs(request.user, unit),
        "trail": [("Báo cáo", None)],
        "reports": selectors.reports_of(unit),
        "start_form": ReportStartForm() if _may_edit(request.user, unit) else None,
        "may_bulk": selectors.may_generate_for_children(request.user, unit),
    }
    return render(request, "reports/report_list.html", context)


@require_GET
@login_required
def report_latest(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest finished versions below a unit: the part of the home page reports own,
    loaded by htmx so that federation never imports this app."""
    unit = unit_for_user_or_404(request.user, pk)
    context = {"unit": unit, "versions": selectors.latest_versions(unit)}
    return render(request, "reports/_latest_versions.html", context)


@require_POST
@login_required
def report_start(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_for_user_or_404(request.user, pk)
    form = ReportStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Năm hoặc loại báo cáo không hợp lệ.")
        return redirect("report_list", pk=unit.pk)
    try:
        report, created = services.report_create_or_update(
            unit=unit,
            year=form.cleaned_data["year"],
            kind=form.cleaned_data["kind"],
            user=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("report_list", pk=unit.pk)
    if created:
        messages.success(request, "Đã tạo bản dự thảo báo cáo; hãy sửa phần đánh giá rồi tạo PDF.")
    return redirect("report_detail", pk=report.pk)


# --- one report ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_user_or_404(request.user, pk)
    editable = _may_edit(request.user, report.unit)
    if request.method == "POST":
        form = ReportForm(request.POST, instance=report)
        if form.is_valid():
            return _save_report(request, report, form)
    else:
        form = ReportForm(instance=report, editable=editable)
    context = {
        "report": report,
        "unit": report.unit,
        "ancestors": breadcrumbs(request.user, report.unit),
        "trail": [_reports_link(report.unit), (report.title_short, None)],
        "form": form,
        "editable": editable,
        "versions": report.versions.order_by("-number"),
        "may_sign": _may_sign(request.user, report.unit),
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, "reports/report_detail.html", context)


def _save_report(request: HttpRequest, report, form: ReportForm) -> HttpResponse:
    fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
    report = services.report_update(report=report, user=request.user, **fields)
    if "generate" not in request.POST:
        messages.success(request, "Đã lưu báo cáo.")
        return redirect("report_detail", pk=report.pk)
    version = services.report_version_request(report=report, user=request.user)
    version.refresh_from_db()  # the build was queued, or refused, as the service committed
    failure = _failure_of([version])
    messages.success(request, "Đã lưu báo cáo." if failure else "Đã lưu và gửi yêu cầu tạo PDF.")
    if failure:
        messages.error(request, failure)
    return redirect("report_detail", pk=report.pk)


@require_POST
@login_required
def report_generate(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_user_or_404(request.user, pk, Permission.ENTER_DATA)
    version = services.report_version_request(report=report, user=request.user)
    version.refresh_from_db()
    if failure := _failure_of([version]):
        messages.error(request, failure)
    else:
        messages.success(request, "Đã gửi yêu cầu tạo PDF.")
    return redirect("report_detail", pk=report.pk)


@require_http_methods(["GET", "POST"])
@login_required
def report_redraft(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Soạn lại từ số liệu": a page that says what will be replaced, then the redraft."""
    report = selectors.report_for_user_or_404(request.user, pk, Permission.ENTER_DATA)
    if request.method == "POST":
        services.report_assessment_redraft(report=report, user=request.user)
        messages.success(request, "Đã soạn lại phần Ưu điểm và Tồn tại, hạn chế từ số liệu.")
        return redirect("report_detail", pk=report.pk)
    context = _under_report(request, report, "Soạn lại từ số liệu")
    return render(request, "reports/report_redraft.html", context)


@require_GET
@login_required
def report_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two versions of the report: the figures that moved and the sentences that changed. The
    two latest by default; any two the person picks."""
    report = selectors.report_for_user_or_404(request.user, pk)
    versions = {version.number: version for version in selectors.comparable_versions(report)}
    numbers = list(versions)
    enough = len(numbers) >= 2
    latest_two = {"old": numbers[1], "new": numbers[0]} if enough else None
    form = CompareForm(request.GET if "old" in request.GET else latest_two, numbers=numbers)
    result = None
    if enough and form.is_valid():
        old, new = versions[form.cleaned_data["old"]], versions[form.cleaned_data["new"]]
        result = comparison.compare((old.document, old.snapshot), (new.document, new.snapshot))
    context = {
        **_under_report(request, report, "So sánh phiên bản"),
        "form": form,
        "enough": enough,
        "result": result,
    }
    return render(request, "reports/report_compare.html", context)


# --- versions -----------------------------------------------------------------------------------


@require_GET
@login_required
def version_status(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_for_user_or_404(request.user, pk)
    version = services.report_version_recover_if_stuck(version)
    context = {
        "version": version,
        "editable": _may_edit(request.user, version.report.unit),
        "may_sign": _may_sign(request.user, version.report.unit),
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, "reports/_version_status.html", context)


@require_POST
@login_required
def version_retry(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_for_user_or_404(request.user, pk, Permission.ENTER_DATA)
    try:
        version = services.report_version_retry(version=version, user=request.user)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
        return redirect("report_detail", pk=version.report_id)
    version.refresh_from_db()
    if failure := _failure_of([version]):
        messages.error(request, failure)
    else:
        messages.success(request, f"Đã gửi lại yêu cầu tạo phiên bản {version.number}.")
    return redirect("report_detail", pk=version.report_id)


NOT_DONE = "Báo cáo chưa tạo xong."
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@require_GET
@login_required
def version_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The version's PDF: the signed one once a leader has signed it."""
    version = selectors.version_for_user_or_404(request.user, pk)
    if not version.is_done:
        return HttpResponse(NOT_DONE, status=409, content_type="text/plain")
    return FileResponse(
        version.download_file.open("rb"),
        filename=version.download_name,
        content_type="application/pdf",
    )


@require_GET
@login_required
def version_docx(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_for_user_or_404(request.user, pk)
    if not version.is_done or not version.docx:
        return HttpResponse(NOT_DONE, status=409, content_type="text/plain")
    return FileResponse(
        version.docx.open("rb"),
        as_attachment=True,
        filename=version.docx_name,
        content_type=DOCX_TYPE,
    )


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
@login_required
def version_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader's digital signature on a finished version: certificate and password, once."""
    version = selectors.version_for_user_or_404(request.user, pk)
    report = version.report
    if not _may_sign(request.user, report.unit):
        raise PermissionDenied(services.SIGN_REFUSED)
    form = SignForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_version_sign(
                version=version,
                user=request.user,
                pkcs12=form.cleaned_data["certificate"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, f"Đã ký số phiên bản {version.number}.")
            return redirect("report_detail", pk=report.pk)
    context = {
        **_under_report(request, report, f"Ký số phiên bản {version.number}"),
        "version": version,
        "form": form,
    }
    return render(request, "reports/version_sign.html", context)


# --- all child units at once --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def report_bulk(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_for_user_or_404(request.user, pk)
    if not selectors.may_generate_for_children(request.user, unit):
        raise PermissionDenied
    form = BatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        batch = services.report_batch_request(parent=unit, user=request.user, **form.cleaned_data)
        if failure := _failure_of(selectors.batch_versions(batch)):
            messages.error(request, failure)
        return redirect("report_batch", pk=batch.pk)
    context = {
        "unit": unit,
        "ancestors": breadcrumbs(request.user, unit),
        "trail": [_reports_link(unit), ("Tạo hàng loạt", None)],
        "form": form,
        "children": selectors.report_children(unit),
        "batches": selectors.batches_of(unit),
    }
    return render(request, "reports/bulk.html", context)


def _batch_context(batch) -> dict:
    return {
        "batch": batch,
        "progress": selectors.batch_progress(batch),
        "versions": selectors.batch_versions(batch),
        "poll_seconds": POLL_SECONDS,
    }


@require_GET
@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_for_user_or_404(request.user, pk)
    context = {
        **_batch_context(batch),
        "unit": batch.parent,
        "ancestors": breadcrumbs(request.user, batch.parent),
        "trail": [
            _reports_link(batch.parent),
            ("Tạo hàng loạt", reverse("report_bulk", args=[batch.parent.pk])),
            (f"{batch.get_kind_display()} {batch.year}", None),
        ],
    }
    return render(request, "reports/batch_detail.html", context)


@require_GET
@login_required
def batch_status(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_for_user_or_404(request.user, pk)
    return render(request, "reports/_batch_status.html", _batch_context(batch))


@require_GET
@login_required
def batch_zip(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest finished PDF (signed, if it was) and Word copy of each child unit, in one ZIP
    sent as it is written (archive.py): a province's reports are hundreds of megabytes."""
    batch = selectors.batch_for_user_or_404(request.user, pk)
    versions = selectors.batch_latest_pdfs(batch)
    if not versions:
        return HttpResponse("Chưa có báo cáo nào tạo xong.", status=409, content_type="text/plain")
    response = StreamingHttpResponse(
        archive.zip_stream(archive.version_files(versions)), content_type="application/zip"
    )
    name = f"BaoCao_{batch.parent.file_code}_{batch.year}_{batch.kind}.zip"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
