"""The unit tree, indicator catalogue, targets, monthly entries, their roll-up and users' roles."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from .expressions import REGISTERS, ExpressionError, parse
from .text import fold

# The years any figure, target or report may be about; every door checks against these.
MIN_YEAR, MAX_YEAR = 2000, 2100
YEAR_VALIDATORS = [MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]
MONTH_VALIDATORS = [MinValueValidator(1), MaxValueValidator(12)]
# A unit's code names it in files, links and downloads: letters, digits, "-", "_" and "." only,
# starting with a letter or digit (no spaces, quotes, slashes or line breaks, never "..").
UNIT_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z"
UNIT_CODE_VALIDATOR = RegexValidator(
    UNIT_CODE_PATTERN,
    "Mã đơn vị chỉ gồm chữ cái không dấu, chữ số và các dấu - _ . (bắt đầu bằng chữ hoặc số).",
    code="invalid_unit_code",
)


class Door(models.TextChoices):
    """Which way a change came in; stored as the audit record's change reason."""

    PAGE = "page", "Trang nhập liệu"
    IMPORT = "import", "Nhập từ Excel"
    API = "api", "API"
    ADMIN = "admin", "Trang quản trị"
    REVERT = "revert", "Khôi phục từ lịch sử"
    SYSTEM = "system", "Hệ thống"


class UnitKind(models.TextChoices):
    CONFEDERATION = "confederation", "Tổng Liên đoàn Lao động Việt Nam"
    PROVINCIAL_FEDERATION = "provincial_federation", "LĐLĐ tỉnh, thành phố"
    SECTOR_UNION = "sector_union", "Công đoàn ngành"
    CORPORATION_UNION = "corporation_union", "Công đoàn tổng công ty"
    DISTRICT_FEDERATION = "district_federation", "LĐLĐ quận, huyện, thị xã"
    INDUSTRIAL_ZONE_UNION = "industrial_zone_union", "Công đoàn khu công nghiệp"
    GRASSROOTS_UNION = "grassroots_union", "Công đoàn cơ sở"


class Sector(models.TextChoices):
    STATE = "state", "Nhà nước"
    NON_STATE = "non_state", "Ngoài nhà nước"
    FDI = "fdi", "Có vốn đầu tư nước ngoài (FDI)"
    PUBLIC_SERVICE = "public_service", "Hành chính sự nghiệp"


class UnitQuerySet(MP_NodeQuerySet):
    """The tree's words for a set of units: a unit's children, everything below it.

    Both filter on (depth, path prefix), which the `unit_depth_path` index serves: a federation
    with 10,000 CĐCS is read without scanning the country.
    """

    def children_of(self, unit: "Unit") -> "UnitQuerySet":
        return self.filter(path__startswith=unit.path, depth=unit.depth + 1)

    def below(self, unit: "Unit") -> "UnitQuerySet":
        """Every unit of the subtree but `unit` itself."""
        return self.filter(path__startswith=unit.path, depth__gt=unit.depth)


class UnitManager(MP_NodeManager.from_queryset(UnitQuerySet)):
    def get_queryset(self) -> UnitQuerySet:
        return UnitQuerySet(self.model, using=self._db).order_by("path")


