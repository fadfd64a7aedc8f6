"""The forecast's back-test, shared by bench_forecast (the demo) and bench_dashboard (the national
tree): a year that is over is forecast from its first months, and the forecast's error is set
against a straight line's.

For every unit and flow indicator with figures in the year and the year before it, and each
cut-off month, federation.forecasts.forecasts_for_units forecasts the year-end value from the
months to the cut-off (the year before giving the profile, as it will for this year); the
straight line is the months to the cut-off × 12 / cut-off, rounded to a whole number as the
forecast is. Each is held against the year's real
figure as an absolute percentage error; the table gives the medians and their ratio.
"""

import statistics
from dataclasses import dataclass
from decimal import Decimal

CUT_OFFS = (5, 6)
CHUNK = 2_000  # units per query of the forecasts


@dataclass(frozen=True)
class Outcome:
    month: int
    pairs: int  # (unit, indicator) pairs with both years
    forecast_error: float  # median absolute percentage error
    straight_line_error: float

    @property
    def ratio(self) -> float:
        return self.forecast_error / self.straight_line_error


def backtest(unit_ids: list[int], year: int) -> list[Outcome]:
    """One outcome per cut-off month over the units' flow indicators."""
    from federation.forecasts import forecasts_for_units
    from federation.models import Aggregation, Indicator, Unit

    flows = list(Indicator.objects.filter(is_active=True, aggregation=Aggregation.SUM))
    truth = _years(unit_ids, year, flows)
    outcomes = []
    for month in CUT_OFFS:
        forecast_errors, line_errors = [], []
        for start in range(0, len(unit_ids), CHUNK):
            chunk = Unit.objects.filter(pk__in=unit_ids[start : start + CHUNK])
            for key, found in forecasts_for_units(chunk, year, month, flows).items():
                if key not in truth:
                    continue
                to_date, whole = truth[key][month], truth[key]["whole"]
                forecast_errors.append(abs(found.value - whole) / whole)
                # Whole numbers both, as the forecast is given.
                straight_line = int(Decimal(to_date * 12) / month + Decimal("0.5"))
                line_errors.append(abs(straight_line - whole) / whole)
        if not forecast_errors:
            raise SystemExit(f"Không có đơn vị nào có số liệu hai năm {year - 1}–{year}.")
        outcomes.append(
            Outcome(
                month,
                len(forecast_errors),
                statistics.median(forecast_errors),
                statistics.median(line_errors),
            )
        )
    return outcomes


def _years(unit_ids: list[int], year: int, flows) -> dict[tuple[int, int], dict]:
    """(unit id, indicator id) → the year's figure and its months to each cut-off, for the
    pairs with figures in the year and the year before."""
    from django.db.models import Q, Sum

    from federation.models import MonthlyTotal

    sums = {
        "whole": Sum("total", filter=Q(year=year)),
        "before": Sum("total", filter=Q(year=year - 1)),
        **{str(m): Sum("total", filter=Q(year=year, month__lte=m)) for m in CUT_OFFS},
    }
    found = {}
    for start in range(0, len(unit_ids), CHUNK):
        rows = (
            MonthlyTotal.objects.filter(
                unit__in=unit_ids[start : start + CHUNK],
                indicator__in=flows,
                year__in=[year - 1, year],
            )
            .values("unit_id", "indicator_id")
            .annotate(**sums)
        )
        for row in rows:
            if row["whole"] and row["before"]:
                key = (row["unit_id"], row["indicator_id"])
                found[key] = {"whole": row["whole"], **{m: row[str(m)] or 0 for m in CUT_OFFS}}
    return found


def print_outcomes(title: str, outcomes: list[Outcome]) -> None:
    print(f"\n{title}")
    print(
        f"{'Cắt số liệu':<14}{'Cặp đơn vị × chỉ tiêu':>24}{'Dự báo':>10}{'Đường thẳng':>14}"
        f"{'Tỷ số':>8}"
    )
    for o in outcomes:
        print(
            f"hết tháng {o.month:<4}{o.pairs:>24,}{o.forecast_error:>9.1%}"
            f"{o.straight_line_error:>14.1%}{o.ratio:>8.2f}"
        )
