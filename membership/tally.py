"""The member tally: the roster's counts kept on write, so that no count reads members.

Two tables (see their models): `MemberTally`, the monthly movements over each unit's subtree,
and `UnionTally`, its CĐCS and those keeping a roster. A change is written where it happened
and to every ancestor, which are the prefixes of the unit's path. Every function here runs
inside its caller's transaction:

- `membership.services`: each write of a member passes what the member counted for before and
  after it (`member_changes`), so a corrected gender or date moves the member between months;
- `Member.objects.bulk_create` adds what it inserts (the Excel import through simple-history's
  bulk helper, the demo, the benches), so no bulk door can forget it;
- the unit services of federation, through `federation.signals` (federation never imports
  membership, `apps.py` connects the receivers): a unit created or changed (`unit_changed`: a
  CĐCS counts, its workforce counts), moved (`unit_moved`: the subtree's rows leave the old
  ancestors and join the new); a deleted unit through Django's post_delete.

`rebuild_member_tally [--check]` recomputes both tables from the members and the tree.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth

from federation import sql
from federation.models import Unit, UnitKind

from .models import Gender, LeaveReason, Member, MemberTally, UnionTally

MOVEMENTS = (
    "admitted",
    "departed",
    "women_admitted",
    "women_departed",
    "transferred_in",
    "transferred_out",
)
UNION_FIGURES = ("unions", "with_roster", "workforce")
_CHUNK = 100  # rows per INSERT where the changes cannot travel as arrays

Figures = tuple[int, ...]


@dataclass(frozen=True)
class Change:
    """What changed at the unit whose path this is: its row changes, and its ancestors'."""

    path: str
    month: datetime.date | None  # the first of the month; None for UnionTally
    figures: Figures


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _scaled(sign: int, figures: Iterable[int]) -> Figures:
    return tuple(sign * int(value) for value in figures)


def member_changes(member: Member, path: str, sign: int = 1) -> list[Change]:
    """What a member's row counts for in the tally of its CĐCS (whose path is `path`): an
    admission in the month it joined and a departure in the month it left. sign=-1 takes it
    back, which is how a write removes what the row counted for before it."""
    female = member.gender == Gender.FEMALE
    transferred_in = member.transferred_from_id is not None
    changes = [
        Change(
            path, month_of(member.joined_on), _scaled(sign, (1, 0, female, 0, transferred_in, 0))
        )
    ]
    if member.left_on:
        transferred_out = member.leave_reason == LeaveReason.TRANSFERRED
        changes.append(
            Change(
                path, month_of(member.left_on), _scaled(sign, (0, 1, 0, female, 0, transferred_out))
            )
        )
    return changes


# --- writing -----------------------------------------------------------------------------------


def add_movements(changes: Iterable[Change]) -> None:
    """Adds monthly movements to the MemberTally rows of each unit and its ancestors."""
    _add(MemberTally, ("unit_id", "month"), MOVEMENTS, changes)


def add_unions(changes: Iterable[Change]) -> None:
    """Adds CĐCS counts to the UnionTally rows of each unit and its ancestors."""
    _add(UnionTally, ("unit_id",), UNION_FIGURES, changes)


def _net(changes: Iterable[Change]) -> dict[tuple[str, datetime.date | None], list[int]]:
    summed: dict[tuple[str, datetime.date | None], list[int]] = {}
    for change in changes:
        row = summed.setdefault((change.path, change.month), [0] * len(change.figures))
        for index, value in enumerate(change.figures):
            row[index] += value
    return {key: row for key, row in summed.items() if any(row)}


def _add(model, keys: tuple[str, ...], columns: tuple[str, ...], changes) -> None:
    net = _net(changes)
    if not net:
        return
    if sql.has_arrays():
        _add_by_arrays(model, keys, columns, net)
    else:
        _add_rows(model, keys, columns, _spread(net))