class Unit(MP_Node):
    """Any body of the union, from the confederation down to a grassroots union (CĐCS).

    One tree of any depth: since 2025 a CĐCS may hang directly under a provincial federation, so
    no code may assume that a given depth means "district".
    """

    code = models.CharField(
        "mã đơn vị", max_length=32, unique=True, validators=[UNIT_CODE_VALIDATOR]
    )
    name = models.CharField("tên đơn vị", max_length=255)
    short_name = models.CharField("tên viết tắt", max_length=100, blank=True)
    kind = models.CharField("loại đơn vị", max_length=32, choices=UnitKind.choices)
    sector = models.CharField("khu vực", max_length=32, choices=Sector.choices, blank=True)
    workforce_total = models.PositiveIntegerField("tổng số lao động", null=True, blank=True)
    workforce_female = models.PositiveIntegerField("lao động nữ", null=True, blank=True)
    founded_on = models.DateField("ngày thành lập", null=True, blank=True)
    dissolved_on = models.DateField("ngày giải thể", null=True, blank=True)
    # The name, short name and code folded (federation.text.fold): searched without accents.
    search_key = models.CharField(max_length=400, editable=False, default="")

    history = HistoricalRecords(excluded_fields=["path", "depth", "numchild", "search_key"])

    objects = UnitManager()

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        # Children of a unit are found by (depth, path prefix): without this index a federation's
        # children page scans every unit of the country.
        indexes = [models.Index(fields=["depth", "path"], name="unit_depth_path")]
        constraints = [
            models.CheckConstraint(
                condition=Q(workforce_female__isnull=True)
                | Q(workforce_total__isnull=True)
                | Q(workforce_female__lte=F("workforce_total")),
                name="unit_female_within_workforce",
            ),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | Q(founded_on__isnull=True)
                | Q(dissolved_on__gte=F("founded_on")),
                name="unit_dissolved_after_founded",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Every door that writes a unit saves it (treebeard's add_child included), so the key
        # never lags its name.
        self.search_key = fold(f"{self.name} {self.short_name} {self.code}")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_key"}
        super().save(*args, **kwargs)

    @property
    def is_grassroots(self) -> bool:
        return self.kind == UnitKind.GRASSROOTS_UNION

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def file_code(self) -> str:
        """The code as it may stand in a file name. Codes are held to UNIT_CODE_PATTERN, but one
        stored before that may hold anything: each character a code may not have becomes "-"."""
        return re.sub(r"[^A-Za-z0-9._-]", "-", self.code).lstrip(".") or str(self.pk)

    @property
    def ancestor_paths(self) -> list[str]:
        """Paths of the unit and all its ancestors, root first (its path's prefixes)."""
        step = self.steplen
        return [self.path[:end] for end in range(step, len(self.path) + 1, step)]

    def clean(self) -> None:
        errors = {}
        if self.sector and not self.is_grassroots:
            errors["sector"] = "Chỉ công đoàn cơ sở mới có khu vực."
        if (
            self.workforce_total is not None
            and self.workforce_female is not None
            and self.workforce_female > self.workforce_total
        ):
            errors["workforce_female"] = "Số lao động nữ không được lớn hơn tổng số lao động."
        if self.founded_on and self.dissolved_on and self.dissolved_on < self.founded_on:
            errors["dissolved_on"] = "Ngày giải thể phải sau ngày thành lập."
        if errors:
            raise ValidationError(errors)


class UnitMove(models.Model):
    """A subtree moved under another parent, e.g. the 2025 dissolution of district federations."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="moves", verbose_name="đơn vị"
    )
    old_parent = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="cấp trên cũ"
    )
    new_parent = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="cấp trên mới"
    )
    reason = models.CharField("lý do", max_length=255, blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name="người chuyển"
    )
    moved_at = models.DateTimeField("thời điểm", auto_now_add=True)

    class Meta:
        verbose_name = "chuyển đơn vị"
        verbose_name_plural = "lịch sử chuyển đơn vị"
        ordering = ["-moved_at"]

    def __str__(self) -> str:
        return f"{self.unit} → {self.new_parent}"


class Aggregation(models.TextChoices):
    SUM = "sum", "Cộng dồn các tháng"
    LAST = "last", "Lấy số liệu tháng cuối kỳ"


class IndicatorGroup(models.TextChoices):
    """The areas of work a report's Phần I is written by; the entry grid shows one at a time."""

    MEMBERS = "members", "Phát triển đoàn viên"
    ORGANISATION = "organisation", "Xây dựng tổ chức"
    TRAINING = "training", "Tuyên truyền, đào tạo"
    CARE = "care", "Chăm lo đời sống"
    PARTY = "party", "Xây dựng Đảng"
    EMULATION = "emulation", "Thi đua"
    FINANCE = "finance", "Tài chính"
    OTHER = "other", "Chỉ tiêu khác"


class Indicator(models.Model):
    """A number units report every month: data, not code, so the catalogue can grow."""

    code = models.SlugField("mã chỉ tiêu", max_length=64, unique=True)
    name = models.CharField("tên chỉ tiêu", max_length=255)
    unit_of_measure = models.CharField("đơn vị tính", max_length=32)
    aggregation = models.CharField(
        "cách cộng các tháng", max_length=8, choices=Aggregation.choices, default=Aggregation.SUM
    )
    higher_is_better = models.BooleanField("càng cao càng tốt", default=True)
    position = models.PositiveSmallIntegerField("thứ tự", default=0)
    group = models.CharField(
        "nhóm", max_length=16, choices=IndicatorGroup.choices, default=IndicatorGroup.OTHER
    )
    is_active = models.BooleanField("đang dùng", default=True)
    description = models.TextField("ghi chú", blank=True)
    # What the checks of every save hold a value to (entries/checks.py).
    plausible_max = models.PositiveBigIntegerField(
        "mức tối đa hợp lý một tháng",
        null=True,
        blank=True,
        help_text="Giá trị một đơn vị nhập cho một tháng vượt mức này bị từ chối.",
    )
    outlier_floor = models.PositiveBigIntegerField(
        "chênh lệch tối thiểu để xem là bất thường",
        default=10,
        help_text="Chênh lệch so với mức thường nhỏ hơn mức này không bao giờ bị cảnh báo.",
    )

    class Meta:
        verbose_name = "chỉ tiêu"
        verbose_name_plural = "danh mục chỉ tiêu"
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Period(models.TextChoices):
    YEAR = "Y", "Cả năm"
    H1 = "H1", "6 tháng đầu năm"
    H2 = "H2", "6 tháng cuối năm"

    @property
    def months(self) -> range:
        return {"Y": range(1, 13), "H1": range(1, 7), "H2": range(7, 13)}[self.value]


class Target(models.Model):
    """A target (chỉ tiêu, kế hoạch giao) the parent assigned to a unit for a year or half-year."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="targets", verbose_name="đơn vị"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="targets", verbose_name="chỉ tiêu"
    )
    year = models.PositiveSmallIntegerField("năm", validators=YEAR_VALIDATORS)
    period = models.CharField("kỳ", max_length=2, choices=Period.choices)
    value = models.PositiveBigIntegerField("chỉ tiêu")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người giao",
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "chỉ tiêu giao"
        verbose_name_plural = "chỉ tiêu giao"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "year", "period"], name="target_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.indicator} · {self.get_period_display()} {self.year}"


class EntryHistory(HistoricalRecords):
    """The monthly entries' audit records, indexed only for the queries that read them: an
    import writes one record per value, and each index costs every one of them.

    - (unit, year, month): the month's history page and a record restored from it
      (entries/selectors.month_changes, history_record_or_404), which read the records of a unit
      and its children for one month, and each record's earlier value there (_earlier_values).
      The unit alone would leave every month of ten years to filter for each child.
    Not the entry's id: an entry's records are found by its key, which leads with the unit, and
    month (the admin's history of an entry, too). Not history_date: every reader filters by unit
    first and orders the few records it finds. Not history_user: no page reads records by user,
    and a user's deletion leaves its records as they are (the audit keeps who wrote, by id), so
    it needs no index to find them either; the index cost an import as much as the others
    together, all its records having one user.
    """

    def get_extra_fields(self, model, fields):
        extra = super().get_extra_fields(model, fields)
        extra["history_date"].db_index = False
        user = extra["history_user"]
        user.db_index, user.remote_field.on_delete = False, models.DO_NOTHING
        return extra

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        options["indexes"] = [
            models.Index(fields=["unit", "year", "month"], name="entry_history_unit_month")
        ]
        return options


class MonthlyEntry(models.Model):
    """The value a unit reported for itself for one indicator and month (not its subtree's)."""

    # No index of their own: the unique key (unit, indicator, year, month) leads with the unit,
    # and nothing looks entries up by indicator alone. Each index costs every import's rows.
    # No foreign-key constraint either: PostgreSQL checks the same rule once per statement, where
    # a foreign key checked each of an import's 150,000 rows at commit (migration 0016 says how).
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name="đơn vị",
        db_index=False,
        db_constraint=False,
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name="chỉ tiêu",
        db_index=False,
        db_constraint=False,
    )
    year = models.PositiveSmallIntegerField("năm", validators=YEAR_VALIDATORS)
    month = models.PositiveSmallIntegerField("tháng", validators=MONTH_VALIDATORS)
    value = models.PositiveBigIntegerField("số liệu")
    # Who last wrote the value, for the stale-form message; the audit rows hold every writer.
    # Not checked by the database: a 150.000-value import would otherwise re-check the same user
    # at commit once per value. Not indexed, and kept when the user is deleted (read through a
    # join, a deleted user is None): nulling it would scan every entry of the country's years.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người nhập",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    # The audit's user is not checked by the database either, for the same reason; its indexes
    # are the few a query reads by (EntryHistory), since each costs every import's rows.
    history = EntryHistory(
        no_db_index=["id", "unit", "indicator", "entered_by"], user_db_constraint=False
    )

    class Meta:
        verbose_name = "số liệu tháng"
        verbose_name_plural = "số liệu tháng"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "year", "month"], name="entry_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="entry_month_1_12"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.indicator} · {self.month:02d}/{self.year}"


class Rollup(models.Model):
    """A unit's own entries plus all its descendants', for one indicator and month.

    Kept current in the same transaction as every entry write and subtree move (entries/rollup.py),
    so a figure for the confederation costs the same single indexed read as one for a CĐCS.
    `entries` counts the entries summed, so "last value" indicators know which months have data.
    A CĐCS has no rows here: nothing is below it, so its figures are its entries (see
    MonthlyTotal).

    Derived data, checked and rebuilt by `manage.py rebuild_rollup`: its references are not
    enforced by the database (Django still cascades deletes), so that committing an import does
    not re-check a reference for each of its rows.
    """

    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="đơn vị",
        db_index=False,
        db_constraint=False,
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="chỉ tiêu",
        db_index=False,
        db_constraint=False,
    )
    year = models.PositiveSmallIntegerField("năm")
    month = models.PositiveSmallIntegerField("tháng")
    total = models.BigIntegerField("tổng", default=0)
    entries = models.IntegerField("số bản ghi", default=0)

    class Meta:
        verbose_name = "dòng tổng hợp"
        verbose_name_plural = "bảng tổng hợp (roll-up)"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "year", "month"], name="rollup_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.indicator_id} · {self.month:02d}/{self.year}: {self.total}"


