"""How long a progress dashboard takes at the root of a national tree, and at a CĐCS.

    .venv/bin/python bench/bench_dashboard.py [--unions 100000] [--runs 30] [--keep] [--reuse]
                                              [--smoke]

Builds, in the throwaway PostgreSQL database `bench_dashboard_<pid>` (dropped at the end, even
when killed; `bench_dashboard_kept` with --keep, which --reuse times again without building), a
tree the size of the confederation: a root, 63 provinces, 700 districts and 100,000 CĐCS, with 36
months of monthly entries for three indicators (a flow, a stock, an amount of money) on every
CĐCS and year / H1 targets on every unit. Admissions follow the seasons a federation sees (few
around Tết, a push before 1/5 and at the year's end) on a shape that is the same every year,
scaled by the unit, plus 0–4 a month drawn for each unit and month (a hash of the three): the
back-test on it shows the forecast follows a season where there is one, the demo's is the
harder test. Then it times, through Django's test Client (server time with no
network), the dashboard page (its forecast on) and the children's table the page loads after
itself with htmx, and prints both medians at the root, a province, a district and a CĐCS (which
has no table), with the page's ratio root / CĐCS. Goals (issues 5, 16): root ≤ 1,5× CĐCS, root
under 50 ms. Last, the forecast's back-test (forecast_backtest.py) on every federation and every
tenth CĐCS: last year forecast from its first 5 and 6 months against a straight line (issue 16).

The data goes in with SQL, not through entries_save, which would take hours for 7 million rows:
units by COPY with their materialized paths computed here (treebeard: steplen 4, alphabet 0-9A-Z),
entries and targets by INSERT … SELECT, and the roll-up computed from the entries level by level,
deepest first (a unit's rows are its own entries plus its children's totals; a CĐCS keeps no
rows, its totals are its entries), merged with the same INSERT … ON CONFLICT DO UPDATE that
federation.entries.rollup.apply uses. A small tree is built the same way first and checked with
federation.entries.rollup.find_drift, so the big roll-up comes from SQL shown to agree with the
entries; a few units of the big one are then checked by brute force. Each step that changes a
table's size ANALYZEs it before the next reads it: the small tree's statistics would otherwise
lead the planner to nested loops over the big one (20 minutes and more instead of 2-3).
The big tables are UNLOGGED while they fill: the database is thrown away after.
"""

import argparse
import datetime
import statistics
import time
from typing import NamedTuple

import harness
from forecast_backtest import backtest, print_outcomes
from harness import Figures, Goal

INDICATORS = ("new_members", "total_members", "union_fees_collected")
GOALS = (
    Goal("root_page", "dashboard page at the root (100,000 CĐCS), median", "<", 50, "ms",
         "issue 5"),
    Goal("root_over_leaf", "dashboard page with the forecast, root / CĐCS (medians)", "≤", 1.5,
         "×", "issues 5, 16"),
    Goal("backtest_ratio", "forecast back-test, national tree: error / straight line's", "<", 1,
         "×", "issue 16"),
)  # fmt: skip
SMOKE = {"unions": 300, "provinces": 3, "districts": 12, "runs": 3}


class Timing(NamedTuple):
    median: float  # ms
    p90: float
    cpu: float  # median CPU time of this process, ms
    queries: int


# --- building the tree -------------------------------------------------------------------------


def step(number: int, alphabet: str, steplen: int) -> str:
    """Treebeard's path step for the number-th child: 1 → "0001", 36 → "0010"."""
    digits = ""
    while number:
        number, rest = divmod(number, len(alphabet))
        digits = alphabet[rest] + digits
    return digits.rjust(steplen, alphabet[0])


def spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` nearly equal whole numbers."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def unit_rows(unions: int, provinces: int, districts: int):
    """(path, depth, numchild, code, name, kind) of every unit, parents before children."""
    from federation.models import Unit

    def path(parent: str, n: int) -> str:
        return parent + step(n, Unit.alphabet, Unit.steplen)

    root = path("", 1)
    yield root, 1, provinces, "TLD", "Tổng Liên đoàn Lao động Việt Nam", "confederation"
    per_province = spread(districts, provinces)
    per_district = spread(unions, districts)
    district_no = 0
    for p, district_count in enumerate(per_province, start=1):
        province = path(root, p)
        yield province, 2, district_count, f"T{p:02d}", f"LĐLĐ tỉnh {p}", "provincial_federation"
        for d in range(1, district_count + 1):
            union_count = per_district[district_no]
            district_no += 1
            district = path(province, d)
            code = f"T{p:02d}-H{d:02d}"
            yield district, 3, union_count, code, f"LĐLĐ huyện {code}", "district_federation"
            for u in range(1, union_count + 1):
                name = f"Công đoàn cơ sở {code}-{u:03d}"
                yield path(district, u), 4, 0, f"{code}-{u:03d}", name, "grassroots_union"


def build(cursor, raw, *, unions: int, provinces: int, districts: int, months: list) -> None:
    """The tree, its entries, their roll-up and the targets, each table ANALYZEd once filled."""
    copy_units(raw, unit_rows(unions, provinces, districts))
    cursor.execute("ANALYZE federation_unit")
    insert_entries(cursor, months)
    cursor.execute("ANALYZE federation_monthlyentry")
    roll_up(cursor)
    insert_targets(cursor, months[-1][0])
    cursor.execute("ANALYZE federation_target")


def copy_units(raw, rows) -> None:
    from federation.text import fold

    copy_sql = (
        "COPY federation_unit "
        "(path, depth, numchild, code, name, short_name, kind, sector, search_key) FROM STDIN"
    )
    with raw.cursor() as copy_cursor, copy_cursor.copy(copy_sql) as copy:
        for path, depth, numchild, code, name, kind in rows:
            # What Unit.save would fold for the search, as the unit services would store it.
            key = fold(f"{name}  {code}")
            copy.write_row((path, depth, numchild, code, name, "", kind, "", key))


INDICATOR_IDS = "SELECT id, code FROM federation_indicator WHERE code = ANY(%(codes)s)"


def insert_entries(cursor, months: list) -> None:
    """Deterministic figures that differ by unit and month; district federations also report a
    little of their own, so the roll-up SQL is checked on inner nodes' entries too."""
    cursor.execute("DROP TABLE IF EXISTS bench_month")
    cursor.execute("CREATE TEMP TABLE bench_month (year int, month int)")
    cursor.executemany("INSERT INTO bench_month VALUES (%s, %s)", months)
    cursor.execute(
        f"""
        INSERT INTO federation_monthlyentry
            (unit_id, indicator_id, year, month, value, created_at, updated_at)
        SELECT u.id, i.id, m.year, m.month,
               CASE i.code
                   WHEN 'new_members' THEN
                       (ARRAY[0, 0, 2, 3, 3, 1, 1, 1, 2, 2, 3, 4])[m.month] * (1 + u.id %% 3)
                       + abs(hashtext(u.id || '-' || m.year || '-' || m.month)) %% 5
                   WHEN 'total_members' THEN 80 + u.id %% 400 + m.month
                   ELSE (u.id %% 50 + 1) * 1000000 + m.month * 10000
               END,
               now(), now()
        FROM federation_unit u
        CROSS JOIN ({INDICATOR_IDS}) i
        CROSS JOIN bench_month m
        WHERE u.kind = 'grassroots_union'
           OR (u.kind = 'district_federation' AND i.code = 'new_members' AND m.month %% 3 = 0)
        """,
        {"codes": list(INDICATORS)},
    )


def roll_up(cursor) -> None:
    """Deepest level first: a unit's rows are its own entries, plus its children's totals added
    in; a CĐCS has no rows, the MonthlyTotal view reads its entries."""
    for depth in (4, 3, 2, 1):
        cursor.execute(
            """
            INSERT INTO federation_rollup (unit_id, indicator_id, year, month, total, entries)
            SELECT e.unit_id, e.indicator_id, e.year, e.month, e.value, 1
            FROM federation_monthlyentry e
            JOIN federation_unit u ON u.id = e.unit_id AND u.depth = %(depth)s
            WHERE u.kind <> 'grassroots_union'
            """,
            {"depth": depth},
        )
        cursor.execute(
            """
            INSERT INTO federation_rollup (unit_id, indicator_id, year, month, total, entries)
            SELECT p.id, r.indicator_id, r.year, r.month, SUM(r.total), SUM(r.entries)
            FROM federation_monthly_total r
            JOIN federation_unit c ON c.id = r.unit_id AND c.depth = %(depth)s + 1
            JOIN federation_unit p ON p.path = substr(c.path, 1, %(prefix)s)
            GROUP BY p.id, r.indicator_id, r.year, r.month
            ON CONFLICT (unit_id, indicator_id, year, month) DO UPDATE SET
                total = federation_rollup.total + EXCLUDED.total,
                entries = federation_rollup.entries + EXCLUDED.entries
            """,
            {"depth": depth, "prefix": depth * 4},
        )
        # The next level reads these rows back through the view.
        cursor.execute("ANALYZE federation_rollup")


def insert_targets(cursor, year: int) -> None:
    cursor.execute(
        f"""
        INSERT INTO federation_target
            (unit_id, indicator_id, year, period, value, created_at, updated_at)
        SELECT u.id, i.id, %(year)s, p.period,
               CASE i.code
                   WHEN 'new_members' THEN 50
                   WHEN 'total_members' THEN 300
                   ELSE 300000000
               END::bigint * GREATEST(1, u.numchild) * p.share / 100,
               now(), now()
        FROM federation_unit u
        CROSS JOIN ({INDICATOR_IDS}) i
        CROSS JOIN (VALUES ('Y', 100), ('H1', 45)) AS p (period, share)
        WHERE u.depth > 1
        """,
        {"year": year, "codes": list(INDICATORS)},
    )


def last_36_months(today: datetime.date) -> list[tuple[int, int]]:
    """This month and the 35 before it: the last two years whole, for the forecast's back-test."""
    months = []
    year, month = today.year, today.month
    for _ in range(36):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(months)


# --- timing ------------------------------------------------------------------------------------


def time_view(client, url: str, params: dict, runs: int, headers: dict) -> Timing:
    """Median and 90th percentile of the server time in ms, median CPU time of this process
    (steadier than the clock on a busy machine), and the number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        assert client.get(url, params, headers=headers).status_code == 200
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        client.get(url, params, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, params, headers=headers)
    p90 = statistics.quantiles(times, n=10)[-1]
    return Timing(statistics.median(times), p90, statistics.median(cpu), len(queries))


def time_dashboard(client, unit, year: int, runs: int) -> tuple[Timing, Timing | None]:
    """The page, then its children's table as the page's htmx request asks for it."""
    from django.urls import reverse

    from federation.dashboards.views import LAZY_TABLE_ID

    params = {"year": year, "period": "Y"}
    page = time_view(client, reverse("unit_dashboard", args=[unit.pk]), params, runs, {})
    if not unit.numchild:
        return page, None
    url = reverse("unit_dashboard_children", args=[unit.pk])
    htmx = {"HX-Request": "true", "HX-Trigger": LAZY_TABLE_ID}
    return page, time_view(client, url, params, runs, htmx)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unions", type=int, default=100_000, help="number of CĐCS")
    parser.add_argument("--provinces", type=int, default=63)
    parser.add_argument("--districts", type=int, default=700)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per unit")
    parser.add_argument("--database", help="the throwaway database's name")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="time the database a run with --keep left, as it is"
    )
    return harness.arguments(parser, SMOKE)


def main() -> None:
    args = parse_args()
    figures = Figures(GOALS, smoke=args.smoke)
    kept = args.keep or args.reuse
    name = args.database or harness.database_name("dashboard", args.smoke, kept=kept)
    with harness.throwaway_database(name, keep=args.keep, reuse=args.reuse) as url:
        harness.setup_django(url)
        run(args, figures)
    if not args.keep:
        print("Đã xóa cơ sở dữ liệu thử.")
    figures.print_table()


def run(args, figures: Figures) -> None:
    from django.db import connection

    from federation.models import Indicator, Unit

    months = last_36_months(datetime.date.today())
    # Django keeps its connection in autocommit: each statement below commits on its own.
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    if args.reuse:
        print(f"Dùng lại cơ sở dữ liệu đã dựng: {Unit.objects.count():,} đơn vị.")
    else:
        build_checked(cursor, connection.connection, args, months)

    levels = sample_units()
    spot_check(cursor, [unit for _, unit in levels], Indicator.objects.get(code="new_members"))
    client, year = client_of_root_leader(), months[-1][0]
    rows = [(label, unit, *time_dashboard(client, unit, year, args.runs)) for label, unit in levels]
    print_levels(rows, year, args.runs)
    root, leaf = rows[0][2], rows[-1][2]
    figures["root_page"] = root.median
    figures["root_over_leaf"] = root.median / leaf.median
    outcomes = backtest(backtest_units(), year - 1)
    print_outcomes(f"Dự báo năm {year - 1} từ các tháng đầu năm, sai số trung vị:", outcomes)
    figures["backtest_ratio"] = max(o.ratio for o in outcomes)


def backtest_units() -> list[int]:
    """Every federation and every tenth CĐCS."""
    from federation.models import Unit, UnitKind

    federations = Unit.objects.exclude(kind=UnitKind.GRASSROOTS_UNION).values_list("pk", flat=True)
    unions = Unit.objects.filter(kind=UnitKind.GRASSROOTS_UNION).order_by("pk")
    return [*federations, *unions.values_list("pk", flat=True)[::10]]


def sample_units() -> list[tuple[str, object]]:
    """The root, and the first province, district and CĐCS down its first branch."""
    from federation.models import Unit

    root = Unit.objects.get(depth=1)
    province = Unit.objects.filter(depth=2).order_by("path").first()
    district = Unit.objects.filter(depth=3, path__startswith=province.path).order_by("path").first()
    union = Unit.objects.filter(depth=4, path__startswith=district.path).order_by("path").first()
    return [("Gốc (TLĐ)", root), ("Tỉnh", province), ("Huyện", district), ("CĐCS", union)]


def client_of_root_leader():
    from django.contrib.auth import get_user_model
    from django.test import Client

    from federation import services
    from federation.models import Unit

    user = get_user_model().objects.filter(username="bench_leader").first()
    if user is None:
        user = get_user_model().objects.create_user("bench_leader", password="bench-only-123")
        services.role_grant(user=user, unit=Unit.objects.get(depth=1), role="leader")
    client = Client()
    client.force_login(user)
    return client


def build_checked(cursor, raw, args, months: list) -> None:
    """The small tree, checked against federation.entries.rollup.find_drift, then the big one."""
    from federation.entries import rollup
    from federation.models import MonthlyEntry, Rollup, Unit

    cursor.execute("SET synchronous_commit TO off")
    cursor.execute("SET work_mem TO '256MB'")
    # Throwaway data: the big tables skip the write-ahead log while they fill (reads are alike).
    for table in ("federation_monthlyentry", "federation_rollup", "federation_target"):
        cursor.execute(f"ALTER TABLE {table} SET UNLOGGED")

    started = time.perf_counter()
    build(cursor, raw, unions=120, provinces=2, districts=5, months=months)
    drift = rollup.find_drift()
    if drift:
        raise SystemExit(f"The bench's roll-up SQL disagrees with the entries: {drift[:5]}")
    checked = Rollup.objects.count()
    print(f"Kiểm tra trên cây nhỏ: bảng tổng hợp khớp số liệu tháng ({checked} dòng).")
    cursor.execute(
        "TRUNCATE federation_rollup, federation_target, federation_monthlyentry, "
        "federation_unit RESTART IDENTITY CASCADE"
    )

    sizes = {"unions": args.unions, "provinces": args.provinces, "districts": args.districts}
    build(cursor, raw, **sizes, months=months)
    cursor.execute("VACUUM ANALYZE")
    took = time.perf_counter() - started
    print(
        f"Dựng dữ liệu: {Unit.objects.count():,} đơn vị, "
        f"{MonthlyEntry.objects.count():,} số liệu tháng, "
        f"{Rollup.objects.count():,} dòng tổng hợp trong {took:.0f} s."
    )


def spot_check(cursor, units, indicator) -> None:
    """The big roll-up against brute-force sums of the entries, for a few units and months."""
    for unit in units:
        cursor.execute(
            """
            SELECT r.month, r.total, (
                SELECT SUM(e.value) FROM federation_monthlyentry e
                JOIN federation_unit u ON u.id = e.unit_id
                WHERE u.path LIKE %(path)s AND e.indicator_id = r.indicator_id
                  AND e.year = r.year AND e.month = r.month)
            FROM federation_monthly_total r
            WHERE r.unit_id = %(unit)s AND r.indicator_id = %(indicator)s
            ORDER BY r.year DESC, r.month DESC LIMIT 2
            """,
            {"path": unit.path + "%", "unit": unit.pk, "indicator": indicator.pk},
        )
        for month, stored, expected in cursor.fetchall():
            if stored != expected:
                raise SystemExit(f"{unit.code} tháng {month}: tổng hợp {stored} ≠ {expected}")
    print(f"Kiểm tra mẫu trên cây lớn: {len(units)} đơn vị khớp tổng số liệu tháng.")


def print_levels(rows, year: int, runs: int) -> None:
    print(f"\nTheo dõi tiến độ, cả năm {year}, {runs} lần mỗi đơn vị:")
    print(f"{'':<35}{'Trang':-^40}  {'Bảng đơn vị trực thuộc (htmx)':-^34}")
    print(
        f"{'Cấp':<11}{'Mã':<13}{'Trực thuộc':>11}{'Trung vị':>11}{'P90':>10}"
        f"{'CPU':>10}{'Truy vấn':>9}  {'Trung vị':>11}{'P90':>10}{'Truy vấn':>13}"
    )
    for label, unit, page, table in rows:
        line = (
            f"{label:<11}{unit.code:<13}{unit.numchild:>11,}{page.median:>9.1f}ms"
            f"{page.p90:>8.1f}ms{page.cpu:>8.1f}ms{page.queries:>9}  "
        )
        if table:
            line += f"{table.median:>9.1f}ms{table.p90:>8.1f}ms{table.queries:>13}"
        else:
            line += f"{'—':>11}{'—':>10}{'—':>13}"
        print(line)
    root, leaf = rows[0][2], rows[-1][2]
    print(
        f"Trang gốc / trang CĐCS: {root.median / leaf.median:.2f} theo thời gian, "
        f"{root.cpu / leaf.cpu:.2f} theo CPU (mục tiêu ≤ 1,5); "
        f"trang gốc {root.median:.1f} ms (mục tiêu < 50 ms)."
    )


if __name__ == "__main__":
    main()
