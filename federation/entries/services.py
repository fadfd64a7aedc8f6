"""Every write of monthly figures: the values, month reopenings and completion marks.

Pages, the Excel import, the API and the admin all call `entries_save`, so each rule holds
whichever door a figure came in by. It is one transaction: the values, their audit rows
(django-simple-history, with the door as the change reason) and the roll-up of every ancestor
commit together or not at all.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import Door, Indicator, MonthCompletion, MonthlyEntry, MonthReopening, Unit
from ..selectors import Permission, ensure_allowed
from ..validation import check_month, check_value, check_year
from . import locks, rollup, writes
from .writes import EntryKey


@dataclass(frozen=True)
class EntryRow:
    """One monthly value to save; `value` None removes the entry."""

    unit: Unit
    indicator: Indicator
    year: int
    month: int
    value: int | None

    @cached_property
    def key(self) -> EntryKey:
        return (self.unit.id, self.indicator.id, self.year, self.month)


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


class RowsInvalid(Exception):
    """A batch refused as a whole; `errors` says which rows and why."""

    def __init__(self, errors: Sequence[RowError]):
        super().__init__("; ".join(f"dòng {e.row}: {e.message}" for e in errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class Conflict:
    """A value someone else changed after the form was loaded."""

    row: int
    seen: int | None
    current: int | None
    changed_by: AbstractBaseUser | None
    changed_at: datetime.datetime | None


class StaleEntries(Exception):
    """The form was loaded before someone else saved: nothing is overwritten."""

    def __init__(self, conflicts: Sequence[Conflict]):
        super().__init__(f"{len(conflicts)} giá trị đã bị người khác sửa trong lúc bạn nhập.")
        self.conflicts = list(conflicts)


def _row_errors(rows: Sequence[EntryRow], user: AbstractBaseUser | None) -> list[RowError]:
    errors: list[RowError] = []
    seen: set[EntryKey] = set()
    for index, row in enumerate(rows):
        found: dict[str, str] = {}
        check_year(row.year, found)
        check_month(row.month, found)
        if row.value is not None:
            check_value(row.value, found)
        if not found:
            if row.key in seen:
                found["row"] = "Dòng trùng đơn vị, chỉ tiêu và tháng với một dòng trước."
            seen.add(row.key)
        errors.extend(RowError(index, field, message) for field, message in found.items())
    if errors:
        return errors
    reasons = locks.closed_reasons([(row.unit, row.year, row.month) for row in rows], user)
    return [RowError(index, "month", reason) for index, reason in enumerate(reasons) if reason]


def _stale(
    rows: Sequence[EntryRow],
    existing: Mapping[EntryKey, tuple[int, int]],
    expected: Mapping[EntryKey, int | None],
) -> list[Conflict]:
    changed = []
    for index, row in enumerate(rows):
        if row.key not in expected:
            continue
        pk, current = existing.get(row.key, (None, None))
        if current != expected[row.key]:
            changed.append((index, row.key, pk, current))
    if not changed:
        return []
    by_pk = MonthlyEntry.objects.select_related("entered_by").in_bulk(
        [pk for *_, pk, _ in changed if pk is not None]
    )
    conflicts = []
    for index, key, pk, current in changed:
        entry = by_pk.get(pk)
        conflicts.append(
            Conflict(
                index,
                expected[key],
                current,
                entry.entered_by if entry else None,
                entry.updated_at if entry else None,
            )
        )
    return conflicts


@transaction.atomic
def entries_save(
    *,
    rows: Iterable[EntryRow],
    user: AbstractBaseUser | None,
    door: str = Door.SYSTEM,
    expected: Mapping[EntryKey, int | None] | None = None,
) -> int:
    """Saves a batch of monthly values, all or nothing, and rolls the changes up the tree.

    Each row replaces the value for its (unit, indicator, year, month), or removes it when the
    value is None. Raises RowsInvalid, saving nothing, if any row is invalid or its month is
    closed to this user (see locks.py). `expected` holds the values a form showed when it was
    loaded: if any of those changed meanwhile, StaleEntries is raised and nothing is saved.
    Returns the number of rows accepted.
    """
    rows = list(rows)
    if errors := _row_errors(rows, user):
        raise RowsInvalid(errors)
    if not rows:
        return 0
    existing = _stored_for_update(rows)
    if expected is not None and (conflicts := _stale(rows, existing, expected)):
        raise StaleEntries(conflicts)
    changes, deltas = _changes(rows, existing)
    try:
        writes.write(changes, user=user, door=door)
    except writes.DuplicateEntry:
        raise StaleEntries([]) from None
    rollup.add(deltas)
    return len(rows)


def _stored_for_update(rows: Sequence[EntryRow]) -> dict[EntryKey, tuple[int, int]]:
    """(id, value) of the rows' stored entries, locked until the end of the transaction."""
    keys = zip(*(row.key for row in rows), strict=True)
    units, indicators, years, months = (set(part) for part in keys)
    stored = (
        MonthlyEntry.objects.select_for_update()
        .filter(unit__in=units, indicator__in=indicators, year__in=years, month__in=months)
        .values_list("pk", "unit_id", "indicator_id", "year", "month", "value")
    )
    return {(u, i, y, m): (pk, value) for pk, u, i, y, m, value in stored}


