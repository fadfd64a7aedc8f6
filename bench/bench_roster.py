"""Server time of the roster list and search, for a CĐCS of 10,000 members and a district of
200,000 (issue 7's goal: a median under 100 ms each; issue 17's for the counts).

    .venv/bin/python bench/bench_roster.py [--repeat 15] [--members 200000] [--smoke]

Creates the throwaway PostgreSQL database `bench_roster_<pid>` (dropped at the end, even when
killed; `bench_roster_kept`, kept, with --keep), fills it with bulk_create and refreshes its
statistics. Each page is requested through Django's test Client (the whole request, in process:
no network), the pages taking turns: a few rounds to warm up, then --repeat timed rounds; the
table shows each page's median and worst time and its number of queries.
"""

import argparse
import random
import statistics
import time
from datetime import date, timedelta

import harness
from harness import Figures, Goal

BATCH = 5_000
ROSTER, COUNTS = "membership:roster", "membership:roster_counts"
# figure, page of the CĐCS ("union") or of the district, what is asked, the view, its parameters
CASES = [
    ("union_p1", "union", "list, page 1", ROSTER, {}),
    ("union_p150", "union", "list, page 150", ROSTER, {"page": 150}),
    ("union_name", "union", "search a name “nguyen van hung”", ROSTER, {"q": "nguyen van hung"}),
    ("union_card", "union", "search a card number “0000012”", ROSTER, {"q": "0000012"}),
    ("union_counts", "union", "counts panel (htmx)", COUNTS, {}),
    ("district_p1", "district", "list, page 1", ROSTER, {}),
    ("district_p20", "district", "list, page 20", ROSTER, {"page": 20}),
    ("district_name", "district", "search a name “nguyen van hung”", ROSTER, {
        "q": "nguyen van hung"}),
    ("district_trang", "district", "search a name “trang”", ROSTER, {"q": "trang"}),
    ("district_card", "district", "search a card number “00015”", ROSTER, {"q": "00015"}),
    ("district_filter", "district", "women who joined in 2015–2016", ROSTER, {
        "gender": "female", "joined_from": "01/01/2015", "joined_to": "31/12/2016"}),
    ("district_counts", "district", "counts panel (htmx)", COUNTS, {}),
]  # fmt: skip
SCOPE = {"union": "roster, CĐCS of 10,000", "district": "roster, district of 200,000"}
GOALS = tuple(
    Goal(figure, f"{SCOPE[scope]}: {label}", "<", 100, "ms",
         "issues 7, 17" if view == COUNTS else "issue 7")
    for figure, scope, label, view, _ in CASES
)  # fmt: skip
SMOKE = {"members": 2_000, "big": 500, "unions": 10, "repeat": 2, "warmup": 1}

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thu", "Quang", "Hữu", "Thanh", "Xuân", "Hồng"]
GIVEN = [
    "An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hùng", "Hương", "Lan", "Linh", "Long",
    "Mai", "Nam", "Nga", "Phong", "Quân", "Sơn", "Thảo", "Trang", "Tuấn", "Vân", "Yến",
]  # fmt: skip


# --- the data ----------------------------------------------------------------------------------


