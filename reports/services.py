"""Every write on reports: the page, the bulk action, the admin and the API all come here.

A version is requested in the web request (status queued, its text frozen) and built by the
Celery task (reports.tasks), which calls `report_version_build`; the task is queued only once the
request's transaction has committed, so the worker always finds the row. A version whose worker
died without giving its message back is queued again by a sweep (`report_versions_requeue_stuck`,
run every minute by beat), so no one has to press "Thử lại".
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from celery import current_app, group, signature
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from federation.models import Unit
from federation.selectors import Permission, ensure_allowed
from federation.validation import check_year

from . import assessment, docx, drafts, pdf, signing, wording
from .models import TEXT_SECTIONS, Report, ReportBatch, ReportKind, ReportVersion, VersionStatus
from .selectors import figures_snapshot, figures_snapshots, report_children

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = (
    "through_month",
    "document_number",
    "place",
    "issued_on",
    "signer_name",
    "signer_title",
    "recipients",
    "strengths",
    "shortcomings",
    "causes",
    "priorities",
    "proposals",
)
PROGRESS_SNAPSHOT, PROGRESS_RENDER = 35, 60
ERROR_LENGTH = 2000
# Redeliveries after a worker died plus the task's own retries; more means something is wrong.
MAX_ATTEMPTS = 6
# The Celery task that builds a version (reports/tasks.py), queued by name: the task calls these
# services, so importing it here would make the two modules import each other.
BUILD_TASK = "reports.tasks.build_report_version"
# A build still running this long after the task time limit has lost its worker (the hard limit
# kills it): the margin covers clocks that differ between hosts and the reaping of the process.
STUCK_MARGIN_SECONDS = 30
STOPPED = "Quá thời gian tạo báo cáo: tiến trình tạo báo cáo đã dừng giữa chừng."


# --- the report ---------------------------------------------------------------------------------


# Staff prepare the document their leader signs: whoever enters a unit's figures may.
REFUSED = "Vai trò của bạn không được lập báo cáo cho đơn vị này."
BATCH_REFUSED = "Chỉ lãnh đạo cấp trên mới tạo báo cáo cho tất cả đơn vị trực thuộc."


def _ensure_may_write(user: AbstractBaseUser | None, unit: Unit) -> None:
    ensure_allowed(user, unit, Permission.ENTER_DATA, REFUSED)


def _check_key(year: Any, kind: Any) -> None:
    errors: dict[str, str] = {}
    check_year(year, errors)
    if kind not in ReportKind.values:
        errors["kind"] = "Loại báo cáo phải là H1 (6 tháng đầu năm) hoặc H2 (cuối năm)."
    if errors:
        raise ValidationError(errors)


def _check_through_month(report: Report) -> None:
    months = ReportKind(report.kind).months
    if report.through_month not in months:
        raise ValidationError(
            {
                "through_month": f"Tháng chốt số liệu phải từ tháng {months.start} "
                f"đến tháng {months.stop - 1}."
            }
        )


def _save(report: Report, user: AbstractBaseUser | None) -> Report:
    report.full_clean(validate_unique=False)
    _check_through_month(report)
    report._history_user = user
    report.save()
    return report


@transaction.atomic
def report_create_or_update(
    *, unit: Unit, year: int, kind: str, user: AbstractBaseUser | None, **fields: Any
) -> tuple[Report, bool]:
    """The unit's report for the year and half, created with a prefilled draft if there is none
    yet; `fields` (any of EDITABLE_FIELDS) change it. Returns (report, created)."""
    _ensure_may_write(user, unit)
    _check_key(year, kind)
    if unit.is_grassroots:
        raise ValidationError(
            {"unit": "Báo cáo sơ kết, tổng kết do Ban Thường vụ các cấp công đoàn cấp trên lập."}
        )
    if unknown := set(fields) - set(EDITABLE_FIELDS):
        raise ValueError(f"Không sửa được các trường: {', '.join(sorted(unknown))}")
    report = Report.objects.select_for_update().filter(unit=unit, year=year, kind=kind).first()
    created = report is None
    if created:
        ancestors = list(Unit.objects.get_ancestors(unit))
        (report,) = _drafted_reports([unit], ancestors, year=year, kind=kind, user=user, **fields)
    else:
        for name, value in fields.items():
            setattr(report, name, value)
    if created or fields:
        _save(report, user)
    return report, created


def _drafted_reports(
    units: list[Unit],
    ancestors: list[Unit],
    *,
    year: int,
    kind: str,
    user: AbstractBaseUser | None,
    **fields: Any,
) -> list[Report]:
    """New reports, unsaved, of units under the same `ancestors`: prefilled (drafts.py), then
    `fields`, then Ưu điểm and Tồn tại, hạn chế drafted from each one's figures where `fields`
    does not give them; the figures of all of them read at once."""
    signers = drafts.default_signers(units)
    reports = []
    for unit in units:
        defaults = drafts.report_defaults(unit, ancestors, year, kind, signers.get(unit.pk, ""))
        report = Report(unit=unit, year=year, kind=kind, created_by=user, **defaults)
        for name, value in fields.items():
            setattr(report, name, value)
        _check_through_month(report)  # the figures cannot be read for a month outside the half
        reports.append(report)
    # The same defaults and fields for all: the same cut-off month.
    snapshots = figures_snapshots(units, year, kind, reports[0].through_month) if units else {}
    for report in reports:
        drafted = assessment.draft(snapshots[report.unit_id])
        for name in {"strengths", "shortcomings"} - fields.keys():
            setattr(report, name, getattr(drafted, name))
    return reports


def _drafted_assessment(report: Report) -> dict[str, str]:
    """Ưu điểm and Tồn tại, hạn chế drafted from the report's figures as they stand."""
    snapshot = figures_snapshot(report.unit, report.year, report.kind, report.through_month)
    drafted = assessment.draft(snapshot)
    return {"strengths": drafted.strengths, "shortcomings": drafted.shortcomings}


