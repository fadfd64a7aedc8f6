"""What every bench shares, and the one shape in which a bench tells the runner its goals.

A bench is a script `bench/bench_<name>.py` that declares, at module level:

    GOALS = (Goal("root_page", "dashboard page at the root, median", "<", 50, "ms", "issue 5"),)
    SMOKE = {"unions": 200, "runs": 3}  # argparse defaults for a run of a few seconds

and, in its main(), parses its arguments with `arguments(parser, SMOKE)`, opens
`Figures(GOALS, smoke=args.smoke)` and sets `figures["root_page"] = 18.4` for each figure its
goals judge. `bench/run.py` runs every such script in its own process and prints one table.
"""

import argparse
import json
import os
import signal
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# The runner passes each bench a file to write its goals and figures to.
FIGURES_FILE = "BENCH_FIGURES_FILE"


@dataclass(frozen=True)
class Goal:
    """A goal of an issue: the figure `figure` of the bench must be `op` `limit` `unit`."""

    figure: str
    measure: str
    op: str  # "<", "≤", "≥" or "="
    limit: float
    unit: str  # "ms", "s", "MB", "×", or "" for a count
    source: str  # where the goal comes from: "issue 5"

    def held(self, value: float) -> bool:
        return {
            "<": value < self.limit,
            "≤": value <= self.limit,
            "≥": value >= self.limit,
            "=": value == self.limit,
        }[self.op]

    def ratio(self, value: float) -> float | None:
        """The figure over the limit: under 1 is better for "<" and "≤", over 1 for "≥"."""
        return value / self.limit if self.limit else None

    @property
    def text(self) -> str:
        return f"{self.op} {number(self.limit)} {self.unit}".rstrip()


def number(value: float) -> str:
    """Whole numbers as they are, others to about three significant digits."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    decimals = 3 if abs(value) < 1 else 2 if abs(value) < 10 else 1
    return f"{value:,.{decimals}f}"


# --- arguments and signals ---------------------------------------------------------------------


def arguments(parser: argparse.ArgumentParser, smoke: dict) -> argparse.Namespace:
    """The bench's arguments; with --smoke, SMOKE's values replace the documented defaults
    (an argument given on the command line still wins)."""
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny size, in seconds: checks that the bench runs and prints, not its timings",
    )
    args = parser.parse_args()
    if args.smoke:
        parser.set_defaults(**smoke)
        args = parser.parse_args()
    return args


def exit_on_signals() -> None:
    """SIGTERM and SIGHUP end the bench as Ctrl-C does, through every `finally`, so that its
    database is dropped and its workers stopped when the runner, a timeout or a closed
    terminal kills it."""

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


# --- the database ------------------------------------------------------------------------------


def database_name(bench: str, smoke: bool, *, kept: bool = False) -> str:
    """bench_<name>[_smoke]_<pid>: two runs of a bench at once, or a smoke beside a full run,
    each have their own database. One to keep (--keep, --reuse) is bench_<name>[_smoke]_kept."""
    return f"bench_{bench}{'_smoke' if smoke else ''}_{'kept' if kept else os.getpid()}"


def _admin(sql: str, params: tuple = ()) -> list[tuple]:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        cursor = connection.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal sent: only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, and is another user's
        pass
    return True


def _drop_left_behind(name: str) -> None:
    """Drops the databases of earlier runs of the same bench whose process is gone (killed with
    SIGKILL, or the machine restarted), and `name` itself."""
    prefix, _, pid = name.rpartition("_")
    found = [(name,)]
    if pid.isdigit():
        pattern = f"^{prefix}_[0-9]+$"
        found += _admin("SELECT datname FROM pg_database WHERE datname ~ %s", (pattern,))
    for (database,) in found:
        if database == name or not _running(int(database.rpartition("_")[2])):
            _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextmanager
def throwaway_database(name: str, *, keep: bool = False, reuse: bool = False) -> Iterator[str]:
    """A new PostgreSQL database `name` (databases killed runs left are dropped first), its URL;
    it is dropped at the end, on an error, Ctrl-C, SIGTERM or SIGHUP too, unless `keep`. With
    `reuse`, the database a run with `keep` left is used as it is."""
    exit_on_signals()
    if not reuse:
        _drop_left_behind(name)
        _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        if not keep:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(database_url: str, **environment: str) -> None:
    """Django as in production (DEBUG off: no query log kept), on `database_url`, migrated, with
    autovacuum off on every table: the bench refreshes statistics itself, at known points
    (`refresh_statistics`), so a run does not depend on when autovacuum comes by."""
    sys.path.insert(0, str(ROOT))
    production_like = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": "testserver",
        # The test client speaks plain HTTP: no redirect to HTTPS, no secure-only cookies.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        # Tasks run in-process unless the bench names a broker (not the caller's, CI's say).
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update({**production_like, **environment})
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    _autovacuum_off()


def _autovacuum_off() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in cursor.fetchall():
            cursor.execute(
                f'ALTER TABLE "{table}" SET '
                "(autovacuum_enabled = false, toast.autovacuum_enabled = false)"
            )


def refresh_statistics(*tables: str) -> None:
    """VACUUM ANALYZE the tables (all of them if none is named): the planner sees the data as it
    now is, and index-only scans find the pages all-visible."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")


