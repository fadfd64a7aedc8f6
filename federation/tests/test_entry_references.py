"""An entry's unit and indicator exist, checked by PostgreSQL once per statement (migration 0016):
the same refusals a foreign key gave, asked of the database itself, behind Django's back."""

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from federation.entries import writes
from federation.models import MonthlyEntry, Unit
from federation.tests.factories import GrassrootsFactory, UnitFactory, indicator

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the check lives in PostgreSQL's triggers"
)

MISSING = 2_000_000_000


def insert(unit_id: int, indicator_id: int, month: int = 1) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO federation_monthlyentry "
            "(unit_id, indicator_id, year, month, value, created_at, updated_at) "
            "VALUES (%s, %s, 2026, %s, 1, now(), now())",
            [unit_id, indicator_id, month],
        )


def refused(sql: str, params: list) -> bool:
    """Whether the statement fails as a foreign key would make it (nothing of it kept)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as error:
        assert error.__cause__.sqlstate == "23503"  # foreign_key_violation
        return True
    return False


@pytest.fixture
def union(db):
    return GrassrootsFactory(parent=UnitFactory())


def test_an_entry_of_a_unit_or_indicator_that_does_not_exist_is_refused(union):
    members = indicator("new_members")
    values = "(%s, %s, 2026, 1, 1, now(), now())"
    sql = (
        "INSERT INTO federation_monthlyentry "
        "(unit_id, indicator_id, year, month, value, created_at, updated_at) VALUES "
    )
    assert refused(sql + values, [MISSING, members.pk])
    assert refused(sql + values, [union.pk, MISSING])
    # One bad row among good ones fails the whole statement.
    two = sql + values + ", " + values
    assert refused(two, [union.pk, members.pk, MISSING, members.pk])
    assert not MonthlyEntry.objects.exists()
    assert not refused(sql + values, [union.pk, members.pk])
    assert MonthlyEntry.objects.get().unit == union


def test_a_batch_written_in_one_statement_is_checked(union):
    """The import's path: thousands of rows in one statement, one of them to a missing unit."""
    members, left = indicator("new_members"), indicator("members_left")
    good = [((union.pk, i.pk, 2026, month), 5) for month in range(1, 13) for i in (members, left)]
    changes = writes.EntryChanges(created=[*good, ((MISSING, members.pk, 2026, 1), 5)])
    with pytest.raises(IntegrityError), transaction.atomic():
        writes.write(changes, user=None, door="test")
    writes.write(writes.EntryChanges(created=good), user=None, door="test")
    assert MonthlyEntry.objects.filter(unit=union).count() == 24


def test_moving_an_entry_is_checked_and_changing_its_value_is_not_refused(union):
    insert(union.pk, indicator("new_members").pk)
    entry = MonthlyEntry.objects.get()
    sql = "UPDATE federation_monthlyentry SET {} WHERE id = %s"
    assert refused(sql.format("unit_id = %s"), [MISSING, entry.pk])
    assert refused(sql.format("indicator_id = %s"), [MISSING, entry.pk])
    other = GrassrootsFactory(parent=Unit.objects.get_parent(union))
    assert not refused(sql.format("unit_id = %s"), [other.pk, entry.pk])
    assert not refused(sql.format("value = %s"), [9, entry.pk])
    entry.refresh_from_db()
    assert (entry.unit, entry.value) == (other, 9)


def test_a_unit_or_indicator_with_entries_cannot_be_deleted_or_renumbered(union):
    members = indicator("new_members")
    insert(union.pk, members.pk)
    assert refused("DELETE FROM federation_unit WHERE id = %s", [union.pk])
    assert refused("DELETE FROM federation_indicator WHERE id = %s", [members.pk])
    assert refused("UPDATE federation_unit SET id = %s WHERE id = %s", [MISSING, union.pk])
    assert refused("UPDATE federation_indicator SET id = %s WHERE id = %s", [MISSING, members.pk])
    assert not refused("DELETE FROM federation_unit WHERE id = %s", [MISSING])


def test_other_changes_to_units_are_not_checked_against_entries(union):
    """A unit's rename, or a move that rewrites many paths, is not a change of id."""
    insert(union.pk, indicator("new_members").pk)
    assert not refused("UPDATE federation_unit SET name = 'Tên mới' WHERE id = %s", [union.pk])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_entry_being_written_holds_its_unit_against_a_delete_until_commit():
    """As a foreign key does: the referenced row is locked FOR KEY SHARE, so a concurrent delete
    waits for the writer (here: gives up after its lock timeout) instead of orphaning its rows."""
    union, members = GrassrootsFactory(parent=UnitFactory()), indicator("new_members")
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
        password=settings["PASSWORD"], dbname=settings["NAME"], autocommit=True,
    )  # fmt: skip
    try:
        with transaction.atomic():
            insert(union.pk, members.pk)
            other.execute("SET lock_timeout = '200ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM federation_unit WHERE id = %s", [union.pk])
        # Committed: the delete now finds the entry and is refused.
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            other.execute("DELETE FROM federation_unit WHERE id = %s", [union.pk])
    finally:
        other.close()
