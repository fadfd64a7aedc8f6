"""Reads that scope or aggregate. Scope is decided here and nowhere else.

A role on a unit holds for the unit's whole subtree. Every view and API view finds units through
`units_visible_to` / `unit_for_user_or_404` and asks `scope_for(user)` what the user may change.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Aggregation, Indicator, MonthlyTotal, Period, Role, RoleKind, Target, Unit


class Permission(IntEnum):
    """What a user may do on a unit; each needs a role of at least this rank."""

    VIEW = 1  # see figures (every role)
    ENTER_DATA = 1  # enter monthly data: every role, staff included
    SET_TARGETS = 2  # leader: set targets and reopen months for units strictly below
    MANAGE = 3  # admin: manage units and users of the subtree


ROLE_RANK = {RoleKind.STAFF: 1, RoleKind.LEADER: 2, RoleKind.ADMIN: 3}


@dataclass(frozen=True)
class Grant:
    path: str
    rank: int


@dataclass(frozen=True)
class Scope:
    """The units a user holds roles on, with the strongest role each."""

    is_superuser: bool
    grants: tuple[Grant, ...]

    def allows(self, unit: Unit, permission: Permission) -> bool:
        # Targets are assigned by the level above: a leader's own unit is not in reach.
        return self._grants(unit, permission, own_unit=permission is not Permission.SET_TARGETS)

    def allows_below(self, unit: Unit, permission: Permission) -> bool:
        """Whether a role on the unit or above it gives `permission` on every unit strictly
        below: for targets, what asking `allows` of each child would answer, with no child read."""
        return self._grants(unit, permission, own_unit=True)

    def _grants(self, unit: Unit, permission: Permission, *, own_unit: bool) -> bool:
        """A role strong enough on the unit (if `own_unit`) or on one of its ancestors."""
        return self.is_superuser or any(
            g.rank >= permission
            and unit.path.startswith(g.path)
            and (own_unit or unit.path != g.path)
            for g in self.grants
        )

    def units_q(self, permission: Permission = Permission.VIEW) -> Q:
        """A filter on Unit for the units where the user has `permission`."""
        if self.is_superuser:
            return Q()
        q = Q(pk__in=[])
        for g in self.grants:
            if g.rank >= permission:
                inside = Q(path__startswith=g.path)
                if permission is Permission.SET_TARGETS:
                    inside &= ~Q(path=g.path)
                q |= inside
        return q

    @property
    def root_paths(self) -> list[str]:
        """Paths of the topmost units the user holds roles on (none nested in another)."""
        paths = sorted({g.path for g in self.grants})
        return [p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])]


def scope_for(user: AbstractBaseUser | AnonymousUser) -> Scope:
    """The user's scope, computed once per user object."""
    cached = getattr(user, "_union_scope", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        scope = Scope(is_superuser=False, grants=())
    else:
        rows = Role.objects.filter(user=user).values_list("unit__path", "role")
        grants = tuple(Grant(path, ROLE_RANK[role]) for path, role in rows)
        scope = Scope(is_superuser=user.is_superuser, grants=grants)
    user._union_scope = scope
    return scope


def units_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Unit]:
    return Unit.objects.filter(scope_for(user).units_q(Permission.VIEW))


def units_where(user: AbstractBaseUser | AnonymousUser, permission: Permission) -> QuerySet[Unit]:
    return Unit.objects.filter(scope_for(user).units_q(permission))


def unit_for_user_or_404(user: AbstractBaseUser | AnonymousUser, pk: int) -> Unit:
    """The unit if the user may see it; 404 otherwise, so its existence is not revealed."""
    try:
        return units_visible_to(user).get(pk=pk)
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise Http404("Không tìm thấy đơn vị.") from None


