"""The target grid: a leader assigns year / H1 / H2 targets to every child unit at once.

A page of the grid and an Excel file both end in `targets_save`, which sets every changed cell
through services.target_set in one transaction: all saved or none. Cells are checked before,
each refusal said in Vietnamese beside its cell (page) or by row and column (Excel). A blank
cell leaves a target as it is; clearing one that exists is refused, as no service removes a
target (0 means "no target" to the progress figures).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from . import excel, services
from .formatting import parse_whole_number, vn_number
from .models import Indicator, Period, Target, Unit

Key = tuple[int, int]  # (unit id, indicator id)


@dataclass(frozen=True)
class TargetCell:
    unit: Unit
    indicator: Indicator
    value: int


@dataclass(frozen=True)
class Allocation:
    """The parent's own target (set by its parent) against the sum of its children's."""

    indicator: Indicator
    own: int | None
    children: int
    children_elsewhere: int  # the part from children not on the page shown

    @property
    def difference(self) -> int:
        return self.children - (self.own or 0)

    @property
    def gap(self) -> int:
        return abs(self.difference)

    @property
    def state(self) -> str:
        if self.own is None:
            return "none"
        if self.difference == 0:
            return "match"
        return "under" if self.difference < 0 else "over"


@dataclass
class TargetGrid:
    """The targets of a unit's children for one year and period."""

    parent: Unit
    year: int
    period: str
    children: list[Unit]
    indicators: list[Indicator]
    values: dict[Key, int]
    own: dict[int, int]  # indicator id → the parent's own target

    @property
    def period_label(self) -> str:
        return Period(self.period).label

    def only(self, code: str) -> str:
        """Narrows the grid to the indicator with this code; returns the code if there is one."""
        chosen = [i for i in self.indicators if i.code == code]
        if chosen:
            self.indicators = chosen
            return code
        return ""

    def allocations(self, values: dict[Key, int], shown: Iterable[Unit] = ()) -> list[Allocation]:
        shown_ids = {u.pk for u in shown}
        result = []
        for indicator in self.indicators:
            total = elsewhere = 0
            for child in self.children:
                value = values.get((child.pk, indicator.pk), 0)
                total += value
                if child.pk not in shown_ids:
                    elsewhere += value
            result.append(Allocation(indicator, self.own.get(indicator.pk), total, elsewhere))
        return result


def active_indicators() -> list[Indicator]:
    return list(Indicator.objects.filter(is_active=True))


def grid_for(parent: Unit, year: int, period: str) -> TargetGrid:
    """Four queries: the children, the indicators, their targets, the parent's own."""
    children = list(
        Unit.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).order_by("path")
    )
    indicators = active_indicators()
    return TargetGrid(
        parent,
        year,
        period,
        children,
        indicators,
        targets_of(children, year, period),
        dict(
            Target.objects.filter(unit=parent, year=year, period=period).values_list(
                "indicator_id", "value"
            )
        ),
    )


def targets_of(units: Iterable[Unit], year: int, period: str) -> dict[Key, int]:
    """The units' targets for the period, looked up by id (never by walking a subtree)."""
    rows = Target.objects.filter(
        unit__in=[u.pk for u in units], year=year, period=period
    ).values_list("unit_id", "indicator_id", "value")
    return {(unit_id, indicator_id): value for unit_id, indicator_id, value in rows}


def rows_per_page(indicators: Sequence[Indicator]) -> int:
    """Children per page of the grid, so a page's cells stay under Django's field limit."""
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 10_000
    return max(1, min(100, (limit - 50) // max(1, len(indicators))))


@transaction.atomic
def targets_save(
    *, cells: Iterable[TargetCell], year: int, period: str, user: AbstractBaseUser, door: str
) -> int:
    """Sets every cell's target, all or nothing; returns how many cells were set.

    The grid form and the import pass only cells whose value differs from the saved one.
    """
    cells = list(cells)
    for cell in cells:
        services.target_set(
            unit=cell.unit,
            indicator=cell.indicator,
            year=year,
            period=period,
            value=cell.value,
            user=user,
            door=door,
        )
    return len(cells)


# --- the grid form -----------------------------------------------------------------------------


def field_name(unit_id: int, indicator_id: int) -> str:
    return f"t-{unit_id}-{indicator_id}"


class TargetGridForm(forms.Form):
    """One text cell per child and indicator, read the way people type numbers (1.500.000)."""

    def __init__(
        self, data=None, *, grid: TargetGrid, units: Sequence[Unit], shown: dict[Key, int]
    ):
        super().__init__(data)
        self.grid, self.units = grid, list(units)
        for unit in self.units:
            for indicator in grid.indicators:
                value = shown.get((unit.pk, indicator.pk))
                self.fields[field_name(unit.pk, indicator.pk)] = forms.CharField(
                    required=False,
                    initial=vn_number(value) if value is not None else "",
                    label=f"{indicator.name} · {unit.display_name}",
                )

    def clean(self):
        cleaned = super().clean()
        self.changed_cells: list[TargetCell] = []
        for unit in self.units:
            for indicator in self.grid.indicators:
                name = field_name(unit.pk, indicator.pk)
                if name in self.errors:
                    continue
                cell = self._cell(unit, indicator, cleaned.get(name, ""))
                if isinstance(cell, str):
                    self.add_error(name, cell)
                elif cell is not None:
                    self.changed_cells.append(cell)
        return cleaned

    def _cell(self, unit: Unit, indicator: Indicator, raw: str) -> TargetCell | str | None:
        """The cell to save, None if there is nothing to save, or why it is refused."""
        saved = self.grid.values.get((unit.pk, indicator.pk))
        if not raw.strip():
            return CLEARED if saved is not None else None
        try:
            value = parse_whole_number(raw)
        except ValueError as error:
            return str(error)
        return None if value == saved else TargetCell(unit, indicator, value)

    def rows(self) -> list[tuple[Unit, list[tuple[Indicator, forms.BoundField]]]]:
        return [
            (unit, [(i, self[field_name(unit.pk, i.pk)]) for i in self.grid.indicators])
            for unit in self.units
        ]


CLEARED = "Không xóa được chỉ tiêu đã giao; nhập 0 nếu không giao chỉ tiêu này."


# --- Excel -------------------------------------------------------------------------------------

CODE_HEADER, NAME_HEADER = "Mã đơn vị", "Tên đơn vị"


def indicator_header(indicator: Indicator) -> str:
    return f"{indicator.name} ({indicator.unit_of_measure})"


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


def _normal(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


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
            known[_normal(name)] = indicator
    code_column, columns, taken = None, {}, set()
    for index, text in enumerate(header.cells):
        title = _normal(text)
        where = excel.column(index)
        if not title or title == _normal(NAME_HEADER):
            continue
        if title == _normal(CODE_HEADER):
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
