"""The load test of issue 17: 50 people at once against gunicorn, as production runs it.

    .venv/bin/python bench/bench_load.py [--seconds 60] [--warmup 10] [--districts 30]
        [--unions 100] [--gunicorn "-c config/gunicorn.py"] [--smoke]

Creates the throwaway PostgreSQL database `bench_load_<pid>` holding a city of `--districts`
district federations of `--unions` CĐCS each, with a year of members' figures before the month
being entered, targets, a user with a role on each person's unit and finished report versions
with their PDFs; collects the static files; starts gunicorn (the README's production command:
`--gunicorn` gives other arguments, e.g. main's `--workers 4` for a "before") and a Celery
worker on Redis with DEBUG=0 and the README's settings, and runs bench/locustfile.py headless:
18 staff saving 120 values each time through the API, 12 saving entry grid pages, 15 leaders on
dashboards, 5 downloading report PDFs, back to back, for `--warmup` seconds unmeasured then
`--seconds` measured. Prints requests/s, p50/p95/p99 per kind as the client saw them and as
gunicorn's access log timed them (the gap is time spent waiting for a worker), and the errors.

Then checks what the saves left: `manage.py rebuild_rollup --check` finds no drift, and every
value the people changed has its history row (by door); the bench fails if either is off.

Two deployment settings differ from the README for a plain-HTTP run on one machine: no proxy
in front, so no redirect to HTTPS and cookies not marked secure; ENTRY_LOCK_DAYS=31, so the
month being entered is open whatever day the bench runs.
Needs PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379 (database 12, 13 for the smoke
run; BENCH_LOAD_BROKER_URL names another). Gunicorn, the worker and locust die with the bench.
"""

import argparse
import json
import os
import random
import re
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import harness
from bench_reports import die_with_parent, flushed, stop_workers
from harness import Figures, Goal

GOALS = (
    Goal("rps", "load test, 50 users: requests/s (2 × 41.9)", "≥", 83.8, "req/s", "issue 17"),
    Goal("p95", "load test, 50 users: p95 of every kind (the worst)", "≤", 500, "ms",
         "issue 17"),
    Goal("errors", "load test, 50 users: errors", "=", 0, "", "issue 17"),
)  # fmt: skip
SMOKE = {
    "seconds": 4, "warmup": 2, "districts": 4, "unions": 10,
    "api": 2, "grid": 1, "leaders": 2, "pdf": 1,
}  # fmt: skip
PASSWORD = "Tai-khoan-thu-tai-2026"
PRODUCTION_GUNICORN = "-c config/gunicorn.py"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
UNITS_PER_API_SAVE = 8  # × 15 indicators: the 120 values of each API save
SPAWN_RATE = 10  # people started a second: each logs in (a password hash) as it starts
LOGINS_TIMEOUT = 120  # seconds for everyone to log in, under load
SERVER_ENVIRONMENT = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-load-only",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "ENTRY_LOCK_DAYS": "31",
}


# --- data ---------------------------------------------------------------------------------------


def target_month() -> tuple[int, int]:
    """The month being entered: the last one that has ended."""
    from django.utils import timezone

    from federation.months import previous_month

    today = timezone.localdate()
    return previous_month(today.year, today.month)


def build_tree(districts: int, unions: int):
    """The city the people work in: its districts, each with its CĐCS."""
    from federation.models import Unit

    city, built = harness.add_city(
        districts, unions, district_name="LĐLĐ quận Số {d}",
        union_name="Công đoàn Công ty Số {n}", workforce=(80, 1500),
    )  # fmt: skip
    return city, [(district, list(Unit.get_children(district))) for district in built]