REDRAFTED = "Soạn lại từ số liệu"


@transaction.atomic
def report_assessment_redraft(*, report: Report, user: AbstractBaseUser | None) -> Report:
    """Drafts Ưu điểm and Tồn tại, hạn chế again from today's figures, over what was written
    (the page asks first); the old text stays in the report's history."""
    _ensure_may_write(user, report.unit)
    report = Report.objects.select_for_update().select_related("unit").get(pk=report.pk)
    for name, text in _drafted_assessment(report).items():
        setattr(report, name, text)
    report._change_reason = REDRAFTED
    return _save(report, user)


@transaction.atomic
def report_update(*, report: Report, user: AbstractBaseUser | None, **fields: Any) -> Report:
    """Changes the header and text of a report; versions already built keep theirs."""
    _ensure_may_write(user, report.unit)
    if unknown := set(fields) - set(EDITABLE_FIELDS):
        raise ValueError(f"Không sửa được các trường: {', '.join(sorted(unknown))}")
    report = Report.objects.select_for_update().get(pk=report.pk)
    for name, value in fields.items():
        setattr(report, name, value)
    return _save(report, user)


def report_document(report: Report, ancestors: list[Unit] | None = None) -> dict:
    """The header and text of a report as they stand, for a version to keep; `ancestors`, the
    unit's root first, when the caller has them."""
    if ancestors is None:
        ancestors = list(Unit.objects.get_ancestors(report.unit))
    parent = ancestors[-1] if ancestors else None
    return {
        "unit_name": report.unit.name,
        "unit_code": report.unit.code,
        "parent_name": parent.name if parent else "",
        "superior": wording.superior_label(parent.name, parent.kind) if parent else None,
        "abbreviation": drafts.abbreviation(report.unit),
        "year": report.year,
        "kind": report.kind,
        "through_month": report.through_month,
        "document_number": report.document_number,
        "place": report.place,
        "issued_on": report.issued_on.isoformat(),
        "signer_name": report.signer_name,
        "signer_title": report.signer_title,
        "recipients": report.recipients,
        **{key: getattr(report, key) for key in TEXT_SECTIONS},
    }


