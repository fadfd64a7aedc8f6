"""Monthly entries in from Excel: an uploaded file read, checked cell by cell, and saved.

The file has the layout of the template (entries/excel.py). Columns are recognised by their
header text, so they may be moved or left out; a header that names no active indicator refuses
the file, naming its column. A blank cell leaves the saved value as it is: an import never
removes a value.

An import is checked whole before anything is saved (`read_import`: a constant number of queries
whatever the size of the file) and saved by one call to `services.entries_save` (`save_import`),
which enforces every rule again inside its transaction.
"""

import gc
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser

from .. import excel
from ..excel import CellError, ExcelError, SheetRow, header_key, indicator_header
from ..formatting import parse_whole_number, vn_number
from ..models import MAX_YEAR, MIN_YEAR, Door, Indicator, MonthlyEntry, Unit
from ..selectors import Permission, units_where
from ..validation import MAX_VALUE, TOO_BIG
from . import checks, locks
from .excel import CODE, MONTH, NAME, YEAR
from .services import EntryRow, RowsInvalid, entries_save
from .writes import EntryKey


@dataclass(frozen=True)
class CellWarning:
    """An allowed but unusual value, which the person confirms by confirming the preview."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class Change:
    """A saved value the import replaces."""

    row: int
    column: str
    entry: EntryRow
    old: int


@dataclass
class ImportPreview:
    """What an uploaded file would save, or why it cannot be saved."""

    rows_read: int
    errors: list[CellError] = field(default_factory=list)
    warnings: list[CellWarning] = field(default_factory=list)
    # The values that add or change something, in sheet order, with the Excel cell each came
    # from and the value saved when the file was read (None: no value yet).
    rows: list[EntryRow] = field(default_factory=list)
    cells: list[tuple[int, str]] = field(default_factory=list)
    expected: dict[EntryKey, int | None] = field(default_factory=dict)
    unchanged: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # CODE/YEAR/MONTH → column letter
    checked: checks.Checked | None = None  # what the checks said, and what they read

    @property
    def new_count(self) -> int:
        return sum(1 for old in self.expected.values() if old is None)

    @property
    def changes(self) -> list[Change]:
        # `expected` has one key per row, in the same order.
        return [
            Change(*cell, row, old)
            for row, cell, old in zip(self.rows, self.cells, self.expected.values(), strict=True)
            if old is not None
        ]

    @property
    def can_save(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def digest(self) -> str:
        """Fingerprint of what the person is asked to confirm: the values and the warnings."""
        text = "\n".join(
            [
                f"{key}={row.value}/{old}"
                for row, (key, old) in zip(self.rows, self.expected.items(), strict=True)
            ]
            + [f"{w.row}{w.column}:{w.message}" for w in self.warnings]
        )
        return hashlib.sha256(text.encode()).hexdigest()


class ImportRefused(Exception):
    """entries_save refused the import; `errors` points at the cells."""

    def __init__(self, errors: Sequence[CellError]):
        super().__init__(f"{len(errors)} ô không nhập được.")
        self.errors = list(errors)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Holds Python's cycle collector while an import builds its rows: hundreds of thousands of
    tuples, none in a cycle, which the collector would otherwise walk again and again as they
    pile up (a third of the time of reading and checking 150.000 values)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_import(upload, *, unit: Unit, user: AbstractBaseUser) -> ImportPreview:
    """Reads and checks every cell of an uploaded file for `unit` and its subtree.

    Raises ExcelError for a file refused as a whole (not Excel, damaged, too big, no data).
    """
    with _collector_paused():
        return _read_import(upload, unit, user)


def _read_import(upload, unit: Unit, user: AbstractBaseUser) -> ImportPreview:
    header, data = _read_sheet(upload)
    preview = ImportPreview(rows_read=len(data))
    columns = _columns(header, data, list(Indicator.objects.filter(is_active=True)), preview)
    if columns is None:
        return preview
    checked = _checked_rows(data, columns, unit, user, preview)
    _check_locks(_diff(checked, preview), user, preview)
    if not preview.errors and preview.rows:
        _check_values(preview)
    preview.errors.sort(key=lambda e: (e.row, len(e.column), e.column))
    return preview


def _check_values(preview: ImportPreview) -> None:
    """What entries_save will say of the values, on their cells: an error refuses the file, a
    warning is accepted by confirming the preview (checks.py). The save takes the same findings
    if what they were read from has not changed."""
    preview.checked = checks.check(preview.rows)
    for finding in preview.checked.findings:
        row, column = preview.cells[finding.row]
        if finding.is_error:
            preview.errors.append(CellError(row, column, finding.message))
        else:
            preview.warnings.append(CellWarning(row, column, finding.message))


def save_import(preview: ImportPreview, *, user: AbstractBaseUser, reason: str = "") -> int:
    """Saves a checked import in one transaction, audited as an import with the `reason` the
    person gave for its warnings; returns the values saved.

    Raises ImportRefused if the service refuses a row (a month locked since the preview), and
    services.StaleEntries if someone changed one of the values since the file was read, or
    anything the checks read (checks.unchanged_since).
    """
    try:
        with _collector_paused():
            saved = entries_save(
                rows=preview.rows,
                user=user,
                door=Door.IMPORT,
                expected=preview.expected,
                reason=reason,
                checked=preview.checked,
            )
    except RowsInvalid as invalid:
        raise ImportRefused(_cells_of(invalid, preview)) from None
    return saved.count


def _cells_of(invalid: RowsInvalid, preview: ImportPreview) -> list[CellError]:
    errors: dict[tuple[int, str], CellError] = {}
    for error in invalid.errors:
        row, column = preview.cells[error.row]
        column = {"year": preview.columns[YEAR], "month": preview.columns[MONTH]}.get(
            error.field, column
        )
        errors.setdefault((row, column), CellError(row, column, error.message))
    return list(errors.values())


# --- reading the file --------------------------------------------------------------------------


def _read_sheet(upload) -> tuple[SheetRow, list[SheetRow]]:
    """The header row and the data rows of the first sheet."""
    try:
        # One row more than allowed, for the header, which read_rows counts as a data row.
        rows = excel.read_rows(upload, header_rows=0, max_rows=excel.MAX_ROWS + 1)
    except ExcelError as refused:
        if "dòng dữ liệu" in str(refused):
            raise ExcelError(
                f"Tệp có quá {vn_number(excel.MAX_ROWS)} dòng số liệu. Hãy chia thành nhiều tệp."
            ) from None
        raise
    if not rows or rows[0].number != 1:
        raise ExcelError(
            f"Dòng 1 của trang tính đầu tiên phải là dòng tiêu đề («{CODE}», «{NAME}», "
            f"«{YEAR}», «{MONTH}» và các chỉ tiêu). Hãy dùng tệp mẫu tải từ trang này."
        )
    header, data = rows[0], rows[1:]
    if not data:
        raise ExcelError("Tệp không có dòng số liệu nào dưới dòng tiêu đề.")
    if len(data) > excel.MAX_ROWS:
        raise ExcelError(f"Tệp có quá {vn_number(excel.MAX_ROWS)} dòng số liệu.")
    return header, data


@dataclass(frozen=True)
class Columns:
    code: int
    year: int
    month: int
    indicators: list[tuple[int, Indicator]]


def _columns(
    header: SheetRow, data: list[SheetRow], indicators: list[Indicator], preview: ImportPreview
) -> Columns | None:
    """Which column holds what, by header text; None if the unit or month cannot be found."""
    fixed = {header_key(name): name for name in (CODE, NAME, YEAR, MONTH)}
    by_header = {header_key(indicator_header(i)): i for i in indicators}
    found: dict[str, int] = {}
    taken: dict[str, str] = {}
    indicator_columns = []
    for index, text in enumerate(header.cells):
        letter, key = excel.column(index), header_key(text)
        if not key:
            if any(_value(row, index) is not None for row in data):
                preview.errors.append(
                    CellError(1, letter, "Cột có số liệu nhưng không có tiêu đề.")
                )
            continue
        if key in taken:
            preview.errors.append(
                CellError(1, letter, f"Tiêu đề «{text}» trùng với cột {taken[key]}.")
            )
            continue
        taken[key] = letter
        if key in fixed:
            found[fixed[key]] = index
        elif key in by_header:
            indicator_columns.append((index, by_header[key]))
        else:
            preview.errors.append(
                CellError(
                    1,
                    letter,
                    f"Tiêu đề «{text}» không khớp chỉ tiêu nào đang dùng. Không sửa dòng tiêu "
                    "đề; nếu danh mục chỉ tiêu đã đổi, hãy tải mẫu mới.",
                )
            )
    missing = [name for name in (CODE, YEAR, MONTH) if name not in found]
    for name in missing:
        preview.errors.append(CellError(1, name, f"Không thấy cột «{name}» ở dòng tiêu đề."))
    if missing:
        return None
    preview.columns = {name: excel.column(found[name]) for name in (CODE, YEAR, MONTH)}
    return Columns(found[CODE], found[YEAR], found[MONTH], indicator_columns)


def _value(row: SheetRow, index: int) -> object:
    value = row.cells[index] if index < len(row.cells) else None
    if isinstance(value, str) and not value.strip():
        return None
    return value


# --- checking the cells ------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedRow:
    """A sheet row whose unit and month are valid, with its parsed values by column."""

    number: int
    unit: Unit
    year: int
    month: int
    values: list[tuple[str, Indicator, int]]  # column letter, indicator, value


def _checked_rows(
    data: list[SheetRow], columns: Columns, unit: Unit, user: AbstractBaseUser, preview
) -> list[CheckedRow]:
    units = _units_by_code(unit, user, {_code(_value(row, columns.code)) for row in data})
    first_row: dict[tuple[int, int, int], int] = {}
    checked = []
    lettered = [(index, excel.column(index), indicator) for index, indicator in columns.indicators]
    for row in data:
        errors_before = len(preview.errors)
        found = _row_unit(row, columns, units, unit, preview)
        year = _part(row, columns.year, YEAR, MIN_YEAR, MAX_YEAR, preview)
        month = _part(row, columns.month, MONTH, 1, 12, preview)
        values = _row_values(row, lettered, preview)
        if len(preview.errors) > errors_before:
            continue
        key = (found.id, year, month)
        if key in first_row:
            preview.errors.append(
                CellError(
                    row.number,
                    preview.columns[CODE],
                    f"Trùng đơn vị và tháng với dòng {first_row[key]}.",
                )
            )
            continue
        first_row[key] = row.number
        checked.append(CheckedRow(row.number, found, year, month, values))
    return checked


def _code(raw: object) -> str:
    """A unit code as typed: Excel turns a code of digits into a number."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return "" if raw is None else str(raw).strip()


