"""The roll-up must always equal a brute-force sum of the entries below each unit."""

from collections import defaultdict

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation import services
from federation.entries import rollup
from federation.entries.services import EntryRow, entries_save, entry_delete, entry_upsert
from federation.models import MonthlyEntry, MonthlyTotal, Rollup, Unit, UnitKind
from federation.tests.factories import GrassrootsFactory, UnitFactory, indicator


def brute_force_rollup() -> dict[tuple[int, int, int, int], tuple[int, int]]:
    """Every unit's subtree sums, straight from the entries, with no use of the roll-up code."""
    expected = {}
    for unit in Unit.objects.all():
        rows = (
            MonthlyEntry.objects.filter(unit__path__startswith=unit.path)
            .values("indicator_id", "year", "month")
            .annotate(total=Sum("value"), entries=Count("id"))
        )
        for row in rows:
            key = (unit.pk, row["indicator_id"], row["year"], row["month"])
            expected[key] = (row["total"], row["entries"])
    return expected


def stored_rollup() -> dict[tuple[int, int, int, int], tuple[int, int]]:
    """Every unit's totals as the pages read them: roll-up rows, and a CĐCS's own entries."""
    assert not Rollup.objects.filter(unit__kind=UnitKind.GRASSROOTS_UNION).exists()
    return {
        (r.unit_id, r.indicator_id, r.year, r.month): (r.total, r.entries)
        for r in MonthlyTotal.objects.exclude(total=0, entries=0)
    }


# An operation is a tag and small numbers that pick among the units and entries that exist then.
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("write"),
            st.integers(0, 50),
            st.integers(0, 1),
            st.integers(1, 3),
            st.integers(0, 500),
        ),
        st.tuples(
            st.just("batch"),
            st.lists(
                st.tuples(
                    st.integers(0, 50), st.integers(0, 1), st.integers(1, 3), st.integers(0, 99)
                ),
                max_size=6,
            ),
        ),
        st.tuples(st.just("delete"), st.integers(0, 50)),
        st.tuples(st.just("move"), st.integers(0, 50), st.integers(0, 50)),
        st.tuples(st.just("add_unit"), st.integers(0, 50), st.booleans()),
        st.tuples(st.just("rekind"), st.integers(0, 50)),
    ),
    max_size=25,
)


def run(operation, indicators):
    units = list(Unit.objects.order_by("path"))
    tag, *args = operation
    if tag == "write":
        u, i, month, value = args
        entry_upsert(
            unit=units[u % len(units)],
            indicator=indicators[i],
            year=2026,
            month=month,
            value=value,
            user=None,
        )
    elif tag == "batch":
        rows = {(u % len(units), i, m): v for u, i, m, v in args[0]}
        entries_save(
            rows=[EntryRow(units[u], indicators[i], 2026, m, v) for (u, i, m), v in rows.items()],
            user=None,
        )
    elif tag == "delete":
        entries = list(MonthlyEntry.objects.order_by("pk"))
        if entries:
            entry_delete(entry=entries[args[0] % len(entries)], user=None)
    elif tag == "move":
        unit = units[args[0] % len(units)]
        parents = [p for p in units if not p.is_grassroots and not p.path.startswith(unit.path)]
        if unit.depth > 1 and parents:
            services.unit_move(unit=unit, new_parent=parents[args[1] % len(parents)], user=None)
    elif tag == "add_unit":
        parents = [p for p in units if not p.is_grassroots]
        parent = parents[args[0] % len(parents)]
        factory = GrassrootsFactory if args[1] else UnitFactory
        factory(parent=parent)
    elif tag == "rekind":
        # A unit without children becomes a CĐCS, or a CĐCS becomes a district federation.
        leaves = [u for u in units if not u.numchild and u.depth > 1]
        if leaves:
            unit = leaves[args[0] % len(leaves)]
            kind = UnitKind.DISTRICT_FEDERATION if unit.is_grassroots else UnitKind.GRASSROOTS_UNION
            services.unit_update(unit=unit, user=None, kind=kind, sector="")


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_rollup_equals_brute_force_after_any_writes_deletes_and_moves(write_path, ops):
    with transaction.atomic():
        root = UnitFactory(kind=UnitKind.PROVINCIAL_FEDERATION)
        district = UnitFactory(parent=root)
        GrassrootsFactory(parent=district)
        UnitFactory(parent=root, kind=UnitKind.SECTOR_UNION)
        indicators = [indicator("new_members"), indicator("total_members")]
        # Every unit starts with figures, so that every move carries some.
        entries_save(
            rows=[EntryRow(unit, indicators[0], 2026, 1, 7) for unit in Unit.objects.all()],
            user=None,
        )

        for operation in ops:
            run(operation, indicators)

        assert stored_rollup() == brute_force_rollup()
        assert rollup.find_drift() == []
        transaction.set_rollback(True)


def test_moving_a_subtree_moves_its_totals_between_ancestors(tree):
    new_members = indicator("new_members")
    entry_upsert(unit=tree["hd_1"], indicator=new_members, year=2026, month=2, value=30, user=None)
    entry_upsert(
        unit=tree["hoai_duc"], indicator=new_members, year=2026, month=2, value=5, user=None
    )

    services.unit_move(
        unit=tree["hoai_duc"], new_parent=tree["me_linh"], user=None, reason="Sáp nhập"
    )

    def total(key):
        return Rollup.objects.get(unit=tree[key], indicator=new_members, year=2026, month=2).total

    assert total("me_linh") == 35
    assert total("hoai_duc") == 35
    assert total("city") == 35
    assert Unit.objects.get(pk=tree["hd_1"].pk).path.startswith(
        Unit.objects.get(pk=tree["me_linh"].pk).path
    )
    assert tree["hoai_duc"].moves.get().reason == "Sáp nhập"


def test_drift_is_found_and_corrected(tree):
    new_members = indicator("new_members")
    entry_upsert(unit=tree["hd_1"], indicator=new_members, year=2026, month=2, value=30, user=None)
    Rollup.objects.filter(unit=tree["city"]).update(total=999)
    Rollup.objects.filter(unit=tree["hoai_duc"]).delete()

    drift = rollup.find_drift()

    assert {d.key[0] for d in drift} == {tree["city"].pk, tree["hoai_duc"].pk}
    rollup.correct(drift)
    assert rollup.find_drift() == []
    assert stored_rollup() == brute_force_rollup()


def test_ancestor_rows_are_written_in_one_statement_per_batch(tree, django_assert_max_num_queries):
    new_members = indicator("new_members")
    rows = [
        EntryRow(tree[key], new_members, 2026, month, 10)
        for key in ("hd_1", "hd_2", "ml_1", "edu_1")
        for month in range(1, 13)
    ]
    # select existing, unit paths, insert entries, insert history, roll-up upsert, savepoints;
    # the checks' reads (stored values, indicators, rules, peers) and the findings superseded
    with django_assert_max_num_queries(15):
        entries_save(rows=rows, user=None)
    city = defaultdict(int)
    for r in Rollup.objects.filter(unit=tree["city"]):
        city[r.month] += r.total
    assert dict(city) == {month: 40 for month in range(1, 13)}
