"""Server time of the roster list and search, for a CĐCS of 10,000 members and a district of
200,000 (issue 7's goal: a median under 100 ms each); then the counts panel at a CĐCS, a district,
a province of 1,000,000 and the root of 11,000,000 members in 100,000 CĐCS (issue 17's: 100 ms
at every level, the root within 1.5 × the CĐCS).

    .venv/bin/python bench/bench_roster.py [--repeat 15] [--members 200000]
        [--root-members 11000000] [--smoke]

Creates the throwaway PostgreSQL database `bench_roster_<pid>` (dropped at the end, even when
killed; `bench_roster_kept`, kept, with --keep). The city and its district are filled through
bulk_create (which keeps the member tally) and measured first. Then the national mass is added
by SQL: the city grows to a province of --province-members, 62 other provinces of 11 districts
take the rest of --root-members, about --root-unions CĐCS in all; the roster's list indexes are
dropped first (the counts do not read them; the list was measured before), and the tally is
built by `rebuild_member_tally`, timed. Each page is requested through Django's test Client (the
whole request, in process: no network), the pages taking turns: a few rounds to warm up, then
--repeat timed rounds; the table shows each page's median and worst time and its number of
queries.
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
# The counts panel once the country is in: figure, the level, what it holds (the CĐCS and the
# district again, in the same rounds as the root: the ratio compares like with like).
NATIONAL = [
    ("national_union", "union", "CĐCS of 10,000"),
    ("national_district", "district", "district of 200,000"),
    ("province_counts", "province", "province of 1,000,000 members"),
    ("root_counts", "root", "root of 11,000,000 members"),
]
GOALS = tuple(
    Goal(figure, f"{SCOPE[scope]}: {label}", "<", 100, "ms",
         "issues 7, 17" if view == COUNTS else "issue 7")
    for figure, scope, label, view, _ in CASES
) + (
    Goal("province_counts", "roster counts, province of 1,000,000 members", "≤", 100, "ms",
         "issue 17"),
    Goal("root_counts", "roster counts, root of 11,000,000 members", "≤", 100, "ms", "issue 17"),
    Goal("root_ratio", "roster counts, root / CĐCS", "≤", 1.5, "×", "issue 17"),
)  # fmt: skip
SMOKE = {
    "members": 2_000, "big": 500, "unions": 10, "repeat": 2, "warmup": 1,
    "province_members": 5_000, "root_members": 20_000, "root_unions": 100, "provinces": 3,
}  # fmt: skip

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

    root = unit(None, "B-TLD", "Tổng Liên đoàn (bench)", UnitKind.CONFEDERATION)
    city = unit(root, "B-HN", "LĐLĐ Thành phố (bench)", UnitKind.PROVINCIAL_FEDERATION)
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
    return user, {"root": root, "province": city, "district": district, "union": big}


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


# --- the country -------------------------------------------------------------------------------

# The roster's indexes that only the list, its searches and the card check read: dropped before
# the national mass (10 million rows through a trigram index would take most of the bench) and
# not made again, since the list was measured before. The index on (union, dates) stays.
LIST_INDEXES = [
    "member_union_name", "member_name", "member_card", "member_search_trgm",
    "member_active_card_unique",
]  # fmt: skip


def add_country(args, units) -> None:
    """The city grows to a province of --province-members, 62 other provinces take the rest of
    --root-members; every new CĐCS holds the same number of members, about --root-members /
    --root-unions. Units by bulk insert, members by one INSERT … SELECT generate_series each."""
    from django.db import connection

    from federation import services
    from federation.models import Unit, UnitKind

    per_union = max(1, round(args.root_members / args.root_unions))
    in_city = Unit.objects.get(pk=units["province"].pk)
    already = count_members(in_city)
    plan = [(in_city, max(0, args.province_members - already) // per_union, 10)]
    others = args.provinces - 1
    outside = (args.root_members - args.province_members) // per_union
    for number in range(1, others + 1):
        province = services.unit_create(
            parent=units["root"], code=f"BN-{number:02d}", name=f"LĐLĐ tỉnh số {number}",
            kind=UnitKind.PROVINCIAL_FEDERATION, user=None,
        )  # fmt: skip
        plan.append((province, outside // others, 11))
    for parent, unions, districts in plan:
        for number in range(1, districts + 1):
            district = services.unit_create(
                parent=parent, code=f"{parent.code}-Q{number:02d}",
                name=f"LĐLĐ quận số {number} ({parent.code})",
                kind=UnitKind.DISTRICT_FEDERATION, user=None,
            )  # fmt: skip
            share = unions // districts + (number <= unions % districts)
            harness.add_grassroots(district, share, "Công đoàn Công ty số {n}", (50, 3000))
    with connection.cursor() as cursor:
        for index in LIST_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {index}")
        # The foreign keys are the new CĐCS's own, just made: no need to check 10 million.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(MEMBERS_SQL, [per_union, "BN-%", units["province"].code + "-Q%"])
        cursor.execute("SET session_replication_role = DEFAULT")


# A member's dates and gender drawn from its number g by multiplicative hashing: joined from
# 2005 over 7,000 days, one in eight left 30 to 900 days later (and by the end of 2025).
MEMBERS_SQL = """
INSERT INTO membership_member (union_id, full_name, search_name, gender, birth_date,
    joined_on, left_on, leave_reason, card_number, created_at, updated_at)