class MonthlyTotal(models.Model):
    """What every progress figure is read from: a unit's total for one indicator and month.

    A database view: the roll-up rows, and for each CĐCS its own entries (total = the value,
    entries = 1). Read-only; the rows behind it are written by entries.services.entries_save.
    """

    pk = models.CompositePrimaryKey("unit", "indicator", "year", "month")
    unit = models.ForeignKey(
        Unit, on_delete=models.DO_NOTHING, related_name="+", verbose_name="đơn vị"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.DO_NOTHING, related_name="+", verbose_name="chỉ tiêu"
    )
    year = models.PositiveSmallIntegerField("năm")
    month = models.PositiveSmallIntegerField("tháng")
    total = models.BigIntegerField("tổng")
    entries = models.IntegerField("số bản ghi")

    class Meta:
        managed = False
        db_table = "federation_monthly_total"
        verbose_name = "số liệu tổng hợp"
        verbose_name_plural = "số liệu tổng hợp"

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.indicator_id} · {self.month:02d}/{self.year}: {self.total}"


class MonthReopening(models.Model):
    """A leader above reopened a locked month for a unit (and its subtree) until `expires_at`."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="reopenings", verbose_name="đơn vị"
    )
    year = models.PositiveSmallIntegerField("năm", validators=YEAR_VALIDATORS)
    month = models.PositiveSmallIntegerField("tháng", validators=MONTH_VALIDATORS)
    reason = models.CharField("lý do mở lại", max_length=255)
    expires_at = models.DateTimeField("mở đến")
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="người mở",
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "mở lại tháng"
        verbose_name_plural = "mở lại tháng đã khóa"
        indexes = [models.Index(fields=["year", "month", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.unit} · {self.month:02d}/{self.year}"


class MonthCompletion(models.Model):
    """Staff declared a unit's month complete ("Hoàn thành nhập liệu tháng")."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="completions", verbose_name="đơn vị"
    )
    year = models.PositiveSmallIntegerField("năm", validators=YEAR_VALIDATORS)
    month = models.PositiveSmallIntegerField("tháng", validators=MONTH_VALIDATORS)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="người xác nhận",
    )
    completed_at = models.DateTimeField("xác nhận lúc", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "hoàn thành nhập liệu tháng"
        verbose_name_plural = "hoàn thành nhập liệu tháng"
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "month"], name="completion_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.month:02d}/{self.year}"


