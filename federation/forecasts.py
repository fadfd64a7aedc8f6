"""Where the year is heading: the year-end value of an indicator at the current pace.

Recruitment is seasonal (few admissions around Tết, many in the months before 1/5 and in the
year-end push), so a straight line from today misleads. A flow's figure to date is divided by the
share of its year that the unit had reached by the same month last year (last year's monthly
profile). That share is smoothed towards an even year by `EVEN_MONTHS` months' worth of prior
(one unit of the indicator per month): a unit of thousands follows its own profile, a CĐCS that
admitted three members last year is not projected from where those three happened to fall, and a
unit with nothing last year goes on in a straight line. Where several past years have figures,
each year's profile gives a projection and their spread is the range. A stock (total members)
keeps its latest value; a year that is over is its figure.

The arithmetic is `forecast`; `forecasts_for_units` reads what it needs for many units in one
query, and `forecast_from_months` takes it from monthly figures a page has read already.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Case, F, Q, Sum, Value, When

from .models import Aggregation, Indicator, MonthlyTotal
from .selectors import aggregate_months, percent_of

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
    shares: tuple[Decimal, ...] = ()  # last year's smoothed cumulative share, month 1 to 12

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
            steps = [self.shares[k - 1] / self.shares[m - 1] for k in range(1, 13)]
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
    shares = _cumulative_shares(past[0], last_year_months, through_month)
    return Forecast(projections[0], low, high, Basis.PROFILE, through_month, shares)


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


def forecast_from_months(
    indicator: Indicator, by_year: Mapping[int, MonthFigures], year: int, through_month: int
) -> Forecast | None:
    """The forecast from monthly figures already read ({year: {month: (total, entries)}}, this
    year and up to PROFILE_YEARS before it), as a page that draws the months has them."""
    now = {m: v for m, v in by_year.get(year, {}).items() if m <= through_month}
    past = {
        y: PastYear(
            sum(total for m, (total, _) in months.items() if m <= through_month),
            sum(total for total, _ in months.values()),
        )
        for y, months in by_year.items()
        if y < year
    }
    last_year = by_year.get(year - 1, {})
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
    ids: Iterable[int], year: int, through_month: int, indicators: Iterable[Indicator]
) -> dict[UnitIndicator, Forecast]:
    """(unit id, indicator id) → the forecast from figures through `through_month`, for many
    units in one query of the roll-up: per unit, indicator and year the database adds up each
    flow's months to date and its whole year; a stock's months to date come back one by one."""
    by_id = {indicator.pk: indicator for indicator in indicators}
    if not 1 <= through_month <= 12 or not by_id:
        return {}
    ids = list(ids)
    stocks = [pk for pk, i in by_id.items() if i.aggregation == Aggregation.LAST]
    flows = [pk for pk in by_id if pk not in stocks]
    to_date = Q(month__lte=through_month)
    rows = (
        MonthlyTotal.objects.filter(unit__in=ids)
        .filter(
            Q(indicator__in=flows, year__gte=year - PROFILE_YEARS, year__lte=year)
            | Q(indicator__in=stocks, year=year, month__lte=through_month)
        )
        .annotate(stock_month=_month_of_stocks(stocks))
        .values_list("unit_id", "indicator_id", "year", "stock_month")
        .annotate(
            through=Sum("total", filter=to_date),
            whole=Sum("total"),
            reported=Sum("entries", filter=to_date),
        )
    )
    now: dict[UnitIndicator, MonthFigures] = defaultdict(dict)
    past: dict[UnitIndicator, dict[int, PastYear]] = defaultdict(dict)
    for unit_id, indicator_id, y, month, through, total, entries in rows:
        key = (unit_id, indicator_id)
        if y == year:
            now[key][month] = (int(through or 0), int(entries or 0))
        else:
            past[key][y] = PastYear(int(through or 0), int(total))
    return {
        (unit_id, pk): forecast(
            indicator,
            aggregate_months(indicator, now.get((unit_id, pk), {})),
            through_month,
            _latest_first(past.get((unit_id, pk), {}), year),
        )
        for unit_id in ids
        for pk, indicator in by_id.items()
    }


def _month_of_stocks(stocks: list[int]) -> Case:
    """A stock's rows stay one per month (its latest one counts); a flow's add up by year."""
    return Case(When(indicator__in=stocks, then=F("month")), default=Value(0))


def _latest_first(years: Mapping[int, PastYear], year: int) -> list[PastYear]:
    """The past years from last year back, a year without rows as nothing reported."""
    if not years:
        return []
    return [years.get(y, PastYear(0, 0)) for y in range(year - 1, year - 1 - PROFILE_YEARS, -1)]
