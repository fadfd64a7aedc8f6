"""Reads for the progress dashboards: a unit's own figures, its children's, the monthly trend,
and the emulation clusters the children are grouped in.

Every figure against its target is federation.selectors' progress rule, the one the API and the
report PDF print: the unit's own figures from the months its chart reads (progress_from_months),
the children's read at once (progress_read). This module adds the pace and the status; the
ranking and sorting of the children table is in ranking.py. A page costs the same few queries at
the confederation as at a CĐCS.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, cached_property

from django.db import models
from django.db.models import Q, Subquery

from ..entries.selectors import MONTH_STATUS_LABELS, MonthStatus, children_completeness
from ..forecasts import (
    PROFILE_YEARS,
    Basis,
    Forecast,
    forecast_from_months,
    forecasts_for_units,
    profile_path,
)
from ..forms import ProgressQuery
from ..models import Aggregation, EmulationCluster, Indicator, MonthlyTotal, Period, Target, Unit
from ..months import last_month_over
from ..selectors import (
    IndicatorProgress,
    aggregate_months,
    percent_of,
    progress_from_months,
    progress_read,
    progress_targets,
)

MonthFigures = dict[int, tuple[int, int]]  # month -> (total, entries)


class Status(models.TextChoices):
    ACHIEVED = "achieved", "Đạt"
    ON_PACE = "on_pace", "Đúng tiến độ"
    BEHIND = "behind", "Chậm tiến độ"


# --- pace and status ---------------------------------------------------------------------------


def expected_pace(
    indicator: Indicator, target_period: str, year: int, last_month: int, today: date
) -> Decimal:
    """The percent of its target a unit keeping an even pace has reached by the figures' end.

    It is the share of the target period's months that are over, counted to the cut-off month:
    H1 through May against an H1 target is 5/6, against the year's target 5/12; a finished period
    against its own target is 100%. A stock (latest value, e.g. total members) is a level to
    reach, not a sum that grows month by month, so its pace is always 100%.
    """
    if indicator.aggregation == Aggregation.LAST:
        return Decimal(100)
    months = Period(target_period).months
    over = last_month_over(year, last_month, today)
    return percent_of(sum(1 for m in months if m <= over), len(months))


def status_of(indicator: Indicator, percent: Decimal | None, pace: Decimal | None) -> Status | None:
    """Đạt at 100%, đúng tiến độ at the expected pace, else chậm tiến độ.

    None without a target, and for indicators where lower is better (members leaving, unions
    dissolved): their target is a ceiling, not a goal to reach, so they get no status.
    """
    if percent is None or pace is None or not indicator.higher_is_better:
        return None
    if percent >= 100:
        return Status.ACHIEVED
    return Status.ON_PACE if percent >= pace else Status.BEHIND


@dataclass(frozen=True)
class Figure:
    """Actual against target for one unit and indicator, with its pace and status."""

    indicator: Indicator
    actual: int
    target: int | None
    target_period: str | None
    percent: Decimal | None
    pace: Decimal | None
    status: Status | None
    forecast: Forecast | None = None  # the year-end value, where the year is not over
    year_target: int | None = None

    @cached_property  # a table reads it to sort, to draw and to title each row
    def forecast_percent(self) -> Decimal | None:
        """The forecast against the year's target: how likely the year is to be reached."""
        return self.forecast.percent_of(self.year_target) if self.forecast else None

    @property
    def bar_width(self) -> str:
        """The progress bar's width in percent, for a style attribute (a dot, never a comma)."""
        return str(min(self.percent or Decimal(0), Decimal(100)))

    @property
    def pace_position(self) -> str:
        return str(self.pace or Decimal(0))

    @property
    def against_year_target(self) -> bool:
        """A half-year figure compared with the year's target, as half-year reports do."""
        return self.target_period == Period.YEAR


def figure(
    progress: IndicatorProgress,
    query: ProgressQuery,
    today: date,
    pace_of: Callable[..., Decimal] = expected_pace,
    forecast: Forecast | None = None,
) -> Figure:
    """The progress with its pace, status and forecast; `pace_of` lets a table compute each pace
    once. A forecast of a year that is over is its figure, and is not shown as one."""
    indicator, target_period, percent = progress.indicator, progress.target_period, progress.percent
    pace = (
        pace_of(indicator, target_period, query.year, query.last_month, today)
        if target_period and percent is not None
        else None
    )
    status = status_of(indicator, percent, pace)
    if forecast is not None and forecast.basis == Basis.FINAL:
        forecast = None
    return Figure(
        indicator,
        progress.actual,
        progress.target,
        target_period,
        percent,
        pace,
        status,
        forecast,
        progress.year_target,
    )


def forecast_month(query: ProgressQuery, today: date) -> int:
    """The last month a forecast starts from: the figures' last month, if it is over."""
    return last_month_over(query.year, query.last_month, today)


