"""Reads of reports: who may see which, the figures a version is built from, batch progress.

Scope is decided by federation.selectors alone: a report, version or batch fetched by id is
looked up only among the units the user may see, so another district's answers 404.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from federation.forecasts import Forecast, forecasts_for_units
from federation.models import Aggregation, Indicator, Period, Unit, UnitKind
from federation.months import last_month_over
from federation.selectors import (
    IndicatorProgress,
    Permission,
    progress_for_units,
    scope_for,
    units_where,
)

from .models import Report, ReportBatch, ReportKind, ReportVersion, VersionStatus

User = AbstractBaseUser | AnonymousUser

SNAPSHOT_SCHEMA = 1
# The children table shows a few telling indicators, the first of these that any child has.
CHILD_COLUMN_CANDIDATES = (
    "new_members",
    "new_grassroots_unions",
    "total_members",
    "union_fees_collected",
    "training_classes",
    "members_left",
)
CHILD_COLUMNS = 3


# --- scope --------------------------------------------------------------------------------------


def _one_in_scope_or_404(
    rows: QuerySet, unit_field: str, user: User, pk: int, what: str, permission: Permission
):
    """The row with this id if its unit (`unit_field`) is one the user has `permission` on;
    404 otherwise, in the same words whether it exists or not."""
    found = (
        rows.select_related(unit_field)
        .filter(pk=pk, **{f"{unit_field}__in": units_where(user, permission)})
        .first()
    )
    if found is None:
        raise Http404(f"Không tìm thấy {what}.")
    return found


def report_for_user_or_404(user: User, pk: int, permission: Permission = Permission.VIEW) -> Report:
    return _one_in_scope_or_404(Report.objects, "unit", user, pk, "báo cáo", permission)


def version_for_user_or_404(
    user: User, pk: int, permission: Permission = Permission.VIEW
) -> ReportVersion:
    return _one_in_scope_or_404(
        ReportVersion.objects, "report__unit", user, pk, "phiên bản báo cáo", permission
    )


def batch_for_user_or_404(user: User, pk: int) -> ReportBatch:
    return _one_in_scope_or_404(
        ReportBatch.objects, "parent", user, pk, "lượt tạo báo cáo", Permission.VIEW
    )


def may_generate_for_children(user: User, parent: Unit) -> bool:
    """Whether the page offers to build the reports of all of `parent`'s children at once: a
    leader of `parent` or above, who sets their targets, and children that write reports.
    services.report_batch_request refuses anyone else, whatever the page offers."""
    return (
        scope_for(user).allows_below(parent, Permission.SET_TARGETS)
        and report_children(parent).exists()
    )


def report_children(parent: Unit) -> QuerySet[Unit]:
    """The children of `parent` that write their own report: federations and unions with units
    below them, not dissolved. A CĐCS's report is not a Ban Thường vụ's document."""
    return (
        Unit.objects.children_of(parent)
        .exclude(kind=UnitKind.GRASSROOTS_UNION)
        .filter(dissolved_on__isnull=True)
    )


# --- lists --------------------------------------------------------------------------------------


def reports_of(unit: Unit) -> list[Report]:
    """The unit's reports, newest first, each with its versions (newest first)."""
    return list(
        Report.objects.filter(unit=unit).prefetch_related("versions").order_by("-year", "-kind")
    )


LATEST_SHOWN = 5


def latest_versions(unit: Unit) -> list[ReportVersion]:
    """The report versions finished last in the unit's subtree, for a leader's home page."""
    return list(
        ReportVersion.objects.filter(
            report__unit__path__startswith=unit.path, status=VersionStatus.DONE
        )
        .select_related("report__unit")
        .order_by("-finished_at", "-pk")[:LATEST_SHOWN]
    )


def batches_of(parent: Unit, limit: int = 10) -> list[ReportBatch]:
    return list(
        ReportBatch.objects.filter(parent=parent)
        .annotate(
            total=Count("versions"),
            done=Count("versions", filter=Q(versions__status=VersionStatus.DONE)),
        )
        .order_by("-created_at")[:limit]
    )


