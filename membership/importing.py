"""A member list from Excel: find the columns people already keep, read each cell, check each row.

Reading and checking write nothing: the preview shows what `check_rows` found, and
services.members_import runs the same check again inside its transaction before saving.
"""

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from federation import excel
from federation.entries.services import RowError
from federation.models import Unit
from federation.selectors import Permission, scope_for

from .models import Gender, Member, card_key, search_key

HEADER_SEARCH_ROWS = 10  # a title and a few blank lines may come before the header

# What each column is called in the lists people keep, written as search_key() spells them.
COLUMNS = {
    "full_name": ("ho va ten", "ho ten", "ho va ten doan vien", "ten doan vien"),
    "gender": ("gioi tinh", "gioi", "nam/nu", "nam nu", "phai"),
    "birth_date": ("ngay sinh", "ngay thang nam sinh", "sinh ngay"),
    "joined_on": (
        "ngay vao cong doan",
        "ngay vao cd",
        "ngay vao cdcs",
        "ngay ket nap",
        "ngay ket nap cong doan",
        "ngay ket nap doan vien",
        "ngay vao",
    ),
    "card_number": ("so the", "so the doan vien", "so the dv", "ma the", "so the cong doan"),
}
LABELS = {
    "full_name": "Họ và tên",
    "gender": "Giới tính",
    "birth_date": "Ngày sinh",
    "joined_on": "Ngày vào công đoàn",
    "card_number": "Số thẻ",
}
REQUIRED = ("full_name", "gender", "joined_on")
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


@dataclass
class MemberRow:
    """One data row of the sheet, its cells read; `errors` says which cells could not be."""

    number: int
    values: dict[str, Any]
    labels: dict[str, str]  # field → "Ngày sinh (cột D)"
    errors: list[RowError] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Duplicate:
    row: int
    full_name: str
    reason: str


@dataclass
class ImportCheck:
    rows: int
    errors: list[RowError]
    duplicates: list[Duplicate]
    new_members: list[Member]

    @property
    def ok(self) -> bool:
        return not self.errors


def template_sheet() -> excel.Sheet:
    """An empty list with the expected columns and one example row."""
    return excel.Sheet(
        title="Danh sách đoàn viên",
        headers=["STT", *LABELS.values()],
        rows=[[1, "Nguyễn Văn An", "Nam", "17/05/1990", "01/03/2015", "012345678"]],
        widths=[6, 28, 10, 14, 20, 16],
    )


# --- reading the sheet -------------------------------------------------------------------------


def read_member_rows(upload) -> list[MemberRow]:
    """The member rows of an uploaded list; ExcelError for a file that cannot be used at all."""
    sheet_rows = excel.read_rows(
        upload, header_rows=0, max_rows=excel.MAX_ROWS + HEADER_SEARCH_ROWS
    )
    header_index, columns = _find_header(sheet_rows[:HEADER_SEARCH_ROWS])
    data = sheet_rows[header_index + 1 :]
    if not data:
        raise excel.ExcelError("Tệp không có dòng đoàn viên nào dưới dòng tiêu đề.")
    if len(data) > excel.MAX_ROWS:
        limit = f"{excel.MAX_ROWS:,}".replace(",", ".")
        raise excel.ExcelError(f"Tệp có quá {limit} dòng đoàn viên.")
    return [_read_row(row, columns) for row in data]


def _header_key(cell: Any) -> str:
    text = re.sub(r"\(.*?\)|[*:.]", " ", str(cell or ""))
    return search_key(text)


def _find_header(rows: Sequence[excel.SheetRow]) -> tuple[int, dict[str, int]]:
    """The header row's position and, for each known column, its index."""
    for index, row in enumerate(rows):
        keys = [_header_key(cell) for cell in row.cells]
        columns = {}
        for name, aliases in COLUMNS.items():
            found = next((i for i, key in enumerate(keys) if key in aliases), None)
            if found is not None:
                columns[name] = found
        if "full_name" in columns:
            missing = [LABELS[name] for name in REQUIRED if name not in columns]
            if missing:
                raise excel.ExcelError(
                    f"Dòng tiêu đề (dòng {row.number}) thiếu cột: {', '.join(missing)}."
                )
            return index, columns
    raise excel.ExcelError(
        "Không tìm thấy dòng tiêu đề có cột “Họ và tên” trong 10 dòng đầu. Hãy dùng tệp mẫu."
    )