# --- data -----------------------------------------------------------------------------------------


def add_grassroots(district, count: int, name: str, workforce: tuple[int, int]) -> None:
    """`count` CĐCS under `district` in one bulk insert (unit_create would take a statement or
    more each): codes `<district code>-001`…, `name` formatted with the number `n`, a workforce
    drawn from `workforce` with the `random` module, so a seeded bench draws the same."""
    import random

    from federation.models import Sector, Unit, UnitKind

    depth = district.depth + 1
    Unit.objects.bulk_create(
        Unit(
            path=Unit._get_path(district.path, depth, n),
            depth=depth,
            numchild=0,
            code=f"{district.code}-{n:03d}",
            name=name.format(n=n),
            kind=UnitKind.GRASSROOTS_UNION,
            sector=Sector.NON_STATE,
            workforce_total=random.randint(*workforce),
        )
        for n in range(1, count + 1)
    )
    Unit.objects.filter(pk=district.pk).update(numchild=count)
    district.refresh_from_db()


def add_city(
    districts: int, unions: int, *, district_name: str, union_name: str, workforce: tuple[int, int]
) -> tuple:
    """LĐLĐ Thành phố Hà Nội with `districts` district federations (`district_name` formatted
    with the number `d`) of `unions` CĐCS each (add_grassroots); returns the city and its
    districts."""
    from federation import services
    from federation.models import UnitKind

    city = services.unit_create(
        parent=None, code="HN", name="LĐLĐ Thành phố Hà Nội",
        kind=UnitKind.PROVINCIAL_FEDERATION, user=None,
    )  # fmt: skip
    built = []
    for d in range(1, districts + 1):
        district = services.unit_create(
            parent=city, code=f"HN-{d:02d}", name=district_name.format(d=d),
            kind=UnitKind.DISTRICT_FEDERATION, user=None,
        )  # fmt: skip
        add_grassroots(district, unions, union_name, workforce)
        built.append(district)
    return city, built


# --- the figures -------------------------------------------------------------------------------


class Figures:
    """The bench's figures by name, written to the runner's file as each arrives (a bench that
    fails half-way still reports what it measured), and its goals' table at the end."""

    def __init__(self, goals: Iterable[Goal], *, smoke: bool) -> None:
        self.bench = Path(sys.argv[0]).stem.removeprefix("bench_")
        self.goals = tuple(goals)
        self.smoke = smoke
        self.values: dict[str, float] = {}
        self._write()

    def __setitem__(self, figure: str, value: float) -> None:
        if figure not in {goal.figure for goal in self.goals}:
            raise KeyError(f"no goal judges the figure {figure!r}")
        self.values[figure] = float(value)
        self._write()

    def _write(self) -> None:
        path = os.environ.get(FIGURES_FILE)
        if path:
            report = {"goals": [asdict(goal) for goal in self.goals], "figures": self.values}
            Path(path).write_text(json.dumps(report, ensure_ascii=False))

    def print_table(self) -> None:
        rows = [(goal, self.values.get(goal.figure)) for goal in self.goals]
        print(f"\n{TABLE_HEADER}")
        state = "smoke" if self.smoke else "full"
        print("\n".join(table(rows, state=state, bench=self.bench, load=load_average())))


TABLE_HEADER = (
    f"{'bench':<15}{'measure':<64}{'goal':>11}{'figure':>13}{'ratio':>7}  {'held':<14}"
    f"{'source':<11}load (1, 5, 15 min)"
)


def verdict(goal: Goal, value: float | None, state: str) -> str:
    if state == "pending":
        return "no bench yet"
    if value is None:
        return "NOT MEASURED"
    if state == "smoke":
        return "(smoke)"
    return "yes" if goal.held(value) else "NO"


def table(
    rows: list[tuple[Goal, float | None]], *, state: str, bench: str = "", load: str = ""
) -> list[str]:
    """A line per goal: measure, goal, figure, ratio, held; `state` is "full", "smoke" (not
    judged) or "pending" (no bench measures it yet). The bench's name and the load average
    show on its first line."""
    lines = []
    for goal, value in rows:
        figure = "—" if value is None else f"{number(value)} {goal.unit}".rstrip()
        ratio = None if value is None else goal.ratio(value)
        lines.append(
            f"{bench:<15}{goal.measure:<64}{goal.text:>11}{figure:>13}"
            f"{'—' if ratio is None else f'{ratio:.2f}':>7}  "
            f"{verdict(goal, value, state):<14}{goal.source:<11}{load}".rstrip()
        )
        bench = load = ""
    return lines
