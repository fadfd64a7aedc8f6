"""Benchmark of the half-year report path (issues 6, 15 and 17).

    .venv/bin/python bench/bench_reports.py [--repeat 5] [--unions 300] [--districts 30]
        [--nation 700] [--nation-unions 5] [--smoke]

Creates the throwaway PostgreSQL database `bench_reports_<pid>` (dropped again at the end, even on
failure or when killed) holding a city with `--districts` district federations of `--unions`
CĐCS each, and a parent of `--nation` districts of `--nation-unions` CĐCS each, with a year and a
half of monthly entries and targets, then measures, in one run:

1. the report task (reports.tasks.build_report_version, in-process) for one district against
   bare WeasyPrint rendering of the same final HTML: medians of `--repeat` interleaved runs and
   their ratio (goal ≤ 1.25×);
   and the task as it is, with the Word copy, against the same task writing the PDF alone
   (the Word copy's rendering left out): goal ≤ 1.15× (issue 15);
2. the reports of every district of the city built in bulk (a Celery group) by 2 worker
   processes on Redis, from the request to the last PDF (goal ≤ 60 s);
3. the national batch by 1 worker process, then again (a new version of each report) by 2, from
   the request to the last version finished: reports/s, and 2 workers' over 1's (goal ≥ 1.8×,
   issue 17); each worker is a node of one process, as a second machine's would be; then the
   batch's ZIP through its view, streamed: time and peak memory.

Needs PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379 (database 14, or 15 for the
smoke run, flushed before and after; BENCH_CELERY_BROKER_URL names another, so that two people
benching at once do not flush each other's). The workers die with the bench, even when killed.
"""

import argparse
import contextlib
import ctypes
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import harness
from harness import Figures, Goal

YEAR = 2025
WORKERS = 2
GOALS = (
    Goal("task_ratio", "report task / bare WeasyPrint, district of 300 CĐCS", "≤", 1.25, "×",
         "issue 6"),
    Goal("bulk", "30 district reports in bulk by 2 Celery workers", "≤", 60, "s", "issue 6"),
    Goal("word_ratio", "report task with the Word copy / PDF alone (300 CĐCS)", "≤", 1.15, "×",
         "issue 15"),
    Goal("bulk_scaling", "bulk reports, 700 districts: throughput 2 workers / 1", "≥", 1.8, "×",
         "issue 17"),
)  # fmt: skip
SMOKE = {"unions": 10, "districts": 2, "repeat": 1, "nation": 4, "nation_unions": 2}

UNION_FIGURES = ("new_members", "total_members", "members_left")
DISTRICT_FIGURES = {
    "new_grassroots_unions": (0, 3),
    "training_classes": (0, 3),
    "officials_trained": (0, 300),
    "support_visits": (10, 80),
    "support_amount": (5_000_000, 60_000_000),
    "union_fees_collected": (300_000_000, 900_000_000),
    "member_dues_collected": (100_000_000, 300_000_000),
    "initiatives": (0, 5),
    "party_candidates": (0, 4),
    "new_party_members": (0, 3),
    "grassroots_unions_consolidated": (0, 6),
}


# --- data ---------------------------------------------------------------------------------------


def build_tree(districts: int, unions: int):
    """A city, its districts and their CĐCS (harness.add_city)."""
    return harness.add_city(
        districts, unions, district_name="LĐLĐ huyện Số {d}",
        union_name="Công đoàn Công ty TNHH May mặc Thăng Long số {n}", workforce=(50, 2000),
    )  # fmt: skip


def write_figures(districts) -> int:
    """Entries for H1 of YEAR and of the year before, bulk-inserted, then the roll-up rebuilt by
    its own command; targets for each district and each CĐCS."""
    from django.core.management import call_command

    from federation.models import Indicator, MonthlyEntry, Target, Unit

    indicators = {i.code: i for i in Indicator.objects.all()}
    entries, targets = [], []
    for district in districts:
        unions = list(Unit.objects.filter(path__startswith=district.path, depth=district.depth + 1))
        entries += entries_of(district, unions, indicators)
        targets += targets_of(district, unions, indicators)
    MonthlyEntry.objects.bulk_create(entries, batch_size=5000)
    Target.objects.bulk_create(targets, batch_size=5000)
    call_command("rebuild_rollup", stdout=open(os.devnull, "w"))  # noqa: SIM115
    harness.refresh_statistics()
    return len(entries)


def entries_of(district, unions, indicators) -> list:
    from federation.models import MonthlyEntry

    def entry(unit, code: str, year: int, month: int, low: int, high: int):
        value = random.randint(low, high)
        return MonthlyEntry(
            unit=unit, indicator=indicators[code], year=year, month=month, value=value
        )

    entries = []
    for year in (YEAR - 1, YEAR):
        for month in range(1, 7):
            for union in unions:
                for code in UNION_FIGURES:
                    high = 800 if code == "total_members" else 6
                    entries.append(entry(union, code, year, month, 0, high))
            for code, (low, high) in DISTRICT_FIGURES.items():
                entries.append(entry(district, code, year, month, low, high))
    return entries