def _read_row(row: excel.SheetRow, columns: dict[str, int]) -> MemberRow:
    labels = {name: column_label(name, columns.get(name)) for name in LABELS}
    result = MemberRow(row.number, {}, labels)
    readers = {
        "full_name": _read_name,
        "gender": _read_gender,
        "birth_date": _read_date,
        "joined_on": _read_date,
        "card_number": _read_card,
    }
    for name, reader in readers.items():
        index = columns.get(name)
        raw = row.cells[index] if index is not None and index < len(row.cells) else None
        try:
            result.values[name] = reader(raw)
            if name in REQUIRED and not result.values[name]:
                raise ValueError(f"Chưa ghi {LABELS[name].lower()}.")
        except ValueError as problem:
            result.errors.append(RowError(row.number, labels[name], str(problem)))
            result.unreadable.add(name)
    return result


def column_label(name: str, index: int | None) -> str:
    label = LABELS.get(name, "")
    return f"{label} (cột {excel.column(index)})" if index is not None else label


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _read_name(raw: Any) -> str:
    if _blank(raw):
        return ""
    if not isinstance(raw, str):
        raise ValueError("Họ và tên phải là chữ.")
    return " ".join(raw.split())


def _read_gender(raw: Any) -> str:
    if _blank(raw):
        return ""
    key = search_key(str(raw))
    if key == "nam":
        return Gender.MALE
    if key == "nu":
        return Gender.FEMALE
    raise ValueError(f"Giới tính “{raw}” không hợp lệ; ghi “Nam” hoặc “Nữ”.")


def _read_date(raw: Any) -> datetime.date | None:
    if _blank(raw):
        return None
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        for pattern in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
    raise ValueError(f"Ngày “{raw}” không hợp lệ; ghi theo dạng dd/mm/yyyy, ví dụ 17/05/1990.")


def _read_card(raw: Any) -> str:
    if _blank(raw):
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ValueError("Số thẻ không hợp lệ.")
    card = card_key(str(raw))
    if len(card) > 32:
        raise ValueError("Số thẻ dài quá 32 ký tự.")
    return card


# --- checking the rows -------------------------------------------------------------------------


def check_rows(
    union: Unit, rows: Sequence[MemberRow], *, user: AbstractBaseUser | None = None
) -> ImportCheck:
    """Every problem of every row, the rows already on the roster, and the members to add.

    A row is wrong if a cell could not be read, the member breaks a rule of Member.clean, it
    repeats an earlier row (card number, or name and birth date), or its card number belongs to
    a current member of another CĐCS. A row matching a current member of this CĐCS is a
    duplicate: shown, and skipped on import. The messages say that the card's member is in
    another CĐCS only to a `user` who may see it (None: the system, which sees every unit).
    """
    errors: list[RowError] = []
    candidates: list[tuple[MemberRow, Member]] = []
    if not union.is_grassroots:
        errors.append(RowError(0, "", "Chỉ nhập danh sách đoàn viên cho công đoàn cơ sở."))
    for row in rows:
        errors.extend(row.errors)
        member = Member(union=union, **_member_fields(row))
        member.fill_search_name()
        found = _clean_errors(row, member)
        errors.extend(found)
        if not row.errors and not found:
            candidates.append((row, member))

    repeats = _repeats(rows)
    errors.extend(repeats)
    repeated = {e.row for e in repeats}
    candidates = [(row, member) for row, member in candidates if row.number not in repeated]
    errors.extend(_cards_elsewhere(union, candidates, user))
    duplicates, new_members = _against_roster(union, candidates)
    errors.sort(key=lambda e: e.row)
    return ImportCheck(len(rows), errors, duplicates, new_members)


