"""Every write of monthly figures: the values, month reopenings and completion marks.

Pages, the Excel import, the API and the admin all call `entries_save`, so each rule holds
whichever door a figure came in by. It is one transaction: the values, their audit rows
(django-simple-history, with the door as the change reason) and the roll-up of every ancestor
commit together or not at all.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ..models import (
    Door,
    EntryFinding,
    FindingStatus,
    Indicator,
    MonthCompletion,
    MonthlyEntry,
    MonthReopening,
    Unit,
    UnitKind,
)
from ..selectors import Permission, ensure_allowed
from ..validation import check_month, check_value, check_year
from . import checks, locks, rollup, writes
from .writes import EntryKey


class EntryRow(NamedTuple):
    """One monthly value to save; `value` None removes the entry. A named tuple: an import
    makes 150.000 of them, and a tuple is made several times faster than a frozen dataclass."""

    unit: Unit
    indicator: Indicator
    year: int
    month: int
    value: int | None

    @property
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


_UNSEEN = object()  # a key the form did not show


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


def _row_errors(
    rows: Sequence[EntryRow], keys: Sequence[EntryKey], user: AbstractBaseUser | None
) -> list[RowError]:
    errors = [] if _plainly_valid(rows, keys) else _field_errors(rows)
    if errors or locks.bypasses_locks(user):
        return errors
    # A unit's month is open or closed for all its values: asked once per unit month.
    months = list({(row.unit.id, row.year, row.month): row for row in rows}.values())
    reasons = locks.closed_reasons([(row.unit, row.year, row.month) for row in months], user)
    closed = {
        (row.unit.id, row.year, row.month): reason
        for row, reason in zip(months, reasons, strict=True)
        if reason
    }
    if not closed:
        return []
    return [
        RowError(index, "month", reason)
        for index, row in enumerate(rows)
        if (reason := closed.get((row.unit.id, row.year, row.month)))
    ]


def _plainly_valid(rows: Sequence[EntryRow], keys: Sequence[EntryKey]) -> bool:
    """Whether every year, month and value is a whole number within its bounds and no key comes
    twice: the usual batch, told without a message per row (_field_errors says what is wrong)."""
    if not all(
        type(row.year) is int
        and type(row.month) is int
        and (row.value is None or type(row.value) is int)
        for row in rows
    ):
        return False
    errors: dict[str, str] = {}
    for year in {row.year for row in rows}:
        check_year(year, errors)
    for month in {row.month for row in rows}:
        check_month(month, errors)
    values = [row.value for row in rows if row.value is not None]
    if values:
        check_value(min(values), errors)
        check_value(max(values), errors)
    return not errors and len(set(keys)) == len(keys)


def _field_errors(rows: Sequence[EntryRow]) -> list[RowError]:
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
    return errors


def _stale(
    keys: Sequence[EntryKey],
    existing: Mapping[EntryKey, tuple[int, int]],
    expected: Mapping[EntryKey, int | None],
) -> list[Conflict]:
    changed = []
    for index, key in enumerate(keys):
        if (seen := expected.get(key, _UNSEEN)) is _UNSEEN:
            continue
        pk, current = existing.get(key, (None, None))
        if current != seen:
            changed.append((index, key, pk, current))
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


@dataclass(frozen=True)
class Saved:
    """What a save did: the rows it accepted, and the warnings it flagged for follow-up."""

    count: int
    warnings: list[checks.Finding]


class NeedsConfirmation(Exception):
    """Values that pass every rule but look wrong (checks.py): a person must confirm them."""

    def __init__(self, warnings: Sequence[checks.Finding]):
        super().__init__(f"{len(warnings)} giá trị cần xác nhận.")
        self.warnings = list(warnings)


@transaction.atomic
def entries_save(
    *,
    rows: Iterable[EntryRow],
    user: AbstractBaseUser | None,
    door: str = Door.SYSTEM,
    expected: Mapping[EntryKey, int | None] | None = None,
    warnings_confirmed: bool = True,
    reason: str = "",
    checked: checks.Checked | None = None,
    rosters: checks.Rosters | None = None,
) -> Saved:
    """Saves a batch of monthly values, all or nothing, and rolls the changes up the tree.

    Each row replaces the value for its (unit, indicator, year, month), or removes it when the
    value is None. Raises RowsInvalid, saving nothing, if any row is invalid, refused by a check
    of importance error (checks.py), or its month is closed to this user (see locks.py).
    `expected` holds the values a form showed when it was loaded: if any of those changed
    meanwhile, StaleEntries is raised and nothing is saved. Values a check warns about are saved
    and flagged for follow-up, with the person's `reason` in their audit record; a door where a
    person types raises NeedsConfirmation first (`warnings_confirmed=False`). `checked` is what
    checks.check said of the same rows before (the Excel preview): its findings are taken if
    nothing they were read from changed since, and StaleEntries is raised, saving nothing, if
    something did. `rosters` is what the registers say of the rows' units, read already (the
    entry grid's suggestions): the checks take it instead of reading the rosters again.
    """
    rows = list(rows)
    keys = [row.key for row in rows]  # made once: a batch may hold 150.000 rows
    if errors := _row_errors(rows, keys, user):
        raise RowsInvalid(errors)
    if not rows:
        return Saved(0, [])
    existing = _stored_for_update(keys)
    if expected is not None and (conflicts := _stale(keys, existing, expected)):
        raise StaleEntries(conflicts)
    warnings = _checked(rows, warnings_confirmed, checked, rosters)
    changes, deltas, changed = _changes(rows, keys, existing)
    try:
        writes.write(changes, user=user, door=_audit_reason(door, reason))
    except writes.DuplicateEntry:
        raise StaleEntries([]) from None
    rollup.add(deltas)
    _flag(rows, changed, warnings, user, reason)
    return Saved(len(rows), warnings)


def _checked(
    rows: Sequence[EntryRow],
    warnings_confirmed: bool,
    checked: checks.Checked | None,
    rosters: checks.Rosters | None,
) -> list[checks.Finding]:
    """The warnings on the rows; RowsInvalid for an error, NeedsConfirmation for a warning no
    one confirmed, StaleEntries when what `checked` was read from changed."""
    if checked is None:
        findings = checks.findings_for(rows, rosters=rosters)
    elif checks.unchanged_since(checked, rows):
        findings = checked.findings
    else:
        raise StaleEntries([])
    if refused := [f for f in findings if f.is_error]:
        raise RowsInvalid([RowError(f.row, "value", f.message) for f in refused])
    warnings = [f for f in findings if not f.is_error]
    if warnings and not warnings_confirmed:
        raise NeedsConfirmation(warnings)
    return warnings


def _audit_reason(door: str, reason: str) -> str:
    """The audit record's change reason: the door, and what the person said when confirming."""
    reason = " ".join(reason.split())
    return f"{door}: {reason}"[:100] if reason else door


