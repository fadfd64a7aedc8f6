"""Reads for the progress dashboards: a unit's own figures, its children ranked, the monthly trend.

Every figure follows selectors.progress_for, the progress service the report PDF prints from: the
unit's own figures come from it directly; the children table and the trend read the roll-up for
all children or months at once and apply the same rules (H1 compared with the H1 target, else
the year's; percent rounded half up to one decimal; a stock takes its latest reported month,
through progress_for's own function). So a page costs the same few queries at the
confederation as at a CĐCS.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from django.db import models
from django.db.models import Sum

from .completeness import STATUS_LABELS as DATA_LABELS
from .completeness import Status as DataStatus
from .forms import ProgressQuery
from .models import Aggregation, Indicator, MonthCompletion, MonthlyTotal, Period, Target, Unit

# progress_for's own rule for adding up months, so these figures cannot drift from its.
from .selectors import IndicatorProgress, aggregate_months, percent_of, period_months, progress_for

MonthFigures = dict[int, tuple[int, int]]  # month -> (total, entries)


class Status(models.TextChoices):
    ACHIEVED = "achieved", "Đạt"
    ON_PACE = "on_pace", "Đúng tiến độ"
    BEHIND = "behind", "Chậm tiến độ"


# --- pace and status ---------------------------------------------------------------------------


def last_month_over(year: int, last_month: int, today: date) -> int:
    """The last month of the figures that is over by `today` (0 when none is)."""
    if year < today.year:
        return last_month
    if year > today.year:
        return 0
    return min(last_month, today.month - 1)


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
    indicator: Indicator,
    actual: int,
    target: int | None,
    target_period: str | None,
    query: ProgressQuery,
    today: date,
    pace_of: Callable[..., Decimal] = expected_pace,
) -> Figure:
    """The figure with its pace and status; `pace_of` lets a table compute each pace once."""
    percent = percent_of(actual, target)
    pace = (
        pace_of(indicator, target_period, query.year, query.last_month, today)
        if target_period and percent is not None
        else None
    )
    status = status_of(indicator, percent, pace)
    return Figure(indicator, actual, target, target_period, percent, pace, status)


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


def indicator_rows(unit: Unit, query: ProgressQuery, today: date) -> list[IndicatorRow]:
    """The unit's progress for the period and for the same period a year earlier."""
    indicators = list(Indicator.objects.filter(is_active=True))
    now = progress_for(unit, query.year, query.period, query.through_month, indicators=indicators)
    before = {
        p.indicator.pk: p
        for p in progress_for(
            unit, query.year - 1, query.period, query.through_month, indicators=indicators
        )
    }
    return [
        IndicatorRow(
            figure(p.indicator, p.actual, p.target, p.target_period, query, today),
            before[p.indicator.pk],
        )
        for p in now
    ]


# --- the children table ------------------------------------------------------------------------


# The month's data entry, from the least to the most advanced.
DATA_ORDER = (DataStatus.MISSING, DataStatus.ENTERING, DataStatus.COMPLETE)