# --- versions -----------------------------------------------------------------------------------


def _new_versions(
    reports: list[Report],
    user: AbstractBaseUser | None,
    batch: ReportBatch | None = None,
    ancestors: list[Unit] | None = None,
) -> list[ReportVersion]:
    """A new version of each report, numbered after its last, with its history record. The
    report rows are locked by the caller, so two requests cannot take the same number."""
    last = dict(
        ReportVersion.objects.filter(report__in=reports)
        .values("report_id")
        .annotate(last=Max("number"))
        .values_list("report_id", "last")
    )
    now = timezone.now()
    versions = [
        ReportVersion(
            report=report,
            number=last.get(report.pk, 0) + 1,
            batch=batch,
            document=report_document(report, ancestors),
            created_by=user,
            queued_at=now,
        )
        for report in reports
    ]
    return bulk_create_with_history(versions, ReportVersion, default_user=user)


def _enqueue(version_ids: list[int]) -> None:
    """Queues the builds once the transaction commits; a broker that does not answer fails the
    versions with a reason, instead of leaving them queued for ever."""

    def send() -> None:
        try:
            builds = [signature(BUILD_TASK, args=(pk,)) for pk in version_ids]
            if len(builds) == 1:
                builds[0].delay()
            else:
                group(builds).apply_async()
        except Exception as exc:  # kombu's errors vary with the transport
            logger.exception("Could not queue report versions %s", version_ids)
            ReportVersion.objects.filter(pk__in=version_ids, status=VersionStatus.QUEUED).update(
                status=VersionStatus.FAILED,
                error=f"Không gửi được yêu cầu tới hàng đợi: {exc}"[:ERROR_LENGTH],
                finished_at=timezone.now(),
            )

    transaction.on_commit(send)


@transaction.atomic
def report_version_request(*, report: Report, user: AbstractBaseUser | None) -> ReportVersion:
    """A new version of the report, queued for the task to build; earlier ones stay as they are."""
    _ensure_may_write(user, report.unit)
    report = Report.objects.select_for_update().select_related("unit").get(pk=report.pk)
    (version,) = _new_versions([report], user)
    _enqueue([version.pk])
    return version


@transaction.atomic
def report_generate(
    *,
    unit: Unit,
    year: int,
    kind: str,
    user: AbstractBaseUser | None,
    through_month: int | None = None,
) -> ReportVersion:
    """The API's door: the report (created with its draft if need be), then a new version."""
    fields = {} if through_month is None else {"through_month": through_month}
    report, _ = report_create_or_update(unit=unit, year=year, kind=kind, user=user, **fields)
    return report_version_request(report=report, user=user)


@transaction.atomic
def report_version_retry(*, version: ReportVersion, user: AbstractBaseUser | None) -> ReportVersion:
    """Queues a failed version again; the figures it had already gathered are kept."""
    _ensure_may_write(user, version.report.unit)
    version = ReportVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.FAILED:
        raise ValidationError("Chỉ tạo lại được phiên bản bị lỗi.")
    version.status, version.error, version.progress = VersionStatus.QUEUED, "", 0
    version.finished_at, version.attempts = None, 0
    version.queued_at = timezone.now()
    fields = ["status", "error", "progress", "finished_at", "attempts", "queued_at"]
    version.save(update_fields=fields)
    _enqueue([version.pk])
    return version


# --- bulk ---------------------------------------------------------------------------------------