def _units_by_code(unit: Unit, user: AbstractBaseUser, codes: set[str]) -> dict[str, Unit]:
    """The units of `unit`'s subtree the user may enter data for, among `codes`: one query."""
    found = units_where(user, Permission.ENTER_DATA).filter(
        path__startswith=unit.path, code__in=codes - {""}
    )
    return {u.code: u for u in found}


def _row_unit(row, columns, units, unit, preview) -> Unit | None:
    letter, code = preview.columns[CODE], _code(_value(row, columns.code))
    if not code:
        preview.errors.append(CellError(row.number, letter, "Thiếu mã đơn vị."))
        return None
    if code not in units:
        # The same words whether the code exists elsewhere or not: nothing outside is revealed.
        preview.errors.append(
            CellError(
                row.number,
                letter,
                f"Không có đơn vị mã «{code}» trong {unit.display_name} và các đơn vị trực thuộc.",
            )
        )
        return None
    return units[code]


def _part(row, index, name, low, high, preview) -> int | None:
    letter, raw = excel.column(index), _value(row, index)
    message = f"{name} phải là số từ {low} đến {high}."
    if raw is None:
        preview.errors.append(CellError(row.number, letter, f"Thiếu {name.lower()}."))
        return None
    try:
        number = parse_whole_number(raw)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        preview.errors.append(CellError(row.number, letter, f"«{raw}»: {message}"))
        return None
    return number