@dataclass
class ChildRow:
    unit: Unit
    figures: dict[int, Figure]  # by indicator id
    data: str  # a completeness.Status: the month's data entry
    cluster: str | None = None
    rank: int | None = None

    @property
    def data_label(self) -> str:
        return DATA_LABELS[self.data]


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
    parent: Unit, query: ProgressQuery, today: date, indicators: list[Indicator] | None = None
) -> ChildrenTable:
    """Every child with its actual, target and percent per key indicator: six or seven queries.

    Key indicators are those some child has a target for; where none has, those with figures.
    `indicators`, the active ones, may be passed in by a page that has them already. The
    children are found once; the other queries look their rows up by id, so none of them
    walks the parent's subtree (at the confederation, every unit there is).
    """
    months = period_months(query.period, query.through_month)
    if indicators is None:
        indicators = list(Indicator.objects.filter(is_active=True))
    children = list(
        Unit.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).order_by("path")
    )
    ids = [child.pk for child in children]
    targets = {
        (unit_id, indicator_id, period): value
        for unit_id, indicator_id, period, value in Target.objects.filter(
            unit__in=ids, year=query.year, period__in=[query.period, Period.YEAR]
        ).values_list("unit_id", "indicator_id", "period", "value")
    }
    targeted = {indicator_id for _, indicator_id, _ in targets}
    key = [i for i in indicators if i.pk in targeted] or indicators
    actuals = _children_actuals(ids, query.year, months, key)
    if not targeted:
        reported = {indicator_id for (_, indicator_id), value in actuals.items() if value}
        key = [i for i in key if i.pk in reported] or key
    data_month = completeness_month(query, today)
    data = children_completeness(ids, *data_month)

    pace_of = cache(expected_pace)  # the same few (indicator, target period) pairs on every row
    rows = []
    for child in children:
        figures = {}
        for indicator in key:
            target_period = next(
                (p for p in (query.period, Period.YEAR) if (child.pk, indicator.pk, p) in targets),
                None,
            )
            target = targets[(child.pk, indicator.pk, target_period)] if target_period else None
            actual = actuals.get((child.pk, indicator.pk), 0)
            figures[indicator.pk] = figure(
                indicator, actual, target, target_period, query, today, pace_of
            )
        rows.append(ChildRow(child, figures, data.get(child.pk, DataStatus.MISSING)))
    return ChildrenTable(parent, key, rows, data_month, targeted)


def _children_actuals(
    ids: list[int], year: int, months: range, indicators: Iterable[Indicator]
) -> dict[tuple[int, int], int]:
    """(child id, indicator id) → the figure for the months, from the roll-up.

    Flows are summed by the database, a row per child and indicator. A stock is its latest
    reported month, so its monthly rows come back for progress_for's own rule to pick from:
    one query for each kind present.
    """
    rows = MonthlyTotal.objects.filter(
        unit__in=ids, year=year, month__gte=months.start, month__lt=months.stop
    )
    flows = [i.pk for i in indicators if i.aggregation != Aggregation.LAST]
    stocks = {i.pk: i for i in indicators if i.aggregation == Aggregation.LAST}
    actuals: dict[tuple[int, int], int] = {}
    if flows:
        summed = (
            rows.filter(indicator__in=flows)
            .values_list("unit_id", "indicator_id")
            .annotate(Sum("total"))
            .order_by()
        )
        actuals.update({(unit_id, indicator_id): total for unit_id, indicator_id, total in summed})
    if stocks:
        grouped: dict[tuple[int, int], MonthFigures] = defaultdict(dict)
        for unit_id, indicator_id, month, total, entries in rows.filter(
            indicator__in=list(stocks), entries__gt=0
        ).values_list("unit_id", "indicator_id", "month", "total", "entries"):
            grouped[(unit_id, indicator_id)][month] = (total, entries)
        actuals.update({k: aggregate_months(stocks[k[1]], v) for k, v in grouped.items()})
    return actuals


def completeness_month(query: ProgressQuery, today: date) -> tuple[int, int]:
    """The month whose data the children table reports on: the figures' last month if it is
    over, else the last month that is (the one being chased), never before the period starts."""
    previous = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    month = min((query.year, query.last_month), previous)
    return max(month, (query.year, Period(query.period).months[0]))


def children_completeness(ids: list[int], year: int, month: int) -> dict[int, str]:
    """Child id → how far its data entry for the month is (absent: nothing yet): two queries.

    The rule of completeness.month_completeness, which the entry pages show: marked complete,
    else "entering" once its subtree has any figure for the month. Read here for children
    already loaded, by their ids.
    """
    entered = MonthlyTotal.objects.filter(unit__in=ids, year=year, month=month, entries__gt=0)
    marked = MonthCompletion.objects.filter(unit__in=ids, year=year, month=month)
    status = dict.fromkeys(entered.values_list("unit_id", flat=True), DataStatus.ENTERING)
    status.update(dict.fromkeys(marked.values_list("unit_id", flat=True), DataStatus.COMPLETE))
    return status