@transaction.atomic
def report_batch_request(
    *,
    parent: Unit,
    year: int,
    kind: str,
    user: AbstractBaseUser | None,
    through_month: int | None = None,
) -> ReportBatch:
    """A new version of the report of every child of `parent` that writes one, queued together
    (a Celery group). Each child keeps the text its own leader wrote; only the cut-off month is
    set for all of them. Only a leader of `parent` or above may (PermissionDenied otherwise)."""
    ensure_allowed(user, parent, Permission.SET_TARGETS, BATCH_REFUSED, below=True)
    _check_key(year, kind)
    through_month = through_month or ReportKind(kind).default_through_month
    children = list(report_children(parent))
    if not children:
        raise ValidationError("Đơn vị không có đơn vị trực thuộc nào lập báo cáo.")
    batch = ReportBatch.objects.create(
        parent=parent, year=year, kind=kind, through_month=through_month, created_by=user
    )
    ancestors = [*Unit.objects.get_ancestors(parent), parent]
    reports = _batch_reports(children, ancestors, year, kind, through_month, user)
    versions = _new_versions(reports, user, batch, ancestors)
    _enqueue([version.pk for version in versions])
    return batch


BATCH_DOOR = "Tạo hàng loạt"


def _batch_reports(
    children: list[Unit],
    ancestors: list[Unit],
    year: int,
    kind: str,
    through_month: int,
    user: AbstractBaseUser | None,
) -> list[Report]:
    """The children's reports with the batch's cut-off month, in the children's order: those
    that exist locked and moved to it, the others drafted; in a few statements whatever the
    number of children (a province has 700), each write with its history record."""
    existing = {
        report.unit_id: report
        for report in Report.objects.select_for_update()
        .select_related("unit")
        .filter(unit__in=children, year=year, kind=kind)
    }
    moved = [report for report in existing.values() if report.through_month != through_month]
    for report in moved:
        report.through_month, report.updated_at = through_month, timezone.now()
        _check_through_month(report)
    audit = {"default_user": user, "default_change_reason": BATCH_DOOR}
    bulk_update_with_history(moved, Report, ["through_month", "updated_at"], **audit)
    new = [child for child in children if child.pk not in existing]
    drafted = _drafted_reports(
        new, ancestors, year=year, kind=kind, user=user, through_month=through_month
    )
    for report in drafted:
        # The units were just read and the user is the one acting: no query to find them, and
        # the database holds the one report a unit has per half.
        report.full_clean(
            exclude=["unit", "created_by"], validate_unique=False, validate_constraints=False
        )
    saved = bulk_create_with_history(drafted, Report, **audit)
    created = {report.unit_id: report for report in saved}
    return [existing.get(child.pk) or created[child.pk] for child in children]


# --- the leader's digital signature -------------------------------------------------------------

SIGN_REFUSED = "Chỉ lãnh đạo của đơn vị hoặc cấp trên mới được ký số báo cáo."


@sensitive_variables("pkcs12", "password", "credentials")
@transaction.atomic
def report_version_sign(
    *, version: ReportVersion, user: AbstractBaseUser | None, pkcs12: bytes, password: str
) -> ReportVersion:
    """Signs a finished version's PDF (PAdES) with the leader's certificate, supplied for this
    signing only: the signed file becomes the version's download. The archive and its password
    are used here and dropped, never stored nor logged (sensitive_variables keeps them out of
    error reports too). A refused certificate (ValidationError) changes nothing."""
    # A leader's role on the unit or above it: what allows_below asks of SET_TARGETS.
    ensure_allowed(user, version.report.unit, Permission.SET_TARGETS, SIGN_REFUSED, below=True)
    version = (
        ReportVersion.objects.select_for_update().select_related("report__unit").get(pk=version.pk)
    )
    if not version.is_done:
        raise ValidationError("Chỉ ký số được phiên bản đã tạo xong.")
    if version.is_signed:
        raise ValidationError("Phiên bản này đã được ký số; sửa báo cáo rồi tạo phiên bản mới.")
    now = timezone.now()
    try:
        credentials = signing.load_credentials(pkcs12, password, now=now)
        with version.pdf.open("rb") as unsigned:
            signed = signing.sign_pdf(
                unsigned.read(),
                credentials,
                unit=version.document["unit_name"],
                when=timezone.localtime(now).strftime("%d/%m/%Y %H:%M"),
            )
    except signing.CertificateError as error:
        raise ValidationError(str(error)) from None
    return _record_signature(version, user, signed, credentials.subject, now)


