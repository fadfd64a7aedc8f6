"""The roll-up table: every unit's figure is its own entries plus all its descendants'.

Writes push deltas up the ancestor chain (a few rows per change, the tree's depth), so reads never
scan a subtree. A CĐCS has nothing below it and keeps no rows: its figures are its own entries,
and the MonthlyTotal view reads both. Every function here must run inside the caller's transaction.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import Substr

from .. import sql
from ..models import MonthlyEntry, Rollup, Unit, UnitKind

# (unit_id, indicator_id, year, month)
RollupKey = tuple[int, int, int, int]

# Rows per INSERT statement: 6 parameters each stays far below every backend's parameter limit.
_UPSERT_CHUNK = 500


@dataclass
class Delta:
    total: int = 0
    entries: int = 0

    def __bool__(self) -> bool:
        return bool(self.total or self.entries)


# A change to one unit's own figure: (unit, indicator_id, year, month, total, entries), the
# change of its total and of the number of its entries. A flat tuple: an import makes 150.000.
Change = tuple[Unit, int, int, int, int, int]


def ancestor_ids(units: Iterable[Unit]) -> dict[int, list[int]]:
    """For each unit, the ids of itself and all its ancestors, in one query."""
    units = list(units)
    wanted = {p for unit in units for p in unit.ancestor_paths}
    id_by_path = dict(Unit.objects.filter(path__in=wanted).values_list("path", "id"))
    return {unit.id: [id_by_path[p] for p in unit.ancestor_paths] for unit in units}


def keeps_rows(unit: Unit) -> bool:
    """Whether the unit has roll-up rows: every unit but a CĐCS."""
    return not unit.is_grassroots


def spread_to_ancestors(
    changes: Iterable[Change],
) -> dict[RollupKey, Delta]:
    """Turns (unit, indicator_id, year, month, total, entries) changes into deltas on the unit's
    row and every ancestor's (a CĐCS has no row of its own)."""
    changes = list(changes)
    units = {unit.pk: unit for unit, *_ in changes}
    chains = {
        pk: chain if keeps_rows(units[pk]) else chain[:-1]
        for pk, chain in ancestor_ids(units.values()).items()
    }
    deltas: dict[RollupKey, Delta] = defaultdict(Delta)
    for unit, indicator_id, year, month, total, entries in changes:
        for ancestor_id in chains[unit.id]:
            row = deltas[(ancestor_id, indicator_id, year, month)]
            row.total += total
            row.entries += entries
    return deltas


def add(changes: Iterable[Change]) -> None:
    """Adds each (unit, indicator_id, year, month, total, entries) change to the unit's roll-up
    rows and to those of all its ancestors.

    On PostgreSQL the changes are first summed by the unit where their chain of rows starts
    (a CĐCS's parent, any other unit itself): an import of 150.000 values of a district's CĐCS
    becomes one row per indicator and month. Those sums travel as arrays and the database finds
    the ancestors itself (the prefixes of the unit's path), sums and upserts them in one
    statement; elsewhere the ancestors are found here and the sums written by `apply`.
    """
    changes = [change for change in changes if change[4] or change[5]]
    if not changes:
        return
    if not sql.has_arrays():
        apply(spread_to_ancestors(changes))
        return
    summed = _by_chain_start(changes)
    columns = (
        [unit_id for unit_id, *_ in summed],
        [indicator_id for _, indicator_id, *_ in summed],
        [year for _, _, year, _ in summed],
        [month for *_, month in summed],
        [total for total, _ in summed.values()],
        [entries for _, entries in summed.values()],
    )
    rollup, unit = Rollup._meta.db_table, Unit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {rollup} AS stored (unit_id, indicator_id, year, month, total, entries) "
            "SELECT ancestor.id, change.indicator_id, change.year, change.month, "
            "SUM(change.total), SUM(change.entries) "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::smallint[], %s::smallint[], "
            "%s::bigint[], %s::integer[]) "
            "AS change(unit_id, indicator_id, year, month, total, entries) "
            f"JOIN {unit} AS changed ON changed.id = change.unit_id "
            "CROSS JOIN LATERAL generate_series(1, changed.depth) AS level(depth) "
            f"JOIN {unit} AS ancestor ON ancestor.path = left(changed.path, level.depth * %s) "
            "GROUP BY 1, 2, 3, 4 HAVING SUM(change.total) <> 0 OR SUM(change.entries) <> 0 "
            # Sorted, as in apply, so that concurrent writers lock rows in the same order.
            "ORDER BY 1, 2, 3, 4 "
            "ON CONFLICT (unit_id, indicator_id, year, month) DO UPDATE SET "
            "total = stored.total + EXCLUDED.total, entries = stored.entries + EXCLUDED.entries",
            [*map(sql.int_array, columns), Unit.steplen],
        )