# --- the unit's own figures --------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of a unit's dashboard: this period's figure and the same period last year."""

    figure: Figure
    last_year: IndicatorProgress

    @property
    def indicator(self) -> Indicator:
        return self.figure.indicator

    @property
    def change(self) -> int:
        return self.figure.actual - self.last_year.actual

    @property
    def change_percent(self) -> Decimal | None:
        """The change against the same period last year, in percent (None if that was 0)."""
        return percent_of(self.change, self.last_year.actual)

    @property
    def change_size(self) -> int:
        return abs(self.change)

    @property
    def change_percent_size(self) -> Decimal | None:
        return abs(self.change_percent) if self.change_percent is not None else None

    @property
    def improved(self) -> bool | None:
        """Whether the change is for the better, given which way the indicator is better."""
        if not self.change:
            return None
        return (self.change > 0) == self.indicator.higher_is_better


@dataclass(frozen=True)
class UnitHistory:
    """The monthly figures and targets a dashboard draws, forecasts and compares from, by
    (indicator id, year)."""

    own: dict[tuple[int, int], MonthFigures]  # the unit's, this year and last
    profile: dict[tuple[int, int], MonthFigures]  # its profile unit's past years (forecasts)
    targets: dict[tuple[int, int], dict[str, int]]  # the unit's, this year and last, by period


def unit_history(unit: Unit, year: int) -> UnitHistory:
    """The unit's monthly figures of the year and the year before (its figures against the same
    period last year, its trend chart), and the PROFILE_YEARS before the year of the unit whose
    seasons its forecast follows (itself, or a CĐCS's parent): one query; and the unit's targets
    of the year and the year before: one more."""
    profile = profile_path(unit)
    units = Q(unit=unit)
    if profile != unit.path:
        # The parent's id as a scalar sub-query: the database looks it up once and reads both
        # units by index (a join to the unit table would read the whole view).
        units |= Q(unit=Subquery(Unit.objects.filter(path=profile).values("pk")[:1]))
    rows = MonthlyTotal.objects.filter(
        units, year__gte=year - PROFILE_YEARS, year__lte=year
    ).values_list("unit_id", "indicator_id", "year", "month", "total", "entries")
    own: dict[tuple[int, int], MonthFigures] = defaultdict(dict)
    past: dict[tuple[int, int], MonthFigures] = defaultdict(dict)
    for unit_id, indicator_id, y, month, total, entries in rows:
        if unit_id == unit.pk and y >= year - 1:
            own[(indicator_id, y)][month] = (total, entries)
        if (unit_id != unit.pk or profile == unit.path) and y < year:
            past[(indicator_id, y)][month] = (total, entries)
    targets: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for indicator_id, y, period, value in Target.objects.filter(
        unit=unit, year__in=(year - 1, year)
    ).values_list("indicator_id", "year", "period", "value"):
        targets[(indicator_id, y)][period] = value
    return UnitHistory(own, past, targets)


def indicator_rows(
    unit: Unit, query: ProgressQuery, today: date, history: UnitHistory
) -> list[IndicatorRow]:
    """The unit's progress for the period and for the same period a year earlier, each with
    the year-end forecast, from its `history` (unit_history): one query (the indicators)."""
    indicators = list(Indicator.objects.filter(is_active=True))

    def progress(year: int) -> list[IndicatorProgress]:
        read = progress_from_months(
            unit.pk,
            {pk: months for (pk, y), months in history.own.items() if y == year},
            {pk: found for (pk, y), found in history.targets.items() if y == year},
            query.period,
            query.through_month,
            indicators,
        )
        return [read.of(unit.pk, indicator) for indicator in indicators]

    now = progress(query.year)
    before = {p.indicator.pk: p for p in progress(query.year - 1)}
    through = forecast_month(query, today)
    return [
        IndicatorRow(
            figure(p, query, today, forecast=_forecast_of(p.indicator, history, query, through)),
            before[p.indicator.pk],
        )
        for p in now
    ]


def _forecast_of(
    indicator: Indicator, history: UnitHistory, query: ProgressQuery, through: int
) -> Forecast | None:
    this_year = history.own.get((indicator.pk, query.year), {})
    profile = {y: months for (pk, y), months in history.profile.items() if pk == indicator.pk}
    return forecast_from_months(indicator, this_year, profile, query.year, through)


# --- the children table ------------------------------------------------------------------------


@dataclass
class ChildRow:
    unit: Unit
    figures: dict[int, Figure]  # by indicator id
    data: str  # a MonthStatus: how far the month's data entry is
    cluster: str | None = None
    rank: int | None = None

    @property
    def data_label(self) -> str:
        return MONTH_STATUS_LABELS[self.data]


@dataclass
class ChildrenTable:
    parent: Unit
    indicators: list[Indicator]  # the key indicators, in catalogue order
    rows: list[ChildRow]
    data_month: tuple[int, int]  # (year, month) of the completeness column
    targeted: set[int]  # ids of the indicators some child has a target for

    def by_percent(self, indicator: Indicator) -> bool:
        """Children are ranked by percent of target; by the figure itself where none has one."""
        return indicator.pk in self.targeted

    def indicator(self, code: str | None) -> Indicator | None:
        """The key indicator with this code, else the first one."""
        return next((i for i in self.indicators if i.code == code), None) or next(
            iter(self.indicators), None
        )


