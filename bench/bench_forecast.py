"""The year-end forecast's back-test on the demo data (issue 16).

    .venv/bin/python bench/bench_forecast.py [--smoke]

Seeds `manage.py seed_demo`'s LĐLĐ Hà Nội into the throwaway PostgreSQL database
`bench_forecast_<pid>` (dropped at the end, even when killed) as of 1 February this year: its
figures from January two years ago, the year before last and last year whole (the month the
demo leaves for its staff to enter is January, this year). Then last year is
forecast from its first 5 and 6 months, the year before last giving the profile, for every unit
and flow indicator with figures in both years, and the median absolute percentage error is set
against a straight line's (forecast_backtest.py). The goal: the forecast's error is below the
straight line's at both cut-offs. The demo's figures are drawn month by month around seasons
(demo/figures.py: admissions, leavers, trainings and visits each with their own), and the
roster's CĐCS report what their member lists say.

With --smoke, the same on the demo (it takes seconds): the back-test is the whole bench.
"""

import argparse
import datetime

import harness
from forecast_backtest import backtest, print_outcomes
from harness import Figures, Goal

GOALS = (
    Goal("backtest_ratio", "forecast back-test, demo: error / straight line's", "<", 1, "×",
         "issue 16"),
)  # fmt: skip
SMOKE: dict = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args = harness.arguments(parser, SMOKE)
    figures = Figures(GOALS, smoke=args.smoke)
    with harness.throwaway_database(harness.database_name("forecast", args.smoke)) as url:
        harness.setup_django(url)
        run(figures)
    figures.print_table()


def run(figures: Figures) -> None:
    from demo.seed import seed
    from federation.models import Unit, UnitKind

    this_year = datetime.date.today().year
    last_year = this_year - 1
    seed(today=datetime.date(this_year, 2, 1), log=lambda *_: None)
    harness.refresh_statistics()
    units = list(Unit.objects.values_list("pk", flat=True))
    print(f"Dữ liệu mẫu đến hết tháng 01/{this_year}: {len(units):,} đơn vị.")
    outcomes = backtest(units, last_year)
    print_outcomes(f"Dự báo năm {last_year} từ các tháng đầu năm, sai số trung vị:", outcomes)
    figures["backtest_ratio"] = max(o.ratio for o in outcomes)
    federations = Unit.objects.exclude(kind=UnitKind.GRASSROOTS_UNION)
    print_outcomes(
        "Trong đó các công đoàn cấp trên (không kể CĐCS):",
        backtest(list(federations.values_list("pk", flat=True)), last_year),
    )


if __name__ == "__main__":
    main()