def _member_fields(row: MemberRow) -> dict[str, Any]:
    fields = {name: row.values.get(name) for name in LABELS}
    fields["full_name"] = fields["full_name"] or ""
    fields["gender"] = fields["gender"] or ""
    fields["card_number"] = fields["card_number"] or ""
    return fields


def _clean_errors(row: MemberRow, member: Member) -> list[RowError]:
    """Member.clean's rules (and required cells) for the cells that were read."""
    try:
        member.full_clean(exclude=["union", "transferred_from"], validate_unique=False,
                          validate_constraints=False)  # fmt: skip
    except ValidationError as invalid:
        return [
            RowError(row.number, row.labels.get(name, ""), message)
            for name, messages in invalid.message_dict.items()
            if name not in row.unreadable
            for message in messages
        ]
    return []


def _repeats(rows: Iterable[MemberRow]) -> list[RowError]:
    """Rows repeating an earlier row's card number, or its name and birth date."""
    errors = []
    cards: dict[str, int] = {}
    people: dict[tuple[str, datetime.date], int] = {}
    for row in rows:
        card, name, born = (row.values.get(k) for k in ("card_number", "full_name", "birth_date"))
        if card:
            first = cards.setdefault(card, row.number)
            if first != row.number:
                message = f"Trùng số thẻ với dòng {first}."
                errors.append(RowError(row.number, row.labels["card_number"], message))
        if name and born:
            first = people.setdefault((search_key(name), born), row.number)
            if first != row.number:
                message = f"Trùng họ tên và ngày sinh với dòng {first}."
                errors.append(RowError(row.number, row.labels["full_name"], message))
    return errors


CARD_IN_ANOTHER_UNION = (
    "Số thẻ đang thuộc một đoàn viên của CĐCS khác; hãy dùng chức năng chuyển sinh hoạt."
)
# For a CĐCS the user may not see: nothing about where the card's member is.
CARD_TAKEN = "Số thẻ này đang được dùng cho một đoàn viên khác."


def _cards_elsewhere(
    union: Unit,
    candidates: Sequence[tuple[MemberRow, Member]],
    user: AbstractBaseUser | None,
) -> list[RowError]:
    rows_by_card = {m.card_number: row for row, m in candidates if m.card_number}
    taken: dict[str, Unit] = {}
    cards = list(rows_by_card)
    for start in range(0, len(cards), 500):
        members = (
            Member.objects.filter(card_number__in=cards[start : start + 500], left_on__isnull=True)
            .exclude(union=union)
            .select_related("union")
            .only("card_number", "union__path")
        )
        taken.update((member.card_number, member.union) for member in members)
    scope = scope_for(user) if user is not None else None
    errors = []
    for card in sorted(taken, key=lambda card: rows_by_card[card].number):
        visible = scope is None or scope.allows(taken[card], Permission.VIEW)
        row = rows_by_card[card]
        message = CARD_IN_ANOTHER_UNION if visible else CARD_TAKEN
        errors.append(RowError(row.number, row.labels["card_number"], message))
    return errors


def _against_roster(
    union: Unit, candidates: Sequence[tuple[MemberRow, Member]]
) -> tuple[list[Duplicate], list[Member]]:
    cards, people = {}, {}
    for name, key, card, born in Member.objects.filter(
        union=union, left_on__isnull=True
    ).values_list("full_name", "search_name", "card_number", "birth_date"):
        if card:
            cards[card] = name
        if born:
            people[(key, born)] = name
    duplicates, new_members = [], []
    for row, member in candidates:
        if member.card_number in cards:
            reason = f"Đã có đoàn viên “{cards[member.card_number]}” cùng số thẻ."
        elif (member.search_name, member.birth_date) in people:
            reason = "Đã có đoàn viên cùng họ tên và ngày sinh."
        else:
            new_members.append(member)
            continue
        duplicates.append(Duplicate(row.number, member.full_name, reason))
    return duplicates, new_members