@dataclass(frozen=True)
class BatchProgress:
    total: int
    done: int
    failed: int

    @property
    def finished(self) -> int:
        return self.done + self.failed

    @property
    def is_pending(self) -> bool:
        return self.finished < self.total

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 100


def batch_progress(batch: ReportBatch) -> BatchProgress:
    """n of N done, in one query."""
    counts = batch.versions.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=VersionStatus.DONE)),
        failed=Count("pk", filter=Q(status=VersionStatus.FAILED)),
    )
    return BatchProgress(**counts)


def batch_versions(batch: ReportBatch) -> list[ReportVersion]:
    return list(batch.versions.select_related("report__unit").order_by("report__unit__path"))


ZIP_FIELDS = (
    "number", "status", "pdf", "signed_pdf", "docx",
    "report__year", "report__kind", "report__unit__code", "report__unit__name",
)  # fmt: skip


def batch_latest_pdfs(batch: ReportBatch) -> list[ReportVersion]:
    """The latest finished PDF of each report in the batch (an earlier one when this batch's
    build of a unit failed), in tree order: the files and what names them in the ZIP, not the
    frozen text and figures nor the report's text, megabytes for a province's batch."""
    newest_done = (
        ReportVersion.objects.filter(report_id=OuterRef("report_id"), status=VersionStatus.DONE)
        .exclude(pdf="")
        .order_by("-number")
        .values("pk")[:1]
    )
    return list(
        ReportVersion.objects.filter(
            report_id__in=batch.versions.values("report_id"), pk=Subquery(newest_done)
        )
        .select_related("report__unit")
        .only(*ZIP_FIELDS)
        .order_by("report__unit__path")
    )


def comparable_versions(report: Report) -> list[ReportVersion]:
    """The versions that have their figures (built, or built and signed), newest first: the
    ones two of which can be compared."""
    return list(
        report.versions.filter(status=VersionStatus.DONE, snapshot__isnull=False).order_by(
            "-number"
        )
    )


# --- the figures a version is built from --------------------------------------------------------


def month_label(year: int, through_month: int) -> str:
    return f"tháng {through_month:02d}/{year}"


def _indicator_rows(
    unit_id: int,
    current: list[IndicatorProgress],
    previous: list[IndicatorProgress],
    forecasts: dict[tuple[int, int], Forecast],
) -> list[dict]:
    """The unit's rows; `forecasts` by (unit id, indicator id), as forecasts_for_units gives."""
    last_year = {row.indicator.pk: row.actual for row in previous}
    return [
        {
            "code": row.indicator.code,
            "name": row.indicator.name,
            "unit_of_measure": row.indicator.unit_of_measure,
            "higher_is_better": row.indicator.higher_is_better,
            "actual": row.actual,
            "target": row.target,
            "target_period": row.target_period,
            "percent": None if row.percent is None else str(row.percent),
            "previous": last_year.get(row.indicator.pk, 0),
            "forecast": _forecast(forecasts.get((unit_id, row.indicator.pk)), row.year_target),
        }
        for row in current
    ]


def _forecast(forecast: Forecast | None, year_target: int | None) -> dict | None:
    """The year-end forecast as the snapshot keeps it, where there is a year to forecast."""
    if forecast is None or forecast.through_month >= 12:
        return None
    percent = forecast.percent_of(year_target)
    return {
        "value": forecast.value,
        "low": forecast.low,
        "high": forecast.high,
        "basis": forecast.basis,
        "through_month": forecast.through_month,
        "year_target": year_target,
        "percent": None if percent is None else str(percent),
    }


def _forecasts(
    units: list[Unit], year: int, kind: str, through_month: int, indicators: list[Indicator]
) -> dict[tuple[int, int], Forecast]:
    """(unit id, indicator id) → the forecast from the figures through the cut-off month, for
    a mid-year report (Phần II says where the year is heading); none for the others."""
    if kind != ReportKind.H1:
        return {}
    start = last_month_over(year, through_month, timezone.localdate())
    return forecasts_for_units(units, year, start, indicators, around=units)


