"""Every write with a rule behind it. Pages, the API, Excel import and the admin all come here.

Each service is one transaction: the change, its audit record (django-simple-history, with the
door it came through as the change reason) and the roll-up update commit together or not at all.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import entry_writes, locks, rollup
from .entry_writes import EntryKey
from .models import (
    Door,
    Indicator,
    MonthCompletion,
    MonthlyEntry,
    MonthlyTotal,
    MonthReopening,
    Period,
    Role,
    RoleKind,
    Target,
    Unit,
    UnitKind,
    UnitMove,
)

MIN_YEAR, MAX_YEAR = 2000, 2100
# A million billion đồng: far above any real figure, far below what the roll-up's sums can hold.
MAX_VALUE = 10**15


# --- units -------------------------------------------------------------------------------------


def check_unit_placement(parent: Unit | None, kind: str) -> None:
    """Refuses a place in the tree that a unit of this kind cannot take."""
    if parent is not None and parent.is_grassroots:
        raise ValidationError({"parent": "Công đoàn cơ sở không có đơn vị trực thuộc."})
    if parent is None and kind == UnitKind.GRASSROOTS_UNION:
        raise ValidationError({"parent": "Công đoàn cơ sở phải thuộc một đơn vị cấp trên."})


@transaction.atomic
def unit_create(
    *,
    parent: Unit | None,
    code: str,
    name: str,
    kind: str,
    user: AbstractBaseUser | None,
    door: str = Door.SYSTEM,
    **attrs: Any,
) -> Unit:
    """Adds a unit under `parent` (or a new root when `parent` is None)."""
    check_unit_placement(parent, kind)
    unit = Unit(code=code, name=name, kind=kind, **attrs)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit._change_reason = door
    unit._history_user = user
    if parent is None:
        return Unit.objects.add_root(instance=unit)
    parent.refresh_from_db()
    return Unit.objects.add_child(parent, instance=unit)


@transaction.atomic
def unit_update(
    *, unit: Unit, user: AbstractBaseUser | None, door: str = Door.SYSTEM, **fields: Any
) -> Unit:
    """Changes a unit's own fields; its place in the tree changes only through unit_move."""
    # From the database: a form may have changed the object already.
    stored_kind = Unit.objects.select_for_update().values_list("kind", flat=True).get(pk=unit.pk)
    for name, value in fields.items():
        setattr(unit, name, value)
    if unit.numchild and unit.is_grassroots:
        raise ValidationError({"kind": "Đơn vị đang có đơn vị trực thuộc, không thể là CĐCS."})
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit._change_reason = door
    unit._history_user = user
    unit.save()
    if unit.is_grassroots != (stored_kind == UnitKind.GRASSROOTS_UNION):
        rollup.unit_kind_changed(unit)
    return unit