def children_table(
    parent: Unit,
    query: ProgressQuery,
    today: date,
    indicators: list[Indicator] | None = None,
    *,
    with_forecasts: bool = True,
) -> ChildrenTable:
    """Every child with its actual, target, percent and forecast per key indicator: eight
    queries at most (the indicators unless passed in, the children, their progress (2), their
    forecasts (2) unless not wanted, their month's data entry (2)).

    Key indicators are those some child has a target for; where none has, those with figures.
    The children are found once; the other queries look their rows up by id, so none of them
    walks the parent's subtree (at the confederation, every unit there is).
    """
    if indicators is None:
        indicators = list(Indicator.objects.filter(is_active=True))
    children = list(Unit.objects.children_of(parent))
    ids = [child.pk for child in children]
    # Only the key indicators' figures are read and made where some child has a target: a table
    # of 100 children shows 100 × a few figures, not 100 × the catalogue's (a stock's months
    # among them, one row each).
    targets = progress_targets(ids, query.year, query.period)
    targeted = {indicator_id for _, indicator_id in targets}
    shown = [i for i in indicators if i.pk in targeted] or indicators
    read = progress_read(ids, query.year, query.period, query.through_month, shown, targets)
    key = shown if targeted else [i for i in indicators if i.pk in read.reported] or indicators
    data_month = completeness_month(query, today)
    data = children_completeness([child.pk for child in children], *data_month)

    pace_of = cache(expected_pace)  # the same few (indicator, target period) pairs on every row
    forecasts = (
        forecasts_for_units(
            children, query.year, forecast_month(query, today), key, around=[parent]
        )
        if with_forecasts
        else {}
    )
    table_rows = [
        ChildRow(
            child,
            {
                i.pk: figure(
                    read.of(child.pk, i), query, today, pace_of, forecasts.get((child.pk, i.pk))
                )
                for i in key
            },
            data.get(child.pk, MonthStatus.MISSING),
        )
        for child in children
    ]
    return ChildrenTable(parent, key, table_rows, data_month, targeted)


def completeness_month(query: ProgressQuery, today: date) -> tuple[int, int]:
    """The month whose data the children table reports on: the figures' last month if it is
    over, else the last month that is (the one being chased), never before the period starts."""
    previous = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    month = min((query.year, query.last_month), previous)
    return max(month, (query.year, Period(query.period).months[0]))


# --- the trend chart ---------------------------------------------------------------------------


def trend(year: int, rows: Iterable[IndicatorRow], today: date, history: UnitHistory) -> list[dict]:
    """Per indicator, monthly and cumulative figures of the year and the year before, the
    year's targets and the forecast's path to December, ready for json_script: no query (the
    months and targets are the unit's history, already read).

    Cumulative month m is the figure "through month m", by progress_for's rule. Months still to
    come are None so the lines stop at today.
    """
    shown = range(1, 13) if year < today.year else range(1, today.month + 1)
    if year > today.year:
        shown = range(0)

    series = []
    for row in rows:
        indicator, forecast = row.indicator, row.figure.forecast
        targets = history.targets.get((indicator.pk, year), {})
        now = history.own.get((indicator.pk, year), {})
        before = history.own.get((indicator.pk, year - 1), {})
        series.append(
            {
                "code": indicator.code,
                "name": indicator.name,
                "unit": indicator.unit_of_measure,
                "stock": indicator.aggregation == Aggregation.LAST,
                "monthly": [now.get(m, (0, 0))[0] if m in shown else None for m in range(1, 13)],
                "monthly_before": [before.get(m, (0, 0))[0] for m in range(1, 13)],
                "cumulative": [
                    _through(indicator, now, m) if m in shown else None for m in range(1, 13)
                ],
                "cumulative_before": [_through(indicator, before, m) for m in range(1, 13)],
                "target_year": targets.get(Period.YEAR),
                "target_h1": targets.get(Period.H1),
                "forecast": forecast.path(_through(indicator, now, forecast.through_month))
                if forecast
                else None,
            }
        )
    return series


def _through(indicator: Indicator, months: MonthFigures, month: int) -> int:
    return aggregate_months(indicator, {m: v for m, v in months.items() if m <= month})


# --- emulation clusters ------------------------------------------------------------------------


def clusters_of(owner: Unit) -> list[EmulationCluster]:
    """The owner's clusters with their members: two queries."""
    return list(EmulationCluster.objects.filter(owner=owner).prefetch_related("members"))


def cluster_names(owner: Unit) -> dict[int, str]:
    """Child id → the name of its cluster, for the owner's children in one: one query."""
    return dict(
        EmulationCluster.members.through.objects.filter(emulationcluster__owner=owner).values_list(
            "unit_id", "emulationcluster__name"
        )
    )
