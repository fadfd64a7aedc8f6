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
def children_rows(children, query, period_params: str) -> SafeString:
    """The children table's rows on this page, each cell labelled for the phone layout, with a
    heading row where a cluster begins when the table is grouped by cluster. One tag for the
    whole body: a tag per row cost as much again as the rows' own text."""
    if children.indicator is None:  # no indicator in use: nothing to rank or show
        return mark_safe("")
    # What every row shares is worked out once: the dashboard's address (reverse() per row was
    # a tenth of the table), the other indicators' labels, the note under a year's target.
    marker = 987654321
    url = reverse("unit_dashboard", args=[marker]).replace(str(marker), "{}", 1)
    url += f"?{escape(period_params)}"
    year_note = '<div class="small text-body-secondary">cả năm</div>'
    yearly = query.period != Period.YEAR
    targeted = children.table.targeted
    others = [
        (
            i.pk in targeted,
            f' data-label="{escape(i.name)} · {"đạt %" if i.pk in targeted else "thực hiện"}"',
        )
        for i in children.others
    ]
    data_label = children.data_title
    width = len(children.others) + 8
    main_pk, other_pks = children.indicator.pk, [i.pk for i in children.others]
    lines = []
    cluster = object()  # no row's cluster: the first row of a grouped table opens its group
    for row in children.page.object_list:
        if children.by_cluster and row.cluster != cluster:
            cluster = row.cluster
            name = escape(cluster) if cluster else "Chưa xếp cụm"
            lines.append(
                f'<tr class="cluster-row"><th scope="colgroup" colspan="{width}">{name}</th></tr>'
            )
        figures = row.figures
        main = figures[main_pk]
        lines.append(
            _child_row(row, main, [figures[pk] for pk in other_pks], others, url, data_label,
                       year_note if yearly and main.target_period == Period.YEAR else "")
        )  # fmt: skip
    return mark_safe("".join(lines))


def _child_row(row, main: Figure, rest, others, url: str, data_label: str, note: str) -> str:
    unit = row.unit
    dissolved = " · đã giải thể" if unit.dissolved_on else ""
    bar = _bar(main) if main.percent is not None else ""
    cells = [
        f'<td class="num fw-semibold child-rank" data-label="Hạng">'
        f"{formatting.vn_number(row.rank)}</td>",
        f'<th scope="row" class="child-name"><a href="{url.format(unit.pk)}">'
        f"{escape(unit.display_name)}</a>"
        f'<div class="small text-body-secondary">{escape(unit.code)}{dissolved}</div></th>',
        f'<td class="num" data-label="Thực hiện">{formatting.vn_number(main.actual)}</td>',
        f'<td class="num" data-label="Kế hoạch">{formatting.vn_number(main.target)}{note}</td>',
        f'<td class="num child-percent" data-label="Đạt %"><span class="fw-semibold">'
        f"{formatting.vn_percent(main.percent)}</span>{bar}</td>",
        f'<td data-label="Tình trạng">{_badge(main)}</td>',
        _forecast_cell(main),
    ]
    for f, (by_percent, label) in zip(rest, others, strict=True):
        value = formatting.vn_percent(f.percent) if by_percent else formatting.vn_number(f.actual)
        cells.append(f'<td class="num"{label}>{value}</td>')
    cells.append(
        f'<td data-label="{data_label}">'
        f'<span class="{STATUS_BADGES[row.data]}">{row.data_label}</span></td>'
    )
    return f"<tr>{''.join(cells)}</tr>"


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