def _figure(row: IndicatorProgress) -> dict:
    return {
        "actual": row.actual,
        "target": row.target,
        "percent": None if row.percent is None else str(row.percent),
    }


def _children_table(units: list[Unit], progress: dict[int, list[IndicatorProgress]]) -> dict:
    """The children's figures for the few indicators any of them has (CHILD_COLUMNS)."""
    used: dict[str, dict] = {}
    for unit in units:
        for row in progress[unit.pk]:
            if row.actual > 0 or row.target is not None:
                column = used.setdefault(
                    row.indicator.code,
                    {"code": row.indicator.code, "name": row.indicator.name, "has_target": False},
                )
                column["has_target"] |= row.target is not None
    columns = [used[code] for code in CHILD_COLUMN_CANDIDATES if code in used][:CHILD_COLUMNS]
    wanted = {column["code"] for column in columns}
    return {
        "columns": columns,
        "rows": [
            {
                "id": unit.pk,
                "code": unit.code,
                "name": unit.name,
                "figures": {
                    row.indicator.code: _figure(row)
                    for row in progress[unit.pk]
                    if row.indicator.code in wanted
                },
            }
            for unit in units
        ],
    }


def _children_of(units: list[Unit], year: int) -> dict[int, list[Unit]]:
    """Unit id → its children still there in `year`, in tree order, in one query."""
    wanted = Q()
    for unit in units:
        wanted |= Q(path__startswith=unit.path, depth=unit.depth + 1)
    children = Unit.objects.filter(wanted).filter(
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=date(year, 1, 1))
    )
    parent_of = {unit.path: unit.pk for unit in units}
    found: dict[int, list[Unit]] = {unit.pk: [] for unit in units}
    for child in children:
        found[parent_of[child.path[: -Unit.steplen]]].append(child)
    return found


def figures_snapshot(unit: Unit, year: int, kind: str, through_month: int) -> dict:
    """Every figure a report version shows, as plain JSON: the unit's progress this year and at
    the same point last year (so với cùng kỳ), the year-end forecast of a mid-year report, and
    its children's progress."""
    return figures_snapshots([unit], year, kind, through_month)[unit.pk]


def figures_snapshots(
    units: list[Unit], year: int, kind: str, through_month: int
) -> dict[int, dict]:
    """Unit id → figures_snapshot, for many units in the same dozen queries as for one: a batch
    drafts the reports of a province's 700 districts in one request."""
    if not units:
        return {}
    period = ReportKind(kind).period
    indicators = list(Indicator.objects.filter(is_active=True))
    children = _children_of(units, year)
    everyone_below = [child for found in children.values() for child in found]

    def progress(of: list[Unit], year: int, period: str, through_month: int):
        return progress_for_units(of, year, period, through_month, indicators=indicators)

    current = progress(units, year, period, through_month)
    previous = progress(units, year - 1, period, through_month)
    below = progress(everyone_below, year, period, through_month)
    first_half = progress(units, year, Period.H1, 6) if kind == ReportKind.H2 else None
    forecasts = _forecasts(units, year, kind, through_month, indicators)
    built_at = timezone.now().isoformat()
    return {
        unit.pk: {
            "schema": SNAPSHOT_SCHEMA,
            "unit_id": unit.pk,
            "year": year,
            "previous_year": year - 1,
            "kind": kind,
            "period": period,
            "through_month": through_month,
            "built_at": built_at,
            "indicators": _indicator_rows(unit.pk, current[unit.pk], previous[unit.pk], forecasts),
            "children": _children_table(children[unit.pk], below),
            **({"first_half": _first_half(first_half[unit.pk])} if first_half else {}),
        }
        for unit in units
    }


def _first_half(rows: list[IndicatorProgress]) -> dict[str, int]:
    """The flows' H1 figures, which the year-end assessment holds the second half against
    (a stock's year figure is its latest value, not the halves' sum: left out)."""
    return {
        row.indicator.code: row.actual
        for row in rows
        if row.indicator.aggregation == Aggregation.SUM and (row.actual or row.target)
    }