def write_history(tree, year: int, month: int) -> dict[int, int]:
    """The members' figures of every CĐCS for the 12 months before (year, month), consistent
    month to month, and targets for the year; returns each CĐCS's last members' total."""
    from django.core.management import call_command

    from federation.models import Indicator, MonthlyEntry, Period, Target
    from federation.months import previous_month

    indicators = {i.code: i for i in Indicator.objects.all()}
    months = [previous_month(year, month)]
    while len(months) < 12:
        months.append(previous_month(*months[-1]))
    entries, targets, members = [], [], {}
    for district, unions in tree:
        targets.append(Target(unit=district, indicator=indicators["new_members"], year=year,
                              period=Period.YEAR, value=40 * len(unions)))  # fmt: skip
        for union in unions:
            total = random.randint(150, 900)
            for when in reversed(months):
                admitted, left = random.randint(0, 6), random.randint(0, 3)
                total += admitted - left
                figures = {"new_members": admitted, "members_left": left, "total_members": total}
                entries += [
                    MonthlyEntry(unit=union, indicator=indicators[code], year=when[0],
                                 month=when[1], value=value)
                    for code, value in figures.items()
                ]  # fmt: skip
            members[union.pk] = total
            targets.append(Target(unit=union, indicator=indicators["new_members"], year=year,
                                  period=Period.YEAR, value=random.randint(10, 40)))  # fmt: skip
    MonthlyEntry.objects.bulk_create(entries, batch_size=5000)
    Target.objects.bulk_create(targets, batch_size=5000)
    call_command("rebuild_rollup", stdout=open(os.devnull, "w"))  # noqa: SIM115
    harness.refresh_statistics()
    return members


