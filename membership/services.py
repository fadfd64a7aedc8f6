"""Every write to the roster. Pages, Excel import and the admin all come here.

Each service is one transaction and leaves a django-simple-history record of each row it
changes, with the user and the door the change came through. Each keeps the member tally
(`tally.py`) in the same transaction: what a row counted for before the write is taken back
and what it counts for after is added, so the counts never read members.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from federation import excel
from federation.entries.services import RowsInvalid
from federation.models import Door, Unit

from . import selectors, tally
from .importing import MemberRow, check_rows
from .models import LeaveReason, Member, RosterExport, card_key

EDITABLE_FIELDS = frozenset(
    {"full_name", "gender", "birth_date", "joined_on", "card_number", "left_on", "leave_reason"}
)


def _tidy(member: Member) -> None:
    member.full_name = " ".join((member.full_name or "").split())
    member.card_number = card_key(member.card_number or "")
    member.fill_search_name()


def _save(member: Member, *, user: AbstractBaseUser | None, door: str) -> Member:
    _tidy(member)
    errors: dict[str, list[str]] = {}
    try:
        member.full_clean(exclude=["transferred_from"], validate_constraints=False)
    except ValidationError as invalid:
        errors = invalid.message_dict
    for field, message in selectors.duplicate_errors(member).items():
        errors.setdefault(field, []).append(message)
    if errors:
        raise ValidationError(errors)
    member._change_reason = door
    member._history_user = user
    member.save()
    return member


def _locked(member: Member) -> tuple[Member, list[tally.Change]]:
    """The member's row, locked, and what it counts for in the tally before the write."""
    locked = Member.objects.select_for_update().select_related("union").get(pk=member.pk)
    return locked, tally.member_changes(locked, locked.union.path, sign=-1)


def _counted(member: Member, before: Sequence[tally.Change] = ()) -> Member:
    """Takes back what the row counted for `before` the write and adds what it counts for now.

    Every write counts its movements before it refreshes the CĐCS counts (`refresh_unions`):
    writers lock MemberTally rows before UnionTally rows, so two of them cannot deadlock."""
    tally.add_movements([*before, *tally.member_changes(member, member.union.path)])
    return member


@transaction.atomic
def member_create(
    *,
    union: Unit,
    full_name: str,
    gender: str,
    joined_on: datetime.date,
    birth_date: datetime.date | None = None,
    card_number: str = "",
    user: AbstractBaseUser | None,
    door: str = Door.SYSTEM,
) -> Member:
    """Admits a member to a CĐCS."""
    member = Member(
        union=union,
        full_name=full_name,
        gender=gender,
        joined_on=joined_on,
        birth_date=birth_date,
        card_number=card_number,
    )
    _counted(_save(member, user=user, door=door))
    tally.refresh_unions([union.pk])
    return member