def _record_signature(
    version: ReportVersion, user: AbstractBaseUser | None, signed: bytes, subject: str, now
) -> ReportVersion:
    _store_file(version.signed_pdf, signed)
    version.signed_at, version.signed_by, version.certificate_subject = now, user, subject
    version._history_user = user
    version._change_reason = "Ký số"
    version.save(update_fields=["signed_pdf", "signed_at", "signed_by", "certificate_subject"])
    return version


# --- building (called by the task) --------------------------------------------------------------


def _worn_out(attempts: int) -> str:
    return f"Đã thử tạo {attempts} lần, lần nào cũng bị dừng giữa chừng."


@transaction.atomic
def _claim(version_id: int, *, first_delivery: bool) -> ReportVersion | None:
    """Marks the version running, or None if there is nothing to do: already built, failed for
    good, gone, or being built right now by another worker.

    A version still running is a message coming back after its worker died (a redelivery, or the
    task's own retry): build it again. A message delivered for the first time that finds it
    running within the time limit is a duplicate (the sweep sent it again while the first one
    waited in the queue): the build under way is left alone.
    """
    version = (
        ReportVersion.objects.select_for_update()
        .select_related("report__unit")
        .filter(pk=version_id)
        .first()
    )
    if version is None or version.status not in (VersionStatus.QUEUED, VersionStatus.RUNNING):
        return None
    if first_delivery and version.status == VersionStatus.RUNNING and not _is_stuck(version):
        logger.info("Report version %s is being built already; duplicate message", version_id)
        return None
    if version.attempts >= MAX_ATTEMPTS:
        # A report that kills its worker every time would otherwise be redelivered for ever.
        version.status, version.finished_at = VersionStatus.FAILED, timezone.now()
        version.error = _worn_out(version.attempts)
        version.save(update_fields=["status", "finished_at", "error"])
        return None
    version.status, version.progress, version.error = VersionStatus.RUNNING, 10, ""
    version.attempts += 1
    version.started_at = timezone.now()
    version.save(update_fields=["status", "progress", "error", "attempts", "started_at"])
    return version


def _progress(version: ReportVersion, percent: int, **fields: Any) -> None:
    ReportVersion.objects.filter(pk=version.pk).update(progress=percent, **fields)


def report_version_build(*, version_id: int, first_delivery: bool = False) -> ReportVersion | None:
    """Builds the version's files: figures (unless an earlier attempt saved them), HTML, PDF,
    and the Word copy from the same figures and text.

    Safe to run again for the same version: a version already done is left alone, and so is one
    being built when `first_delivery` says this message cannot be the one building it (_claim).
    """
    version = _claim(version_id, first_delivery=first_delivery)
    if version is None:
        return None
    if version.snapshot is None:
        document = version.document
        version.snapshot = figures_snapshot(
            version.report.unit, document["year"], document["kind"], document["through_month"]
        )
        _progress(version, PROGRESS_SNAPSHOT, snapshot=version.snapshot)
    html = pdf.render_html(version.document, version.snapshot)
    _progress(version, PROGRESS_RENDER)
    content = pdf.render_pdf(html)
    _store_file(version.pdf, content)
    _store_file(version.docx, docx.render_docx(version.document, version.snapshot))
    version.status, version.progress = VersionStatus.DONE, 100
    version.finished_at = timezone.now()
    version.save(update_fields=["pdf", "docx", "status", "progress", "finished_at"])
    return version