def _changes(
    rows: Sequence[EntryRow], existing: Mapping[EntryKey, tuple[int, int]]
) -> tuple[writes.EntryChanges, list[rollup.Change]]:
    """What the rows do to the entries table, and the same as deltas for the roll-up."""
    changes, deltas = writes.EntryChanges(), []
    for row in rows:
        key, value = row.key, row.value
        pk, old = existing.get(key, (None, None))
        if pk is None and value is not None:
            changes.created.append((key, value))
            delta = rollup.Delta(value, 1)
        elif pk is not None and value is None:
            changes.deleted.append(pk)
            delta = rollup.Delta(-old, -1)
        elif pk is not None and old != value:
            changes.updated.append((pk, value))
            delta = rollup.Delta(value - old, 0)
        else:
            continue
        deltas.append((row.unit, key[1], row.year, row.month, delta))
    return changes, deltas


def entry_upsert(
    *,
    unit: Unit,
    indicator: Indicator,
    year: int,
    month: int,
    value: int,
    user: AbstractBaseUser | None,
    door: str = Door.SYSTEM,
) -> MonthlyEntry:
    """Saves one monthly value; see entries_save."""
    try:
        entries_save(rows=[EntryRow(unit, indicator, year, month, value)], user=user, door=door)
    except RowsInvalid as invalid:
        raise ValidationError({e.field: e.message for e in invalid.errors}) from None
    return MonthlyEntry.objects.get(unit=unit, indicator=indicator, year=year, month=month)


def entry_delete(
    *, entry: MonthlyEntry, user: AbstractBaseUser | None, door: str = Door.SYSTEM
) -> None:
    """Removes a monthly value and takes it out of every ancestor's roll-up; see entries_save."""
    row = EntryRow(entry.unit, entry.indicator, entry.year, entry.month, None)
    try:
        entries_save(rows=[row], user=user, door=door)
    except RowsInvalid as invalid:
        raise ValidationError({e.field: e.message for e in invalid.errors}) from None


# --- month locks and completion ----------------------------------------------------------------

MAX_REOPEN_DAYS = 31
REOPEN_REFUSED = "Chỉ lãnh đạo đơn vị cấp trên mới được mở lại tháng đã khóa."


@transaction.atomic
def month_reopen(
    *,
    unit: Unit,
    year: int,
    month: int,
    reason: str,
    expires_at: datetime.datetime,
    user: AbstractBaseUser | None,
) -> MonthReopening:
    """Opens a locked month again for the unit and its subtree until `expires_at`: a leader of a
    unit above it may (PermissionDenied otherwise)."""
    ensure_allowed(user, unit, Permission.SET_TARGETS, REOPEN_REFUSED)
    errors: dict[str, str] = {}
    check_year(year, errors)
    check_month(month, errors)
    if not reason or not reason.strip():
        errors["reason"] = "Cần ghi lý do mở lại tháng."
    now = timezone.now()
    if expires_at <= now:
        errors["expires_at"] = "Thời hạn mở phải ở sau thời điểm hiện tại."
    elif expires_at > now + datetime.timedelta(days=MAX_REOPEN_DAYS):
        errors["expires_at"] = f"Chỉ mở lại tối đa {MAX_REOPEN_DAYS} ngày."
    if errors:
        raise ValidationError(errors)
    return MonthReopening.objects.create(
        unit=unit,
        year=year,
        month=month,
        reason=reason.strip(),
        expires_at=expires_at,
        reopened_by=user,
    )


@transaction.atomic
def month_complete(
    *, unit: Unit, year: int, month: int, user: AbstractBaseUser | None
) -> MonthCompletion:
    """Marks the unit's month complete ("Hoàn thành nhập liệu tháng"); again is a no-op."""
    completion, _ = MonthCompletion.objects.get_or_create(
        unit=unit, year=year, month=month, defaults={"completed_by": user}
    )
    return completion


@transaction.atomic
def month_uncomplete(*, unit: Unit, year: int, month: int, user: AbstractBaseUser | None) -> None:
    """Takes back the completion mark, e.g. to add a late figure."""
    for completion in MonthCompletion.objects.filter(unit=unit, year=year, month=month):
        completion._history_user = user
        completion.delete()
