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
    """The figure's status as a coloured badge, or a dash when it has none."""
    if figure.status is None:
        return f'<span class="text-body-secondary">{formatting.MISSING}</span>'
    return f'<span class="badge text-bg-{TONES[figure.status]}">{figure.status.label}</span>'


def _bar(figure: Figure) -> str:
    """Actual against target as a bar, with a mark at the expected pace when there is a status."""
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


def _forecast_line(figure: Figure) -> str:
    """The forecast under a figure, with how it was made as a tooltip."""
    text = _forecast_text(figure)
    if not text:
        return ""
    how = f"Dự báo {Basis(figure.forecast.basis).label}"
    return f'<div class="small forecast-line" title="{escape(how)}">{text}</div>'


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
def indicator_rows(rows, query) -> SafeString:
    """The dashboard's list of the unit's indicators (dashboards.selectors.IndicatorRow): each
    figure against its target with its bar, pace, forecast and status, and the change from the
    same period last year. Drawn here rather than by template tags for each part of each of the
    catalogue's indicators, which were a quarter of the page's time."""
    last_year = query.year - 1
    against_year = query.period != Period.YEAR
    return mark_safe("".join(_indicator_row(row, last_year, against_year) for row in rows))


def _indicator_row(row, last_year: int, against_year: bool) -> str:
    f, indicator = row.figure, row.indicator
    measure = escape(indicator.unit_of_measure)
    lower = "" if indicator.higher_is_better else " · càng thấp càng tốt"
    if f.percent is not None:
        year_note = (
            ' <span class="small text-body-secondary">kế hoạch năm</span>'
            if f.against_year_target and against_year
            else ""
        )
        pace = (
            f'<div class="small text-body-secondary">Tiến độ cần đạt '
            f"{formatting.vn_percent(f.pace)}</div>"
            if f.pace is not None
            else ""
        )
        figure = (
            f'<div class="figure-line"><span class="fw-semibold">{formatting.vn_number(f.actual)}/'
            f"{formatting.vn_number(f.target)} — đạt {formatting.vn_percent(f.percent)}</span>"
            f"{year_note}</div>{_bar(f)}{pace}{_forecast_line(f)}"
        )
    else:
        unset = (
            ' <span class="small text-body-secondary">— chưa giao chỉ tiêu</span>'
            if f.target is None
            else ""
        )
        figure = (
            f'<div class="figure-line"><span class="fw-semibold">{formatting.vn_number(f.actual)}'
            f"</span> {measure}{unset}</div>"
        )
    if row.change:
        tone = "text-success" if row.improved else "text-danger"
        arrow, word = ("up", "tăng") if row.change > 0 else ("down", "giảm")
        percent = (
            f" ({formatting.vn_percent(row.change_percent_size)})"
            if row.change_percent_size is not None
            else ""
        )
        change = (
            f'<span class="{tone} text-nowrap"><i class="bi bi-arrow-{arrow}" aria-hidden="true">'
            f"</i>{word} {formatting.vn_number(row.change_size)}{percent}</span>"
        )
    else:
        change = '<span class="text-body-secondary">(bằng cùng kỳ)</span>'
    return (
        '<li class="list-group-item"><div class="row g-2 align-items-center">'
        f'<div class="col-12 col-md-4"><div class="fw-semibold">{escape(indicator.name)}</div>'
        f'<div class="small text-body-secondary">{measure}{lower}</div></div>'
        f'<div class="col-12 col-sm-8 col-md-5">{figure}</div>'
        f'<div class="col-12 col-sm-4 col-md-3"><div>{_badge(f)}</div>'
        f'<div class="small">Cùng kỳ {last_year}: '
        f"{formatting.vn_number(row.last_year.actual)} {change}</div></div></div></li>"
    )


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
