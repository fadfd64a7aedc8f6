"""The MonthlyTotal view (migration 0009): the roll-up rows, and the entries of every CĐCS."""

import pytest
from django.db import connection

from federation import services
from federation.entries.services import EntryRow, entries_save
from federation.models import Door, MonthlyEntry, MonthlyTotal, Rollup, UnitKind
from federation.tests.factories import GrassrootsFactory, UnitFactory, indicator


def brute_force_union() -> list[tuple[int, int, int, int, int, int]]:
    """What the view must hold, from the two tables with no SQL of the view's."""
    rows = [
        (r.unit_id, r.indicator_id, r.year, r.month, r.total, r.entries)
        for r in Rollup.objects.all()
    ]
    rows += [
        (e.unit_id, e.indicator_id, e.year, e.month, e.value, 1)
        for e in MonthlyEntry.objects.select_related("unit")
        if e.unit.kind == UnitKind.GRASSROOTS_UNION
    ]
    return sorted(rows)


def view_rows() -> list[tuple[int, int, int, int, int, int]]:
    return sorted(
        MonthlyTotal.objects.values_list(
            "unit_id", "indicator_id", "year", "month", "total", "entries"
        )
    )


@pytest.fixture
def tree_with_entries(db):
    """A city, a district with entries of its own, two CĐCS and a unit that will change kind."""
    city = UnitFactory(kind=UnitKind.PROVINCIAL_FEDERATION)
    district = UnitFactory(parent=city)
    unions = [GrassrootsFactory(parent=district) for _ in range(2)]
    becoming = UnitFactory(parent=city)
    new, fees = indicator("new_members"), indicator("union_fees_collected")
    rows = [
        EntryRow(unit, ind, 2026, month, 10 * n + month)
        for n, unit in enumerate([district, *unions, becoming])
        for ind in (new, fees)
        for month in (1, 2)
    ]
    entries_save(rows=rows, user=None, door=Door.SYSTEM)
    return becoming


def test_the_view_is_the_rollup_rows_and_every_cdcs_own_entries(tree_with_entries):
    assert view_rows() == brute_force_union()
    assert len(view_rows()) > Rollup.objects.count()


def test_a_unit_that_becomes_a_cdcs_is_read_from_its_entries(tree_with_entries):
    services.unit_update(unit=tree_with_entries, user=None, kind=UnitKind.GRASSROOTS_UNION)

    assert not Rollup.objects.filter(unit=tree_with_entries).exists()
    assert view_rows() == brute_force_union()
    assert MonthlyTotal.objects.filter(unit=tree_with_entries).count() == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_a_full_scan_joins_the_units_instead_of_probing_them_per_entry(tree_with_entries):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN SELECT * FROM federation_monthly_total")
        plan = "\n".join(line for (line,) in cursor.fetchall())

    assert "Anti Join" in plan
    assert "SubPlan" not in plan
