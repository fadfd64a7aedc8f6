"""Server time of the roster list and search, for a CĐCS of 10,000 members and a district of
200,000 (issue 7's goal: a median under 100 ms each).

    .venv/bin/python bench/bench_roster.py [--repeat 15]

Runs against DATABASE_URL (an empty database: it is migrated and filled, and left as it is); by
default it creates a throwaway PostgreSQL database
(postgres://postgres@127.0.0.1:5432/bench_roster), fills it with bulk_create and drops it at the
end. Each page is requested through Django's test Client (the whole request, in process: no
network), the pages taking turns: a few rounds to warm up, then --repeat timed rounds; the table
shows each page's median and worst time and its number of queries.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_roster"

DISTRICT_MEMBERS = 200_000
BIG_UNION_MEMBERS = 10_000
DISTRICT_UNIONS = 200
OTHER_DISTRICT_UNIONS, OTHER_DISTRICT_MEMBERS = 20, 20_000
BATCH = 5_000

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thu", "Quang", "Hữu", "Thanh", "Xuân", "Hồng"]
GIVEN = [
    "An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hùng", "Hương", "Lan", "Linh", "Long",
    "Mai", "Nam", "Nga", "Phong", "Quân", "Sơn", "Thảo", "Trang", "Tuấn", "Vân", "Yến",
]  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    return parser.parse_args()


# --- the database ------------------------------------------------------------------------------


def admin_connection(url: str):
    import psycopg

    parts = urlparse(url)
    return psycopg.connect(urlunparse(parts._replace(path="/postgres")), autocommit=True)


def create_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    with admin_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    from django.db import connections

    connections.close_all()
    name = urlparse(url).path.lstrip("/")
    with admin_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    # Production-like: no DEBUG query log, which would add to every request's time.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-roster-only")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# --- the data ----------------------------------------------------------------------------------


def build(rng: random.Random):
    """A city with the measured district (200 CĐCS, one of 10,000 members) and another one."""
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
        for i in range(DISTRICT_UNIONS)
    ]
    others = [
        unit(other, f"B-ML{i:03d}", f"Công đoàn Công ty khác số {i}", **workforce)
        for i in range(OTHER_DISTRICT_UNIONS)
    ]
    big = unions[0]
    rest = DISTRICT_MEMBERS - BIG_UNION_MEMBERS
    plan = [(big, BIG_UNION_MEMBERS)]
    plan += [(u, rest // (DISTRICT_UNIONS - 1)) for u in unions[1:]]
    plan[-1] = (plan[-1][0], plan[-1][1] + rest % (DISTRICT_UNIONS - 1))
    plan += [(u, OTHER_DISTRICT_MEMBERS // OTHER_DISTRICT_UNIONS) for u in others]
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


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


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
    args = parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    throwaway = "DATABASE_URL" not in os.environ
    if throwaway:
        create_database(url)
    try:
        started = time.perf_counter()
        setup_django(url)
        from django.test import Client
        from django.urls import reverse

        from federation.models import Unit
        from membership.models import Member

        if Unit.objects.exists():
            sys.exit(
                "Cơ sở dữ liệu đã có dữ liệu: hãy trỏ DATABASE_URL vào một cơ sở dữ liệu trống."
            )
        user, district, big = build(random.Random(7))
        analyze()
        built = time.perf_counter() - started
        total = Member.objects.count()
        print(f"Dữ liệu: {total:,} đoàn viên, dựng trong {built:.0f} s ({url.split('@')[-1]}).")
        print("Tải máy (1/5/15 phút) trước khi đo: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))

        client = Client()
        client.force_login(user)
        roster, counts = "membership:roster", "membership:roster_counts"
        cases = [
            ("CĐCS 10.000", "danh sách, trang 1", roster, big, {}),
            ("CĐCS 10.000", "danh sách, trang 150", roster, big, {"page": 150}),
            ("CĐCS 10.000", "tìm tên “nguyen van hung”", roster, big, {"q": "nguyen van hung"}),
            ("CĐCS 10.000", "tìm số thẻ “0000012”", roster, big, {"q": "0000012"}),
            ("CĐCS 10.000", "số liệu tổng hợp (htmx)", counts, big, {}),
            ("Huyện 200.000", "danh sách, trang 1", roster, district, {}),
            ("Huyện 200.000", "danh sách, trang 20", roster, district, {"page": 20}),
            ("Huyện 200.000", "tìm tên “nguyen van hung”", roster, district, {
                "q": "nguyen van hung"}),
            ("Huyện 200.000", "tìm tên “trang”", roster, district, {"q": "trang"}),
            ("Huyện 200.000", "tìm số thẻ “00015”", roster, district, {"q": "00015"}),
            ("Huyện 200.000", "nữ, vào 2015–2016", roster, district, {
                "gender": "female", "joined_from": "01/01/2015", "joined_to": "31/12/2016"}),
            ("Huyện 200.000", "số liệu tổng hợp (htmx)", counts, district, {}),
        ]  # fmt: skip
        requests = [(reverse(view, args=[unit.pk]), params) for _, _, view, unit, params in cases]
        results = measure(client, requests, args.warmup, args.repeat)
        print(f"\n{'Danh sách':<15} {'Trang':<28} {'trung vị':>9} {'tối đa':>8} {'truy vấn':>8}")
        print("-" * 72)
        for (scope, label, *_), (median, worst, queries) in zip(cases, results, strict=True):
            print(f"{scope:<15} {label:<28} {median:>6.1f} ms {worst:>5.0f} ms {queries:>8}")
        print("Tải máy sau khi đo: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        print(f"\n{args.repeat} lần đo mỗi trang sau {args.warmup} lần chạy nóng; "
              f"tổng thời gian {time.perf_counter() - started:.0f} s.")  # fmt: skip
    finally:
        if throwaway and not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
