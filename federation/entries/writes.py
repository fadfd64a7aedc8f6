"""Writes a checked batch of monthly entries together with their audit rows.

services.entries_save decides what changes; this module only writes it. On PostgreSQL each kind
of change is one statement whatever the size of the batch: the values travel as a few arrays,
unnest() turns them back into rows, and a data-modifying CTE copies every row it wrote into
simple-history's table in the same statement, so no Python object is built per entry (a month of
a district is ~7.500 values, an import up to 150.000). Other databases (SQLite under `make run`)
go through simple-history's bulk helpers, which record the same audit rows.
"""

from dataclasses import dataclass, field
from functools import cache

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .. import sql
from ..models import MonthlyEntry

# (unit_id, indicator_id, year, month)
EntryKey = tuple[int, int, int, int]


@dataclass
class EntryChanges:
    """What a batch does to the entries table."""

    created: list[tuple[EntryKey, int]] = field(default_factory=list)  # (key, value)
    updated: list[tuple[int, int]] = field(default_factory=list)  # (entry id, new value)
    deleted: list[int] = field(default_factory=list)  # entry ids


class DuplicateEntry(Exception):
    """Another transaction inserted one of the created keys after this one read the table."""


def write(changes: EntryChanges, *, user: AbstractBaseUser | None, door: str) -> None:
    """Writes the changes and one history row per changed entry (who, when, which door).

    Must run inside the caller's transaction. Raises DuplicateEntry, having written nothing of
    the created rows, when one of them exists already; IntegrityError when an entry's unit or
    indicator does not exist.
    """
    now = timezone.now()
    write_rows = _write_with_arrays if sql.has_arrays() else _write_with_orm
    try:
        # A savepoint, so that a row someone else inserted meanwhile fails only this step.
        with transaction.atomic():
            write_rows(changes, user=user, door=door, now=now)
    except IntegrityError as error:
        if not _duplicate_key(error):
            raise  # e.g. an entry of a unit deleted meanwhile (migration 0016's check)
        raise DuplicateEntry from error


def _duplicate_key(error: IntegrityError) -> bool:
    """A unique key violated: PostgreSQL says so by its code, SQLite in its message."""
    return getattr(error.__cause__, "sqlstate", None) == "23505" or "UNIQUE" in str(error)


# --- PostgreSQL: one statement per kind of change ------------------------------------------------


def _write_with_arrays(changes: EntryChanges, *, user, door, now) -> None:
    statements = _statements()
    audit = {"user_id": user.pk if user else None, "door": door, "now": now}
    with connection.cursor() as cursor:
        if changes.created:
            created = changes.created
            cursor.execute(
                statements["created"],
                {
                    **audit,
                    **{
                        name: sql.int_array([key[part] for key, _ in created])
                        for part, name in enumerate(("units", "indicators", "years", "months"))
                    },
                    "values": sql.int_array([value for _, value in created]),
                },
            )
        if changes.updated:
            cursor.execute(
                statements["updated"],
                {
                    **audit,
                    "ids": sql.int_array([pk for pk, _ in changes.updated]),
                    "values": sql.int_array([value for _, value in changes.updated]),
                },
            )
        if changes.deleted:
            cursor.execute(statements["deleted"], {**audit, "ids": sql.int_array(changes.deleted)})


@cache
def _statements() -> dict[str, str]:
    """The three statements, their column lists read from the models' metadata."""
    entries = MonthlyEntry._meta.db_table
    history = MonthlyEntry.history.model._meta
    tracked = [f.column for f in MonthlyEntry._meta.concrete_fields]
    audit_columns = [
        history.get_field(name).column
        for name in ("history_date", "history_type", "history_user", "history_change_reason")
    ]
    copy = (
        f"INSERT INTO {history.db_table} ({', '.join(tracked + audit_columns)}) "
        f"SELECT {', '.join(tracked)}, %(now)s, '{{kind}}', %(user_id)s, %(door)s FROM written"
    )
    returning = f"RETURNING {', '.join(f'{entries}.{c}' for c in tracked)}"
    return {
        "created": (
            f"WITH written AS (INSERT INTO {entries} "
            "(unit_id, indicator_id, year, month, value, entered_by_id, created_at, updated_at) "
            "SELECT unit_id, indicator_id, year, month, value, %(user_id)s, %(now)s, %(now)s "
            "FROM unnest(%(units)s::bigint[], %(indicators)s::bigint[], %(years)s::smallint[], "
            "%(months)s::smallint[], %(values)s::bigint[]) "
            "AS batch(unit_id, indicator_id, year, month, value) "
            # Ordered by key, like every writer here, so concurrent batches cannot deadlock.
            f"ORDER BY unit_id, indicator_id, year, month {returning}) " + copy.format(kind="+")
        ),
        "updated": (
            f"WITH written AS (UPDATE {entries} SET value = batch.value, "
            "entered_by_id = %(user_id)s, updated_at = %(now)s "
            "FROM unnest(%(ids)s::bigint[], %(values)s::bigint[]) AS batch(id, value) "
            f"WHERE {entries}.id = batch.id {returning}) " + copy.format(kind="~")
        ),
        "deleted": (
            f"WITH written AS (DELETE FROM {entries} WHERE id = ANY(%(ids)s::bigint[]) "
            f"{returning}) " + copy.format(kind="-")
        ),
    }


# --- any other database: the ORM and simple-history's bulk helpers --------------------------------


def _write_with_orm(changes: EntryChanges, *, user, door, now) -> None:
    audit = {"default_user": user, "default_change_reason": door}
    if changes.created:
        created = [
            MonthlyEntry(
                unit_id=unit_id,
                indicator_id=indicator_id,
                year=year,
                month=month,
                value=value,
                entered_by=user,
            )  # fmt: skip
            for (unit_id, indicator_id, year, month), value in changes.created
        ]
        bulk_create_with_history(created, MonthlyEntry, batch_size=1000, **audit)
    if changes.updated:
        entries = MonthlyEntry.objects.in_bulk([pk for pk, _ in changes.updated])
        for pk, value in changes.updated:
            entry = entries[pk]
            entry.value, entry.entered_by, entry.updated_at = value, user, now
        bulk_update_with_history(
            list(entries.values()), MonthlyEntry, ["value", "entered_by", "updated_at"],
            batch_size=1000, **audit,
        )  # fmt: skip
    for entry in MonthlyEntry.objects.filter(pk__in=changes.deleted):
        entry._change_reason = door
        entry._history_user = user
        entry.delete()