def _flag(
    rows: Sequence[EntryRow],
    changed: set[EntryKey],
    warnings: Sequence[checks.Finding],
    user: AbstractBaseUser | None,
    reason: str,
) -> None:
    """Closes the findings on values that changed, and keeps the new warnings for follow-up."""
    if not changed:
        return
    findings_superseded(keys=changed, user=user)
    kept = [
        EntryFinding(
            unit=row.unit,
            indicator=row.indicator,
            year=row.year,
            month=row.month,
            value=row.value,
            kind=warning.kind,
            rule=warning.rule,
            message=warning.message,
            confirmed_by=user,
            reason=reason[:255],
        )
        for warning in warnings
        if (row := rows[warning.row]).key in changed
    ]
    if kept:
        bulk_create_with_history(kept, EntryFinding, default_user=user)


def _stored_for_update(keys: Sequence[EntryKey]) -> dict[EntryKey, tuple[int, int]]:
    """(id, value) of the rows' stored entries, locked until the end of the transaction."""
    units, indicators, years, months = ({key[part] for key in keys} for part in range(4))
    stored = (
        MonthlyEntry.objects.select_for_update()
        .filter(unit__in=units, indicator__in=indicators, year__in=years, month__in=months)
        .values_list("pk", "unit_id", "indicator_id", "year", "month", "value")
    )
    return {(u, i, y, m): (pk, value) for pk, u, i, y, m, value in stored}