class MonthReminder(models.Model):
    """A reminder sent to a unit's staff that its month is not complete: by the beat task
    before the deadline (sent_by None) or by a leader above. At most one per unit a day."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="reminders", verbose_name="đơn vị"
    )
    year = models.PositiveSmallIntegerField("năm", validators=YEAR_VALIDATORS)
    month = models.PositiveSmallIntegerField("tháng", validators=MONTH_VALIDATORS)
    sent_on = models.DateField("ngày nhắc")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người nhắc",
    )
    recipients = models.PositiveSmallIntegerField("số người nhận", default=0)
    sent_at = models.DateTimeField("gửi lúc", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "nhắc nộp số liệu"
        verbose_name_plural = "nhắc nộp số liệu"
        constraints = [
            models.UniqueConstraint(fields=["unit", "sent_on"], name="reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.month:02d}/{self.year} · {self.sent_on:%d/%m/%Y}"


class RoleKind(models.TextChoices):
    STAFF = "staff", "Cán bộ nhập liệu"
    LEADER = "leader", "Lãnh đạo"
    ADMIN = "admin", "Quản trị"


class Role(models.Model):
    """A user's role on a unit, which holds for the unit's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roles",
        verbose_name="người dùng",
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="roles", verbose_name="đơn vị"
    )
    role = models.CharField("vai trò", max_length=16, choices=RoleKind.choices)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "vai trò"
        verbose_name_plural = "vai trò người dùng"
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="role_unique_user_unit")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class EmulationCluster(models.Model):
    """A named group of a unit's children compared and ranked together (cụm thi đua).

    The owner is the unit whose leaders form the cluster; members are its direct children, each in
    at most one of the owner's clusters (dashboards/services.py keeps that rule).
    """

    name = models.CharField("tên cụm", max_length=255)
    owner = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        related_name="emulation_clusters",
        verbose_name="đơn vị lập cụm",
    )
    members = models.ManyToManyField(
        Unit, related_name="member_of_clusters", blank=True, verbose_name="đơn vị trong cụm"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người lập",
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "cụm thi đua"
        verbose_name_plural = "cụm thi đua"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="cluster_unique_owner_name")
        ]

    def __str__(self) -> str:
        return self.name


