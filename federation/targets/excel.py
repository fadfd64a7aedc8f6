"""Targets by Excel: the grid as a file to fill in, and an uploaded file checked against it.

Each refusal is said by row and column; a file with none is shown as a preview of what it
would change, and its confirmation saves through services.targets_save, all or nothing.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from .. import excel
from ..excel import header_key, indicator_header
from ..formatting import parse_whole_number
from ..models import Indicator, Unit
from ..validation import MAX_VALUE, TOO_BIG
from .selectors import TargetGrid
from .services import TargetCell

CODE_HEADER, NAME_HEADER = "Mã đơn vị", "Tên đơn vị"


def template_sheet(grid: TargetGrid) -> excel.Sheet:
    """The children as rows and the indicators as columns, filled with the targets saved."""
    rows = [
        [child.code, child.name, *(grid.values.get((child.pk, i.pk)) for i in grid.indicators)]
        for child in grid.children
    ]
    return excel.Sheet(
        f"Chỉ tiêu {grid.period} {grid.year}",
        [CODE_HEADER, NAME_HEADER, *(indicator_header(i) for i in grid.indicators)],
        rows,
        widths=[14, 40, *(max(14, min(30, len(indicator_header(i)))) for i in grid.indicators)],
    )


@dataclass(frozen=True)
class Change:
    unit: Unit
    indicator: Indicator
    old: int | None
    new: int


@dataclass
class ImportCheck:
    """What an uploaded file would change, or why it is refused."""

    changes: list[Change]
    rows: int
    unchanged: int
    errors: list[excel.CellError]
    headers: dict[str, str]  # column letter → its header text, to name columns in messages

    @property
    def cells(self) -> list[TargetCell]:
        return [TargetCell(c.unit, c.indicator, c.new) for c in self.changes]


def check_import(upload, grid: TargetGrid) -> ImportCheck:
    """Reads the file against the grid; raises excel.ExcelError if it cannot be read at all."""
    rows = excel.read_rows(upload, header_rows=0)
    if not rows:
        raise excel.ExcelError("Tệp không có dữ liệu.")
    header, rows = rows[0], rows[1:]
    errors: list[excel.CellError] = []
    code_column, columns = _columns(header, grid.indicators, errors)
    if code_column is None:
        raise excel.ExcelError(f"Không thấy cột “{CODE_HEADER}” ở dòng tiêu đề.")
    children = {c.code.casefold(): c for c in grid.children}
    seen: set[int] = set()
    changes, unchanged = [], 0
    for row in rows:
        unit = _row_unit(row, code_column, children, seen, grid.parent, errors)
        for index, indicator in columns.items():
            raw = row.cells[index] if index < len(row.cells) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            try:
                value = parse_whole_number(raw)
            except ValueError as error:
                errors.append(excel.CellError(row.number, excel.column(index), str(error)))
                continue
            if value > MAX_VALUE:
                errors.append(excel.CellError(row.number, excel.column(index), TOO_BIG))
                continue
            if unit is None:
                continue
            old = grid.values.get((unit.pk, indicator.pk))
            if value == old:
                unchanged += 1
            else:
                changes.append(Change(unit, indicator, old, value))
    headers = {excel.column(i): str(t) for i, t in enumerate(header.cells) if t is not None}
    return ImportCheck(changes, len(rows), unchanged, errors, headers)


def _columns(
    header: excel.SheetRow, indicators: Sequence[Indicator], errors: list[excel.CellError]
) -> tuple[int | None, dict[int, Indicator]]:
    """The code column and which indicator each other column holds, from the header row."""
    known = {}
    for indicator in indicators:
        for name in (indicator_header(indicator), indicator.name, indicator.code):
            known[header_key(name)] = indicator
    code_column, columns, taken = None, {}, set()
    for index, text in enumerate(header.cells):
        title = header_key(text)
        where = excel.column(index)
        if not title or title == header_key(NAME_HEADER):
            continue
        if title == header_key(CODE_HEADER):
            code_column = index
        elif (indicator := known.get(title)) is None:
            errors.append(excel.CellError(header.number, where, f"Không rõ chỉ tiêu “{text}”."))
        elif indicator.pk in taken:
            errors.append(excel.CellError(header.number, where, f"Cột “{text}” bị lặp."))
        else:
            taken.add(indicator.pk)
            columns[index] = indicator
    return code_column, columns


def _row_unit(
    row: excel.SheetRow,
    code_column: int,
    children: dict[str, Unit],
    seen: set[int],
    parent: Unit,
    errors: list[excel.CellError],
) -> Unit | None:
    raw = row.cells[code_column] if code_column < len(row.cells) else None
    code = str(raw).strip() if raw is not None else ""
    where = excel.column(code_column)
    unit = children.get(code.casefold())
    if not code:
        errors.append(excel.CellError(row.number, where, "Thiếu mã đơn vị."))
    elif unit is None:
        message = f"Mã đơn vị “{code}” không phải đơn vị trực thuộc {parent.name}."
        errors.append(excel.CellError(row.number, where, message))
    elif unit.pk in seen:
        errors.append(excel.CellError(row.number, where, f"Đơn vị {code} có ở một dòng trước."))
        return None
    else:
        seen.add(unit.pk)
    return unit
