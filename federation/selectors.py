"""Reads that scope or aggregate. Scope is decided here and nowhere else, and so is progress.

A role on a unit holds for the unit's whole subtree. Every view and API view finds units through
`units_visible_to` / `unit_for_user_or_404`; every service that writes asks `scope_for(user)`
whether the acting user may. Every figure against its target, on a page, in the API or in a
report, comes from the progress rule below (`progress_for_units`, and its reads `progress_read`
and `progress_from_months`).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, Q, QuerySet, Sum, Value, When
from django.http import Http404

from .models import (
    Aggregation,
    Indicator,
    MonthlyTotal,
    Period,
    Role,
    RoleKind,
    Target,
    Unit,
    UnitKind,
)
from .sql import AmongIds
from .text import fold


class Permission(Enum):
    """What a user may do on a unit. Each has its own member (none is an alias of another, so
    `list(Permission)` names them all) and the weakest role that allows it (`rank`)."""

    VIEW = "view"  # see figures (every role)
    ENTER_DATA = "enter_data"  # enter monthly data and prepare reports: every role, staff included
    SET_TARGETS = "set_targets"  # leader: set targets and reopen months for units strictly below
    MANAGE = "manage"  # admin: manage units and users of the subtree

    @property
    def rank(self) -> int:
        return NEEDED_RANK[self]


ROLE_RANK = {RoleKind.STAFF: 1, RoleKind.LEADER: 2, RoleKind.ADMIN: 3}
NEEDED_RANK = {
    Permission.VIEW: ROLE_RANK[RoleKind.STAFF],
    Permission.ENTER_DATA: ROLE_RANK[RoleKind.STAFF],
    Permission.SET_TARGETS: ROLE_RANK[RoleKind.LEADER],
    Permission.MANAGE: ROLE_RANK[RoleKind.ADMIN],
}


@dataclass(frozen=True)
class Grant:
    path: str
    rank: int
    unit_id: int | None = None
    is_grassroots: bool = False


@dataclass(frozen=True)
class Scope:
    """The units a user holds roles on, with the strongest role each."""

    is_superuser: bool
    grants: tuple[Grant, ...]

    def allows(self, unit: Unit, permission: Permission) -> bool:
        # Targets are assigned by the level above: a leader's own unit is not in reach.
        return self._grants(unit, permission, own_unit=permission is not Permission.SET_TARGETS)

    def allows_below(self, unit: Unit, permission: Permission) -> bool:
        """Whether the user has `permission` on every unit strictly below `unit`: the one answer
        to "may they act on its children" (set their targets, group them into emulation
        clusters, build all their reports). What `allows` would answer for each child, with no
        child read: a role on the unit or above it."""
        return self._grants(unit, permission, own_unit=True)

    def _grants(self, unit: Unit, permission: Permission, *, own_unit: bool) -> bool:
        """A role strong enough on the unit (if `own_unit`) or on one of its ancestors."""
        return self.is_superuser or any(
            g.rank >= permission.rank
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
            if g.rank >= permission.rank:
                inside = Q(path__startswith=g.path)
                if permission is Permission.SET_TARGETS:
                    inside &= ~Q(path=g.path)
                q |= inside
        return q

    @property
    def home_grant(self) -> Grant | None:
        """The role on the first unit where the user's tree starts: where the navbar leads."""
        roots = self.root_paths
        return next((g for g in self.grants if roots and g.path == roots[0]), None)

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
        rows = Role.objects.filter(user=user).values_list(
            "unit__path", "role", "unit_id", "unit__kind"
        )
        grants = tuple(
            Grant(path, ROLE_RANK[role], unit_id, kind == UnitKind.GRASSROOTS_UNION)
            for path, role, unit_id, kind in rows
        )
        scope = Scope(is_superuser=user.is_superuser, grants=grants)
    user._union_scope = scope
    return scope


def ensure_allowed(
    user: AbstractBaseUser | None,
    unit: Unit,
    permission: Permission,
    refusal: str,
    *,
    below: bool = False,
) -> None:
    """Raises PermissionDenied(refusal) unless the user has `permission` on `unit` (or, with
    `below`, on every unit below it). Services call it with their acting user, so every door
    answers the same; the system itself (user None: commands, the demo) always may."""
    if user is None:
        return
    scope = scope_for(user)
    if not (scope.allows_below(unit, permission) if below else scope.allows(unit, permission)):
        raise PermissionDenied(refusal)


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