def top_units_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Unit]:
    """Where a user's tree starts: its role units, or the roots for a superuser."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Unit.objects.get_root_nodes()
    return Unit.objects.filter(path__in=scope.root_paths).order_by("path")


# A federation may hold 10,000 CĐCS directly: lists are served a page at a time.
CHILDREN_PER_PAGE = 100


@dataclass(frozen=True)
class ChildrenPage:
    parent: Unit
    units: list[Unit]
    number: int
    has_next: bool

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def remaining(self) -> int:
        """Children after this page: each child of a visible unit is visible, so numchild counts."""
        shown = (self.number - 1) * CHILDREN_PER_PAGE + len(self.units)
        return max(self.parent.numchild - shown, 0)


def children_page(user: AbstractBaseUser, parent: Unit, number: int) -> ChildrenPage:
    """One page of the children of `parent`, a unit already checked to be visible to `user`."""
    start = (number - 1) * CHILDREN_PER_PAGE
    rows = list(
        units_visible_to(user)
        .filter(path__startswith=parent.path, depth=parent.depth + 1)
        .order_by("path")[start : start + CHILDREN_PER_PAGE + 1]
    )
    return ChildrenPage(parent, rows[:CHILDREN_PER_PAGE], number, len(rows) > CHILDREN_PER_PAGE)


def unit_ancestors(unit: Unit) -> QuerySet[Unit]:
    """The unit's ancestors, root first, for breadcrumbs."""
    return Unit.objects.get_ancestors(unit)


# --- progress ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorProgress:
    indicator: Indicator
    actual: int
    target: int | None
    target_period: str | None
    percent: Decimal | None


def period_months(period: str, through_month: int | None = None) -> range:
    """The months a period covers, optionally cut off early (e.g. H1 through May)."""
    months = Period(period).months
    if through_month is None:
        return months
    if through_month not in months:
        raise ValueError(f"Tháng cắt số liệu {through_month} không thuộc kỳ {period}.")
    return range(months.start, through_month + 1)


def percent_of(actual: int, target: int | None) -> Decimal | None:
    """actual / target × 100, rounded half up to one decimal; None without a usable target."""
    if not target:
        return None
    return (Decimal(actual) * 100 / Decimal(target)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def progress_for(
    unit: Unit,
    year: int,
    period: str,
    through_month: int | None = None,
    *,
    indicators: list[Indicator] | None = None,
) -> list[IndicatorProgress]:
    """Actual against target for every active indicator, as API.md's progress endpoint says.

    Three queries whatever the size of the subtree: the roll-up already holds its totals. A
    caller reading several periods may pass the active `indicators` it has loaded (two queries).
    """
    months = period_months(period, through_month)
    if indicators is None:
        indicators = list(Indicator.objects.filter(is_active=True))
    by_month: dict[int, dict[int, tuple[int, int]]] = {}
    for indicator_id, month, total, entries in MonthlyTotal.objects.filter(
        unit=unit, year=year, month__gte=months.start, month__lt=months.stop
    ).values_list("indicator_id", "month", "total", "entries"):
        by_month.setdefault(indicator_id, {})[month] = (total, entries)
    targets = {
        (indicator_id, p): value
        for indicator_id, p, value in Target.objects.filter(
            unit=unit, year=year, period__in=[period, Period.YEAR]
        ).values_list("indicator_id", "period", "value")
    }

    result = []
    for indicator in indicators:
        actual = aggregate_months(indicator, by_month.get(indicator.pk, {}))
        target_period = next(
            (p for p in (period, Period.YEAR) if (indicator.pk, p) in targets), None
        )
        target = targets[(indicator.pk, target_period)] if target_period else None
        result.append(
            IndicatorProgress(indicator, actual, target, target_period, percent_of(actual, target))
        )
    return result


def aggregate_months(indicator: Indicator, months: dict[int, tuple[int, int]]) -> int:
    """A figure over some months of roll-up rows ({month: (total, entries)}), by the indicator's
    rule: flows add up; a stock takes its latest month that has any entry. Every reader of the
    roll-up (progress, dashboards, reports) uses this one rule."""
    if indicator.aggregation == Aggregation.LAST:
        reported = [month for month, (_, entries) in months.items() if entries > 0]
        return months[max(reported)][0] if reported else 0
    return sum(total for total, _ in months.values())
