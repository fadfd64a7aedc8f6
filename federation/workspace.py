"""What the home page puts before each person: for every unit they hold a role on, the month
due with its deadline and the children still missing; for a leader, the children behind pace.

A person's desk is read from the same rules as the pages it links to (locks.month_due,
month_completeness, the dashboard's children table), so the numbers agree with them.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from .dashboards.selectors import ChildRow, Status, children_table
from .entries import locks
from .entries.selectors import ChildStatus, Completeness, month_completeness
from .forms import ProgressQuery, default_period
from .models import RoleKind, Unit
from .selectors import ROLE_RANK, scope_for, top_units_for

MISSING_SHOWN = 10


@dataclass
class MonthDue:
    """The month a unit owes, how far its children are, and the time left."""

    unit: Unit
    year: int
    month: int
    deadline: datetime.date
    today: datetime.date
    complete: bool  # the unit's own mark
    children: Completeness

    @property
    def days_left(self) -> int:
        return (self.deadline - self.today).days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def reminding(self) -> bool:
        """Whether the home warns as the email does: the deadline is near, the month open."""
        near = 0 <= self.days_left <= settings.REMINDER_DAYS_BEFORE_DEADLINE
        return near and not self.complete

    @property
    def missing_shown(self) -> list[ChildStatus]:
        return self.children.missing[:MISSING_SHOWN]


@dataclass
class Behind:
    """A child and how many of its targeted key indicators are behind the expected pace."""

    row: ChildRow
    count: int
    targeted: int


@dataclass
class Desk:
    unit: Unit
    leads: bool  # a leader's (or administrator's) role: targets, pace and reports
    due: MonthDue
    behind: list[Behind]  # children behind pace, the furthest behind first (leaders only)


def month_due_of(unit: Unit, now: datetime.datetime | None = None) -> MonthDue:
    """The unit's month due with its children's completeness: five queries."""
    now = now or timezone.now()
    year, month = locks.month_due(unit, now=now)
    return MonthDue(
        unit,
        year,
        month,
        locks.deadline(year, month),
        timezone.localdate(now),
        unit.completions.filter(year=year, month=month).exists(),
        month_completeness(unit, year, month),
    )


def desks_for(user: AbstractBaseUser) -> list[Desk]:
    """One desk per unit where the user's tree starts (see top_units_for)."""
    scope = scope_for(user)
    today = timezone.localdate()
    desks = []
    for unit in top_units_for(user):
        rank = max((g.rank for g in scope.grants if g.path == unit.path), default=0)
        leads = scope.is_superuser or rank >= ROLE_RANK[RoleKind.LEADER]
        behind = _behind_pace(unit, today) if leads and unit.numchild else []
        desks.append(Desk(unit, leads, month_due_of(unit), behind))
    return desks


def _behind_pace(unit: Unit, today: datetime.date) -> list[Behind]:
    """Children behind the pace their targets expect on some key indicator, those behind on the
    most indicators first."""
    query = ProgressQuery(today.year, default_period(today), None)
    table = children_table(unit, query, today, with_forecasts=False)
    found = []
    for row in table.rows:
        statuses = [f.status for f in row.figures.values() if f.target is not None]
        if count := statuses.count(Status.BEHIND):
            found.append(Behind(row, count, len(statuses)))
    return sorted(found, key=lambda b: (-b.count / b.targeted, b.row.unit.path))
