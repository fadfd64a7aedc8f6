"""Where the year is heading: the year-end value of an indicator at the current pace.

Recruitment is seasonal (few admissions around Tết, many in the months before 1/5 and in the
year-end push), so a straight line from today misleads. A flow's figure to date is divided by the
share of its year reached by the same month last year (last year's monthly profile). A
federation's profile is its own last year: the sum of many units, its months are the season. A
CĐCS's own months are few and noisy, so its profile is its parent's, the units around it
(profile_path; the back-test in bench/ chose this, see bench/README.md). The share is smoothed
towards an even year by `EVEN_MONTHS` months' worth of prior (one unit of the indicator a month),
so a profile of a handful is not followed to the letter, and a profile unit with nothing last
year gives a straight line. Where several past years have figures, each year's profile gives a
projection and their spread is the range. A stock (total members) keeps its latest value; a
year that is over is its figure.

The arithmetic is `forecast`; `forecasts_for_units` reads what it needs for many units in one
queries, and `forecast_from_months` takes it from monthly figures a page has read already.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Case, F, Q, Sum, Value, When

from .models import Aggregation, Indicator, MonthlyTotal, Unit
from .selectors import aggregate_months, percent_of
from .sql import AmongIds

# How many past years give a profile (the latest one the projection, all of them its range).
PROFILE_YEARS = 3
# The prior that smooths a profile: this many months of one unit each, spread evenly.
EVEN_MONTHS = 12

MonthFigures = dict[int, tuple[int, int]]  # month -> (total, entries)


class Basis(models.TextChoices):
    PROFILE = "profile", "theo diễn biến của năm trước"
    STRAIGHT_LINE = "straight_line", "theo nhịp độ bình quân các tháng đã qua"
    LATEST = "latest", "giữ số liệu tháng gần nhất"
    FINAL = "final", "số liệu cả năm"


@dataclass(frozen=True)
class PastYear:
    """A past year of a flow: its figure through the same month as now, and its whole year."""

    through: int
    total: int

    def share(self, month: int) -> Decimal:
        """The smoothed share of its year reached by `month`, which the prior keeps above 0."""
        prior = Decimal(EVEN_MONTHS)
        return (self.through + prior * month / 12) / (self.total + prior)


@dataclass(frozen=True)
class Forecast:
    value: int
    low: int | None
    high: int | None
    basis: str  # a Basis
    through_month: int  # the last month of the figures it starts from
    # What the chart's path follows, a profile's last year and its twelve months: kept as read,
    # their shares worked out only when a path is drawn (a table of forecasts draws none).
    last_year: PastYear | None = None
    last_year_months: tuple[int, ...] = ()

    @property
    def has_range(self) -> bool:
        return self.low is not None

    def percent_of(self, target: int | None) -> Decimal | None:
        return percent_of(self.value, target)

    def path(self, actual: int) -> list[int | None]:
        """The figure month by month, None before the last month of figures, then to December
        along the profile (or the straight line): the chart's dashed line."""
        m = self.through_month
        if self.basis == Basis.PROFILE:
            shares = _cumulative_shares(self.last_year, self.last_year_months, m)
            steps = [shares[k - 1] / shares[m - 1] for k in range(1, 13)]
        elif self.basis == Basis.STRAIGHT_LINE:
            steps = [Decimal(k) / m for k in range(1, 13)]
        else:
            steps = [Decimal(1)] * 12
        return [None if k < m else _whole(actual * steps[k - 1]) for k in range(1, 13)]


def _whole(value: Decimal | int) -> int:
    return int(Decimal(value).quantize(Decimal(1), ROUND_HALF_UP))


def forecast(
    indicator: Indicator,
    actual: int,
    through_month: int,
    past: Sequence[PastYear] = (),
    last_year_months: Sequence[int] = (),
) -> Forecast | None:
    """The year-end value of `indicator` from its figure to date (`actual`, through
    `through_month`) and its `past` years, the latest first; None before any month is over.

    `last_year_months` (last year's twelve monthly figures) only draws the path between now and
    December; the value and its range come from `past` alone."""
    if not 1 <= through_month <= 12:
        return None
    if through_month == 12:
        return Forecast(actual, None, None, Basis.FINAL, through_month)
    if indicator.aggregation == Aggregation.LAST:
        return Forecast(actual, None, None, Basis.LATEST, through_month)
    known = [year for year in past[:PROFILE_YEARS] if year.total > 0]
    if not past or past[0].total <= 0:
        value = _whole(Decimal(actual) * 12 / through_month)
        return Forecast(value, None, None, Basis.STRAIGHT_LINE, through_month)
    projections = [_whole(actual / year.share(through_month)) for year in known]
    low, high = (min(projections), max(projections)) if len(projections) > 1 else (None, None)
    return Forecast(
        projections[0],
        low,
        high,
        Basis.PROFILE,
        through_month,
        past[0],
        tuple(last_year_months),
    )


def _cumulative_shares(
    last_year: PastYear, months: Sequence[int], through_month: int
) -> tuple[Decimal, ...]:
    """Last year's smoothed share reached by each month, for the path; where its months are not
    at hand, the straight line from the share at `through_month` to the whole year."""
    if len(months) == 12:
        running, cumulative = 0, []
        for month, value in enumerate(months, start=1):
            running += value
            cumulative.append(PastYear(running, last_year.total).share(month))
        return tuple(cumulative)
    at_cutoff = last_year.share(through_month)
    return tuple(
        at_cutoff * k / through_month
        if k <= through_month
        else at_cutoff + (1 - at_cutoff) * (k - through_month) / (12 - through_month)
        for k in range(1, 13)
    )