class UploadKind(models.TextChoices):
    """Which import an uploaded file is waiting for."""

    ENTRIES = "entries", "Số liệu hằng tháng"
    TARGETS = "targets", "Chỉ tiêu giao"
    ROSTER = "roster", "Danh sách đoàn viên"


class PendingUpload(models.Model):
    """An Excel file uploaded for an import, kept between its preview and its confirmation.

    It belongs to who uploaded it, for one unit and one kind of import: a confirmation finds it
    only with all three, and only for an hour (federation.uploads writes and reads these rows).
    """

    token = models.UUIDField("mã phiên nhập", unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="người tải lên",
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", verbose_name="đơn vị"
    )
    kind = models.CharField("loại nhập", max_length=16, choices=UploadKind.choices)
    file_name = models.CharField("tên tệp", max_length=255)
    file = models.FileField("tệp đã tải lên", upload_to="imports/", max_length=255)
    created_at = models.DateTimeField("tải lên lúc", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "tệp chờ nhập"
        verbose_name_plural = "tệp chờ nhập"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_kind_display()})"


# --- data quality ------------------------------------------------------------------------------


class Importance(models.TextChoices):
    ERROR = "error", "Lỗi: không lưu"
    WARNING = "warning", "Cảnh báo: cần xác nhận"


class RuleScope(models.TextChoices):
    ALL = "all", "Mọi đơn vị"
    GRASSROOTS = "grassroots", "Công đoàn cơ sở"
    FEDERATIONS = "federations", "Công đoàn cấp trên cơ sở"


class Operator(models.TextChoices):
    LE = "<=", "≤"
    LT = "<", "<"
    EQ = "==", "= (± sai số)"
    GE = ">=", "≥"
    GT = ">", ">"


