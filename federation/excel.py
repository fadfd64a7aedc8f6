"""Excel files in and out, shared by every import and export (entries, targets, members, tables).

An import is two requests: the upload is read, checked cell by cell and shown as a preview, and
kept for an hour for its uploader (federation.uploads); the confirmation reads the kept file
again and commits it all or nothing. Nothing here knows what the columns mean: each feature
checks its own cells. What the file may hold at all is checked before it is read (xlsx.py); what
an export writes is never a formula (`workbook_bytes`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from .models import Indicator
from .xlsx import DAMAGED, NOT_XLSX, PASSWORD, ExcelError, check_xlsx, dots

MAX_ROWS = 10_000
MAX_BYTES = 10 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# What an upload may make calamine build. A 10.000-row import with 15 indicators is a 7 MB sheet
# of 190.000 cells; calamine holds about 40 bytes for each cell of its rectangle.
@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number Excel shows, for error messages
    cells: tuple[Any, ...]


@dataclass(frozen=True)
class CellError:
    row: int
    column: str  # the Excel column letter, or the header text
    message: str


def read_rows(upload, *, header_rows: int = 1, max_rows: int = MAX_ROWS) -> list[SheetRow]:
    """The data rows of the first sheet, empty rows skipped; refuses what is not a usable .xlsx.

    Read by calamine (Rust), five times faster than openpyxl, once check_xlsx passed it. Cells
    come back as openpyxl would give them: None when empty, whole numbers as int.
    """
    too_big = getattr(upload, "size", 0) > MAX_BYTES
    if too_big or len(data := upload.read(MAX_BYTES + 1)) > MAX_BYTES:
        raise ExcelError(f"Tệp lớn hơn {MAX_BYTES // (1024 * 1024)} MB.")
    check_xlsx(data, max_rows=max_rows)
    try:
        workbook = CalamineWorkbook.from_filelike(BytesIO(data))
    except PasswordError:
        raise ExcelError(PASSWORD) from None
    except (CalamineError, OSError, ValueError, TypeError):
        raise ExcelError(NOT_XLSX) from None
    try:  # the sheet itself is read only now: a damaged file may fail only here
        cells = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, IndexError, ValueError):
        raise ExcelError(DAMAGED) from None
    except BaseException as error:  # pyo3's PanicException, e.g. for a date cell of -1e20
        if type(error).__name__ != "PanicException":
            raise
        raise ExcelError(DAMAGED) from None
    return _data_rows(cells, header_rows, max_rows)


def _data_rows(sheet: list[list[Any]], header_rows: int, max_rows: int) -> list[SheetRow]:
    rows = []
    for number, cells in enumerate(sheet, start=1):
        if number <= header_rows or all(_blank(c) for c in cells):
            continue
        if len(rows) == max_rows:
            raise ExcelError(f"Tệp có quá {dots(max_rows)} dòng dữ liệu.")
        # As openpyxl gives them: None for an empty cell, a whole number as int. Written out
        # rather than called per cell: an import has up to 500.000 cells.
        cells = [
            int(c) if type(c) is float and c.is_integer() else None if c == "" else c for c in cells
        ]
        rows.append(SheetRow(number, tuple(cells)))
    return rows


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def column(index: int) -> str:
    """0 → "A", 27 → "AB"."""
    return get_column_letter(index + 1)


def indicator_header(indicator: Indicator) -> str:
    """An indicator's column header in every sheet that has one: "<name> (<unit of measure>)"."""
    return f"{indicator.name} ({indicator.unit_of_measure})"


def header_key(text: object) -> str:
    """Header text compared without case or extra spaces, which Excel users change freely."""
    return " ".join(str(text).split()).casefold() if text is not None else ""


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] = field(default_factory=tuple)


def workbook_bytes(*sheets: Sheet) -> bytes:
    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title[:31])
        _append(sheet, spec.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in spec.rows:
            _append(sheet, row)
        for index, header in enumerate(spec.headers):
            width = spec.widths[index] if index < len(spec.widths) else max(12, len(header) + 2)
            sheet.column_dimensions[column(index)].width = width
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _append(sheet, values: Iterable[Any]) -> None:
    """Appends a row; a text Excel would take for a formula (=HYPERLINK(...)) stays text, and a
    quote prefix keeps it text when someone edits the cell."""
    values = list(values)
    sheet.append(values)
    for index, value in enumerate(values):
        if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
            cell = sheet.cell(sheet.max_row, index + 1)
            cell.data_type, cell.quotePrefix = "s", True


def workbook_response(filename: str, *sheets: Sheet) -> HttpResponse:
    response = HttpResponse(workbook_bytes(*sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