def targets_of(district, unions, indicators) -> list:
    from federation.models import Period, Target

    def target(unit, code: str, value: int):
        return Target(
            unit=unit, indicator=indicators[code], year=YEAR, period=Period.YEAR, value=value
        )

    targets = [target(union, "new_members", random.randint(10, 40)) for union in unions]
    for code, value in (
        ("new_members", 6000),
        ("new_grassroots_unions", 20),
        ("training_classes", 12),
        ("union_fees_collected", 9_000_000_000),
    ):
        targets.append(target(district, code, value))
    return targets


# --- 1. the task against bare WeasyPrint --------------------------------------------------------


@dataclass
class TaskTimes:
    task: list[float] = field(default_factory=list)  # as it runs: the PDF and the Word copy
    bare: list[float] = field(default_factory=list)  # bare WeasyPrint on the same HTML
    pdf_alone: list[float] = field(default_factory=list)  # the task without the Word copy
    pages: int = 0


def run_task(report, *, word: bool = True) -> tuple[float, object]:
    """One build of a new version by the task, in-process; without `word`, the Word copy's
    rendering is left out (an empty file stored in its place), as the task was before it."""
    from unittest import mock

    from reports import docx, services, tasks
    from reports.models import ReportVersion

    version = services.report_version_request(report=report, user=None)
    skip = mock.patch.object(docx, "render_docx", return_value=b"")
    with skip if not word else contextlib.nullcontext():
        started = time.perf_counter()
        tasks.build_report_version.apply(args=[version.pk])
        seconds = time.perf_counter() - started
    version = ReportVersion.objects.get(pk=version.pk)
    assert version.status == "done", version.error
    return seconds, version


def time_task_against_weasyprint(district, repeat: int) -> TaskTimes:
    from pypdf import PdfReader
    from weasyprint import HTML

    from reports import pdf, services

    report, _ = services.report_create_or_update(unit=district, year=YEAR, kind="H1", user=None)
    times = TaskTimes()
    for run_number in range(repeat + 1):  # the first of each is a warm-up
        seconds, version = run_task(report)
        html = pdf.render_html(version.document, version.snapshot)
        fetcher = pdf.FontsOnlyFetcher(allowed_protocols=("file",))
        started = time.perf_counter()
        HTML(string=html, url_fetcher=fetcher).write_pdf()
        bare = time.perf_counter() - started
        alone, _ = run_task(report, word=False)
        if run_number:
            times.task.append(seconds)
            times.bare.append(bare)
            times.pdf_alone.append(alone)
    times.pages = len(PdfReader(version.pdf.path).pages)
    return times


# --- 2. bulk by two workers ---------------------------------------------------------------------


def start_workers(log_dir: Path, count: int, name: str = "bench") -> list[subprocess.Popen]:
    """`count` worker processes of one pool process each, as separate nodes (several machines'
    workers, in the design's way of scaling out), returned once each answers a ping."""
    workers = []
    for n in range(1, count + 1):
        log = (log_dir / f"{name}{n}.log").open("w")
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=prefork",
                    "--concurrency=1",
                    f"--hostname={name}{n}@%h",
                    "--loglevel=WARNING",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=harness.ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )  # fmt: skip
        )
    wait_until_ready(workers, count)
    return workers


def wait_until_ready(workers: list[subprocess.Popen], count: int, timeout: float = 60) -> None:
    """Until `count` workers answer a ping: the clock must not run while they start."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(worker.poll() is not None for worker in workers):
            raise RuntimeError("a Celery worker stopped as it started: see its log")
        if len(app.control.ping(timeout=0.5)) >= count:
            return
    raise RuntimeError(f"{count} Celery workers did not answer within {timeout:.0f} s")


def die_with_parent() -> None:
    """In the worker, before it starts: SIGTERM when the bench dies, however it dies (Linux)."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


@dataclass
class BulkRun:
    """One batch built by `workers` worker processes."""

    workers: int
    total: int
    done: int
    dispatch: float  # the batch request, until its builds were sent
    wall: float  # from the request to the last version finished
    busy: float  # the builds' own time, each version's start to finish, added up

    @property
    def throughput(self) -> float:
        return self.done / self.wall

    @property
    def utilisation(self) -> float:
        """How much of the workers' time went into builds: the rest is waiting for the
        dispatch, for messages, or for the batch's end."""
        return self.busy / (self.wall * self.workers)