def add_people(city, tree, counts: dict[str, int], members: dict[int, int], year: int) -> dict:
    """A user for each person, with its role, and the plan locustfile.py reads."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from federation.models import Indicator, Role, RoleKind

    staff_units = tree[: counts["api"] + counts["grid"]]
    if len(staff_units) < counts["api"] + counts["grid"]:
        raise SystemExit("--districts must be at least the staff saving through the API and grid")
    plan: dict = {
        "password": PASSWORD,
        "indicators": dict(Indicator.objects.filter(is_active=True).values_list("code", "pk")),
        "api": [], "grid": [], "leaders": [], "pdf": [],
    }  # fmt: skip
    roles = []  # (username, unit, role)
    for n, (district, unions) in enumerate(staff_units):
        kind = "api" if n < counts["api"] else "grid"
        keep = unions[:UNITS_PER_API_SAVE] if kind == "api" else unions
        person = {"username": f"canbo_{district.code.lower()}", "unit": district.pk,
                  "units": {str(u.pk): members[u.pk] for u in keep}}  # fmt: skip
        plan[kind].append(person)
        roles.append((person["username"], district, RoleKind.STAFF))
    # The city's leader and those of the first districts, on dashboards.
    for n, unit in enumerate([city, *(d for d, _ in tree)][: counts["leaders"]]):
        plan["leaders"].append({"username": f"lanhdao_{n}", "unit": unit.pk})
        roles.append((f"lanhdao_{n}", unit, RoleKind.LEADER))
    for n, (district, _) in enumerate(tree[: counts["pdf"]]):
        version = finished_report(district, year)
        plan["pdf"].append({"username": f"chutich_{n}", "version": version.pk})
        roles.append((f"chutich_{n}", district, RoleKind.LEADER))
    hashed = make_password(PASSWORD)  # one hash for all: each takes a third of a second
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=username, password=hashed) for username, _, _ in roles
    )
    Role.objects.bulk_create(
        Role(user=user, unit=unit, role=role)
        for user, (_, unit, role) in zip(users, roles, strict=True)
    )
    return plan


def finished_report(district, year: int):
    """A half-year report of the district with one version built, its PDF on disk."""
    from reports import services, tasks
    from reports.models import ReportVersion

    report, _ = services.report_create_or_update(unit=district, year=year, kind="H1", user=None)
    version = services.report_version_request(report=report, user=None)
    tasks.build_report_version.apply(args=[version.pk])
    version = ReportVersion.objects.get(pk=version.pk)
    assert version.status == "done", version.error
    return version


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], environment: dict, log: Path) -> subprocess.Popen:
    """A process that dies with the bench, however it dies, its output in `log`."""
    return subprocess.Popen(
        command, cwd=harness.ROOT, env=environment, stdout=log.open("w"),
        stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent,
    )  # fmt: skip


def server_environment(url: str, broker: str, media: Path) -> dict:
    environment = {key: value for key, value in os.environ.items() if key != "LOG_LEVEL"}
    environment.update(SERVER_ENVIRONMENT)
    environment.update(
        DATABASE_URL=url, CELERY_BROKER_URL=broker, CACHE_URL=broker, MEDIA_ROOT=str(media)
    )
    return environment


def start_server(gunicorn: str, environment: dict, port: int, logs: Path) -> list:
    binary = str(Path(sys.executable).parent)
    web = start(
        [f"{binary}/gunicorn", *shlex.split(gunicorn), "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(logs / "access.log"),
         "--access-logformat", '%(m)s %(U)s %(s)s %(M)s', "config.wsgi"],
        environment, logs / "gunicorn.log",
    )  # fmt: skip
    worker = start(
        [f"{binary}/celery", "-A", "config", "worker", "--concurrency=1", "--loglevel=WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        environment, logs / "celery.log",
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as answer:
                if answer.status == 200:
                    return [web, worker]
        except OSError:
            time.sleep(0.5)
    stop_workers([web, worker])
    raise SystemExit(f"gunicorn did not answer within 60 s:\n{(logs / 'gunicorn.log').read_text()}")


def run_locust(plan: dict, args, port: int, logs: Path) -> dict:
    (logs / "plan.json").write_text(json.dumps(plan))
    people = sum(len(plan[kind]) for kind in ("api", "grid", "leaders", "pdf"))
    # The locustfile ends the run once it has measured; this is only a bound in case it hangs.
    seconds = people / SPAWN_RATE + LOGINS_TIMEOUT + args.warmup + args.seconds
    environment = {
        **os.environ,
        "LOAD_PLAN": str(logs / "plan.json"),
        "LOAD_RESULT": str(logs / "result.json"),
        "LOAD_WARMUP": str(args.warmup),
        "LOAD_SECONDS": str(args.seconds),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--host", f"http://127.0.0.1:{port}", "-u", str(people), "-r", str(SPAWN_RATE),
        "--run-time", f"{seconds:.0f}s", "--stop-timeout", "30", "--only-summary",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    locust = subprocess.Popen(command, env=environment, preexec_fn=die_with_parent)
    try:
        locust.wait(timeout=seconds + 120)
    finally:
        stop_workers([locust]) if locust.poll() is None else None
    result = json.loads((logs / "result.json").read_text())
    if not result["measured"]:
        raise SystemExit("The run ended before everyone had logged in and warmed up.")
    return result


# --- what it found ------------------------------------------------------------------------------

KINDS = (  # the access log's paths, by the names the locustfile gives its requests
    ("api: save 120 values", re.compile(r"^POST /api/v1/entries/$")),
    ("grid: page", re.compile(r"^GET /units/\d+/entry/\d+/\d+/$")),
    ("grid: save", re.compile(r"^POST /units/\d+/entry/\d+/\d+/$")),
    ("dashboard: page", re.compile(r"^GET /units/\d+/dashboard/$")),
    ("dashboard: children (htmx)", re.compile(r"^GET /units/\d+/dashboard/children/$")),
    ("report: pdf", re.compile(r"^GET /reports/versions/\d+/pdf/$")),
)


def server_times(access_log: Path) -> dict[str, list[float]]:
    """The time gunicorn's access log gives each request (ms), by kind: the whole run."""
    times = defaultdict(list)
    for line in access_log.read_text().splitlines():
        method, path, _status, milliseconds = line.rsplit(" ", 3)
        for name, pattern in KINDS:
            if pattern.match(f"{method} {path}"):
                times[name].append(float(milliseconds))
    return times


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def print_result(result: dict, server: dict[str, list[float]]) -> None:
    rate = result["requests"] / result["seconds"]
    print(f"\nMeasured {result['seconds']:.1f} s: {result['requests']:,} requests, "
          f"{rate:.1f} requests/s, {result['failures']} failed ({result['failures_all']} "
          "over the whole run, logins and warm-up included).")  # fmt: skip
    print(f"\n{'kind':<30}{'requests':>9}{'failed':>7}{'p50':>7}{'p95':>7}{'p99':>7}"
          f"{'server p50':>12}{'p95':>7}   (ms)")  # fmt: skip
    for name, kind in result["kinds"].items():
        if not kind["requests"]:
            continue
        done = server.get(name, [])
        print(f"{name:<30}{kind['requests']:>9,}{kind['failures']:>7}{kind['p50']:>7.0f}"
              f"{kind['p95']:>7.0f}{kind['p99']:>7.0f}"
              f"{percentile(done, 50):>12.0f}{percentile(done, 95):>7.0f}")  # fmt: skip
    for error in result["errors"]:
        print(f"error × {error['occurrences']}: {error['name']}: {error['error'][:300]}")
    print(f"\nAccepted saves: {result['saves']}; values changed by door: {result['changed']}")


