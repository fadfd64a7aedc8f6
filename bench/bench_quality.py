"""Benchmark of the data checks every save applies and of the data-quality page (issue 14).

    .venv/bin/python bench/bench_quality.py [--districts 20] [--unions 500] [--repeat 7] [--smoke]

Creates the throwaway PostgreSQL database `bench_quality_<pid>` (dropped again at the end, even on
failure or when killed) and builds a city of `districts` × `unions` CĐCS (10,000 by default).

- The checks on a district month: the first district and its CĐCS are given a year of history
  (every active indicator, members growing month by month as the rules expect) and a member
  roster each (85 members a CĐCS on average, as in the country), then the same
  month is saved again and again through services.entries_save with new values, alternately
  with the checks (rules, ceilings, outliers against the unit's own months) and with them
  switched off. The figure is the median of the pairs' differences: what the checks add to a
  save.
  federation.entries.checks.findings_for alone is timed on the same rows as a cross-check, and
  on rows whose every value is past its outlier floor (each then needs its history: the worst
  case, not a goal).
- The data-quality page of the city: findings on `rate` of the values of every CĐCS over a whole
  year (stored as entries_save stores them), and the page asked for six months through Django's
  test Client by a leader of the city: the first page, a page in the middle, the last, and every
  state. The figure is the slowest of their medians.

Statistics are refreshed (VACUUM ANALYZE) after each build. Prints a table of medians.
"""

import argparse
import random
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date

import harness
from harness import Figures, Goal

GOALS = (
    Goal("checks_added", "validation rules + outlier checks, district month (500 × 15)", "≤", 0.2,
         "s", "issue 14"),
    Goal("quality_page", "data-quality page, city of 10,000 CĐCS, six months", "≤", 2, "s",
         "issue 14"),
)  # fmt: skip
SMOKE = {"districts": 2, "unions": 20, "repeat": 1}
HISTORY = [(2025, month) for month in range(1, 13)]
SAVED = (2026, 1)  # the month saved again and again, after a year of history
# What a CĐCS reports in a month inside the rules (federation/migrations/0011): counts here, money
# in proportion to its workers, members and visits, total_members carried from the month before
# (members_balance).
FLOWS = {
    "new_members": (0, 6),
    "members_left": (0, 3),
    "new_grassroots_unions": (0, 0),
    "dissolved_grassroots_unions": (0, 0),
    "support_visits": (1, 5),
}
PER = {  # money: (per what, đồng each, from … to)
    "union_fees_collected": ("workforce", 80_000, 160_000),  # 2 % of a wage
    "member_dues_collected": ("members", 40_000, 70_000),  # 1 % of a wage
    "support_amount": ("support_visits", 500_000, 3_000_000),
}
FINDING_RATE = 0.02  # of the values of a month: a generous share of warnings


