"""The entry grid's cells drawn in Python, as the dashboard's children rows are
(templatetags/dashboard.py): a page holds 25 units × every indicator, and the template's tags
for each cell cost three quarters of the page's time (issue 17's load test: 0,2 s a page).
A row is drawn by one tag, and what every cell of a column repeats (the indicator's escaped
name, group and unit) is escaped once per indicator, not once per cell.

Text that comes from the database or from the person (names, typed values, messages) is
escaped here; numbers come from federation.formatting.
"""

from functools import lru_cache
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from federation.entries.selectors import Cell, GridRow
from federation.formatting import vn_number
from federation.models import Unit

register = template.Library()


@lru_cache(maxsize=1024)
def _column(group: str, name: str, unit_of_measure: str) -> tuple[str, str]:
    """An indicator's escaped cell attributes (its group and label) and its escaped name."""
    name = escape(name)
    return f'data-group="{escape(group)}" data-label="{name} ({escape(unit_of_measure)})"', name


@register.simple_tag
def entry_row(row: GridRow, shown: Unit) -> SafeString:
    """A grid row: its unit (linked, with its code; `shown` is the unit whose grid it is), every
    cell in the order of its indicators (see _cell), and how many of them are filled."""
    unit = row.unit
    unit_name = escape(unit.display_name)
    own = " · số liệu của chính đơn vị" if unit == shown else ""
    cells = "\n".join(_cell(cell, unit_name, column) for column, cell in enumerate(row.cells))
    return mark_safe(
        '<tr class="entry-row"><th scope="row" class="entry-unit">'
        f'<a href="{reverse("unit_detail", args=[unit.pk])}">{unit_name}</a>\n'
        f'<div class="small text-body-secondary">{escape(unit.code)}{own}</div></th>\n'
        f"{cells}\n"
        f'<td class="num small" data-label="Đã nhập">{row.filled}/{len(row.cells)}</td></tr>'
    )


def _cell(cell: Cell, unit_name: str, column: int) -> str:
    """One cell: the value it showed (for the stale check), the field, what the checks said of
    it, and last month, last year and the registers beside it. `unit_name` is escaped."""
    indicator = cell.indicator
    attributes, name = _column(indicator.group, indicator.name, indicator.unit_of_measure)
    field = cell.name
    tone = " has-error" if cell.error else " has-warning" if cell.warnings else ""
    seen = "" if cell.value is None else str(cell.value)
    invalid, described = "", ""
    if cell.error:
        invalid = " is-invalid"
        described = f' aria-invalid="true" aria-describedby="{field}-error"'
    notes = []
    if cell.error:
        notes.append(
            f'<div class="invalid-feedback d-block" id="{field}-error">{escape(cell.error)}</div>'
        )
    notes += [f'<div class="small text-warning-emphasis">{escape(w)}</div>' for w in cell.warnings]
    if cell.changed_meanwhile:
        notes.append(
            f'<div class="small text-danger fw-semibold">{escape(cell.changed_meanwhile)}</div>'
        )
    suggestion = (
        f'<span class="text-primary-emphasis">Số theo danh sách: {vn_number(cell.suggestion)}'
        "</span>"
        if cell.suggestion
        else ""
    )
    return (
        f'<td {attributes} class="entry-cell{tone}">'
        f'<input type="hidden" name="{cell.seen_name}" value="{seen}">'
        f'<input class="form-control form-control-sm text-end{invalid}" type="text" '
        f'inputmode="numeric" autocomplete="off" name="{field}" id="{field}" '
        f'value="{escape(cell.shown)}" data-col="{column}" '
        f'aria-label="{unit_name} · {name}"{described}>'
        f"{''.join(notes)}"
        '<div class="entry-context small text-body-secondary">'
        f"<span>Tháng trước: {vn_number(cell.previous)}</span>\n"
        f"<span>Cùng kỳ năm trước: {vn_number(cell.last_year)}</span>\n"
        f"{suggestion}</div></td>"
    )
