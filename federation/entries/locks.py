"""Which months may still be written: the entry deadline, reopenings and months not yet come.

A month locks ENTRY_LOCK_DAYS days after it ends. A leader above can reopen it for a unit and
its subtree until a given time. Superusers (loading past years) and the system itself (user None:
commands, data migrations) write to any month; every door of a person goes through here.

The month due (DESIGN.md, "The monthly cycle") is read from the same rules: the earliest month
that has ended, is still open and is not complete; else the current month. Every entry link
opens it, and the month picker tells each month's state from here too.
"""

import datetime
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from ..models import MonthCompletion, MonthReopening, Unit
from ..months import Month, month_bounds, previous_month


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
    open: one query for the reopenings in force, none when every month is before its deadline
    (the usual save: only a month past it can be open by a reopening)."""
    if bypasses_locks(user) or not months:
        return [None] * len(months)
    now = timezone.now()
    today = timezone.localdate(now)
    past = [(u, y, m) for u, y, m in months if today > deadline(y, m)]
    reopenings = reopened({u for u, _, _ in past}, {(y, m) for _, y, m in past}, now)
    return [
        closed_reason(unit, year, month, today=today, open_by_reopening=reopenings)
        for unit, year, month in months
    ]


# --- the month due and the month picker --------------------------------------------------------


class UnitMonths:
    """A unit's months as the entry pages tell them (the month's state, the month due, the
    picker), read once for all three in two queries: the reopenings in force on the unit or
    above, and the months the unit marked complete (of `years` and of the months still open)."""

    def __init__(
        self, unit: Unit, *, years: Iterable[int] = (), now: datetime.datetime | None = None
    ):
        self.unit = unit
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)
        self.reopenings = list(
            MonthReopening.objects.filter(
                unit__path__in=unit.ancestor_paths, expires_at__gt=self.now
            )
            .select_related("unit")
            .order_by("-expires_at")
        )
        self.open_by_reopening = {(r.unit.path, r.year, r.month) for r in self.reopenings}
        self.open_months = self._ended_months_open()
        self.completions = {
            (c.year, c.month): c
            for c in MonthCompletion.objects.filter(
                unit=unit, year__in={*years, *(y for y, _ in self.open_months)}
            ).select_related("completed_by")
        }

    def _ended_months_open(self) -> set[Month]:
        """Ended months still before their deadline, and those a reopening keeps open."""
        today, months = self.today, set()
        month = previous_month(today.year, today.month)
        while deadline(*month) >= today:
            months.add(month)
            month = previous_month(*month)
        reopened_months = ((r.year, r.month) for r in self.reopenings)
        months.update(m for m in reopened_months if m < (today.year, today.month))
        return months

    def state(self, year: int, month: int) -> dict:
        """What the entry page tells about a month: its deadline, whether it is locked, until
        when a reopening keeps it open."""
        reopening = next((r for r in self.reopenings if (r.year, r.month) == (year, month)), None)
        reopenings = {(reopening.unit.path, year, month)} if reopening else set()
        reason = closed_reason(
            self.unit, year, month, today=self.today, open_by_reopening=reopenings
        )
        return {
            "deadline": deadline(year, month),
            "locked": reason is not None,
            "reason": reason,
            "reopening": reopening,
        }

    def completion(self, year: int, month: int) -> MonthCompletion | None:
        """The unit's mark that the month is complete (of a month of `years`, or still open)."""
        return self.completions.get((year, month))

    def due(self) -> Month:
        """See month_due."""
        owed = sorted(self.open_months - set(self.completions))
        return owed[0] if owed else (self.today.year, self.today.month)

    def states(self, year: int) -> list["PickedMonth"]:
        """See month_states; `year` must be among the `years` read."""
        months = [(year, month) for month in range(1, 13)]
        return [
            PickedMonth(
                *m, _state(self.unit, m, self.today, self.completions, self.open_by_reopening)
            )
            for m in months
        ]


def month_due(unit: Unit, *, now: datetime.datetime | None = None) -> Month:
    """The month whose figures a unit owes now: the earliest ended month still open to writes
    (before its deadline, or reopened above) that the unit has not marked complete; when every
    such month is complete, the current month. Two queries."""
    return UnitMonths(unit, now=now).due()


class MonthState:
    """A month as the picker shows it to a unit's staff."""

    OPEN = "open"
    COMPLETE = "complete"
    LOCKED = "locked"
    FUTURE = "future"


MONTH_STATE_LABELS = {
    MonthState.OPEN: "Đang mở",
    MonthState.COMPLETE: "Đã hoàn thành",
    MonthState.LOCKED: "Đã khóa",
    MonthState.FUTURE: "Chưa đến",
}


@dataclass(frozen=True)
class PickedMonth:
    year: int
    month: int
    state: str

    @property
    def label(self) -> str:
        return MONTH_STATE_LABELS[self.state]


def month_states(
    unit: Unit, year: int, *, now: datetime.datetime | None = None
) -> list[PickedMonth]:
    """Each month of `year` with its state for the unit, in order: two queries."""
    return UnitMonths(unit, years=[year], now=now).states(year)


def _state(
    unit: Unit,
    month: Month,
    today: datetime.date,
    complete: Container[Month],
    open_by_reopening: set[tuple[str, int, int]],
) -> str:
    if is_future(*month, today):
        return MonthState.FUTURE
    if month in complete:
        return MonthState.COMPLETE
    reason = closed_reason(unit, *month, today=today, open_by_reopening=open_by_reopening)
    return MonthState.LOCKED if reason else MonthState.OPEN