def _row_values(row, lettered, preview) -> list[tuple[str, Indicator, int]]:
    """The row's values under the `lettered` indicator columns, (index, letter, indicator)."""
    values = []
    cells = row.cells
    for index, letter, indicator in lettered:
        raw = cells[index] if index < len(cells) else None
        if type(raw) is int and 0 <= raw <= MAX_VALUE:  # what a cell holds nearly always
            values.append((letter, indicator, raw))
            continue
        if raw is None or isinstance(raw, str) and not raw.strip():
            continue
        try:
            value = parse_whole_number(raw)
        except ValueError as reason:
            preview.errors.append(CellError(row.number, letter, f"«{raw}»: {reason}"))
            continue
        if value > MAX_VALUE:
            preview.errors.append(CellError(row.number, letter, TOO_BIG))
            continue
        values.append((letter, indicator, value))
    return values


def _diff(checked: list[CheckedRow], preview: ImportPreview) -> list[CheckedRow]:
    """Keeps the values that add or change something (equal ones need no write, so no open
    month either); returns the rows that write."""
    saved = dict(
        ((u, i, y, m), v)
        for u, i, y, m, v in MonthlyEntry.objects.filter(
            unit__in={row.unit.pk for row in checked},
            year__in={row.year for row in checked},
            month__in={row.month for row in checked},
        ).values_list("unit_id", "indicator_id", "year", "month", "value")
    )
    writing, expected = [], preview.expected
    add_row, add_cell = preview.rows.append, preview.cells.append
    for row in checked:
        unit, year, month, writes = row.unit, row.year, row.month, False
        for letter, indicator, value in row.values:
            key = (unit.id, indicator.id, year, month)
            old = saved.get(key)
            if old == value:
                preview.unchanged += 1
                continue
            add_row(EntryRow(unit, indicator, year, month, value))
            add_cell((row.number, letter))
            expected[key] = old
            writes = True
        if writes:
            writing.append(row)
    return writing


def _check_locks(rows: list[CheckedRow], user: AbstractBaseUser, preview) -> None:
    """Refuses, on its month cell, each row that writes to a month closed to this user."""
    reasons = locks.closed_reasons([(row.unit, row.year, row.month) for row in rows], user)
    for row, reason in zip(rows, reasons, strict=True):
        if reason:
            preview.errors.append(CellError(row.number, preview.columns[MONTH], reason))
