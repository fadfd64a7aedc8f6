"""Which months may still be written: the entry deadline, reopenings and months not yet come.

A month locks ENTRY_LOCK_DAYS days after it ends. A leader above can reopen it for a unit and
its subtree until a given time. Superusers (loading past years) and the system itself (user None:
commands, data migrations) write to any month; every door of a person goes through here.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from ..models import MonthReopening, Unit
from ..months import month_bounds


def deadline(year: int, month: int) -> datetime.date:
    """The last day on which a month's figures may be written."""
    _, last_day = month_bounds(year, month)
    return last_day + datetime.timedelta(days=settings.ENTRY_LOCK_DAYS)


def bypasses_locks(user) -> bool:
    return user is None or user.is_superuser


def is_future(year: int, month: int, today: datetime.date) -> bool:
    return (year, month) > (today.year, today.month)


def reopened(
    units: Iterable[Unit], months: Iterable[tuple[int, int]], now: datetime.datetime
) -> set[tuple[str, int, int]]:
    """(path, year, month) of reopenings in force on these units or their ancestors: one query."""
    paths = {p for unit in units for p in unit.ancestor_paths}
    months = set(months)
    if not paths or not months:
        return set()
    rows = MonthReopening.objects.filter(
        unit__path__in=paths,
        year__in={y for y, _ in months},
        month__in={m for _, m in months},
        expires_at__gt=now,
    ).values_list("unit__path", "year", "month")
    return set(rows)


def closed_reason(
    unit: Unit,
    year: int,
    month: int,
    *,
    today: datetime.date,
    open_by_reopening: set[tuple[str, int, int]],
) -> str | None:
    """Why this unit's month refuses writes, or None if it is open."""
    if is_future(year, month, today):
        return f"Tháng {month:02d}/{year} chưa đến kỳ báo cáo."
    last_day = deadline(year, month)
    if today <= last_day:
        return None
    if any((path, year, month) in open_by_reopening for path in unit.ancestor_paths):
        return None
    return (
        f"Tháng {month:02d}/{year} đã khóa sổ sau ngày {last_day:%d/%m/%Y}. "
        "Đề nghị lãnh đạo cấp trên mở lại nếu cần sửa."
    )


def closed_reasons(
    months: Sequence[tuple[Unit, int, int]], user: AbstractBaseUser | None
) -> list[str | None]:
    """For each (unit, year, month), why it refuses this user's writes, or None where it is
    open: one query, for the reopenings in force."""
    if bypasses_locks(user) or not months:
        return [None] * len(months)
    now = timezone.now()
    today = timezone.localdate(now)
    reopenings = reopened({u for u, _, _ in months}, {(y, m) for _, y, m in months}, now)
    return [
        closed_reason(unit, year, month, today=today, open_by_reopening=reopenings)
        for unit, year, month in months
    ]


def month_state(unit: Unit, year: int, month: int, *, now: datetime.datetime | None = None) -> dict:
    """What the entry page tells about a month: its deadline, whether it is locked, until when
    a reopening keeps it open."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    reopening = (
        MonthReopening.objects.filter(
            unit__path__in=unit.ancestor_paths, year=year, month=month, expires_at__gt=now
        )
        .order_by("-expires_at")
        .first()
    )
    reopenings = {(reopening.unit.path, year, month)} if reopening else set()
    reason = closed_reason(unit, year, month, today=today, open_by_reopening=reopenings)
    return {
        "deadline": deadline(year, month),
        "locked": reason is not None,
        "reason": reason,
        "reopening": reopening,
    }