def rank(rows: list[ChildRow], indicator: Indicator, by_percent: bool = True) -> None:
    """Ranks the rows in place (1, 2, 2, 4 on ties), lowest first where lower is better.

    By percent of target, then the figure, with no rank for a child without a target; or, for an
    indicator no child has a target for, by the figure alone.
    """
    sign = 1 if indicator.higher_is_better else -1
    scored = []
    for row in rows:
        f = row.figures[indicator.pk]
        row.rank = None
        if by_percent and f.percent is None:
            continue
        scored.append(((sign * f.percent if by_percent else 0, sign * f.actual), row))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    previous = None
    for position, (score, row) in enumerate(scored, start=1):
        row.rank = previous[1].rank if previous and previous[0] == score else position
        previous = (score, row)


def rank_within(
    rows: list[ChildRow], indicator: Indicator, clusters: Mapping[int, str], by_percent: bool
) -> None:
    """Ranks each cluster's rows among themselves; units in no cluster form a group of their own."""
    groups: dict[str | None, list[ChildRow]] = defaultdict(list)
    for row in rows:
        row.cluster = clusters.get(row.unit.pk)
        groups[row.cluster].append(row)
    for members in groups.values():
        rank(members, indicator, by_percent)


SORTS = ("rank", "name", "actual", "target", "percent", "data")


def sort_rows(
    rows: list[ChildRow], indicator: Indicator, sort: str, descending: bool, by_cluster: bool
) -> list[ChildRow]:
    """The rows in the asked order; rows without a value sort last either way."""

    def value(row: ChildRow):
        f = row.figures[indicator.pk]
        return {
            "rank": row.rank,
            "name": row.unit.display_name.casefold(),
            "actual": f.actual,
            "target": f.target,
            "percent": f.percent,
            "data": DATA_ORDER.index(row.data),
        }[sort]

    present = sorted((r for r in rows if value(r) is not None), key=value, reverse=descending) + [
        r for r in rows if value(r) is None
    ]
    if by_cluster:
        # Named clusters first, by name; the units in no cluster last. sorted() is stable.
        present.sort(key=lambda r: (r.cluster is None, r.cluster or ""))
    return present


# --- the trend chart ---------------------------------------------------------------------------


def trend(unit: Unit, year: int, indicators: Iterable[Indicator], today: date) -> list[dict]:
    """Per indicator, monthly and cumulative figures of the year and the year before, and the
    year's targets, ready for json_script: two queries.

    Cumulative month m is the figure "through month m", by progress_for's rule. Months still to
    come are None so the lines stop at today.
    """
    by_month: dict[tuple[int, int], MonthFigures] = defaultdict(dict)
    for indicator_id, y, month, total, entries in MonthlyTotal.objects.filter(
        unit=unit, year__in=[year - 1, year]
    ).values_list("indicator_id", "year", "month", "total", "entries"):
        by_month[(indicator_id, y)][month] = (total, entries)
    targets = {
        (indicator_id, period): value
        for indicator_id, period, value in Target.objects.filter(unit=unit, year=year).values_list(
            "indicator_id", "period", "value"
        )
    }
    shown = range(1, 13) if year < today.year else range(1, today.month + 1)
    if year > today.year:
        shown = range(0)

    series = []
    for indicator in indicators:
        now, before = by_month[(indicator.pk, year)], by_month[(indicator.pk, year - 1)]
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
                "target_year": targets.get((indicator.pk, Period.YEAR)),
                "target_h1": targets.get((indicator.pk, Period.H1)),
            }
        )
    return series


def _through(indicator: Indicator, months: MonthFigures, month: int) -> int:
    return aggregate_months(indicator, {m: v for m, v in months.items() if m <= month})