@transaction.atomic
def member_update(
    *, member: Member, user: AbstractBaseUser | None, door: str = Door.SYSTEM, **fields
) -> Member:
    """Corrects a member's own fields; the CĐCS changes only through member_transfer."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"member_update cannot change {', '.join(sorted(unknown))}")
    member, before = _locked(member)
    leaving = {"left_on", "leave_reason"} & {
        name for name, value in fields.items() if value != getattr(member, name)
    }
    if leaving and member.was_transferred:
        raise ValidationError(
            {"left_on": "Đoàn viên đã chuyển sinh hoạt sang CĐCS khác; không sửa ngày chuyển."}
        )
    for name, value in fields.items():
        setattr(member, name, value)
    return _counted(_save(member, user=user, door=door), before)


@transaction.atomic
def member_leave(
    *,
    member: Member,
    left_on: datetime.date,
    reason: str,
    user: AbstractBaseUser | None,
    door: str = Door.SYSTEM,
) -> Member:
    """Records that a member left the CĐCS, on which day and why."""
    member, before = _locked(member)
    if not member.is_active:
        raise ValidationError({"left_on": "Đoàn viên đã ra khỏi CĐCS trước đó."})
    if reason not in LeaveReason.values:
        raise ValidationError({"leave_reason": "Lý do không hợp lệ."})
    member.left_on, member.leave_reason = left_on, reason
    return _counted(_save(member, user=user, door=door), before)


@transaction.atomic
def member_transfer(
    *,
    member: Member,
    to_union: Unit,
    on: datetime.date,
    user: AbstractBaseUser | None,
    door: str = Door.SYSTEM,
) -> Member:
    """Moves a member to another CĐCS on day `on`; returns the member's row there.

    The old row is closed (left on `on`, reason "transferred") and a new row opens in the
    target with joined_on = `on` and `transferred_from` pointing back, so the move counts as a
    departure from one CĐCS and an admission to the other and both keep their history.
    """
    member, before = _locked(member)
    if not member.is_active:
        raise ValidationError({"left_on": "Đoàn viên đã ra khỏi CĐCS, không thể chuyển."})
    if not to_union.is_grassroots:
        raise ValidationError({"to_union": "Chỉ chuyển được đến một công đoàn cơ sở."})
    if to_union.pk == member.union_id:
        raise ValidationError({"to_union": "CĐCS chuyển đến phải khác CĐCS hiện tại."})
    if to_union.dissolved_on and to_union.dissolved_on <= on:
        raise ValidationError({"to_union": "CĐCS chuyển đến đã giải thể."})
    member.left_on, member.leave_reason = on, LeaveReason.TRANSFERRED
    _save(member, user=user, door=door)
    moved = Member(
        union=to_union,
        full_name=member.full_name,
        gender=member.gender,
        birth_date=member.birth_date,
        card_number=member.card_number,
        joined_on=on,
        transferred_from=member,
    )
    _save(moved, user=user, door=door)
    # One statement for both rows: the old one's change and the new one's admission.
    _counted(moved, [*before, *tally.member_changes(member, member.union.path)])
    tally.refresh_unions([to_union.pk])
    return moved


@transaction.atomic
def member_delete(
    *, member: Member, user: AbstractBaseUser | None, door: str = Door.SYSTEM
) -> None:
    """Deletes a member's row (a row entered by mistake: a member who left keeps it), with its
    audit record. A row that a transfer continued elsewhere is kept, by the database."""
    member, before = _locked(member)
    member._change_reason = door
    member._history_user = user
    member.delete()
    tally.add_movements(before)
    tally.refresh_unions([member.union_id])


@dataclass(frozen=True)
class ImportResult:
    created: int
    skipped: int  # rows already on the roster


@transaction.atomic
def members_import(
    *,
    union: Unit,
    rows: Sequence[MemberRow],
    user: AbstractBaseUser | None,
    door: str = Door.IMPORT,
) -> ImportResult:
    """Adds the members of a sheet to a CĐCS, all or nothing.

    Raises RowsInvalid, and saves nothing, if any row is wrong. Rows matching a current member
    of the CĐCS (same card number, or same name and birth date) are skipped, not added twice.
    The rows go in by Member.objects.bulk_create, which counts them in the tally (one statement
    for all their months and every ancestor on PostgreSQL).
    """
    # Locking the CĐCS makes concurrent imports and additions there wait for each other, so the
    # duplicate check below still holds when the rows are written.
    union = Unit.objects.select_for_update().get(pk=union.pk)
    check = check_rows(union, rows, user=user)
    if check.errors:
        raise RowsInvalid(check.errors)
    bulk_create_with_history(
        check.new_members, Member, batch_size=1000, default_user=user, default_change_reason=door
    )
    return ImportResult(created=len(check.new_members), skipped=len(check.duplicates))


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    row_count: int


@transaction.atomic
def roster_export(
    *, user: AbstractBaseUser, unit: Unit, roster_filter: selectors.RosterFilter
) -> ExportFile:
    """The roster as an Excel file, and the audit record of who took it.

    Raises ValidationError when the list is too long for one file.
    """
    sheet, row_count = selectors.roster_sheet(user, unit, roster_filter)
    RosterExport.objects.create(
        user=user, unit=unit, row_count=row_count, filters=roster_filter.describe()
    )
    return ExportFile(
        filename=f"doan-vien-{unit.file_code}.xlsx",
        content=excel.workbook_bytes(sheet),
        row_count=row_count,
    )