def matching(units: QuerySet[Unit], search: str) -> QuerySet[Unit]:
    """The units whose name, short name or code hold every word typed, accents or not:
    "hoai duc" finds "LĐLĐ huyện Hoài Đức"."""
    for word in fold(search).split():
        units = units.filter(search_key__contains=word)
    return units


SEARCH_LIMIT = 20


def units_found(user: AbstractBaseUser | AnonymousUser, search: str) -> list[Unit]:
    """The first SEARCH_LIMIT units visible to the user that match `search`, highest first."""
    if not fold(search):
        return []
    found = matching(units_visible_to(user), search)
    return list(found.order_by("depth", "path")[:SEARCH_LIMIT])


def top_units_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Unit]:
    """Where a user's tree starts: its role units, or the roots for a superuser."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Unit.objects.get_root_nodes()
    return Unit.objects.filter(path__in=scope.root_paths)


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
        .children_of(parent)
        .order_by("path")[start : start + CHILDREN_PER_PAGE + 1]
    )
    return ChildrenPage(parent, rows[:CHILDREN_PER_PAGE], number, len(rows) > CHILDREN_PER_PAGE)


def breadcrumbs(user: AbstractBaseUser | AnonymousUser, unit: Unit) -> list[tuple[Unit, bool]]:
    """The unit's ancestors, root first, each with whether the user may open it."""
    scope = scope_for(user)
    return [(a, scope.allows(a, Permission.VIEW)) for a in Unit.objects.get_ancestors(unit)]


# --- progress ----------------------------------------------------------------------------------
#
# The rule every page, the API and the report print: a unit's figure over a period is its own
# entries plus its subtree's (read from the roll-up), added up month by month as the indicator
# says (`aggregate_months`), held against the period's own target, else the year's
# (`target_for`), as a percent rounded half up to one decimal (`percent_of`).


@dataclass(frozen=True)
class IndicatorProgress:
    indicator: Indicator
    actual: int
    target: int | None
    target_period: str | None
    percent: Decimal | None
    year_target: int | None = None  # the whole year's, whatever the period: what a forecast meets


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


def target_for(targets: Mapping[str, int], period: str) -> tuple[str | None, int | None]:
    """Which target a figure over `period` is held against, and its value: the period's own,
    else the year's (a half-year figure against the year's target, as half-year reports write
    it); (None, None) without either. `targets` maps a period to the target set for it."""
    for candidate in (period, Period.YEAR):
        if candidate in targets:
            return candidate, targets[candidate]
    return None, None


def aggregate_months(indicator: Indicator, months: dict[int, tuple[int, int]]) -> int:
    """A figure over some months of roll-up rows ({month: (total, entries)}), by the indicator's
    rule: flows add up; a stock takes its latest month that has any entry."""
    if indicator.aggregation == Aggregation.LAST:
        reported = [month for month, (_, entries) in months.items() if entries > 0]
        return months[max(reported)][0] if reported else 0
    return sum(total for total, _ in months.values())


UnitIndicator = tuple[int, int]  # (unit id, indicator id)


def progress_for_units(
    units: Iterable[Unit],
    year: int,
    period: str,
    through_month: int | None = None,
    *,
    indicators: list[Indicator] | None = None,
) -> dict[int, list[IndicatorProgress]]:
    """Unit id → actual against target for every active indicator, as API.md's progress
    endpoint says: three queries whatever the number of units and the size of their subtrees
    (the indicators, the roll-up's totals, the targets); two when the caller passes the active
    `indicators` it has loaded already.
    """
    if indicators is None:
        indicators = list(Indicator.objects.filter(is_active=True))
    ids = [unit.pk for unit in units]
    found = progress_read(ids, year, period, through_month, indicators)
    return {unit_id: [found.of(unit_id, i) for i in indicators] for unit_id in ids}


@dataclass(frozen=True)
class ProgressRead:
    """The roll-up's figures and the targets that progress is made of, read for many units:
    a table that shows a few indicators of many units makes only the progress it shows."""

    actuals: dict[UnitIndicator, int]
    targets: dict[UnitIndicator, dict[str, int]]
    period: str

    def of(self, unit_id: int, indicator: Indicator) -> IndicatorProgress:
        key = (unit_id, indicator.pk)
        return _progress(
            indicator, self.actuals.get(key, 0), self.targets.get(key, NO_TARGETS), self.period
        )

    @property
    def reported(self) -> set[int]:
        """Ids of the indicators some unit has a figure other than 0 for."""
        return {indicator_id for (_, indicator_id), actual in self.actuals.items() if actual}


