"""Benchmark of the monthly entry write path and the Excel import (issue 4).

    .venv/bin/python bench/bench_entry.py [--repeat 5] [--unions 500]

Creates the throwaway PostgreSQL database `bench_entry` (dropped again at the end, even on
failure), builds a city → district → 500 CĐCS tree, and times, several times each:

- services.entries_save for one month × every active indicator × the district and its CĐCS
  (roll-up included): first insert of a month, then an update of every value;
- the Excel import of a 10,000-row workbook (500 CĐCS × 20 months) through
  federation.entries.importing, as a superuser: reading and checking every cell, then saving; and
  reading the same file again once saved, when every value is unchanged. Twice: with every
  indicator column filled (150,000 values, the worst case) and with three (30,000 values).

Targets (issue 4): the month's save under 1 s, the import under 5 s. Prints a table of medians.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "bench_entry"

sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench_entry_media_"))

import django  # noqa: E402
import psycopg  # noqa: E402

MONTHS_PER_IMPORT = 20


def admin(sql: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def build_district(unions: int):
    """A city, its district and `unions` CĐCS; the CĐCS rows are bulk-inserted with the paths
    treebeard would give them."""
    from federation import services
    from federation.models import Sector, Unit, UnitKind

    city = services.unit_create(
        parent=None, code="HN", name="LĐLĐ Thành phố Hà Nội",
        kind=UnitKind.PROVINCIAL_FEDERATION, user=None,
    )  # fmt: skip
    district = services.unit_create(
        parent=city, code="HN-HD", name="LĐLĐ huyện Hoài Đức",
        kind=UnitKind.DISTRICT_FEDERATION, user=None,
    )  # fmt: skip
    depth = district.depth + 1
    Unit.objects.bulk_create(
        Unit(
            path=Unit._get_path(district.path, depth, n),
            depth=depth,
            numchild=0,
            code=f"HN-HD-{n:03d}",
            name=f"Công đoàn Công ty TNHH số {n}",
            kind=UnitKind.GRASSROOTS_UNION,
            sector=Sector.NON_STATE,
            workforce_total=random.randint(50, 2000),
        )
        for n in range(1, unions + 1)
    )
    Unit.objects.filter(pk=district.pk).update(numchild=unions)
    district.refresh_from_db()
    assert Unit.get_children_count(district) == unions
    return district, [district, *Unit.get_children(district)]


def timed(function: Callable[..., object], *args, **kwargs) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def bench_month_save(units, indicators, repeat: int) -> dict[str, list[float]]:
    from federation.entries.services import EntryRow, entries_save
    from federation.models import Door

    times: dict[str, list[float]] = {"insert": [], "update": []}
    for rep in range(repeat):
        year, month = 2024, rep + 1
        rows = [
            EntryRow(unit, indicator, year, month, random.randint(0, 200))
            for unit in units
            for indicator in indicators
        ]
        seconds, saved = timed(entries_save, rows=rows, user=None, door=Door.SYSTEM)
        assert saved == len(rows)
        times["insert"].append(seconds)
        rows = [EntryRow(r.unit, r.indicator, year, month, r.value + 1) for r in rows]
        seconds, _ = timed(entries_save, rows=rows, user=None, door=Door.SYSTEM)
        times["update"].append(seconds)
    return times


def import_workbook(unions, indicators, first_year: int, filled: int) -> bytes:
    """The import layout for every CĐCS over MONTHS_PER_IMPORT months from January of
    `first_year`, the first `filled` indicator columns filled and the others left blank."""
    from federation import excel
    from federation.entries.excel import CODE, MONTH, NAME, SHEET_TITLE, YEAR
    from federation.months import months_between

    last_year, last_month = divmod(first_year * 12 + MONTHS_PER_IMPORT - 1, 12)
    months = months_between((first_year, 1), (last_year, last_month + 1))
    blanks = [None] * (len(indicators) - filled)
    rows = [
        [u.code, u.name, year, month, *(random.randint(0, 500) for _ in range(filled)), *blanks]
        for year, month in months
        for u in unions
    ]
    headers = [
        CODE,
        NAME,
        YEAR,
        MONTH,
        *map(excel.indicator_header, indicators),
    ]
    return excel.workbook_bytes(excel.Sheet(SHEET_TITLE, headers, rows))


def bench_import(district, unions, indicators, user, repeat: int, filled: int, first_year: int):
    """Each repetition imports new months (a first import), then reads the same file again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from federation.entries.importing import read_import, save_import

    times: dict[str, list[float]] = {"read": [], "save": [], "total": [], "again": []}
    queries = set()
    for rep in range(repeat):
        data = import_workbook(unions, indicators, first_year + 2 * rep, filled)
        with CaptureQueriesContext(connection) as captured:
            read, preview = timed(read_import, BytesIO(data), unit=district, user=user)
        queries.add(len(captured))
        assert not preview.errors, preview.errors[:3]
        assert preview.rows_read == len(unions) * MONTHS_PER_IMPORT
        saved_in, saved = timed(save_import, preview, user=user)
        assert saved == len(unions) * MONTHS_PER_IMPORT * filled
        again, unchanged = timed(read_import, BytesIO(data), unit=district, user=user)
        assert not unchanged.rows
        times["read"].append(read)
        times["save"].append(saved_in)
        times["total"].append(read + saved_in)
        times["again"].append(again)
    return times, len(data), sorted(queries)


def line(label: str, values: list[float], target: float | None = None) -> str:
    median = statistics.median(values)
    verdict = "" if target is None else ("ok" if median < target else "OVER")
    target_text = f"< {target:g} s" if target else ""
    return (
        f"{label:<62} {median:7.3f} {min(values):7.3f} {max(values):7.3f} "
        f"{target_text:>7} {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--unions", type=int, default=500)
    args = parser.parse_args()
    random.seed(4)

    admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    admin(f"CREATE DATABASE {DB_NAME}")
    try:
        django.setup()
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def run(args) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from federation.models import Indicator

    call_command("migrate", verbosity=0)
    district, units = build_district(args.unions)
    unions = units[1:]
    indicators = list(Indicator.objects.filter(is_active=True))
    superuser = get_user_model().objects.create_superuser("bench", password="bench-bench-1")

    print(f"PostgreSQL, {len(units)} units (district + {len(unions)} CĐCS), "
          f"{len(indicators)} active indicators, {args.repeat} repetitions; seconds.")  # fmt: skip
    print(f"{'':<62} {'median':>7} {'min':>7} {'max':>7} {'target':>7}")
    month = bench_month_save(units, indicators, args.repeat)
    values = f"{len(units) * len(indicators):,}"
    print(line(f"entries_save, 1 month × {values} values: first insert", month["insert"], 1))
    print(line(f"entries_save, 1 month × {values} values: update each", month["update"], 1))

    rows = len(unions) * MONTHS_PER_IMPORT
    notes = []
    for filled, first_year in ((len(indicators), 2002), (3, 2052)):
        imported, size, queries = bench_import(
            district, unions, indicators, superuser, args.repeat, filled, first_year
        )
        label = f"import {rows:,} rows × {filled} values ({rows * filled:,})"
        print(line(f"{label}: read + check", imported["read"]))
        print(line(f"{label}: save", imported["save"]))
        print(line(f"{label}: total", imported["total"], 5))
        print(line(f"{label}: same file again", imported["again"]))
        notes.append(f"{label}: {size / 1024 / 1024:.1f} MB, {queries} queries to read + check")
    print("\n".join(["", *notes]))


if __name__ == "__main__":
    main()
