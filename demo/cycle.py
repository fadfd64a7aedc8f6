"""The demo's monthly cycle as people meet it in use: figures up to the last month that has
ended, past months marked complete, the month due half done (Hoài Đức, the demo staff's
district, still owes it), an emulation cluster and report versions already built.
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from simple_history.utils import bulk_create_with_history

from federation.dashboards.services import cluster_save
from federation.formatting import vn_number
from federation.models import EmulationCluster, MonthCompletion, Unit
from federation.months import previous_month
from reports.models import ReportKind, ReportVersion, VersionStatus
from reports.services import report_create_or_update, report_version_build, report_version_request

from .specs import Month

# The demo staff's district: the month due is theirs to enter and close (the journey of the
# home page); a third of the other federations have not closed it yet either.
OWES_THE_MONTH_DUE = "HN-HD"
CLUSTER_NAME = "Cụm thi đua các quận nội thành"
CLUSTER_MEMBERS = ("HN-HK", "HN-BD", "HN-DD", "HN-TX", "HN-CG")


def last_ended(today: datetime.date) -> Month:
    return previous_month(today.year, today.month)


def held_back(units: dict[str, Unit], month: Month, today: datetime.date) -> set[tuple[str, Month]]:
    """(unit code, month) of the figures the demo leaves for the demo staff to enter."""
    if month != last_ended(today):
        return set()
    district = units[OWES_THE_MONTH_DUE]
    return {(u.code, month) for u in Unit.objects.filter(path__startswith=district.path)}


def complete_months(units: dict[str, Unit], months: list[Month], today: datetime.date, log) -> None:
    """Marks complete every unit of every saved month, except in the month due: the demo staff's
    district and every third federation (with its CĐCS) have not closed it."""
    due = last_ended(today)
    parents = [u for u in units.values() if u.depth == 2]
    open_in_due = {p.path for i, p in enumerate(parents) if i % 3 == 0}
    open_in_due.add(units[OWES_THE_MONTH_DUE].path)
    wanted = [
        (unit, month)
        for month in months
        for unit in units.values()
        if unit.depth > 1
        and not (month == due and any(unit.path.startswith(p) for p in open_in_due))
    ]
    done = set(
        MonthCompletion.objects.filter(
            unit__in=units.values(), year__in={y for y, _ in months}
        ).values_list("unit_id", "year", "month")
    )
    new = [
        MonthCompletion(unit=unit, year=y, month=m)
        for unit, (y, m) in wanted
        if (unit.pk, y, m) not in done
    ]
    bulk_create_with_history(new, MonthCompletion, batch_size=1000)
    log(f"Hoàn thành nhập liệu: {vn_number(len(wanted))} đơn vị-tháng (mới {vn_number(len(new))}).")


def ensure_cluster(units: dict[str, Unit], leader: AbstractBaseUser, log) -> None:
    city = units["HN"]
    if not EmulationCluster.objects.filter(owner=city, name=CLUSTER_NAME).exists():
        members = [units[code] for code in CLUSTER_MEMBERS]
        cluster_save(owner=city, name=CLUSTER_NAME, members=members, user=leader)
    log(f"Cụm thi đua: “{CLUSTER_NAME}”, {len(CLUSTER_MEMBERS)} quận.")


def ensure_report_versions(
    units: dict[str, Unit], staff: AbstractBaseUser, today: datetime.date, log
) -> None:
    """Hoài Đức's year-end report of last year and mid-year report of this year, each with one
    version built (its PDF made here, as a worker would)."""
    district = units[OWES_THE_MONTH_DUE]
    for year, kind in ((today.year - 1, ReportKind.H2), (today.year, ReportKind.H1)):
        report, _ = report_create_or_update(unit=district, year=year, kind=kind, user=staff)
        if report.versions.filter(status=VersionStatus.DONE).exists():
            continue
        version = report.versions.exclude(status=VersionStatus.FAILED).first()
        version = version or report_version_request(report=report, user=staff)
        report_version_build(version_id=version.pk)
    built = ReportVersion.objects.filter(report__unit=district, status=VersionStatus.DONE)
    log(f"Báo cáo đã tạo PDF: {vn_number(built.count())}.")
