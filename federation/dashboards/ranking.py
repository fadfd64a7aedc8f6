"""The children table as a leader reads it: ranked, sorted, grouped by emulation cluster and paged.

Ranks follow the percent of target (or the figure, for an indicator no child has a target for),
lowest first where lower is better; ties share a rank (1, 2, 2, 4).
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.http import QueryDict
from django.urls import reverse

from ..entries.selectors import MonthStatus
from ..forms import ProgressQuery
from ..models import Indicator, Unit
from ..selectors import CHILDREN_PER_PAGE
from .selectors import ChildrenTable, ChildRow, Figure, children_table, cluster_names

# The month's data entry, from the least to the most advanced.
DATA_ORDER = (MonthStatus.MISSING, MonthStatus.ENTERING, MonthStatus.COMPLETE)


def rank(rows: list[ChildRow], indicator: Indicator, by_percent: bool = True) -> None:
    """Ranks the rows in place (1, 2, 2, 4 on ties), lowest first where lower is better.

    By percent of target, then the figure, with no rank for a child without a target; or, for an
    indicator no child has a target for, by the figure alone.
    """
    sign = 1 if indicator.higher_is_better else -1
    scored = []
    for row in rows:
        f = row.figures[indicator.pk]
        row.rank = None
        if by_percent and f.percent is None:
            continue
        scored.append(((sign * f.percent if by_percent else 0, sign * f.actual), row))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    previous = None
    for position, (score, row) in enumerate(scored, start=1):
        row.rank = previous[1].rank if previous and previous[0] == score else position
        previous = (score, row)


def rank_within(
    rows: list[ChildRow], indicator: Indicator, clusters: Mapping[int, str], by_percent: bool
) -> None:
    """Ranks each cluster's rows among themselves; units in no cluster form a group of their own."""
    groups: dict[str | None, list[ChildRow]] = defaultdict(list)
    for row in rows:
        row.cluster = clusters.get(row.unit.pk)
        groups[row.cluster].append(row)
    for members in groups.values():
        rank(members, indicator, by_percent)


SORT_VALUES = {  # the value a column sorts by, from the row and its figure of the indicator
    "rank": lambda row, f: row.rank,
    "name": lambda row, f: row.unit.display_name.casefold(),
    "actual": lambda row, f: f.actual,
    "target": lambda row, f: f.target,
    "percent": lambda row, f: f.percent,
    "forecast": lambda row, f: _risk(f),
    "data": lambda row, f: DATA_ORDER.index(row.data),
}
SORTS = tuple(SORT_VALUES)


def sort_rows(
    rows: list[ChildRow], indicator: Indicator, sort: str, descending: bool, by_cluster: bool
) -> list[ChildRow]:
    """The rows in the asked order; rows without a value sort last either way."""
    value = SORT_VALUES[sort]
    # Each row's value once: a forecast's percent is worked out, not read.
    keyed = [(value(row, row.figures[indicator.pk]), row) for row in rows]
    valued = sorted((p for p in keyed if p[0] is not None), key=first, reverse=descending)
    present = [row for _, row in valued] + [row for key, row in keyed if key is None]
    if by_cluster:
        # Named clusters first, by name; the units in no cluster last. sorted() is stable.
        present.sort(key=lambda r: (r.cluster is None, r.cluster or ""))
    return present


def first(pair: tuple):
    return pair[0]


def _risk(f: Figure):
    """The forecast's percent of the year's target, turned so that ascending puts the children
    least likely to meet it first (the highest, where the target is a ceiling)."""
    if f.forecast_percent is None:
        return None
    return f.forecast_percent if f.indicator.higher_is_better else -f.forecast_percent


@dataclass(frozen=True)
class SortLink:
    key: str
    label: str
    active: bool
    descending: bool  # the current order, when active
    params: str  # the query string that sorts by this column


@dataclass
class ChildrenView:
    table: ChildrenTable
    indicator: Indicator | None  # the one the ranking and the detailed columns are about
    by_cluster: bool
    has_clusters: bool
    page: Page
    links: dict[str, SortLink]
    params: str  # the query string of the table as shown
    page_url: str  # the dashboard the table belongs to
    table_url: str  # the table alone, which htmx loads
    link_url: str  # where the table's plain links (without JavaScript) go: one of those two

    @property
    def data_title(self) -> str:
        year, month = self.table.data_month
        return f"Số liệu tháng {month:02d}/{year}"

    @property
    def others(self) -> list[Indicator]:
        return [i for i in self.table.indicators if i != self.indicator]


# Ascending where the first rows are the ones to look at: the forecast's, least likely first.
DEFAULT_DESCENDING = {"rank": False, "name": False, "forecast": False}
SORT_LABELS = {
    "rank": "Hạng",
    "name": "Đơn vị",
    "actual": "Thực hiện",
    "target": "Kế hoạch",
    "percent": "Đạt %",
    "forecast": "Dự báo cả năm",
    "data": "Số liệu",
}


def children_view(
    unit: Unit,
    query: ProgressQuery,
    today: date,
    params: QueryDict,
    *,
    indicators: list[Indicator] | None = None,
    paginate: bool = True,
    links_to_table: bool = False,
) -> ChildrenView:
    """The children table as the query string `params` asks for it: which indicator ranks
    (rank_by), grouped by cluster or not (group), the order (sort, dir) and the page."""
    table = children_table(unit, query, today, indicators)
    indicator = table.indicator(params.get("rank_by"))
    names = cluster_names(unit)
    by_cluster = bool(names) and params.get("group") == "cluster"
    sort, descending = _order(params)
    rows = table.rows
    if indicator is not None:
        by_percent = table.by_percent(indicator)
        if by_cluster:
            rank_within(rows, indicator, names, by_percent)
        else:
            rank(rows, indicator, by_percent)
        rows = sort_rows(rows, indicator, sort, descending, by_cluster)
    per_page = CHILDREN_PER_PAGE if paginate else max(1, len(rows))
    page = Paginator(rows, per_page).get_page(params.get("page"))
    page_url = reverse("unit_dashboard", args=[unit.pk])
    table_url = reverse("unit_dashboard_children", args=[unit.pk])
    return ChildrenView(
        table,
        indicator,
        by_cluster,
        bool(names),
        page,
        _sort_links(params, sort, descending),
        params.urlencode(),
        page_url,
        table_url,
        table_url if links_to_table else page_url,
    )


def _order(params: QueryDict) -> tuple[str, bool]:
    """The column to sort by and whether descending: each column has its own natural order."""
    sort = params.get("sort") if params.get("sort") in SORTS else "rank"
    direction = params.get("dir")
    if direction in ("asc", "desc"):
        return sort, direction == "desc"
    return sort, DEFAULT_DESCENDING.get(sort, True)


def _sort_links(params: QueryDict, sort: str, descending: bool) -> dict[str, SortLink]:
    """Each column's link: the active one turns the order round, the others start at theirs."""
    params = params.copy()
    params.pop("page", None)
    links = {}
    for key, label in SORT_LABELS.items():
        active = key == sort
        next_descending = not descending if active else DEFAULT_DESCENDING.get(key, True)
        link = params.copy()
        link["sort"], link["dir"] = key, "desc" if next_descending else "asc"
        links[key] = SortLink(key, label, active, descending, link.urlencode())
    return links