@transaction.atomic
def unit_move(
    *, unit: Unit, new_parent: Unit, user: AbstractBaseUser | None, reason: str = ""
) -> Unit:
    """Moves a unit and its whole subtree under `new_parent`, keeping every figure correct.

    The subtree's own roll-up rows do not change; its totals leave the old ancestors and join
    the new ones. Ancestors common to both chains see no net change and are skipped.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_parent = Unit.objects.get(pk=new_parent.pk)
    check_unit_placement(new_parent, unit.kind)
    if new_parent.path.startswith(unit.path):
        raise ValidationError(
            {"parent": "Không thể chuyển đơn vị vào chính nó hoặc đơn vị trực thuộc nó."}
        )
    old_parent = Unit.objects.get_parent(unit)
    if old_parent is not None and old_parent.pk == new_parent.pk:
        return unit

    subtree_rows = MonthlyTotal.objects.filter(unit=unit).values_list(
        "indicator_id", "year", "month", "total", "entries"
    )
    old_chain = set(rollup.ancestor_ids([old_parent])[old_parent.pk]) if old_parent else set()
    new_chain = set(rollup.ancestor_ids([new_parent])[new_parent.pk])
    deltas: dict[rollup.RollupKey, rollup.Delta] = {}
    for indicator_id, year, month, total, entries in subtree_rows:
        for ancestor_id in old_chain - new_chain:
            deltas[(ancestor_id, indicator_id, year, month)] = rollup.Delta(-total, -entries)
        for ancestor_id in new_chain - old_chain:
            deltas[(ancestor_id, indicator_id, year, month)] = rollup.Delta(total, entries)

    Unit.objects.move(unit, new_parent, "last-child")
    rollup.apply(deltas)
    UnitMove.objects.create(
        unit=unit, old_parent=old_parent, new_parent=new_parent, reason=reason, moved_by=user
    )
    unit.refresh_from_db()
    return unit


# --- roles -------------------------------------------------------------------------------------


@transaction.atomic
def role_grant(*, user: AbstractBaseUser, unit: Unit, role: str) -> Role:
    """Gives `user` the role on `unit` (and so on its subtree), replacing a role it held there."""
    if role not in RoleKind.values:
        raise ValidationError(
            {"role": f"Vai trò không hợp lệ: {role}. Chọn một trong {', '.join(RoleKind.values)}."}
        )
    granted, created = Role.objects.select_for_update().get_or_create(
        user=user, unit=unit, defaults={"role": role}
    )
    if not created and granted.role != role:
        granted.role = role
        granted.save()
    return granted


# --- targets -----------------------------------------------------------------------------------


def _check_year(year: Any, errors: dict[str, str]) -> None:
    if not _is_integer(year) or not MIN_YEAR <= year <= MAX_YEAR:
        errors["year"] = f"Năm phải là số nguyên từ {MIN_YEAR} đến {MAX_YEAR}."


def _check_month(month: Any, errors: dict[str, str]) -> None:
    if not _is_integer(month) or not 1 <= month <= 12:
        errors["month"] = "Tháng phải từ 1 đến 12."


def _check_value(value: Any, errors: dict[str, str]) -> None:
    if not _is_integer(value) or value < 0:
        errors["value"] = "Số liệu phải là số nguyên không âm."
    elif value > MAX_VALUE:
        errors["value"] = "Số liệu quá lớn."


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@transaction.atomic
def target_set(
    *,
    unit: Unit,
    indicator: Indicator,
    year: int,
    period: str,
    value: int,
    user: AbstractBaseUser | None,
    door: str = Door.SYSTEM,
) -> tuple[Target, bool]:
    """Sets the unit's target for the period, replacing an earlier one."""
    errors: dict[str, str] = {}
    _check_year(year, errors)
    _check_value(value, errors)
    if period not in Period.values:
        errors["period"] = "Kỳ phải là Y (cả năm), H1 hoặc H2."
    if errors:
        raise ValidationError(errors)
    target = (
        Target.objects.select_for_update()
        .filter(unit=unit, indicator=indicator, year=year, period=period)
        .first()
    )
    created = target is None
    if created:
        target = Target(unit=unit, indicator=indicator, year=year, period=period)
    elif target.value == value:
        return target, False
    target.value, target.set_by = value, user
    target._change_reason = door
    target._history_user = user
    target.save()
    return target, created


# --- monthly entries ---------------------------------------------------------------------------


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
        _check_year(row.year, found)
        _check_month(row.month, found)
        if row.value is not None:
            _check_value(row.value, found)
        if not found:
            if row.key in seen:
                found["row"] = "Dòng trùng đơn vị, chỉ tiêu và tháng với một dòng trước."
            seen.add(row.key)
        errors.extend(RowError(index, field, message) for field, message in found.items())
    if errors or locks.bypasses_locks(user):
        return errors
    return _closed_month_errors(rows)


def _closed_month_errors(rows: Sequence[EntryRow]) -> list[RowError]:
    now = timezone.now()
    today = timezone.localdate(now)
    open_by_reopening = locks.reopened(
        {row.unit for row in rows}, {(row.year, row.month) for row in rows}, now
    )
    errors = []
    for index, row in enumerate(rows):
        reason = locks.closed_reason(
            row.unit, row.year, row.month, today=today, open_by_reopening=open_by_reopening
        )
        if reason:
            errors.append(RowError(index, "month", reason))
    return errors


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

    # (id, value) of the stored entries, locked until the end of the transaction.
    keys = zip(*(row.key for row in rows), strict=True)
    units, indicators, years, months = (set(part) for part in keys)
    stored = (
        MonthlyEntry.objects.select_for_update()
        .filter(unit__in=units, indicator__in=indicators, year__in=years, month__in=months)
        .values_list("pk", "unit_id", "indicator_id", "year", "month", "value")
    )
    existing = {(u, i, y, m): (pk, value) for pk, u, i, y, m, value in stored}
    if expected is not None and (conflicts := _stale(rows, existing, expected)):
        raise StaleEntries(conflicts)

    writes, changes = entry_writes.EntryChanges(), []
    for row in rows:
        key, value = row.key, row.value
        pk, old = existing.get(key, (None, None))
        if pk is None and value is not None:
            writes.created.append((key, value))
            delta = rollup.Delta(value, 1)
        elif pk is not None and value is None:
            writes.deleted.append(pk)
            delta = rollup.Delta(-old, -1)
        elif pk is not None and old != value:
            writes.updated.append((pk, value))
            delta = rollup.Delta(value - old, 0)
        else:
            continue
        changes.append((row.unit, key[1], row.year, row.month, delta))

    try:
        entry_writes.write(writes, user=user, door=door)
    except entry_writes.DuplicateEntry:
        raise StaleEntries([]) from None
    rollup.add(changes)
    return len(rows)


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
    """Opens a locked month again for the unit and its subtree until `expires_at`."""
    errors: dict[str, str] = {}
    _check_year(year, errors)
    _check_month(month, errors)
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
