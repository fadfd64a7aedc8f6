"""Runs every benchmark and prints one table: each goal beside its figure, held or not.

    .venv/bin/python bench/run.py [--smoke] [NAME ...]      (make bench, make bench-smoke)

Every `bench/bench_<name>.py` is a bench (bench/harness.py says the shape it declares its goals
in); each runs in its own process, at its documented size or, with --smoke, at a tiny size that
only checks that it runs and prints its figures. Its own output goes by as it runs; the table
comes at the end, with the goals of open issues that no bench measures yet (bench/pending.py)
and the load average when each bench ended. Exits 1 if a bench failed or left a goal without a
figure; a goal not held is a finding, not a failure.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import harness
import pending

HERE = Path(__file__).resolve().parent
TIMEOUT = {"full": 3600, "smoke": 600}  # seconds for one bench


@dataclass
class Outcome:
    name: str
    returncode: int
    seconds: float
    goals: list[harness.Goal]
    figures: dict[str, float]
    load: str

    @property
    def complete(self) -> bool:
        return self.returncode == 0 and all(g.figure in self.figures for g in self.goals)


def benches(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if names:
        found = [path for path in found if path.stem.removeprefix("bench_") in names]
    return found


def run_bench(path: Path, *, smoke: bool) -> Outcome:
    """The bench in its own process group, stopped with SIGTERM (so it cleans up) at its time
    limit or when this runner is stopped."""
    name = path.stem.removeprefix("bench_")
    print(f"\n=== {name} ({harness.load_average()} load) ===", flush=True)
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        env = {**os.environ, harness.FIGURES_FILE: report.name}
        command = [sys.executable, str(path), *(["--smoke"] if smoke else [])]
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, start_new_session=True)
        try:
            returncode = process.wait(timeout=TIMEOUT["smoke" if smoke else "full"])
        except subprocess.TimeoutExpired:
            print(f"{name}: stopped after {TIMEOUT['smoke' if smoke else 'full']} s", flush=True)
            returncode = -1
        finally:
            stop(process)
        seconds = time.perf_counter() - started
        found = json.loads(Path(report.name).read_text() or '{"goals": [], "figures": {}}')
    goals = [harness.Goal(**goal) for goal in found["goals"]]
    return Outcome(name, returncode, seconds, goals, found["figures"], harness.load_average())


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def print_summary(outcomes: list[Outcome], *, smoke: bool, seconds: float) -> None:
    state = "smoke" if smoke else "full"
    title = "Smoke run" if smoke else "Benchmarks"
    print(
        f"\n{title}: {len(outcomes)} benches in {seconds:.0f} s on {os.cpu_count()} cores; "
        f"load average (1, 5, 15 min) now {harness.load_average()}."
    )
    print(harness.TABLE_HEADER)
    for outcome in outcomes:
        rows = [(goal, outcome.figures.get(goal.figure)) for goal in outcome.goals]
        print("\n".join(harness.table(rows, state=state, bench=outcome.name, load=outcome.load)))
        if outcome.returncode:
            print(f"{outcome.name:<15}FAILED (exit {outcome.returncode}): see its output above")
    if not smoke and pending.GOALS:
        rows = [(goal, None) for goal in pending.GOALS]
        print("\n".join(harness.table(rows, state="pending", bench="(none yet)")))
    print("time per bench: " + ", ".join(f"{o.name} {o.seconds:.0f} s" for o in outcomes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="each bench at a tiny size")
    parser.add_argument("names", nargs="*", help="only these benches (dashboard, entry, ...)")
    args = parser.parse_args()
    harness.exit_on_signals()
    started = time.perf_counter()
    outcomes = [run_bench(path, smoke=args.smoke) for path in benches(args.names)]
    print_summary(outcomes, smoke=args.smoke, seconds=time.perf_counter() - started)
    failed = [o.name for o in outcomes if not o.complete]
    if failed or not outcomes:
        sys.exit(f"Benches that failed or left a goal without a figure: {', '.join(failed)}")


if __name__ == "__main__":
    main()