def _store_file(field, content: bytes) -> None:
    """Puts a built file where the version's field names it, unsaved until the caller saves."""
    name = field.field.generate_filename(field.instance, "report")
    # An attempt killed after writing the file left it behind: this version's file, replace it.
    if field.storage.exists(name):
        field.storage.delete(name)
    field.save(name, ContentFile(content), save=False)


def report_version_fail(*, version_id: int, error: str) -> None:
    """Records why a build failed for good; the page shows it with a button to try again."""
    ReportVersion.objects.filter(
        pk=version_id, status__in=[VersionStatus.QUEUED, VersionStatus.RUNNING]
    ).update(status=VersionStatus.FAILED, error=error[:ERROR_LENGTH], finished_at=timezone.now())


# --- stuck versions (the sweep, and the page) ---------------------------------------------------


def _stuck_before(now: datetime | None = None) -> datetime:
    seconds = settings.CELERY_TASK_TIME_LIMIT + STUCK_MARGIN_SECONDS
    return (now or timezone.now()) - timedelta(seconds=seconds)


def _stuck(now: datetime | None = None) -> Q:
    """Running past the task time limit, or waiting in the queue as long."""
    before = _stuck_before(now)
    running = Q(status=VersionStatus.RUNNING, started_at__lt=before)
    return running | Q(status=VersionStatus.QUEUED, queued_at__lt=before)


def _is_stuck(version: ReportVersion) -> bool:
    """_stuck for one version already loaded."""
    running = version.status == VersionStatus.RUNNING
    since = version.started_at if running else version.queued_at
    return version.is_pending and since is not None and since < _stuck_before()


def report_versions_requeue_stuck(*, now: datetime | None = None) -> int:
    """Queues again every version stuck past the task time limit; returns how many.

    Run every minute by beat (reports.tasks). A version is stuck when its worker died without
    giving the message back (its whole container killed; or the hard time limit, which
    acknowledges it), or when the broker lost its message (restarted without persistence). One
    tried MAX_ATTEMPTS times is failed instead, with the reason. A queued version is sent again
    at most once per time limit: if its first message was only slow, whichever of the two
    arrives second finds the version done or being built and does nothing (_claim).
    """
    now = now or timezone.now()
    return _requeue(ReportVersion.objects.filter(_stuck(now)), now)


@transaction.atomic
def _requeue(versions: QuerySet[ReportVersion], now: datetime) -> int:
    # Rows another sweep, the page or a worker's claim holds are theirs to handle: skip them, so
    # no version is sent twice by two sweeps. select_for_update needs the transaction.
    stuck = list(versions.select_for_update(skip_locked=True).only("pk", "attempts"))
    again = [version.pk for version in stuck if version.attempts < MAX_ATTEMPTS]
    for version in stuck:
        if version.attempts >= MAX_ATTEMPTS:
            ReportVersion.objects.filter(pk=version.pk).update(
                status=VersionStatus.FAILED, error=_worn_out(version.attempts), finished_at=now
            )
    if again:
        logger.warning("Report versions %s were stuck; queued again", again)
        ReportVersion.objects.filter(pk__in=again).update(
            status=VersionStatus.QUEUED, progress=0, queued_at=now
        )
        _enqueue(again)
    return len(again)


def report_version_recover_if_stuck(version: ReportVersion) -> ReportVersion:
    """What the page and the API do before showing a pending version: one stuck past the time
    limit is queued again at once, as the sweep would, so the page never shows a build that no
    one runs, and recovery does not hang on beat running.

    Without a broker, builds run inside the web request and no beat runs: a version still
    pending that long died with its request and nothing will build it, so it is failed with the
    reason, beside the button that builds it again.
    """
    if not _is_stuck(version):
        return version
    stuck = ReportVersion.objects.filter(_stuck(), pk=version.pk)
    if current_app.conf.task_always_eager:
        stuck.update(status=VersionStatus.FAILED, error=STOPPED, finished_at=timezone.now())
    else:
        _requeue(stuck, timezone.now())
    version.refresh_from_db()
    return version