EXPRESSION_HELP = (
    "Tổng các số hạng nối bằng + hoặc -: một số, mã chỉ tiêu (số của tháng), mã[-1] (số tháng "
    "trước), hay số * mã; sổ của đơn vị: "
    + "; ".join(f"{name} ({meaning})" for name, meaning in REGISTERS.items())
    + "."
)


class ValidationRule(models.Model):
    """A check over one unit's month, kept as data (DHIS2's validation rules): `left operator
    right`, each side an expression of federation.expressions. Every save applies the active
    rules (entries/checks.py): an error refuses the value, a warning asks a person to confirm it
    and flags it for follow-up."""

    code = models.SlugField("mã quy tắc", max_length=64, unique=True)
    name = models.CharField("tên quy tắc", max_length=255)
    left = models.CharField("vế trái", max_length=255, help_text=EXPRESSION_HELP)
    operator = models.CharField("phép so sánh", max_length=2, choices=Operator.choices)
    right = models.CharField("vế phải", max_length=255, help_text=EXPRESSION_HELP)
    tolerance = models.PositiveIntegerField("sai số cho phép", default=0)
    importance = models.CharField("mức độ", max_length=8, choices=Importance.choices)
    applies_to = models.CharField(
        "áp dụng cho", max_length=16, choices=RuleScope.choices, default=RuleScope.ALL
    )
    message = models.CharField(
        "lời giải thích",
        max_length=500,
        help_text="Hiện cho người nhập; {left} và {right} là giá trị hai vế.",
    )
    is_active = models.BooleanField("đang dùng", default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "quy tắc kiểm tra số liệu"
        verbose_name_plural = "quy tắc kiểm tra số liệu"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors, codes = {}, set(Indicator.objects.values_list("code", flat=True))
        for side in ("left", "right"):
            try:
                expression = parse(getattr(self, side))
            except ExpressionError as error:
                errors[side] = str(error)
                continue
            operands = expression.operands
            if unknown := [o.name for o in operands if not o.is_register and o.name not in codes]:
                errors[side] = (
                    f"Không có chỉ tiêu hay sổ nào mã “{unknown[0]}”: dùng mã của một chỉ tiêu "
                    "hoặc một sổ kể ở dưới."
                )
        if errors:
            raise ValidationError(errors)


class FindingKind(models.TextChoices):
    RULE = "rule", "Quy tắc kiểm tra"
    OUTLIER = "outlier", "Khác thường so với lịch sử"
    PEERS = "peers", "Khác thường so với đơn vị cùng cấp"


class FindingStatus(models.TextChoices):
    OPEN = "open", "Cần kiểm tra"
    FOLLOW_UP = "follow_up", "Đang theo dõi"
    RESOLVED = "resolved", "Đã xử lý"


class EntryFinding(models.Model):
    """A saved value a check warned about, kept for follow-up (DHIS2's follow-up mark) until
    someone resolves it with a comment or the value changes."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="findings", verbose_name="đơn vị"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="+", verbose_name="chỉ tiêu"
    )
    year = models.PositiveSmallIntegerField("năm", validators=YEAR_VALIDATORS)
    month = models.PositiveSmallIntegerField("tháng", validators=MONTH_VALIDATORS)
    value = models.PositiveBigIntegerField("giá trị")
    kind = models.CharField("loại", max_length=8, choices=FindingKind.choices)
    rule = models.ForeignKey(
        ValidationRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="quy tắc",
    )
    message = models.CharField("nội dung", max_length=500)
    status = models.CharField(
        "tình trạng", max_length=12, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người xác nhận khi nhập",
    )
    reason = models.CharField("lý do khi xác nhận", max_length=255, blank=True)
    comment = models.TextField("ghi chú xử lý", blank=True)
    created_at = models.DateTimeField("phát hiện lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "số liệu cần kiểm tra"
        verbose_name_plural = "số liệu cần kiểm tra"
        indexes = [
            models.Index(fields=["unit", "year", "month"], name="finding_unit_month"),
            models.Index(fields=["status", "year", "month"], name="finding_status_month"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.indicator} · {self.month:02d}/{self.year}"