def _add_by_arrays(model, keys, columns, net) -> None:
    """One statement whatever the batch: the changes travel as arrays, PostgreSQL finds each
    unit's ancestors from its path's prefixes, sums per row and upserts in key order, so that
    two writers touching the same ancestors lock them in the same order and cannot deadlock."""
    monthly = "month" in keys
    paths = "{" + ",".join(path for path, _ in net) + "}"  # paths are letters and digits
    arrays = [paths]
    casts = ["%s::text[]"]
    names = ["path"]
    if monthly:
        arrays.append("{" + ",".join(month.isoformat() for _, month in net) + "}")
        casts.append("%s::date[]")
        names.append("month")
    for index, column in enumerate(columns):
        arrays.append(sql.int_array(row[index] for row in net.values()))
        casts.append("%s::bigint[]")
        names.append(column)
    group = "ancestor.id, change.month" if monthly else "ancestor.id"
    table, unit = model._meta.db_table, Unit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS stored ({', '.join(keys)}, {', '.join(columns)}) "
            f"SELECT {group}, {', '.join(f'SUM(change.{c})' for c in columns)} "
            f"FROM unnest({', '.join(casts)}) AS change({', '.join(names)}) "
            "CROSS JOIN LATERAL generate_series(1, length(change.path) / %s) AS level(depth) "
            f"JOIN {unit} AS ancestor ON ancestor.path = left(change.path, level.depth * %s) "
            f"GROUP BY {group} "
            f"HAVING {' OR '.join(f'SUM(change.{c}) <> 0' for c in columns)} "
            f"ORDER BY {group} "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
            + ", ".join(f"{c} = stored.{c} + EXCLUDED.{c}" for c in columns),
            [*arrays, Unit.steplen, Unit.steplen],
        )


def _spread(net) -> dict[tuple, list[int]]:
    """The same from Python: each change on the rows of its unit and of every ancestor that
    exists (a deleted unit's own row is gone with it)."""
    step = Unit.steplen
    prefixes = {path[:end] for path, _ in net for end in range(step, len(path) + 1, step)}
    id_by_path = dict(Unit.objects.filter(path__in=prefixes).values_list("path", "id"))
    spread: dict[tuple, list[int]] = {}
    for (path, month), figures in net.items():
        for end in range(step, len(path) + 1, step):
            if (unit_id := id_by_path.get(path[:end])) is None:
                continue
            key = (unit_id, month) if month is not None else (unit_id,)
            row = spread.setdefault(key, [0] * len(figures))
            for index, value in enumerate(figures):
                row[index] += value
    return spread


def _add_rows(model, keys, columns, rows: dict[tuple, list[int]]) -> None:
    """Upserts summed rows in key order (see _add_by_arrays)."""
    values = [(*key, *figures) for key, figures in sorted(rows.items()) if any(figures)]
    table = connection.ops.quote_name(model._meta.db_table)
    width = len(keys) + len(columns)
    with connection.cursor() as cursor:
        for start in range(0, len(values), _CHUNK):
            chunk = values[start : start + _CHUNK]
            placeholders = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(keys)}, {', '.join(columns)}) "
                f"VALUES {placeholders} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
                + ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in columns),
                [value for row in chunk for value in row],
            )


# --- the CĐCS of a subtree ---------------------------------------------------------------------


def refresh_unions(unit_ids: Iterable[int]) -> None:
    """Brings what each of these units counts for in UnionTally in line with what it is now: a
    CĐCS counts once, and with its workforce if it keeps a roster (anyone on it, current or
    past); any other unit counts for nothing of its own.

    Only a leaf's row is its own contribution (a CĐCS has no children, a unit with children is
    never a CĐCS), so units with children are passed over. The rows are locked first: two
    writers adding the first members of a CĐCS at once count it once.
    """
    ids = sorted(set(unit_ids))
    stored = {
        row[0]: row[1:]
        for row in UnionTally.objects.filter(unit__in=ids)
        .order_by("unit")
        .select_for_update()
        .values_list("unit", *UNION_FIGURES)
    }
    units = (
        Unit.objects.filter(pk__in=ids, numchild=0)
        .annotate(keeps_roster=Exists(Member.objects.filter(union=OuterRef("pk"))))
        .values_list("pk", "path", "kind", "workforce_total", "keeps_roster")
    )
    changes = []
    for pk, path, kind, workforce, keeps_roster in units:
        counted = kind == UnitKind.GRASSROOTS_UNION
        rostered = counted and keeps_roster
        now = (int(counted), int(rostered), (workforce or 0) if rostered else 0)
        before = stored.get(pk, (0, 0, 0))
        changes.append(Change(path, None, tuple(a - b for a, b in zip(now, before, strict=True))))
    add_unions(changes)


def members_added(members: Iterable[Member]) -> None:
    """After rows were inserted in bulk: their movements, and the CĐCS that now keep a roster."""
    members = list(members)
    if not members:
        return
    union_ids = {member.union_id for member in members}
    path_of = dict(Unit.objects.filter(pk__in=union_ids).values_list("pk", "path"))
    add_movements(
        change for member in members for change in member_changes(member, path_of[member.union_id])
    )
    refresh_unions(union_ids)


# --- the tree changes (receivers of federation.signals and of Unit's post_delete) --------------


def on_unit_changed(sender, *, unit: Unit, **kwargs) -> None:
    """A unit was created, or its kind or workforce may have changed."""
    refresh_unions([unit.pk])