# How often the bench asks whether the batch is finished. Every question is a query, and with
# 2 workers on 2 cores its CPU is taken from them: the end is read from the versions'
# timestamps, not from when the bench noticed it, so asking rarely costs no precision.
POLL_SECONDS = 1.0


def time_bulk(parent, workers: int, timeout: float = 1800) -> tuple[BulkRun, object]:
    from django.db.models import F, Max, Sum
    from django.utils import timezone

    from reports import selectors, services

    requested = timezone.now()
    started = time.perf_counter()
    batch = services.report_batch_request(parent=parent, year=YEAR, kind="H1", user=None)
    dispatch = time.perf_counter() - started
    while time.perf_counter() - started < timeout:
        progress = selectors.batch_progress(batch)
        if not progress.is_pending:
            break
        time.sleep(POLL_SECONDS)
    times = batch.versions.aggregate(
        busy=Sum(F("finished_at") - F("started_at")), last=Max("finished_at")
    )
    wall = (times["last"] - requested).total_seconds() if times["last"] else 0
    busy = times["busy"].total_seconds() if times["busy"] else 0
    return BulkRun(workers, progress.total, progress.done, dispatch, wall, busy), batch


def bulk_by(parent, workers: int, media: Path, name: str) -> tuple[BulkRun, object]:
    processes = start_workers(media, workers, name)
    try:
        return time_bulk(parent, workers)
    finally:
        stop_workers(processes)


# --- 3. bulk at national size, and its ZIP ------------------------------------------------------


def build_nation(districts: int, unions: int):
    """A parent with `districts` district federations of `unions` CĐCS each: the country's
    direct-superior federations under one leader's batch. The districts are bulk-inserted with
    the paths treebeard would give them, as harness.add_grassroots does their CĐCS."""
    from federation import services
    from federation.models import Unit, UnitKind

    nation = services.unit_create(
        parent=None, code="VN", name="Tổng Liên đoàn Lao động Việt Nam",
        kind=UnitKind.CONFEDERATION, user=None,
    )  # fmt: skip
    depth = nation.depth + 1
    built = Unit.objects.bulk_create(
        Unit(
            path=Unit._get_path(nation.path, depth, d),
            depth=depth,
            numchild=0,
            code=f"VN-{d:03d}",
            name=f"LĐLĐ huyện Số {d}",
            kind=UnitKind.DISTRICT_FEDERATION,
        )  # fmt: skip
        for d in range(1, districts + 1)
    )
    Unit.objects.filter(pk=nation.pk).update(numchild=districts)
    for district in built:
        harness.add_grassroots(district, unions, "Công đoàn Công ty Cổ phần số {n}", (50, 500))
    return nation, built


@dataclass
class ZipRun:
    files: int
    megabytes: float
    seconds: float
    peak_megabytes: float  # Python's allocations while the view answered and the ZIP was read


def time_zip(batch, media: Path) -> ZipRun:
    """The batch's ZIP through the view, as a browser would read it: once timed and written to a
    file (then opened and counted), once under tracemalloc for the memory it takes."""
    import tracemalloc
    import zipfile

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(get_user_model().objects.create_superuser("bench_zip", password=None))
    url = reverse("report_batch_zip", args=[batch.pk])
    path = media / "batch.zip"
    started = time.perf_counter()
    with path.open("wb") as out:
        for piece in client.get(url).streaming_content:
            out.write(piece)
    seconds = time.perf_counter() - started
    files = len(zipfile.ZipFile(path).namelist())
    tracemalloc.start()
    try:
        for _ in client.get(url).streaming_content:
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return ZipRun(files, path.stat().st_size / 2**20, seconds, peak / 2**20)


# --- run ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--unions", type=int, default=300)
    parser.add_argument("--districts", type=int, default=30)
    parser.add_argument("--nation", type=int, default=700, help="districts of the national batch")
    parser.add_argument("--nation-unions", type=int, default=5, help="CĐCS of each of them")
    args = harness.arguments(parser, SMOKE)
    random.seed(6)
    figures = Figures(GOALS, smoke=args.smoke)
    broker = os.environ.get("BENCH_CELERY_BROKER_URL") or (
        f"redis://127.0.0.1:6379/{15 if args.smoke else 14}"
    )
    with (
        harness.throwaway_database(harness.database_name("reports", args.smoke)) as url,
        tempfile.TemporaryDirectory(prefix="bench_reports_media_") as media,
        flushed(broker),
    ):
        harness.setup_django(url, CELERY_BROKER_URL=broker, MEDIA_ROOT=media)
        run(args, figures, Path(media))
    figures.print_table()


@contextmanager
def flushed(broker: str) -> Iterator[None]:
    """The broker's database, emptied before the bench and after it."""
    import redis

    redis.Redis.from_url(broker).flushdb()
    try:
        yield
    finally:
        redis.Redis.from_url(broker).flushdb()