def _changes(
    rows: Sequence[EntryRow],
    keys: Sequence[EntryKey],
    existing: Mapping[EntryKey, tuple[int, int]],
) -> tuple[writes.EntryChanges, list[rollup.Change], set[EntryKey]]:
    """What the rows do to the entries table, the same as deltas for the roll-up, and the keys
    whose value changes."""
    changes, deltas = writes.EntryChanges(), []
    created, updated, deleted = changes.created, changes.updated, changes.deleted
    for row, key in zip(rows, keys, strict=True):
        value = row.value
        pk, old = existing.get(key, (None, None))
        if pk is None:
            if value is None:
                continue
            created.append((key, value))
            deltas.append((row.unit, key[1], key[2], key[3], value, 1))
        elif value is None:
            deleted.append(pk)
            deltas.append((row.unit, key[1], key[2], key[3], -old, -1))
        elif old != value:
            updated.append((pk, value))
            deltas.append((row.unit, key[1], key[2], key[3], value - old, 0))
    changed = {(unit.id, indicator, year, month) for unit, indicator, year, month, _, _ in deltas}
    return changes, deltas, changed


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


COMPLETE_REFUSED = "Bạn không nhập số liệu cho đơn vị này nên không xác nhận hoàn thành được."


@transaction.atomic
def month_complete(
    *,
    unit: Unit,
    year: int,
    month: int,
    user: AbstractBaseUser | None,
    with_grassroots: bool = False,
) -> int:
    """Marks the unit's month complete ("Hoàn thành nhập liệu tháng"); with `with_grassroots`,
    also the month of each CĐCS directly under it, whose figures a district's staff enter in
    the same grid. Marks already there stay as they are; returns how many were added."""
    ensure_allowed(user, unit, Permission.ENTER_DATA, COMPLETE_REFUSED)
    if locks.is_future(year, month, timezone.localdate()):
        raise ValidationError(f"Tháng {month:02d}/{year} chưa đến kỳ báo cáo.")
    units = [unit]
    if with_grassroots:
        units += Unit.objects.children_of(unit).filter(kind=UnitKind.GRASSROOTS_UNION)
    marked = set(
        MonthCompletion.objects.filter(unit__in=units, year=year, month=month).values_list(
            "unit_id", flat=True
        )
    )
    added = [
        MonthCompletion(unit=u, year=year, month=month, completed_by=user)
        for u in units
        if u.pk not in marked
    ]
    bulk_create_with_history(added, MonthCompletion, default_user=user)
    return len(added)


@transaction.atomic
def month_uncomplete(*, unit: Unit, year: int, month: int, user: AbstractBaseUser | None) -> None:
    """Takes back the completion mark, e.g. to add a late figure."""
    ensure_allowed(user, unit, Permission.ENTER_DATA, COMPLETE_REFUSED)
    for completion in MonthCompletion.objects.filter(unit=unit, year=year, month=month):
        completion._history_user = user
        completion.delete()


# --- findings kept for follow-up ---------------------------------------------------------------

SUPERSEDED = "Giá trị đã được sửa sau khi cảnh báo."


def findings_superseded(*, keys: set[EntryKey], user: AbstractBaseUser | None) -> None:
    """Resolves the open findings on values that changed: they spoke of the old value."""
    units, _, years, months = ({key[part] for key in keys} for part in range(4))
    candidates = EntryFinding.objects.filter(
        unit__in=units, year__in=years, month__in=months
    ).exclude(status=FindingStatus.RESOLVED)
    for finding in candidates:
        if (finding.unit_id, finding.indicator_id, finding.year, finding.month) in keys:
            _close(finding, FindingStatus.RESOLVED, SUPERSEDED, user)


def _close(finding: EntryFinding, status: str, comment: str, user: AbstractBaseUser | None) -> None:
    finding.status, finding.comment = status, comment
    finding._history_user = user
    finding.save(update_fields=["status", "comment", "updated_at"])


# --- restoring a value from its history --------------------------------------------------------


def entry_restore(*, record, user: AbstractBaseUser | None) -> Saved:
    """Sets an entry back to the value one of its history records holds (a deleted value comes
    back), through entries_save: checked, audited (door "revert") and refused for a month
    closed to the user like any write. `record` is a MonthlyEntry history record."""
    row = EntryRow(record.unit, record.indicator, record.year, record.month, record.value)
    return entries_save(rows=[row], user=user, door=Door.REVERT)
