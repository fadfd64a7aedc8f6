"""Forms of the monthly entry pages: the grid, reopening a month, and the Excel page's three.

Each reads what a person typed the way people type it (1.500.000, dd/mm/yyyy) and hands the
view what the service takes; the rules themselves are the services'.
"""

from django import forms

from ..excel import XLSX_TYPE
from ..formatting import parse_whole_number
from ..models import MAX_YEAR, MIN_YEAR
from .selectors import Cell, GridRow
from .services import EntryKey, EntryRow

MONTHS = [(m, f"Tháng {m}") for m in range(1, 13)]


class EntryGridForm(forms.Form):
    """The grid's cells and the value each showed when loaded (for the stale check), and the
    confirmation of unusual values.

    The cells are read straight from the posted data, not declared as fields: a page of 25
    units × 15 indicators is 750 of them, and building and cleaning a Django field for each
    cost half of a grid save (issue 17's load test). What a cell says wrong goes on the cell.
    """

    confirm_unusual = forms.BooleanField(
        required=False, label="Tôi đã kiểm tra, các số liệu bất thường ở trên là đúng."
    )
    reason = forms.CharField(
        required=False,
        max_length=255,
        label="Ghi chú khi xác nhận (không bắt buộc)",
        help_text="Ví dụ: đã gọi điện xác minh với CĐCS.",
    )

    def __init__(self, *args, grid: list[GridRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = grid
        self.values: dict[str, int | None] = {}

    @property
    def cells(self) -> list[Cell]:
        return [cell for row in self.grid for cell in row.cells]

    @property
    def cell_errors(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.error]

    def is_valid(self) -> bool:
        return super().is_valid() and not self.cell_errors

    def clean(self):
        cleaned = super().clean()
        tampered = False
        for cell in self.cells:
            cell.typed = self.data.get(cell.name, "")
            try:
                self.values[cell.name] = _optional_number(cell.typed)
            except ValueError as error:
                cell.error = str(error)
            try:
                self.values[cell.seen_name] = _optional_number(self.data.get(cell.seen_name, ""))
            except ValueError:
                tampered = True
        if tampered:
            self.add_error(None, "Biểu mẫu không hợp lệ, hãy tải lại trang.")
        return cleaned

    def changes(self, year: int, month: int) -> tuple[list[EntryRow], dict[EntryKey, int | None]]:
        """The cells whose value differs from what the form showed, and what it showed."""
        rows, expected = [], {}
        for cell in self.cells:
            value, seen = self.values[cell.name], self.values[cell.seen_name]
            if value != seen:
                row = EntryRow(cell.unit, cell.indicator, year, month, value)
                rows.append(row)
                expected[row.key] = seen
        return rows, expected


# Longer than any figure the catalogue allows, grouped: refused before it is read as a number.
MAX_TYPED = 32


def _optional_number(typed: str) -> int | None:
    typed = (typed or "").strip()
    if len(typed) > MAX_TYPED:
        raise ValueError(f"Không quá {MAX_TYPED} ký tự.")
    return None if typed == "" else parse_whole_number(typed)


class ReopenForm(forms.Form):
    reason = forms.CharField(label="Lý do mở lại", max_length=255)
    until = forms.DateField(
        label="Mở đến hết ngày",
        # Typed as Vietnamese write dates: a browser's date picker shows its own locale's order.
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
    )


class MonthRangeForm(forms.Form):
    from_month = forms.TypedChoiceField(label="Từ tháng", choices=MONTHS, coerce=int)
    from_year = forms.IntegerField(label="Năm", min_value=MIN_YEAR, max_value=MAX_YEAR)
    to_month = forms.TypedChoiceField(label="Đến tháng", choices=MONTHS, coerce=int)
    to_year = forms.IntegerField(label="Năm", min_value=MIN_YEAR, max_value=MAX_YEAR)

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    @classmethod
    def initial_for(cls, today) -> dict:
        """Last month, still open for a few days, through this month."""
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        return {
            "from_month": month,
            "from_year": year,
            "to_month": today.month,
            "to_year": today.year,
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        first = (cleaned["from_year"], cleaned["from_month"])
        last = (cleaned["to_year"], cleaned["to_month"])
        if first > last:
            raise forms.ValidationError("Tháng bắt đầu phải trước hoặc trùng tháng kết thúc.")
        if last > (self.today.year, self.today.month):
            raise forms.ValidationError("Không tạo mẫu cho tháng chưa đến kỳ báo cáo.")
        cleaned["first"], cleaned["last"] = first, last
        return cleaned


class ExportForm(forms.Form):
    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"] = forms.IntegerField(
            label="Năm", min_value=MIN_YEAR, max_value=today.year
        )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Tệp Excel đã điền (.xlsx)",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_TYPE}),
        error_messages={"required": "Hãy chọn tệp Excel để tải lên."},
    )


class ConfirmForm(forms.Form):
    token = forms.CharField(max_length=32)
    digest = forms.CharField(max_length=64)
    reason = forms.CharField(required=False, max_length=255)
