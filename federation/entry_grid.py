"""The monthly entry grid: which units are rows, what each cell shows, and the form that reads it.

Rows are the unit itself and its direct children (a district and its CĐCS), a page at a time;
columns are the active indicators. Each cell shows the unit's own value with the previous month
and the same month last year beside it, and what the registers suggest.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Q

from membership.selectors import registry_suggestions_for

from . import selectors
from .formatting import parse_whole_number, vn_number
from .locks import month_bounds
from .models import Indicator, MonthlyEntry, Unit, UnitKind
from .services import EntryKey, EntryRow

ROWS_PER_PAGE = 25


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year, month - 1) if month > 1 else (year - 1, 12)


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year, month + 1) if month < 12 else (year + 1, 1)


@dataclass
class Cell:
    unit: Unit
    indicator: Indicator
    value: int | None
    previous: int | None = None
    last_year: int | None = None
    suggestion: int | None = None
    typed: str | None = None  # what the user typed, when a form comes back
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    changed_meanwhile: str = ""

    @property
    def name(self) -> str:
        return f"v-{self.unit.pk}-{self.indicator.pk}"

    @property
    def seen_name(self) -> str:
        return f"s-{self.unit.pk}-{self.indicator.pk}"

    @property
    def shown(self) -> str:
        if self.typed is not None:
            return self.typed
        return "" if self.value is None else vn_number(self.value)


@dataclass
class GridRow:
    unit: Unit
    cells: list[Cell]

    @property
    def filled(self) -> int:
        return sum(1 for cell in self.cells if cell.value is not None)


def grid_units(user, unit: Unit, search: str, page_number: str | int | None) -> Page:
    """The unit itself, then its children matching `search`, ROWS_PER_PAGE at a time."""
    children = selectors.units_visible_to(user).filter(
        path__startswith=unit.path, depth=unit.depth + 1
    )
    if search:
        children = children.filter(Q(name__icontains=search) | Q(code__icontains=search))
    rows = Unit.objects.filter(Q(pk=unit.pk) | Q(pk__in=children.values("pk"))).order_by("path")
    return Paginator(rows, ROWS_PER_PAGE).get_page(page_number)


def build_grid(units: Sequence[Unit], indicators: Sequence[Indicator], year: int, month: int):
    """Rows of cells with this month's, last month's and last year's own values: one query."""
    wanted = {(year, month): "value", previous_month(year, month): "previous"}
    wanted[(year - 1, month)] = "last_year"
    values: dict[tuple[int, int, str], int] = {}
    found = MonthlyEntry.objects.filter(
        unit__in=units,
        indicator__in=indicators,
        year__in={y for y, _ in wanted},
        month__in={m for _, m in wanted},
    ).values_list("unit_id", "indicator_id", "year", "month", "value")
    for unit_id, indicator_id, y, m, value in found:
        if (y, m) in wanted:
            values[(unit_id, indicator_id, wanted[(y, m)])] = value
    suggestions = registry_suggestions(units, year, month)
    return [
        GridRow(
            unit,
            [
                Cell(
                    unit,
                    indicator,
                    value=values.get((unit.pk, indicator.pk, "value")),
                    previous=values.get((unit.pk, indicator.pk, "previous")),
                    last_year=values.get((unit.pk, indicator.pk, "last_year")),
                    suggestion=suggestions.get(unit.pk, {}).get(indicator.code),
                )
                for indicator in indicators
            ],
        )
        for unit in units
    ]


def registry_suggestions(units: Sequence[Unit], year: int, month: int) -> dict[int, dict[str, int]]:
    """What the registers already know for each unit's month, by indicator code.

    Grassroots unions founded or dissolved in the month below a federation; the member roster's
    admissions, departures and totals where the roster app provides them.
    """
    first, last = month_bounds(year, month)
    federations = [u for u in units if not u.is_grassroots]
    found: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if federations:
        below = Q()
        for unit in federations:
            below |= Q(path__startswith=unit.path, depth__gt=unit.depth)
        dated = Unit.objects.filter(below, kind=UnitKind.GRASSROOTS_UNION).filter(
            Q(founded_on__range=(first, last)) | Q(dissolved_on__range=(first, last))
        )
        for path, founded, dissolved in dated.values_list("path", "founded_on", "dissolved_on"):
            for unit in federations:
                if path.startswith(unit.path):
                    if founded and first <= founded <= last:
                        found[unit.pk]["new_grassroots_unions"] += 1
                    if dissolved and first <= dissolved <= last:
                        found[unit.pk]["dissolved_grassroots_unions"] += 1
    for pk, codes in registry_suggestions_for(units, year, month).items():
        found[pk].update(codes)
    return {pk: dict(codes) for pk, codes in found.items()}


class EntryGridForm(forms.Form):
    """One text field per cell and the value it showed when loaded (for the stale check)."""

    confirm_unusual = forms.BooleanField(
        required=False, label="Tôi đã kiểm tra, các số liệu bất thường ở trên là đúng."
    )

    def __init__(self, *args, grid: list[GridRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = grid
        for cell in self.cells:
            self.fields[cell.name] = forms.CharField(required=False, max_length=32)
            self.fields[cell.seen_name] = forms.CharField(required=False, max_length=32)

    @property
    def cells(self) -> list[Cell]:
        return [cell for row in self.grid for cell in row.cells]

    def clean(self):
        cleaned = super().clean()
        for cell in self.cells:
            cell.typed = cleaned.get(cell.name, "")
            try:
                cleaned[cell.name] = _optional_number(cell.typed)
            except ValueError as error:
                cell.error = str(error)
                self.add_error(cell.name, cell.error)
            try:
                cleaned[cell.seen_name] = _optional_number(cleaned.get(cell.seen_name, ""))
            except ValueError:
                self.add_error(None, "Biểu mẫu không hợp lệ, hãy tải lại trang.")
        return cleaned

    def changes(self, year: int, month: int) -> tuple[list[EntryRow], dict[EntryKey, int | None]]:
        """The cells whose value differs from what the form showed, and what it showed."""
        rows, expected = [], {}
        for cell in self.cells:
            value, seen = self.cleaned_data[cell.name], self.cleaned_data[cell.seen_name]
            if value != seen:
                row = EntryRow(cell.unit, cell.indicator, year, month, value)
                rows.append(row)
                expected[row.key] = seen
        return rows, expected


def _optional_number(typed: str) -> int | None:
    typed = (typed or "").strip()
    return None if typed == "" else parse_whole_number(typed)
