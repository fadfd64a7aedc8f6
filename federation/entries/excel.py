"""Monthly entries out to Excel: the template to fill in and the export.

One layout for both and for the import (entries/importing.py), so an export or a template can
be filled in and imported again: the sheet "Số liệu" has one row per unit per month and one
column per active indicator, headed "<name> (<unit of measure>)".
"""

import datetime
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser

from .. import excel
from ..excel import ExcelError, Sheet, indicator_header
from ..formatting import vn_number
from ..models import Aggregation, Indicator, MonthlyEntry, Unit
from ..months import Month, months_between
from ..selectors import Permission, units_where
from .writes import EntryKey

SHEET_TITLE = "Số liệu"
CODE, NAME, YEAR, MONTH = "Mã đơn vị", "Tên đơn vị", "Năm", "Tháng"
FIXED_WIDTHS = (16, 44, 8, 8)
INDICATOR_WIDTH = 22

GUIDE = (
    "Mỗi dòng của trang «Số liệu» là số liệu của một đơn vị trong một tháng; mỗi cột là một "
    "chỉ tiêu.",
    "Đơn vị được nhận theo cột «Mã đơn vị»; cột «Tên đơn vị» chỉ để đọc, không cần sửa.",
    "Ô để trống: giữ nguyên số liệu đã có trên hệ thống (không xóa). Muốn xóa một số liệu, "
    "dùng trang nhập số liệu tháng.",
    "Chỉ nhận số nguyên không âm, viết 1500000 hoặc 1.500.000 đều được.",
    "Không sửa dòng tiêu đề. Có thể đổi thứ tự hoặc xóa bớt cột chỉ tiêu không nhập.",
    f"Tối đa {vn_number(excel.MAX_ROWS)} dòng số liệu; tệp .xlsx không quá "
    f"{excel.MAX_BYTES // (1024 * 1024)} MB.",
    "Tháng đã khóa sổ không nhập được, trừ khi lãnh đạo cấp trên mở lại.",
)


# --- template and export -----------------------------------------------------------------------


def sheet_units(unit: Unit, user: AbstractBaseUser, since: datetime.date) -> list[Unit]:
    """The rows a template has for `unit`: the unit itself, then its direct children that were
    not dissolved before `since` (units further down are filled in their own parent's file)."""
    children = (
        units_where(user, Permission.ENTER_DATA).children_of(unit).exclude(dissolved_on__lt=since)
    )
    return [unit, *children]


def template_sheets(unit: Unit, user: AbstractBaseUser, first: Month, last: Month) -> list[Sheet]:
    """The file to fill in for a month range, with the values already saved filled in.

    Raises ExcelError if it would have more rows than an import accepts.
    """
    months = months_between(first, last)
    units = sheet_units(unit, user, datetime.date(*first, 1))
    if len(units) * len(months) > excel.MAX_ROWS:
        raise ExcelError(
            f"Mẫu sẽ có {vn_number(len(units) * len(months))} dòng "
            f"({vn_number(len(units))} đơn vị × {len(months)} tháng), quá "
            f"{vn_number(excel.MAX_ROWS)} dòng một tệp nhập được. Hãy chọn ít tháng hơn."
        )
    return entry_sheets(units, months)


def export_sheets(
    unit: Unit, user: AbstractBaseUser, year: int, today: datetime.date
) -> list[Sheet]:
    """The unit's and its direct children's own entries for a year, months to come left out."""
    last = 12 if year < today.year else today.month
    units = sheet_units(unit, user, datetime.date(year, 1, 1))
    return entry_sheets(units, months_between((year, 1), (year, last)))


def entry_sheets(units: Sequence[Unit], months: Sequence[Month]) -> list[Sheet]:
    """Rows month by month, unit by unit, each filled with the unit's own saved values."""
    indicators = list(Indicator.objects.filter(is_active=True))
    saved = _own_values(units, months)
    rows = [
        [u.code, u.name, year, month, *(saved.get((u.pk, i.pk, year, month)) for i in indicators)]
        for year, month in months
        for u in units
    ]
    headers = [CODE, NAME, YEAR, MONTH, *map(indicator_header, indicators)]
    widths = [*FIXED_WIDTHS, *[INDICATOR_WIDTH] * len(indicators)]
    legend = [
        [excel.column(4 + n), indicator_header(i), i.code, i.unit_of_measure, _adds_up(i)]
        for n, i in enumerate(indicators)
    ]
    return [
        Sheet(SHEET_TITLE, headers, rows, widths),
        Sheet(
            "Chỉ tiêu",
            ["Cột", "Tiêu đề cột", "Mã chỉ tiêu", "Đơn vị tính", "Cách cộng các tháng"],
            legend,
            (6, 50, 30, 12, 28),
        ),
        Sheet("Hướng dẫn", ["Hướng dẫn nhập số liệu"], [[line] for line in GUIDE], (110,)),
    ]


def _adds_up(indicator: Indicator) -> str:
    return Aggregation(indicator.aggregation).label


def _own_values(units: Sequence[Unit], months: Sequence[Month]) -> dict[EntryKey, int]:
    """The units' own saved values for the months: one query."""
    wanted = set(months)
    found = MonthlyEntry.objects.filter(
        unit__in=[u.pk for u in units],
        year__in={year for year, _ in months},
        month__in={month for _, month in months},
    ).values_list("unit_id", "indicator_id", "year", "month", "value")
    return {
        (unit_id, indicator_id, year, month): value
        for unit_id, indicator_id, year, month, value in found
        if (year, month) in wanted
    }