def audit_differences(result: dict, year: int, month: int) -> list[str]:
    """What the database's roll-up and history say against what the people saved."""
    from django.db.models import Count

    from federation.models import MonthlyEntry

    problems = []
    check = subprocess.run(
        [sys.executable, "manage.py", "rebuild_rollup", "--check"], cwd=harness.ROOT,
        env=os.environ, capture_output=True, text=True,
    )  # fmt: skip
    if check.returncode:
        problems.append(f"rebuild_rollup --check: {check.stdout[-500:]}{check.stderr[-500:]}")
    rows = dict(
        MonthlyEntry.history.filter(year=year, month=month)
        .values_list("history_change_reason")
        .annotate(Count("history_id"))
    )
    print(f"History rows of {month:02d}/{year} by door: {rows}")
    for door, changed in result["changed"].items():
        if rows.get(door, 0) != changed:
            problems.append(f"door {door}: {changed} values changed, {rows.get(door, 0)} history")
    return problems


# --- run ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="measured, after the warm-up")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--districts", type=int, default=30)
    parser.add_argument("--unions", type=int, default=100, help="CĐCS per district")
    parser.add_argument("--gunicorn", default=PRODUCTION_GUNICORN, help="gunicorn's arguments")
    for kind, count in (("api", 18), ("grid", 12), ("leaders", 15), ("pdf", 5)):
        parser.add_argument(f"--{kind}", type=int, default=count, help="people of that kind")
    args = harness.arguments(parser, SMOKE)
    random.seed(17)
    figures = Figures(GOALS, smoke=args.smoke)
    broker = os.environ.get("BENCH_LOAD_BROKER_URL") or (
        f"redis://127.0.0.1:6379/{13 if args.smoke else 12}"
    )
    with (
        harness.throwaway_database(harness.database_name("load", args.smoke)) as url,
        tempfile.TemporaryDirectory(prefix="bench_load_") as folder,
        flushed(broker),
    ):
        logs = Path(folder)
        (logs / "media").mkdir()
        harness.setup_django(url, MEDIA_ROOT=str(logs / "media"))
        problems = run(args, figures, url, broker, logs)
    figures.print_table()
    if problems:
        raise SystemExit("The saves left the database wrong:\n" + "\n".join(problems))


def run(args, figures: Figures, url: str, broker: str, logs: Path) -> list[str]:
    started = time.perf_counter()
    environment = server_environment(url, broker, logs / "media")
    # The static files are compressed while the data is built (two minutes of brotli here); the
    # people fetch none of them, so the smoke run leaves them out.
    collecting = None if args.smoke else start(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        environment, logs / "collectstatic.log",
    )  # fmt: skip
    year, month = target_month()
    city, tree = build_tree(args.districts, args.unions)
    members = write_history(tree, year, month)
    counts = {kind: getattr(args, kind) for kind in ("api", "grid", "leaders", "pdf")}
    plan = add_people(city, tree, counts, members, year) | {"year": year, "month": month}
    if collecting and collecting.wait():
        raise SystemExit(f"collectstatic failed: {(logs / 'collectstatic.log').read_text()}")
    print(f"Data: {args.districts} districts × {args.unions} CĐCS, {counts} people, entering "
          f"{month:02d}/{year} ({time.perf_counter() - started:.0f} s to build); "
          f"gunicorn {args.gunicorn}")  # fmt: skip
    port = free_port()
    processes = start_server(args.gunicorn, environment, port, logs)
    try:
        result = run_locust(plan, args, port, logs)
    finally:
        stop_workers(processes)
    print_result(result, server_times(logs / "access.log"))
    measured = [kind for kind in result["kinds"].values() if kind["requests"]]
    figures["rps"] = result["requests"] / result["seconds"]
    figures["p95"] = max(kind["p95"] for kind in measured)
    figures["errors"] = result["failures_all"]
    return audit_differences(result, year, month)


if __name__ == "__main__":
    main()
