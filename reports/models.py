"""Half-year reports: the editable document, its versions (each a PDF built from a frozen
snapshot of the figures) and the batches a federation leader starts for all its child units."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from federation.models import MONTH_VALIDATORS, YEAR_VALIDATORS, Period, Unit

# The sections the leader writes, in the order the report prints them.
TEXT_SECTIONS = ("strengths", "shortcomings", "causes", "priorities", "proposals")


class ReportKind(models.TextChoices):
    H1 = "H1", "Sơ kết 6 tháng đầu năm"
    H2 = "H2", "6 tháng cuối năm, tổng kết năm"

    @property
    def period(self) -> str:
        """The progress period whose figures the report gives: H2 tells the whole year's."""
        return Period.H1 if self is ReportKind.H1 else Period.YEAR

    @property
    def default_through_month(self) -> int:
        return 6 if self is ReportKind.H1 else 12

    @property
    def months(self) -> range:
        """The cut-off months that make sense: within the half the report reviews."""
        return range(1, 7) if self is ReportKind.H1 else range(7, 13)


class Report(models.Model):
    """One unit's report for a year and half: the header fields and the text the leader edits.

    One per (unit, year, kind): a unit signs one such document per half-year. Drafts are its
    versions, each with the text and figures it was built from.
    """

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="reports", verbose_name="đơn vị"
    )
    year = models.PositiveSmallIntegerField("năm", validators=YEAR_VALIDATORS)
    kind = models.CharField("loại báo cáo", max_length=2, choices=ReportKind.choices)
    through_month = models.PositiveSmallIntegerField(
        "số liệu tính đến hết tháng",
        validators=MONTH_VALIDATORS,
        help_text="Số liệu sơ kết thường chốt đến hết tháng 5.",
    )
    document_number = models.CharField(
        "số văn bản", max_length=64, blank=True, help_text="Ví dụ: 45/BC-LĐLĐ"
    )
    place = models.CharField("địa danh", max_length=100)
    issued_on = models.DateField("ngày ban hành")
    signer_name = models.CharField("người ký", max_length=100, blank=True)
    signer_title = models.CharField("chức vụ người ký", max_length=100, default="CHỦ TỊCH")
    recipients = models.TextField(
        "nơi nhận", blank=True, help_text="Mỗi dòng một nơi nhận; dòng “Lưu: VT.” tự thêm ở cuối."
    )
    strengths = models.TextField("ưu điểm", blank=True)
    shortcomings = models.TextField("tồn tại, hạn chế", blank=True)
    causes = models.TextField("nguyên nhân", blank=True)
    priorities = models.TextField("nhiệm vụ trọng tâm", blank=True)
    proposals = models.TextField("kiến nghị, đề xuất", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người tạo",
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "báo cáo"
        verbose_name_plural = "báo cáo"
        ordering = ["-year", "-kind"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "kind"], name="report_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.title_short}"

    @property
    def title_short(self) -> str:
        half = "6 tháng đầu năm" if self.kind == ReportKind.H1 else "6 tháng cuối năm"
        return f"{half} {self.year}"

    @property
    def period(self) -> str:
        return ReportKind(self.kind).period


class VersionStatus(models.TextChoices):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang tạo"
    DONE = "done", "Hoàn thành"
    FAILED = "failed", "Lỗi"


class ReportBatch(models.Model):
    """The reports of all child units of a federation, requested in one action."""

    parent = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="report_batches", verbose_name="đơn vị"
    )
    year = models.PositiveSmallIntegerField("năm", validators=YEAR_VALIDATORS)
    kind = models.CharField("loại báo cáo", max_length=2, choices=ReportKind.choices)
    through_month = models.PositiveSmallIntegerField(
        "số liệu tính đến hết tháng", validators=MONTH_VALIDATORS
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người tạo",
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    class Meta:
        verbose_name = "lượt tạo báo cáo hàng loạt"
        verbose_name_plural = "lượt tạo báo cáo hàng loạt"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.parent} · {ReportKind(self.kind).label} {self.year}"