SELECT union_id, 'Đoàn viên ' || g, 'doan vien ' || g,
    CASE WHEN g %% 2 = 0 THEN 'female' ELSE 'male' END,
    DATE '1965-01-01' + (g * 7919 %% 12000)::int, joined,
    CASE WHEN g * 131 %% 8 = 0
        THEN LEAST(joined + (30 + g * 17 %% 870)::int, DATE '2025-12-31') END,
    CASE WHEN g * 131 %% 8 = 0 THEN 'resigned' ELSE '' END,
    'N' || lpad(g::text, 10, '0'), now(), now()
FROM (
    SELECT unit.id AS union_id, unit.id * 100000 + n AS g,
        DATE '2005-01-01' + ((unit.id * 100000 + n) %% 1000003 * 2654435761 %% 7000)::int AS joined
    FROM federation_unit AS unit CROSS JOIN generate_series(1, %s) AS n
    WHERE unit.kind = 'grassroots_union' AND (unit.code LIKE %s OR unit.code LIKE %s)
) AS drawn
"""


def count_members(unit) -> int:
    from membership.models import Member

    return Member.objects.filter(union__path__startswith=unit.path).count()


def national(args, figures: Figures, units) -> None:
    """The counts panel at every level once the country is in, the tally built by the rebuild."""
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from federation.models import Unit
    from federation.tests.factories import UserFactory

    started = time.perf_counter()
    add_country(args, units)
    harness.refresh_statistics()
    print(
        f"\nCả nước: thêm đoàn viên và CĐCS bằng SQL trong {time.perf_counter() - started:.0f} s."
    )
    started = time.perf_counter()
    call_command("rebuild_member_tally")
    print(f"rebuild_member_tally: {time.perf_counter() - started:.0f} s.")
    harness.refresh_statistics()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        (size,) = cursor.fetchone()
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('membership_member')), "
            "pg_size_pretty(pg_total_relation_size('membership_membertally')), "
            "(SELECT count(*) FROM membership_membertally)"
        )
        members_size, tally_size, tally_rows = cursor.fetchone()
    units = {level: Unit.objects.get(pk=unit.pk) for level, unit in units.items()}
    sizes = {level: count_members(unit) for level, unit in units.items()}
    unions = Unit.objects.filter(kind="grassroots_union").count()
    print(f"Cơ sở dữ liệu {size} (đoàn viên {members_size}, sổ đếm {tally_size}, "
          f"{tally_rows:,} dòng); {unions:,} CĐCS; đĩa: {disk_free()}")  # fmt: skip
    print("Tải máy (1/5/15 phút) trước khi đo: " + harness.load_average())
    client = Client()
    client.force_login(UserFactory(username="bench_root", role_on=units["root"]))
    requests = [(reverse(COUNTS, args=[units[level].pk]), {}) for _, level, _ in NATIONAL]
    results = measure(client, requests, args.warmup, args.repeat)
    print(f"\n{'Bảng số liệu':<34} {'đoàn viên':>12} {'trung vị':>9} {'tối đa':>8} {'truy vấn':>8}")
    print("-" * 76)
    for (figure, level, label), (median, worst, queries) in zip(NATIONAL, results, strict=True):
        print(f"{label:<34} {sizes[level]:>12,} {median:>6.1f} ms {worst:>5.0f} ms {queries:>8}")
        if figure in ("province_counts", "root_counts"):
            figures[figure] = median
    figures["root_ratio"] = results[3][0] / results[0][0]
    print("Tải máy sau khi đo: " + harness.load_average())


def disk_free() -> str:
    import shutil

    usage = shutil.disk_usage("/")
    return f"{usage.used / 2**30:.0f} GB dùng, {usage.free / 2**30:.0f} GB trống"


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
    parser.add_argument("--province-members", type=int, default=1_000_000)
    parser.add_argument("--root-members", type=int, default=11_000_000)
    parser.add_argument("--root-unions", type=int, default=100_000, help="CĐCS in the country")
    parser.add_argument("--provinces", type=int, default=63)
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
    user, units = build(random.Random(7), args)
    harness.refresh_statistics()
    print(f"Dữ liệu: {Member.objects.count():,} đoàn viên, dựng trong "
          f"{time.perf_counter() - started:.0f} s.")  # fmt: skip
    print("Tải máy (1/5/15 phút) trước khi đo: " + harness.load_average())
    client = Client()
    client.force_login(user)
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
    national(args, figures, units)
    print(f"\n{args.repeat} lần đo mỗi trang sau {args.warmup} lần chạy nóng; "
          f"tổng thời gian {time.perf_counter() - started:.0f} s.")  # fmt: skip


if __name__ == "__main__":
    main()
