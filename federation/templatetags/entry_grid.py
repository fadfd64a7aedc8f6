"""The entry grid's cells drawn in Python, as the dashboard's children rows are
(templatetags/dashboard.py): a page holds 25 units × every indicator, and the template's tags
for each cell cost three quarters of the page's time (issue 17's load test: 0,2 s a page).

Text that comes from the database or from the person (names, typed values, messages) is
escaped here; numbers come from federation.formatting.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from federation.entries.selectors import Cell
from federation.formatting import vn_number
from federation.models import Unit

register = template.Library()


@register.simple_tag
def entry_cell(cell: Cell, unit: Unit, column: int) -> SafeString:
    """One cell of the grid: the value it showed (for the stale check), the field, what the
    checks said of it, and last month, last year and the registers beside it."""
    indicator = cell.indicator
    name = escape(indicator.name)
    tone = " has-error" if cell.error else " has-warning" if cell.warnings else ""
    seen = "" if cell.value is None else str(cell.value)
    invalid, described = "", ""
    if cell.error:
        invalid = " is-invalid"
        described = f' aria-invalid="true" aria-describedby="{cell.name}-error"'
    notes = []
    if cell.error:
        notes.append(
            f'<div class="invalid-feedback d-block" id="{cell.name}-error">'
            f"{escape(cell.error)}</div>"
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
    return mark_safe(
        f'<td data-group="{escape(indicator.group)}" data-label="{name} '
        f'({escape(indicator.unit_of_measure)})" class="entry-cell{tone}">'
        f'<input type="hidden" name="{cell.seen_name}" value="{seen}">'
        f'<input class="form-control form-control-sm text-end{invalid}" type="text" '
        f'inputmode="numeric" autocomplete="off" name="{cell.name}" id="{cell.name}" '
        f'value="{escape(cell.shown)}" data-col="{column}" '
        f'aria-label="{escape(unit.display_name)} · {name}"{described}>'
        f"{''.join(notes)}"
        '<div class="entry-context small text-body-secondary">'
        f"<span>Tháng trước: {vn_number(cell.previous)}</span>\n"
        f"<span>Cùng kỳ năm trước: {vn_number(cell.last_year)}</span>\n"
        f"{suggestion}</div></td>"
    )