def _by_chain_start(changes: list[Change]) -> dict[RollupKey, list[int]]:
    """The changes summed by (the first unit with a row to change, indicator, year, month):
    [total, entries] each. One query finds the CĐCS's parents."""
    units = {change[0].id: change[0] for change in changes}
    parent_paths = {unit.path[: -unit.steplen] for unit in units.values() if not keeps_rows(unit)}
    parent_id = dict(Unit.objects.filter(path__in=parent_paths).values_list("path", "id"))
    start = {  # a CĐCS at the root, if there were one, would have no row to change
        pk: pk if keeps_rows(unit) else parent_id.get(unit.path[: -unit.steplen])
        for pk, unit in units.items()
    }
    summed: dict[RollupKey, list[int]] = {}
    for unit, indicator_id, year, month, total, entries in changes:
        if (first := start[unit.id]) is None:
            continue
        key = (first, indicator_id, year, month)
        if (sums := summed.get(key)) is None:
            summed[key] = [total, entries]
        else:
            sums[0] += total
            sums[1] += entries
    return summed


def apply(deltas: Mapping[RollupKey, Delta]) -> None:
    """Adds the deltas to the roll-up rows, creating rows that do not exist yet.

    Keys are written in sorted order so that two transactions touching the same ancestors lock
    their rows in the same order and cannot deadlock.
    """
    rows = [(*key, d.total, d.entries) for key, d in sorted(deltas.items()) if d]
    table = connection.ops.quote_name(Rollup._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _UPSERT_CHUNK):
            chunk = rows[start : start + _UPSERT_CHUNK]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (unit_id, indicator_id, year, month, total, entries) "
                f"VALUES {placeholders} "
                "ON CONFLICT (unit_id, indicator_id, year, month) DO UPDATE SET "
                f"total = {table}.total + EXCLUDED.total, "
                f"entries = {table}.entries + EXCLUDED.entries",
                [value for row in chunk for value in row],
            )


def expected_rollup(year: int | None = None) -> dict[RollupKey, Delta]:
    """The roll-up computed from scratch from the entries: one grouped query per tree level
    (a CĐCS's own entries count for its ancestors only)."""
    entries = MonthlyEntry.objects.all() if year is None else MonthlyEntry.objects.filter(year=year)
    expected: dict[RollupKey, Delta] = {}
    max_depth = max(Unit.objects.values_list("depth", flat=True), default=0)
    id_by_path = dict(Unit.objects.values_list("path", "id"))
    for depth in range(1, max_depth + 1):
        rows = (
            entries.filter(unit__depth__gte=depth)
            .exclude(unit__depth=depth, unit__kind=UnitKind.GRASSROOTS_UNION)
            .annotate(ancestor_path=Substr("unit__path", 1, depth * Unit.steplen))
            .values("ancestor_path", "indicator_id", "year", "month")
            .annotate(total=Sum("value"), entries=Count("id"))
            .order_by()
        )
        for row in rows.iterator(chunk_size=5000):
            key = (id_by_path[row["ancestor_path"]], row["indicator_id"], row["year"], row["month"])
            expected[key] = Delta(total=row["total"], entries=row["entries"])
    return expected


@dataclass(frozen=True)
class Drift:
    key: RollupKey
    stored: Delta
    expected: Delta


def find_drift(year: int | None = None) -> list[Drift]:
    """Roll-up rows that disagree with the entries (rows of zeros count as absent)."""
    expected = expected_rollup(year)
    rows = Rollup.objects.all() if year is None else Rollup.objects.filter(year=year)
    stored = {
        (r.unit_id, r.indicator_id, r.year, r.month): Delta(r.total, r.entries)
        for r in rows.iterator(chunk_size=5000)
    }
    drift = []
    for key in sorted(expected.keys() | stored.keys()):
        have, want = stored.get(key, Delta()), expected.get(key, Delta())
        if have != want:
            drift.append(Drift(key=key, stored=have, expected=want))
    return drift


def unit_kind_changed(unit: Unit) -> None:
    """After a unit became a CĐCS or stopped being one. Either way it has nothing below it (a
    CĐCS has no children, a unit with children cannot become one), so its rows are its own
    entries: they are dropped or created, and no ancestor changes."""
    if keeps_rows(unit):
        apply(
            {
                (unit.pk, indicator_id, year, month): Delta(value, 1)
                for indicator_id, year, month, value in MonthlyEntry.objects.filter(
                    unit=unit
                ).values_list("indicator_id", "year", "month", "value")
            }
        )
    else:
        Rollup.objects.filter(unit=unit).delete()


def correct(drift: Iterable[Drift]) -> None:
    """Brings the drifted rows back to their expected values."""
    apply(
        {
            d.key: Delta(d.expected.total - d.stored.total, d.expected.entries - d.stored.entries)
            for d in drift
        }
    )
    Rollup.objects.filter(total=0, entries=0).delete()