def timed(function: Callable[..., object], *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def build_city(districts: int, unions: int):
    """A city, its districts and `unions` CĐCS under each, bulk-inserted with treebeard's paths."""
    from federation import services
    from federation.models import UnitKind

    city = services.unit_create(
        parent=None, code="HN", name="LĐLĐ Thành phố Hà Nội",
        kind=UnitKind.PROVINCIAL_FEDERATION, user=None,
    )  # fmt: skip
    for d in range(1, districts + 1):
        district = services.unit_create(
            parent=city, code=f"HN-{d:02d}", name=f"LĐLĐ quận {d}",
            kind=UnitKind.DISTRICT_FEDERATION, user=None,
        )  # fmt: skip
        name = f"Công đoàn Công ty TNHH số {{n}}, quận {d}"
        harness.add_grassroots(district, unions, name, workforce=(300, 2000))
    city.refresh_from_db()
    return city


class Months:
    """Values of every unit month after month: flows at random in FLOWS, members carried over."""

    def __init__(self, units, indicators):
        self.units = units
        self.indicators = indicators
        self.members = {unit.pk: random.randint(20, 150) for unit in units}
        self.admitted: dict[int, int] = {}  # a CĐCS's admissions fixed by its roster

    def month(self, year: int, month: int, *, carry: bool = True):
        """The rows (services.EntryRow) of every unit for the month; with `carry`, the month's
        total becomes the next month's start."""
        from federation.entries.services import EntryRow

        rows = []
        for unit in self.units:
            values = {i.code: random.randint(*FLOWS.get(i.code, (0, 5))) for i in self.indicators}
            before = self.members[unit.pk]
            values["members_left"] = min(values["members_left"], before)
            if unit.pk in self.admitted:  # the roster says who came and no one left
                values["new_members"], values["members_left"] = self.admitted[unit.pk], 0
            values["total_members"] = before + values["new_members"] - values["members_left"]
            counts = {**values, "workforce": unit.workforce_total or 0, "members": before}
            for code, (per, low, high) in PER.items():
                values[code] = counts[per] * random.randint(low, high)
            if carry:
                self.members[unit.pk] = values["total_members"]
            rows += [EntryRow(unit, i, year, month, values[i.code]) for i in self.indicators]
        return rows


def give_history(units, indicators) -> Months:
    """A year of every indicator for the units, by plain inserts (checked data, not timed)."""
    from federation.models import MonthlyEntry

    months = Months(units, indicators)
    for year, month in HISTORY:
        MonthlyEntry.objects.bulk_create(
            MonthlyEntry(
                unit=row.unit, indicator=row.indicator, year=year, month=month, value=row.value
            )
            for row in months.month(year, month)
        )
    return months


def give_rosters(months: Months) -> int:
    """Each CĐCS a roster that agrees with its figures: its members at the end of the history,
    joined long ago, and a few admitted in the month saved (the members-on-roster rule reads
    it: one query of every roster of the district)."""
    from membership.models import Gender, Member

    first_day = date(*SAVED, 1)
    members = []
    for unit in months.units[1:]:
        admitted = months.admitted[unit.pk] = random.randint(0, 6)
        joined = [date(2015, 3, 1)] * months.members[unit.pk] + [first_day] * admitted
        members += [
            Member(union=unit, full_name=f"Đoàn viên {n}", search_name=f"doan vien {n}",
                   gender=Gender.FEMALE if n % 2 else Gender.MALE, joined_on=day)
            for n, day in enumerate(joined)
        ]  # fmt: skip
    Member.objects.bulk_create(members, batch_size=5000)
    return len(members)


@contextmanager
def checks_off():
    """entries_save as it was before issue 14: no finding on any row."""
    from federation.entries import checks

    found = checks.findings_for
    checks.findings_for = lambda rows, **kwargs: []
    try:
        yield
    finally:
        checks.findings_for = found


def bench_checks(units, indicators, repeat: int) -> dict[str, list[float]]:
    """Saves of the same district month, with and without the checks, in turns."""
    from federation.entries import checks
    from federation.entries.services import entries_save
    from federation.models import Door

    months = give_history(units, indicators)
    rostered = give_rosters(months)
    harness.refresh_statistics()
    print(f"(a year of history, and {rostered:,} members on the district's rosters)")
    save = {"door": Door.SYSTEM, "user": None, "warnings_confirmed": True}
    with checks_off():
        entries_save(rows=months.month(*SAVED, carry=False), **save)
    times: dict[str, list[float]] = {"with": [], "without": [], "findings_for": [], "worst": []}
    warned = 0
    for _ in range(repeat):
        rows = months.month(*SAVED, carry=False)
        seconds, saved = timed(entries_save, rows=rows, **save)
        times["with"].append(seconds)
        warned += len(saved.warnings)
        rows = months.month(*SAVED, carry=False)
        with checks_off():
            seconds, _ = timed(entries_save, rows=rows, **save)
        times["without"].append(seconds)
        seconds, found = timed(checks.findings_for, months.month(*SAVED, carry=False))
        assert not any(f.is_error for f in found), [f.message for f in found if f.is_error][:3]
        times["findings_for"].append(seconds)
        seconds, _ = timed(checks.findings_for, past_the_floors(months.month(*SAVED, carry=False)))
        times["worst"].append(seconds)
    print(f"(the checked saves warned about {warned:,} values in {repeat} saves)")
    return times


def past_the_floors(rows):
    """The rows with every value above its indicator's outlier floor: each needs its history."""
    from federation.entries.services import EntryRow

    return [
        EntryRow(r.unit, r.indicator, r.year, r.month, r.value + r.indicator.outlier_floor + 1)
        for r in rows
    ]


def give_findings(city, indicators, rate: float) -> int:
    """Findings on `rate` of the values of every CĐCS below the city, every month of 2025, in
    every state, as entries_save and the follow-up leave them."""
    from federation.models import EntryFinding, FindingKind, FindingStatus, Unit

    unions = list(Unit.objects.filter(path__startswith=city.path, numchild=0))
    states = [FindingStatus.OPEN] * 6 + [FindingStatus.FOLLOW_UP] * 2 + [FindingStatus.RESOLVED] * 2
    made = 0
    for year, month in HISTORY:
        count = max(1, int(len(unions) * len(indicators) * rate))
        batch = [
            EntryFinding(
                unit=random.choice(unions),
                indicator=(indicator := random.choice(indicators)),
                year=year,
                month=month,
                value=random.randint(100, 100_000),
                kind=FindingKind.OUTLIER,
                message=f"{indicator.name}: cao bất thường so với 12 tháng trước (thường 3–8).",
                status=random.choice(states),
            )
            for _ in range(count)
        ]
        EntryFinding.objects.bulk_create(batch, batch_size=5000)
        made += len(batch)
    return made


def leader_of(city):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from federation import services

    user = get_user_model().objects.create_user("bench_leader", password="bench-only-123")
    services.role_grant(user=user, unit=city, role="leader")
    client = Client()
    client.force_login(user)
    return client


def bench_page(city, repeat: int) -> dict[str, list[float]]:
    """The page for January–June 2025, asked as a leader would page through it."""
    from django.urls import reverse

    from federation.quality.selectors import PER_PAGE, QualityQuery, findings_below

    client = leader_of(city)
    url = reverse("unit_quality", args=[city.pk])
    months = {"year": 2025, "first_month": 1, "last_month": 6}
    pages = -(-findings_below(city, QualityQuery(2025, 1, 6)).count() // PER_PAGE)
    asks = {
        "first page, not yet resolved": {**months},
        f"page {pages // 2} of {pages}": {**months, "page": pages // 2},
        f"last page ({pages})": {**months, "page": pages},
        "first page, every state": {**months, "showing": "all"},
    }
    times: dict[str, list[float]] = {label: [] for label in asks}
    for _ in range(repeat):
        for label, params in asks.items():
            seconds, response = timed(client.get, url, params)
            assert response.status_code == 200, response.status_code
            assert "cao bất thường".encode() in response.content, label
            times[label].append(seconds)
    return times


def line(label: str, values: list[float]) -> str:
    median = statistics.median(values)
    return f"{label:<62} {median:7.3f} {min(values):7.3f} {max(values):7.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=20)
    parser.add_argument("--unions", type=int, default=500, help="CĐCS in each district")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--rate", type=float, default=FINDING_RATE)
    args = harness.arguments(parser, SMOKE)
    random.seed(14)
    figures = Figures(GOALS, smoke=args.smoke)
    with harness.throwaway_database(harness.database_name("quality", args.smoke)) as url:
        harness.setup_django(url)
        run(args, figures)
    figures.print_table()


def run(args, figures: Figures) -> None:
    from federation.models import Indicator, Unit

    city = build_city(args.districts, args.unions)
    district = Unit.get_first_child(city)
    units = [district, *Unit.get_children(district)]
    indicators = list(Indicator.objects.filter(is_active=True))
    print(f"PostgreSQL, a city of {args.districts} districts × {args.unions} CĐCS, "
          f"{len(indicators)} active indicators, {args.repeat} repetitions; seconds.")  # fmt: skip

    checks = bench_checks(units, indicators, args.repeat)
    findings = give_findings(city, indicators, args.rate)
    harness.refresh_statistics()
    page = bench_page(city, args.repeat)

    print(f"\n{'':<62} {'median':>7} {'min':>7} {'max':>7}")
    values = f"{len(units)} units × {len(indicators)}"
    print(line(f"entries_save, district month ({values}), with checks", checks["with"]))
    print(line(f"entries_save, district month ({values}), checks off", checks["without"]))
    print(line("checks.findings_for alone, same rows", checks["findings_for"]))
    print(line("checks.findings_for, every value past its floor", checks["worst"]))
    for label, times in page.items():
        print(line(f"quality page, {label}", times))
    print(f"\n{findings:,} findings in 2025 below the city, {args.rate:.0%} of its CĐCS' values.")
    added = [w - wo for w, wo in zip(checks["with"], checks["without"], strict=True)]
    print(line("checks added to the save (each pair: with − off)", added))
    figures["checks_added"] = statistics.median(added)
    figures["quality_page"] = max(statistics.median(times) for times in page.values())


if __name__ == "__main__":
    main()