def run(args, figures: Figures, media: Path) -> None:
    started = time.perf_counter()
    city, districts = build_tree(args.districts, args.unions)
    nation, nation_districts = build_nation(args.nation, args.nation_unions)
    entries = write_figures(districts + nation_districts)
    print(
        f"Data: {args.districts} districts × {args.unions} CĐCS, and {args.nation} × "
        f"{args.nation_unions} under one parent; {entries:,} monthly entries "
        f"({time.perf_counter() - started:.0f} s to build)."
    )
    times = time_task_against_weasyprint(districts[0], args.repeat)
    figures["task_ratio"] = statistics.median(times.task) / statistics.median(times.bare)
    figures["word_ratio"] = statistics.median(times.task) / statistics.median(times.pdf_alone)
    city_run, _ = bulk_by(city, WORKERS, media, "city")
    if city_run.done == city_run.total:
        figures["bulk"] = city_run.wall
    print_task_results(args, times, city_run)
    national = national_runs(nation, media, figures)
    zip_run = time_zip(national[-1][1], media)
    print_national_results(args, [run for run, _ in national], zip_run)


def national_runs(nation, media: Path, figures: Figures) -> list[tuple[BulkRun, object]]:
    """The national batch by one worker, then again (new versions of the same reports) by
    two; the ratio of their throughputs is the goal."""
    runs = []
    for workers in (1, 2):
        run, batch = bulk_by(nation, workers, media, f"nation{workers}x")
        print(f"national batch by {workers} worker(s): {run.done}/{run.total} in {run.wall:.1f} s")
        runs.append((run, batch))
    one, two = runs[0][0], runs[1][0]
    if one.done == one.total and two.done == two.total:
        figures["bulk_scaling"] = two.throughput / one.throughput
    return runs


def print_task_results(args, times: TaskTimes, bulk: BulkRun) -> None:
    task_median, bare_median = statistics.median(times.task), statistics.median(times.bare)
    alone_median = statistics.median(times.pdf_alone)
    print()
    print(f"{'measure':<58}{'result':>12}{'goal':>10}")
    print(f"{f'report task, district of {args.unions} CĐCS ({times.pages} pages), median':<58}"
          f"{task_median:>11.2f}s{'':>10}")  # fmt: skip
    print(f"{'bare WeasyPrint, same final HTML, median':<58}{bare_median:>11.2f}s{'':>10}")
    print(f"{'ratio task / bare WeasyPrint':<58}{task_median / bare_median:>11.2f}×{'≤ 1.25×':>10}")
    print(f"{'report task writing the PDF alone, median':<58}{alone_median:>11.2f}s{'':>10}")
    print(f"{'ratio task with the Word copy / PDF alone':<58}"
          f"{task_median / alone_median:>11.2f}×{'≤ 1.15×':>10}")  # fmt: skip
    print(f"{f'{bulk.total} district reports in bulk by {WORKERS} workers ({bulk.done} done)':<58}"
          f"{bulk.wall:>11.1f}s{'≤ 60 s':>10}")  # fmt: skip
    print()
    print(f"runs: task {', '.join(f'{t:.2f}' for t in times.task)} s; "
          f"bare {', '.join(f'{t:.2f}' for t in times.bare)} s; "
          f"PDF alone {', '.join(f'{t:.2f}' for t in times.pdf_alone)} s")  # fmt: skip


def print_national_results(args, runs: list[BulkRun], zip_run: ZipRun) -> None:
    print()
    print(f"Bulk at national size: {args.nation} districts of {args.nation_unions} CĐCS, "
          "each worker a node of one process (load " + harness.load_average() + ")")  # fmt: skip
    print(f"{'workers':>8}{'done':>10}{'dispatch':>10}{'wall':>9}{'reports/s':>11}"
          f"{'per worker':>12}{'build':>8}{'busy':>7}")  # fmt: skip
    for run in runs:
        print(f"{run.workers:>8}{f'{run.done}/{run.total}':>10}{run.dispatch:>9.1f}s"
              f"{run.wall:>8.1f}s{run.throughput:>11.2f}{run.throughput / run.workers:>12.2f}"
              f"{run.busy / max(run.done, 1):>7.2f}s{run.utilisation:>7.0%}")  # fmt: skip
    one, two = runs
    print(
        f"throughput 2 workers / 1: {two.throughput / one.throughput:.2f}× (goal ≥ 1.8×); "
        "build: a version's own time, start to finish; busy: the workers' time spent building"
    )
    print(
        f"ZIP of the batch ({zip_run.files} files, {zip_run.megabytes:.1f} MB), streamed: "
        f"{zip_run.seconds:.1f} s, peak memory {zip_run.peak_megabytes:.2f} MB (tracemalloc)"
    )


if __name__ == "__main__":
    main()