def _version_stem(version: "ReportVersion") -> str:
    """Where a version's files are stored: by the unit's id, which no one types (its code once
    put "../" into the path)."""
    report = version.report
    return f"reports/{report.unit_id}/{report.year}-{report.kind}/v{version.number}"


def version_pdf_path(version: "ReportVersion", filename: str) -> str:
    return f"{_version_stem(version)}.pdf"


def version_docx_path(version: "ReportVersion", filename: str) -> str:
    return f"{_version_stem(version)}.docx"


def version_signed_path(version: "ReportVersion", filename: str) -> str:
    return f"{_version_stem(version)}-signed.pdf"


class ReportVersion(models.Model):
    """One build of a report: the text and figures it was made from, the PDF and its Word copy.

    `document` (header and text sections) is frozen when the version is requested; `snapshot`
    (the figures) when the task builds it. The PDF and the .docx are rendered from these two
    alone, so every figure in every file can be traced and an old version re-renders identically.
    A leader may sign the PDF once (`signed_pdf`, then the version's download); a signed version
    is never built again, and a change to the report makes a new version.
    """

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="versions", verbose_name="báo cáo"
    )
    number = models.PositiveIntegerField("phiên bản")
    batch = models.ForeignKey(
        ReportBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="versions",
        verbose_name="lượt tạo hàng loạt",
    )
    status = models.CharField(
        "trạng thái", max_length=8, choices=VersionStatus.choices, default=VersionStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        "tiến độ (%)", default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    error = models.TextField("lỗi", blank=True)
    attempts = models.PositiveSmallIntegerField("số lần chạy", default=0)
    document = models.JSONField("nội dung văn bản", default=dict)
    snapshot = models.JSONField("số liệu", null=True, blank=True)
    pdf = models.FileField("tệp PDF", upload_to=version_pdf_path, max_length=255, blank=True)
    docx = models.FileField("tệp Word", upload_to=version_docx_path, max_length=255, blank=True)
    signed_pdf = models.FileField(
        "PDF đã ký số", upload_to=version_signed_path, max_length=255, blank=True
    )
    signed_at = models.DateTimeField("ký số lúc", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người ký số",
    )
    certificate_subject = models.CharField("chủ thể chứng thư số", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người tạo",
    )
    created_at = models.DateTimeField("yêu cầu lúc", auto_now_add=True)
    # Since when it has waited for a worker: its request, a retry, or a requeue after a sweep.
    queued_at = models.DateTimeField("vào hàng đợi lúc", null=True, blank=True)
    started_at = models.DateTimeField("bắt đầu lúc", null=True, blank=True)
    finished_at = models.DateTimeField("xong lúc", null=True, blank=True)

    # Who built, retried and signed each version, as Report's edits are kept; the figures and
    # text are frozen in the version itself, so the history need not copy them at every save.
    history = HistoricalRecords(excluded_fields=["document", "snapshot"])

    class Meta:
        verbose_name = "phiên bản báo cáo"
        verbose_name_plural = "phiên bản báo cáo"
        ordering = ["report", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique"),
        ]
        indexes = [models.Index(fields=["batch", "status"], name="report_version_batch_status")]

    def __str__(self) -> str:
        return f"{self.report} · phiên bản {self.number}"

    @property
    def is_pending(self) -> bool:
        return self.status in (VersionStatus.QUEUED, VersionStatus.RUNNING)

    @property
    def is_done(self) -> bool:
        return self.status == VersionStatus.DONE and bool(self.pdf)

    @property
    def is_signed(self) -> bool:
        return bool(self.signed_pdf)

    @property
    def download_file(self):
        """The PDF people download: the signed one once there is one."""
        return self.signed_pdf if self.is_signed else self.pdf

    @property
    def file_stem(self) -> str:
        report = self.report
        return f"BaoCao_{report.unit.file_code}_{report.year}_{report.kind}_v{self.number}"

    @property
    def download_name(self) -> str:
        return f"{self.file_stem}{'_da_ky' if self.is_signed else ''}.pdf"

    @property
    def docx_name(self) -> str:
        return f"{self.file_stem}.docx"