def on_unit_moved(sender, *, unit: Unit, old_parent: Unit | None, new_parent: Unit, **kw) -> None:
    """The subtree's rows (the unit's own, which sum it) leave the old parent's chain and join
    the new one's; the ancestors both chains share see both and net to nothing."""
    changes = []
    for month, *figures in MemberTally.objects.filter(unit=unit).values_list("month", *MOVEMENTS):
        if old_parent is not None:
            changes.append(Change(old_parent.path, month, _scaled(-1, figures)))
        changes.append(Change(new_parent.path, month, tuple(figures)))
    add_movements(changes)
    unions = []
    for figures in UnionTally.objects.filter(unit=unit).values_list(*UNION_FIGURES):
        if old_parent is not None:
            unions.append(Change(old_parent.path, None, _scaled(-1, figures)))
        unions.append(Change(new_parent.path, None, tuple(figures)))
    add_unions(unions)


def on_unit_deleted(sender, *, instance: Unit, **kwargs) -> None:
    """A deleted CĐCS leaves the count of the ancestors that remain. It kept no roster: its
    members would have protected it from deletion. Its own rows went with it."""
    if instance.is_grassroots and instance.depth > 1:
        add_unions([Change(instance.path[: -Unit.steplen], None, (-1, 0, 0))])


# --- check and rebuild -------------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    table: str  # "members" or "unions"
    key: tuple  # (unit_id, month) or (unit_id,)
    stored: Figures
    expected: Figures


def expected_unions() -> dict[tuple, Figures]:
    """UnionTally computed from the tree: one query of the CĐCS, spread in Python (a few
    hundred thousand sums for the country's 135,000 CĐCS)."""
    unions = (
        Unit.objects.filter(kind=UnitKind.GRASSROOTS_UNION)
        .annotate(keeps_roster=Exists(Member.objects.filter(union=OuterRef("pk"))))
        .values_list("path", "workforce_total", "keeps_roster")
    )
    net = {}
    for path, workforce, keeps_roster in unions.iterator(chunk_size=10_000):
        net[(path, None)] = [1, int(keeps_roster), (workforce or 0) if keeps_roster else 0]
    return {key: tuple(row) for key, row in _spread(net).items() if any(row)}


def expected_movements() -> dict[tuple, Figures]:
    """MemberTally computed from the members, in Python (see _fill_movements for PostgreSQL)."""
    female = Q(gender=Gender.FEMALE)
    joined = (
        Member.objects.annotate(month=TruncMonth("joined_on"))
        .values("union__path", "month")
        .annotate(
            n=Count("pk"),
            women=Count("pk", filter=female),
            moved=Count("pk", filter=Q(transferred_from__isnull=False)),
        )
        .order_by()
    )
    gone = (
        Member.objects.filter(left_on__isnull=False)
        .annotate(month=TruncMonth("left_on"))
        .values("union__path", "month")
        .annotate(
            n=Count("pk"),
            women=Count("pk", filter=female),
            moved=Count("pk", filter=Q(leave_reason=LeaveReason.TRANSFERRED)),
        )
        .order_by()
    )
    changes = [
        Change(r["union__path"], r["month"], (r["n"], 0, r["women"], 0, r["moved"], 0))
        for r in joined
    ] + [
        Change(r["union__path"], r["month"], (0, r["n"], 0, r["women"], 0, r["moved"]))
        for r in gone
    ]
    return {key: tuple(row) for key, row in _spread(_net(changes)).items() if any(row)}


def _fill_movements(table: str) -> None:
    """PostgreSQL: MemberTally computed from the members into `table`, by the database.

    First each CĐCS's months (one pass over the members), then each level from the one below
    it, deepest first, so the national 11 million rows are read once and every level above the
    CĐCS sums a few hundred thousand rows. A unit's own members (a CĐCS made a federation since
    keeps them) meet its children's sums through the upsert.
    """
    member, unit, step = Member._meta.db_table, Unit._meta.db_table, Unit.steplen
    columns = ", ".join(MOVEMENTS)
    sums = ", ".join(f"SUM({c})" for c in MOVEMENTS)
    upsert = "ON CONFLICT (unit_id, month) DO UPDATE SET " + ", ".join(
        f"{c} = stored.{c} + EXCLUDED.{c}" for c in MOVEMENTS
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS stored (unit_id, month, {columns}) "
            f"SELECT union_id, month, {sums} FROM ("
            "SELECT union_id, date_trunc('month', joined_on)::date AS month, "
            f"1 AS admitted, 0 AS departed, (gender = %s)::int AS women_admitted, "
            "0 AS women_departed, (transferred_from_id IS NOT NULL)::int AS transferred_in, "
            f"0 AS transferred_out FROM {member} "
            "UNION ALL SELECT union_id, date_trunc('month', left_on)::date, 0, 1, 0, "
            f"(gender = %s)::int, 0, (leave_reason = %s)::int FROM {member} "
            "WHERE left_on IS NOT NULL"
            ") AS movement GROUP BY union_id, month ORDER BY 1, 2",
            [Gender.FEMALE, Gender.FEMALE, LeaveReason.TRANSFERRED],
        )
        cursor.execute(f"SELECT COALESCE(MAX(depth), 0) FROM {unit}")
        (deepest,) = cursor.fetchone()
        for depth in range(deepest - 1, 0, -1):
            cursor.execute(
                f"INSERT INTO {table} AS stored (unit_id, month, {columns}) "
                f"SELECT parent.id, below.month, {sums} FROM {table} AS below "
                f"JOIN {unit} AS child ON child.id = below.unit_id AND child.depth = %s "
                f"JOIN {unit} AS parent ON parent.path = left(child.path, %s) "
                f"GROUP BY parent.id, below.month ORDER BY 1, 2 {upsert}",
                [depth + 1, depth * step],
            )


