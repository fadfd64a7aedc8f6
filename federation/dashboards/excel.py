"""The dashboard's tables as Excel sheets: the unit's figures, its monthly trend, its children.

The same figures as on the page (dashboards/selectors.py, ranking.py), with the columns a
federation's office pastes into its own tables.
"""

from .. import excel
from ..forms import ProgressQuery
from ..models import Period
from .ranking import ChildrenView
from .selectors import IndicatorRow


def _period_title(query: ProgressQuery) -> str:
    title = f"{query.period_label} {query.year}"
    return f"{title} (đến hết tháng {query.through_month:02d})" if query.through_month else title


def indicator_sheet(rows: list[IndicatorRow], query: ProgressQuery) -> excel.Sheet:
    headers = [
        "Chỉ tiêu",
        "Đơn vị tính",
        "Thực hiện",
        "Kế hoạch",
        "Kỳ kế hoạch",
        "Đạt %",
        "Tiến độ cần đạt %",
        "Tình trạng",
        f"Cùng kỳ {query.year - 1}",
        "Tăng/giảm",
        "Tăng/giảm %",
    ]
    lines = [
        [
            r.indicator.name,
            r.indicator.unit_of_measure,
            r.figure.actual,
            r.figure.target,
            Period(r.figure.target_period).label if r.figure.target_period else None,
            r.figure.percent,
            r.figure.pace,
            r.figure.status.label if r.figure.status else None,
            r.last_year.actual,
            r.change,
            r.change_percent,
        ]
        for r in rows
    ]
    return excel.Sheet(f"Tiến độ {_period_title(query)}", headers, lines, widths=[44, 12])


def trend_sheet(trend: list[dict], year: int) -> excel.Sheet:
    headers = ["Chỉ tiêu", "Năm", *(f"Tháng {m}" for m in range(1, 13))]
    lines = []
    for series in trend:
        lines.append([series["name"], year, *series["monthly"]])
        lines.append([series["name"], year - 1, *series["monthly_before"]])
    return excel.Sheet("Theo tháng", headers, lines, widths=[44, 8])


def children_sheet(children: ChildrenView) -> excel.Sheet:
    table = children.table
    month = f"{table.data_month[1]:02d}/{table.data_month[0]}"
    headers = ["Hạng", *(["Cụm thi đua"] if children.by_cluster else []), "Mã đơn vị", "Đơn vị"]
    for indicator in table.indicators:
        headers += [f"{indicator.name}: thực hiện", "kế hoạch", "đạt %", "tình trạng"]
        headers += ["dự báo cả năm", "dự báo đạt % kế hoạch năm"]
    headers.append(f"Số liệu tháng {month}")
    lines = []
    for row in children.page.object_list:
        line = [row.rank, *([row.cluster] if children.by_cluster else []), row.unit.code]
        line.append(row.unit.name)
        for indicator in table.indicators:
            f = row.figures[indicator.pk]
            line += [f.actual, f.target, f.percent, f.status.label if f.status else None]
            line += [f.forecast.value if f.forecast else None, f.forecast_percent]
        line.append(row.data_label)
        lines.append(line)
    title = f"Xếp hạng theo {children.indicator.name}" if children.indicator else "Đơn vị"
    return excel.Sheet(title, headers, lines, widths=[7, *([18] if children.by_cluster else [])])
