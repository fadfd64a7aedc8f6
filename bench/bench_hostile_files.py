"""Benchmark of hostile Excel uploads against the reader every import uses (issue 12).

    .venv/bin/python bench/bench_hostile_files.py [--repeat 5] [--smoke]

Builds each hostile file of config/tests/test_hostile_files.py, a legitimate 10.000-row import
with 15 indicators as the entries template is written, and two sheets at the reader's limits
(10.000 rows × 50 columns, of numbers or of text). Reads each with
federation.excel.read_rows in a fresh Python process, which reports its time and its peak RSS
(Django loaded included). Goal (issue 12): each file answered in under 2 s, within 300 MB.

Then times, in this process, the pre-scan (xlsx.check_xlsx) against calamine's own read of the
legitimate import, medians of --repeat runs.

Needs no database: the reader reads none, and Django is set up on an in-memory SQLite. The smoke
run leaves out the two files at the reader's limits (the slowest to build).
"""

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": "sqlite:///:memory:",
    "LOG_LEVEL": "WARNING",
    "PYTHONPATH": str(ROOT),
}
sys.path.insert(0, str(ROOT))
os.environ.update(ENV)

import django  # noqa: E402
import harness  # noqa: E402
from harness import Figures, Goal  # noqa: E402

GOAL_SECONDS, GOAL_MB = 2, 300
GOALS = (
    Goal("slowest", "hostile .xlsx: the slowest to be answered", "<", GOAL_SECONDS, "s",
         "issue 12"),
    Goal("peak", "hostile .xlsx: the largest peak memory (Django included)", "<", GOAL_MB, "MB",
         "issue 12"),
    Goal("not_refused", "hostile .xlsx: files not refused", "=", 0, "", "issue 12"),
)  # fmt: skip
SMOKE = {"repeat": 1, "limits": False}

# The child's own peak: ru_maxrss would also count this process, which it was forked from (Linux
# carries it over exec). VmHWM is the high-water mark of the child's memory alone.
READ_ONE = """
import json, re, sys, time
import django
django.setup()
from federation import excel
started = time.perf_counter()
try:
    rows = excel.read_rows(open(sys.argv[1], "rb"), header_rows=0, max_rows=10_001)
    outcome = f"read {len(rows):,} rows".replace(",", ".")
except excel.ExcelError as refused:
    outcome = f"refused: {refused}"
seconds = time.perf_counter() - started
peak = int(re.search(r"VmHWM:\\s*(\\d+)", open("/proc/self/status").read())[1]) / 1024
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_mb": peak}))
"""


def import_file() -> bytes:
    """The entries import layout, 500 CĐCS × 20 months, 15 indicator columns all filled."""
    from federation import excel

    headers = ["Mã đơn vị", "Tên đơn vị", "Năm", "Tháng"]
    headers += [f"Chỉ tiêu số {n} (người)" for n in range(1, 16)]
    rows = [
        [f"HN-HD-{u:03d}", f"Công đoàn Công ty TNHH số {u}", 2024 + m // 12, m % 12 + 1]
        + [random.randint(0, 500) for _ in range(15)]
        for m in range(20)
        for u in range(1, 501)
    ]
    return excel.workbook_bytes(excel.Sheet("Số liệu", headers, rows))


WORDS = "công đoàn cơ sở liên lao động huyện hoài đức mê linh hà nội viên kết nạp mới nữ"


def at_the_limits(text: bool) -> bytes:
    """10.000 rows × 50 columns, the most cells the reader lets calamine build: numbers, or
    eight Vietnamese words in every cell (45 MB of sheet XML, near the 48 MB a part may have)."""
    from config.tests.test_hostile_files import openpyxl_file, sheet_xml
    from federation import excel
    from federation.tests.test_excel import SHEET, repacked

    letters, pick = [excel.column(n) for n in range(50)], random.Random(12).choices

    def cell(reference: str, row: int) -> str:
        if text:
            words = " ".join(pick(WORDS.split(), k=8))
            return f'<c r="{reference}" t="inlineStr"><is><t>{words}</t></is></c>'
        return f'<c r="{reference}"><v>{row % 977}</v></c>'

    def rows():
        for r in range(1, 10_001):
            yield f'<row r="{r}">{"".join(cell(f"{c}{r}", r) for c in letters)}</row>'.encode()

    head, tail = sheet_xml("|").split(b"|")
    return repacked(openpyxl_file(["x"]), {SHEET: itertools.chain([head], rows(), [tail])})


def legitimate_files(limits: bool) -> list[tuple[str, Callable[[], bytes]]]:
    files = [("legitimate: 10.000 rows × 15 indicators", import_file)]
    if limits:
        files += [
            ("at the limits: 500.000 numbers", lambda: at_the_limits(text=False)),
            ("at the limits: 500.000 texts, 45 MB of XML", lambda: at_the_limits(text=True)),
        ]
    return files


def hostile_files() -> list[tuple[str, Callable[[], bytes]]]:
    from config.tests.test_hostile_files import HOSTILE

    return [(name, build) for name, (build, _) in HOSTILE.items()]


def read_in_a_fresh_process(data: bytes) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as kept:
        kept.write(data)
        kept.flush()
        done = subprocess.run(
            [sys.executable, "-c", READ_ONE, kept.name],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, **ENV, "RUST_BACKTRACE": "0"},
            timeout=600,
        )
    if done.returncode:
        return {"outcome": f"CRASHED ({done.returncode})", "seconds": 0, "peak_mb": 0}
    return json.loads(done.stdout.splitlines()[-1])