def _stored(model, keys: tuple[str, ...], columns: tuple[str, ...]) -> dict[tuple, Figures]:
    rows = model.objects.values_list(*keys, *columns).order_by()
    width = len(keys)
    return {
        tuple(row[:width]): tuple(row[width:])
        for row in rows.iterator(chunk_size=10_000)
        if any(row[width:])
    }


def _compare(table: str, stored: dict, expected: dict) -> list[Drift]:
    zeros = (0,) * len(next(iter({**stored, **expected}.values()), ()))
    return [
        Drift(table, key, stored.get(key, zeros), expected.get(key, zeros))
        for key in sorted(stored.keys() | expected.keys())
        if stored.get(key, zeros) != expected.get(key, zeros)
    ]


def _movement_drift_sql() -> list[Drift]:
    """PostgreSQL: the expected movements into a temporary table, compared by the database."""
    table = MemberTally._meta.db_table
    stored = ", ".join(f"COALESCE(stored.{c}, 0)" for c in MOVEMENTS)
    expected = ", ".join(f"COALESCE(expected.{c}, 0)" for c in MOVEMENTS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE expected_member_tally (unit_id bigint, month date, "
            + ", ".join(f"{c} bigint NOT NULL DEFAULT 0" for c in MOVEMENTS)
            + ", PRIMARY KEY (unit_id, month)) ON COMMIT DROP"
        )
        _fill_movements("expected_member_tally")
        cursor.execute(
            "SELECT COALESCE(stored.unit_id, expected.unit_id), "
            f"COALESCE(stored.month, expected.month), {stored}, {expected} "
            f"FROM {table} AS stored FULL JOIN expected_member_tally AS expected "
            "ON expected.unit_id = stored.unit_id AND expected.month = stored.month "
            f"WHERE ({stored}) <> ({expected}) ORDER BY 1, 2"
        )
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE expected_member_tally")
    width = len(MOVEMENTS)
    return [
        Drift("members", (unit_id, month), tuple(rest[:width]), tuple(rest[width:]))
        for unit_id, month, *rest in rows
    ]


def find_drift() -> list[Drift]:
    """Tally rows that disagree with the members and the tree (rows of zeros count as absent).
    Run it in a transaction: on PostgreSQL it builds a temporary table."""
    if sql.has_arrays():
        movements = _movement_drift_sql()
    else:
        stored = _stored(MemberTally, ("unit_id", "month"), MOVEMENTS)
        movements = _compare("members", stored, expected_movements())
    stored_unions = _stored(UnionTally, ("unit_id",), UNION_FIGURES)
    return movements + _compare("unions", stored_unions, expected_unions())


def rebuild() -> tuple[int, int]:
    """Both tables computed again from the members and the tree; run it in a transaction.
    Returns how many rows each holds."""
    if sql.has_arrays():
        # Member writes wait until it commits: one counted between its reading and its
        # writing would otherwise be lost.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Member._meta.db_table} IN SHARE MODE")
    MemberTally.objects.all().delete()
    if sql.has_arrays():
        _fill_movements(MemberTally._meta.db_table)
    else:
        MemberTally.objects.bulk_create(
            MemberTally(unit_id=unit_id, month=month, **dict(zip(MOVEMENTS, row, strict=True)))
            for (unit_id, month), row in sorted(expected_movements().items())
        )
    UnionTally.objects.all().delete()
    UnionTally.objects.bulk_create(
        (
            UnionTally(unit_id=unit_id, **dict(zip(UNION_FIGURES, row, strict=True)))
            for (unit_id,), row in sorted(expected_unions().items())
        ),
        batch_size=5000,
    )
    return MemberTally.objects.count(), UnionTally.objects.count()