# --- reading the figures --------------------------------------------------------------------------


def profile_path(unit: Unit) -> str:
    """The path of the unit whose past years give `unit` its profile: a federation's own (the
    sum of many units, its months are the season), a CĐCS's parent's (a CĐCS's own months are
    few and noisy; the units around it share its seasons). A CĐCS at the top has only its own."""
    if unit.is_grassroots and unit.depth > 1:
        return unit.path[: -unit.steplen]
    return unit.path


def forecast_from_months(
    indicator: Indicator,
    this_year: MonthFigures,
    profile: Mapping[int, MonthFigures],
    year: int,
    through_month: int,
) -> Forecast | None:
    """The forecast from monthly figures already read: the unit's months of `year` and the
    past years of its profile unit ({year: {month: (total, entries)}}, profile_path), as a
    page that draws the months has them."""
    now = {m: v for m, v in this_year.items() if m <= through_month}
    past = {
        y: PastYear(
            sum(total for m, (total, _) in months.items() if m <= through_month),
            sum(total for total, _ in months.values()),
        )
        for y, months in profile.items()
        if y < year
    }
    last_year = profile.get(year - 1, {})
    months = [last_year.get(m, (0, 0))[0] for m in range(1, 13)]
    return forecast(
        indicator,
        aggregate_months(indicator, now),
        through_month,
        _latest_first(past, year),
        months,
    )


UnitIndicator = tuple[int, int]  # (unit id, indicator id)


def forecasts_for_units(
    units: Iterable[Unit],
    year: int,
    through_month: int,
    indicators: Iterable[Indicator],
    *,
    around: Iterable[Unit] = (),
) -> dict[UnitIndicator, Forecast]:
    """(unit id, indicator id) → the forecast from figures through `through_month`, for many
    units in two queries of the roll-up, whatever their number: the units' months of the year
    to date (a flow's added up by the database, a stock's one by one), and each profile unit's
    (profile_path) flows over the past years, to date and whole. `around`: units already at
    hand that may be profile units (a table's parent), else their ids cost a query."""
    by_id = {indicator.pk: indicator for indicator in indicators}
    units = list(units)
    if not 1 <= through_month <= 12 or not by_id or not units:
        return {}
    stocks = [pk for pk, i in by_id.items() if i.aggregation == Aggregation.LAST]
    flows = [pk for pk in by_id if pk not in stocks]
    paths = [profile_path(unit) for unit in units]
    profile_ids = _ids_of_paths(set(paths), [*units, *around])
    to_date = Q(month__lte=through_month)
    sums = {
        "through": Sum("total", filter=to_date),
        "whole": Sum("total"),
        "reported": Sum("entries", filter=to_date),
    }
    # Each by the ids, on the index: the view is a union, and an OR across it, or a join to
    # find the profile units, would read it whole. Two statements rather than one UNION ALL,
    # which the planner runs in parallel workers that cost more to start than it saves.
    this_year = (
        MonthlyTotal.objects.filter(
            AmongIds(F("unit"), [unit.pk for unit in units]),
            indicator__in=by_id,
            year=year,
            month__lte=through_month,
        )
        .annotate(stock_month=_month_of_stocks(stocks))
        .values_list("unit_id", "indicator_id", "year", "stock_month")
        .annotate(**sums)
    )
    past_years = (
        MonthlyTotal.objects.filter(
            AmongIds(F("unit"), profile_ids.values()),
            indicator__in=flows,
            year__gte=year - PROFILE_YEARS,
            year__lt=year,
        )
        .annotate(stock_month=Value(0))
        .values_list("unit_id", "indicator_id", "year", "stock_month")
        .annotate(**sums)
    )
    now: dict[UnitIndicator, MonthFigures] = defaultdict(dict)
    past: dict[UnitIndicator, dict[int, PastYear]] = defaultdict(dict)
    for unit_id, indicator_id, y, month, through, total, entries in [*this_year, *past_years]:
        if y == year:
            now[(unit_id, indicator_id)][month] = (int(through or 0), int(entries or 0))
        else:
            past[(unit_id, indicator_id)][y] = PastYear(int(through or 0), int(total))
    # Siblings share their profile unit (a district's CĐCS, their district): its years once.
    profiles = {key: _latest_first(years, year) for key, years in past.items()}
    found = {}
    for unit, path in zip(units, paths, strict=True):
        profile_id = profile_ids.get(path)
        for pk, indicator in by_id.items():
            actual = aggregate_months(indicator, now.get((unit.pk, pk), {}))
            years = profiles.get((profile_id, pk), [])
            found[(unit.pk, pk)] = forecast(indicator, actual, through_month, years)
    return found


def _ids_of_paths(paths: set[str], at_hand: Iterable[Unit]) -> dict[str, int]:
    """Path → id of the units at these paths: from the units at hand, else one query."""
    found = {unit.path: unit.pk for unit in at_hand if unit.path in paths}
    if missing := paths - found.keys():
        found.update(Unit.objects.filter(path__in=missing).values_list("path", "pk"))
    return found


def _month_of_stocks(stocks: list[int]) -> Case:
    """A stock's rows stay one per month (its latest one counts); a flow's add up by year."""
    return Case(When(indicator__in=stocks, then=F("month")), default=Value(0))


def _latest_first(years: Mapping[int, PastYear], year: int) -> list[PastYear]:
    """The past years from last year back, a year without rows as nothing reported."""
    if not years:
        return []
    return [years.get(y, PastYear(0, 0)) for y in range(year - 1, year - 1 - PROFILE_YEARS, -1)]
