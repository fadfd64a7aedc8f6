"""Pieces of the progress dashboards drawn in Python, as Django's admin draws its result lists:
the children table repeats them on every row of up to a hundred, where template tags and
includes for each cell would cost more than the rest of the page.

Text that comes from the database (names, codes) is escaped here; numbers come from
federation.formatting, which writes only digits, dots, commas, "%" and "—".
"""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from federation import formatting
from federation.dashboards.selectors import Figure, Status
from federation.forecasts import Basis
from federation.models import Period
from federation.templatetags.status import STATUS_BADGES

register = template.Library()

TONES = {Status.ACHIEVED: "success", Status.ON_PACE: "primary", Status.BEHIND: "warning"}


def _badge(figure: Figure) -> str:
    if figure.status is None:
        return f'<span class="text-body-secondary">{formatting.MISSING}</span>'
    return f'<span class="badge text-bg-{TONES[figure.status]}">{figure.status.label}</span>'


def _bar(figure: Figure) -> str:
    tone = f"bg-{TONES[figure.status]}" if figure.status else "bg-secondary"
    label = f"Đạt {formatting.vn_percent(figure.percent)}"
    mark = ""
    if figure.status is not None:
        pace = formatting.vn_percent(figure.pace)
        label += f", tiến độ cần đạt {pace}"
        mark = (
            f'<span class="pace-mark" style="left: {figure.pace_position}%" '
            f'title="Tiến độ cần đạt {pace}"></span>'
        )
    return (
        f'<div class="pace-bar" role="img" aria-label="{label}">'
        f'<div class="progress" style="height: .5rem">'
        f'<div class="progress-bar {tone}" style="width: {figure.bar_width}%"></div></div>'
        f"{mark}</div>"
    )


def _forecast_text(figure: Figure) -> str:
    """ "Dự báo cả năm: 14.200 (13.600–14.900), khoảng 93,5% kế hoạch" for an indicator with a
    year target whose year is not over; empty otherwise."""
    forecast = figure.forecast
    if forecast is None or figure.year_target is None:
        return ""
    spread = (
        f" ({formatting.vn_about(forecast.low)}–{formatting.vn_about(forecast.high)})"
        if forecast.has_range
        else ""
    )
    return (
        f"Dự báo cả năm: {formatting.vn_about(forecast.value)}{spread}, khoảng "
        f"{formatting.vn_percent(figure.forecast_percent)} kế hoạch"
    )


@register.simple_tag
def forecast_line(figure: Figure) -> SafeString:
    """The forecast under a figure, with how it was made as a tooltip."""
    text = _forecast_text(figure)
    if not text:
        return mark_safe("")
    how = f"Dự báo {Basis(figure.forecast.basis).label}"
    return mark_safe(f'<div class="small forecast-line" title="{escape(how)}">{text}</div>')


def _forecast_cell(figure: Figure) -> str:
    if figure.forecast_percent is None:
        return f'<td class="num" data-label="Dự báo cả năm">{formatting.MISSING}</td>'
    return (
        f'<td class="num" data-label="Dự báo cả năm" title="{_forecast_text(figure)}">'
        f"{formatting.vn_percent(figure.forecast_percent)}"
        f'<div class="small text-body-secondary">{formatting.vn_about(figure.forecast.value)}'
        f"</div></td>"
    )


@register.simple_tag
def status_badge(figure: Figure) -> SafeString:
    """The figure's status as a coloured badge, or a dash when it has none."""
    return mark_safe(_badge(figure))


@register.simple_tag
def progress_bar(figure: Figure) -> SafeString:
    """Actual against target as a bar, with a mark at the expected pace when there is a status."""
    return mark_safe(_bar(figure))


@register.simple_tag
def child_row(children, query, period_params: str, row, main: Figure, rest) -> SafeString:
    """A row of the children table, each cell labelled for the phone layout."""
    unit = row.unit
    url = f"{reverse('unit_dashboard', args=[unit.pk])}?{escape(period_params)}"
    dissolved = " · đã giải thể" if unit.dissolved_on else ""
    year_note = (
        '<div class="small text-body-secondary">cả năm</div>'
        if main.target_period == Period.YEAR and query.period != Period.YEAR
        else ""
    )
    bar = _bar(main) if main.percent is not None else ""
    cells = [
        f'<td class="num fw-semibold child-rank" data-label="Hạng">'
        f"{formatting.vn_number(row.rank)}</td>",
        f'<th scope="row" class="child-name"><a href="{url}">{escape(unit.display_name)}</a>'
        f'<div class="small text-body-secondary">{escape(unit.code)}{dissolved}</div></th>',
        f'<td class="num" data-label="Thực hiện">{formatting.vn_number(main.actual)}</td>',
        f'<td class="num" data-label="Kế hoạch">{formatting.vn_number(main.target)}'
        f"{year_note}</td>",
        f'<td class="num child-percent" data-label="Đạt %"><span class="fw-semibold">'
        f"{formatting.vn_percent(main.percent)}</span>{bar}</td>",
        f'<td data-label="Tình trạng">{_badge(main)}</td>',
        _forecast_cell(main),
    ]
    for f in rest:
        if f.indicator.pk in children.table.targeted:
            label, value = "đạt %", formatting.vn_percent(f.percent)
        else:
            label, value = "thực hiện", formatting.vn_number(f.actual)
        name = escape(f.indicator.name)
        cells.append(f'<td class="num" data-label="{name} · {label}">{value}</td>')
    cells.append(
        f'<td data-label="{children.data_title}">'
        f'<span class="{STATUS_BADGES[row.data]}">{row.data_label}</span></td>'
    )
    return mark_safe(f"<tr>{''.join(cells)}</tr>")


@register.simple_tag
def sort_head(link, children, css: str = "") -> SafeString:
    """A sortable column's title (a views.dashboard.SortLink): a link, and htmx for the table."""
    params = escape(link.params)
    page, table = escape(children.link_url), escape(children.table_url)
    order = "descending" if link.descending else "ascending"
    aria = f' aria-sort="{order}"' if link.active else ""
    caret = ""
    if link.active:
        direction = "down" if link.descending else "up"
        caret = f' <i class="bi bi-caret-{direction}-fill" aria-hidden="true"></i>'
    return mark_safe(
        f'<th scope="col" class="{css}"{aria}><a class="sort-link" href="{page}?{params}" '
        f'hx-get="{table}?{params}">{link.label}{caret}</a></th>'
    )