def size(data: bytes) -> str:
    return f"{len(data) / 1024:,.1f} KB" if len(data) < 2**20 else f"{len(data) / 2**20:.1f} MB"


def line(name: str, data: bytes, read: dict) -> str:
    ok = read["seconds"] < GOAL_SECONDS and read["peak_mb"] < GOAL_MB
    outcome = read["outcome"] if len(read["outcome"]) <= 58 else read["outcome"][:57] + "…"
    return (
        f"{name:<44} {size(data):>10}  {outcome:<58} {read['seconds']:7.3f} "
        f"{read['peak_mb']:7.0f}  {'ok' if ok else 'OVER'}"
    )


def median_seconds(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def prescan_cost(data: bytes, repeat: int) -> list[str]:
    from python_calamine import CalamineWorkbook

    from federation import excel, xlsx

    def calamine():
        workbook = CalamineWorkbook.from_filelike(BytesIO(data))
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)

    timings = {
        "pre-scan, xlsx.check_xlsx": lambda: xlsx.check_xlsx(data, max_rows=10_001),
        "calamine's own read (open + to_python)": calamine,
        "excel.read_rows, all of it": lambda: excel.read_rows(
            BytesIO(data), header_rows=0, max_rows=10_001
        ),
    }
    return [
        f"{label:<44} {median_seconds(function, repeat):7.3f} s"
        for label, function in timings.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--no-limits", dest="limits", action="store_false", help="leave out the files at the limits"
    )
    args = harness.arguments(parser, SMOKE)
    harness.exit_on_signals()
    random.seed(12)
    figures = Figures(GOALS, smoke=args.smoke)
    django.setup()

    print(
        f"Each file read by excel.read_rows in a fresh process; goal < {GOAL_SECONDS} s and "
        f"< {GOAL_MB} MB peak RSS (Django included)."
    )
    print(f"{'file':<44} {'size':>10}  {'outcome':<58} {'time s':>7} {'peak MB':>7}  goal")
    (legitimate, _), *_ = read_each(legitimate_files(args.limits))
    hostile = [read for _, read in read_each(hostile_files())]
    figures["slowest"] = max(read["seconds"] for read in hostile)
    figures["peak"] = max(read["peak_mb"] for read in hostile)
    figures["not_refused"] = sum(not read["outcome"].startswith("refused") for read in hostile)
    print(f"\nThe legitimate import ({size(legitimate)}), medians of {args.repeat} runs:")
    print("\n".join(prescan_cost(legitimate, args.repeat)))
    figures.print_table()


def read_each(files: list[tuple[str, Callable[[], bytes]]]) -> list[tuple[bytes, dict]]:
    """Each file built, read in a fresh process and printed: the file and what the read said."""
    reads = []
    for name, build in files:
        data = build()
        read = read_in_a_fresh_process(data)
        print(line(name, data, read))
        reads.append((data, read))
    return reads


if __name__ == "__main__":
    main()