def build(rng: random.Random, args):
    """A city with the measured district (200 CĐCS, one of 10,000 members, 200,000 in all) and
    another a tenth of its size."""
    from federation import services
    from federation.models import UnitKind
    from federation.tests.factories import UserFactory

    def unit(parent, code, name, kind=UnitKind.GRASSROOTS_UNION, **fields):
        return services.unit_create(
            parent=parent, code=code, name=name, kind=kind, user=None, **fields
        )

    city = unit(None, "B-HN", "LĐLĐ Thành phố (bench)", UnitKind.PROVINCIAL_FEDERATION)
    district = unit(city, "B-HD", "LĐLĐ huyện (bench)", UnitKind.DISTRICT_FEDERATION)
    other = unit(city, "B-ML", "LĐLĐ huyện khác (bench)", UnitKind.DISTRICT_FEDERATION)
    workforce = {"workforce_total": 1200, "workforce_female": 600}
    unions = [
        unit(district, f"B-HD{i:03d}", f"Công đoàn Công ty số {i}", **workforce)
        for i in range(args.unions)
    ]
    others = [
        unit(other, f"B-ML{i:03d}", f"Công đoàn Công ty khác số {i}", **workforce)
        for i in range(max(1, args.unions // 10))
    ]
    big = unions[0]
    rest = args.members - args.big
    plan = [(big, args.big)]
    plan += [(u, rest // (args.unions - 1)) for u in unions[1:]]
    plan[-1] = (plan[-1][0], plan[-1][1] + rest % (args.unions - 1))
    plan += [(u, args.members // 10 // len(others)) for u in others]
    add_members(rng, plan)
    user = UserFactory(username="bench_staff", role_on=district)
    return user, district, big


def add_members(rng: random.Random, plan) -> None:
    from membership.models import Gender, LeaveReason, Member

    reasons = [r for r in LeaveReason.values if r != LeaveReason.TRANSFERRED]
    batch, card = [], 0
    for union, count in plan:
        for _ in range(count):
            card += 1
            female = rng.random() < 0.5
            joined = date(2005, 1, 1) + timedelta(days=rng.randint(0, 7000))
            left = joined + timedelta(days=rng.randint(30, 900)) if rng.random() < 0.12 else None
            if left and left > date(2025, 12, 31):
                left = None
            batch.append(
                Member(
                    union=union,
                    full_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                    gender=Gender.FEMALE if female else Gender.MALE,
                    birth_date=date(1965, 1, 1) + timedelta(days=rng.randint(0, 12000)),
                    joined_on=joined,
                    left_on=left,
                    leave_reason=rng.choice(reasons) if left else "",
                    card_number=f"{card:09d}",
                )
            )
            if len(batch) == BATCH:
                Member.objects.bulk_create(batch)
                batch = []
    Member.objects.bulk_create(batch)


# --- timing ------------------------------------------------------------------------------------


def measure(client, requests: list[tuple[str, dict]], warmup: int, repeat: int):
    """Median and worst time of each request, and its query count.

    The requests take turns, round after round, so a burst of load on the machine spreads over
    all of them instead of spoiling one.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times: list[list[float]] = [[] for _ in requests]
    for round_number in range(warmup + repeat):
        for index, (url, params) in enumerate(requests):
            started = time.perf_counter()
            response = client.get(url, params)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (url, response.status_code)
            if round_number >= warmup:
                times[index].append(elapsed)
    results = []
    for (url, params), measured in zip(requests, times, strict=True):
        with CaptureQueriesContext(connection) as queries:
            client.get(url, params)
        results.append((statistics.median(measured), max(measured), len(queries)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first")
    parser.add_argument("--members", type=int, default=200_000, help="members of the district")
    parser.add_argument("--big", type=int, default=10_000, help="members of its largest CĐCS")
    parser.add_argument("--unions", type=int, default=200, help="CĐCS of the district")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = harness.arguments(parser, SMOKE)
    figures = Figures(GOALS, smoke=args.smoke)
    name = harness.database_name("roster", args.smoke, kept=args.keep)
    with harness.throwaway_database(name, keep=args.keep) as url:
        harness.setup_django(url)
        run(args, figures)
    figures.print_table()


def run(args, figures: Figures) -> None:
    from django.test import Client
    from django.urls import reverse

    from membership.models import Member

    started = time.perf_counter()
    user, district, big = build(random.Random(7), args)
    harness.refresh_statistics()
    print(f"Dữ liệu: {Member.objects.count():,} đoàn viên, dựng trong "
          f"{time.perf_counter() - started:.0f} s.")  # fmt: skip
    print("Tải máy (1/5/15 phút) trước khi đo: " + harness.load_average())
    client = Client()
    client.force_login(user)
    units = {"union": big, "district": district}
    requests = [
        (reverse(view, args=[units[scope].pk]), params) for _, scope, _, view, params in CASES
    ]
    results = measure(client, requests, args.warmup, args.repeat)
    print(f"\n{'Danh sách':<10} {'Trang':<34} {'trung vị':>9} {'tối đa':>8} {'truy vấn':>8}")
    print("-" * 72)
    for (figure, scope, label, *_), (median, worst, queries) in zip(CASES, results, strict=True):
        print(f"{scope:<10} {label:<34} {median:>6.1f} ms {worst:>5.0f} ms {queries:>8}")
        figures[figure] = median
    print("Tải máy sau khi đo: " + harness.load_average())
    print(f"\n{args.repeat} lần đo mỗi trang sau {args.warmup} lần chạy nóng; "
          f"tổng thời gian {time.perf_counter() - started:.0f} s.")  # fmt: skip


if __name__ == "__main__":
    main()