NO_TARGETS: Mapping[str, int] = {}


def progress_read(
    ids: list[int],
    year: int,
    period: str,
    through_month: int | None,
    indicators: list[Indicator],
    targets: dict[UnitIndicator, dict[str, int]] | None = None,
) -> ProgressRead:
    """What progress_for_units makes its figures of, in two queries: the roll-up's figures of
    `indicators`, and the targets (progress_targets) unless they are passed, read already."""
    months = period_months(period, through_month)
    if targets is None:
        targets = progress_targets(ids, year, period)
    return ProgressRead(_actuals(ids, year, months, indicators), targets, period)


def progress_for(
    unit: Unit,
    year: int,
    period: str,
    through_month: int | None = None,
    *,
    indicators: list[Indicator] | None = None,
) -> list[IndicatorProgress]:
    """One unit's progress_for_units."""
    return progress_for_units([unit], year, period, through_month, indicators=indicators)[unit.pk]


def progress_from_months(
    unit_id: int,
    months: Mapping[int, Mapping[int, tuple[int, int]]],
    targets: Mapping[int, Mapping[str, int]],
    period: str,
    through_month: int | None,
    indicators: list[Indicator],
) -> ProgressRead:
    """progress_read of one unit from what a page has read already: its roll-up's months of the
    year ({indicator id: {month: (total, entries)}}) and its targets of the year ({indicator id:
    {period: value}}, any periods). No query; the figures are progress_read's, by the same
    rule."""
    within = period_months(period, through_month)
    actuals = {
        (unit_id, indicator.pk): aggregate_months(
            indicator, {m: v for m, v in months[indicator.pk].items() if m in within}
        )
        for indicator in indicators
        if indicator.pk in months
    }
    compared = (period, Period.YEAR)
    held = {
        (unit_id, pk): {p: value for p, value in found.items() if p in compared}
        for pk, found in targets.items()
    }
    return ProgressRead(actuals, {key: found for key, found in held.items() if found}, period)


def _progress(
    indicator: Indicator, actual: int, targets: Mapping[str, int], period: str
) -> IndicatorProgress:
    target_period, target = target_for(targets, period)
    return IndicatorProgress(
        indicator,
        actual,
        target,
        target_period,
        percent_of(actual, target),
        targets.get(Period.YEAR),
    )


# Up to this many units, their months come back as stored and are added up here (the cheapest
# query to build); for more, the database sums the flows, so the children of a federation with
# 10,000 CĐCS come back as one row per child and indicator, not one per month.
SUMMED_HERE_UP_TO = 10


def _actuals(
    ids: list[int], year: int, months: range, indicators: list[Indicator]
) -> dict[UnitIndicator, int]:
    """(unit id, indicator id) → the figure over the months, in one query of the roll-up, added
    up by `aggregate_months`: a flow's months are summed (by the database for many units), a
    stock takes its latest reported month."""
    by_indicator = {i.pk: i for i in indicators}
    rows = MonthlyTotal.objects.filter(
        AmongIds(F("unit"), ids),
        AmongIds(F("indicator"), by_indicator),
        year=year,
        month__gte=months.start,
        month__lt=months.stop,
    )
    if len(ids) <= SUMMED_HERE_UP_TO:
        rows = rows.values_list("unit_id", "indicator_id", "month", "total", "entries")
    else:
        stocks = [pk for pk, i in by_indicator.items() if i.aggregation == Aggregation.LAST]
        each_month = Case(When(indicator__in=stocks, then=F("month")), default=Value(0))
        rows = rows.values_list("unit_id", "indicator_id", each_month).annotate(
            Sum("total"), Sum("entries")
        )
    figures: dict[UnitIndicator, dict[int, tuple[int, int]]] = defaultdict(dict)
    for unit_id, indicator_id, month, total, entries in rows:
        figures[(unit_id, indicator_id)][month] = (int(total), int(entries))
    return {key: aggregate_months(by_indicator[key[1]], found) for key, found in figures.items()}


def progress_targets(ids: list[int], year: int, period: str) -> dict[UnitIndicator, dict[str, int]]:
    """(unit id, indicator id) → {period: target} for the period and the whole year."""
    found: dict[UnitIndicator, dict[str, int]] = defaultdict(dict)
    for unit_id, indicator_id, target_period, value in Target.objects.filter(
        AmongIds(F("unit"), ids), year=year, period__in={period, Period.YEAR}
    ).values_list("unit_id", "indicator_id", "period", "value"):
        found[(unit_id, indicator_id)][target_period] = value
    return found
