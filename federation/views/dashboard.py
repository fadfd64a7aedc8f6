"""Progress dashboards: a unit's figures against its targets, its children ranked, Excel exports,
and the emulation clusters the ranking can be grouped by."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import clusters, dashboards, excel, selectors
from ..dashboards import ChildrenTable, ChildRow, Figure
from ..forms import ProgressQuery, ProgressQueryForm
from ..models import EmulationCluster, Indicator, Period, Unit
from ..selectors import CHILDREN_PER_PAGE, Permission


def _query(request: HttpRequest, today: date) -> ProgressQuery:
    form = ProgressQueryForm(request.GET, today=today)
    for problem in form.problems:
        messages.warning(request, problem)
    return form.query


def ancestors_shown(user, unit: Unit) -> list[tuple[Unit, bool]]:
    """The unit's ancestors for breadcrumbs, each with whether the user may open it."""
    scope = selectors.scope_for(user)
    return [(a, scope.allows(a, Permission.VIEW)) for a in selectors.unit_ancestors(unit)]


# The dashboard's placeholder for the children table: htmx names it in HX-Trigger when it loads.
LAZY_TABLE_ID = "dashboard-children-loading"


@require_GET
@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's figures and trend. Its children's table, which costs as much again at a
    province or the confederation, is loaded after the page (`dashboard_children`)."""
    unit = selectors.unit_for_user_or_404(request.user, pk)
    today = timezone.localdate()
    query = _query(request, today)
    rows = dashboards.indicator_rows(unit, query, today)
    trend = dashboards.trend(unit, query.year, [r.indicator for r in rows], today)
    context = {
        "unit": unit,
        "query": query,
        "period_params": urlencode(query.as_params()),
        "ancestors": ancestors_shown(request.user, unit),
        "periods": Period.choices,
        "months": range(1, 13),
        "rows": rows,
        "chart_first": next((r.indicator.code for r in rows if r.figure.target), None),
        "trend": {"year": query.year, "series": trend},
        # The table loads with the page's own query string: its sort, page and ranking.
        "children_params": request.GET.urlencode(),
        "lazy_table_id": LAZY_TABLE_ID,
        "can_set_targets": bool(unit.numchild)
        and selectors.scope_for(request.user).allows_below(unit, Permission.SET_TARGETS),
    }
    return render(request, "federation/dashboard.html", context)


@require_GET
@login_required
def dashboard_children(request: HttpRequest, pk: int) -> HttpResponse:
    """The children table: for htmx, alone (loading it into the dashboard, sorting, paging,
    ranking); otherwise as a page of its own, where the dashboard's link leads without JavaScript.
    """
    unit = selectors.unit_for_user_or_404(request.user, pk)
    if not unit.numchild:
        raise Http404("Đơn vị không có đơn vị trực thuộc.")
    today = timezone.localdate()
    query = ProgressQueryForm(request.GET, today=today).query
    htmx = bool(request.headers.get("HX-Request"))
    children = _children_view(request, unit, query, today, links_to_table=not htmx)
    context = {
        "unit": unit,
        "query": query,
        "period_params": urlencode(query.as_params()),
        "children": children,
    }
    if htmx:
        response = render(request, "federation/_dashboard_children.html", context)
        # A sort or a page is an address to come back to; the table arriving with the page is not.
        if request.headers.get("HX-Trigger") != LAZY_TABLE_ID:
            response["HX-Push-Url"] = f"{children.page_url}?{children.params}"
    else:
        context["ancestors"] = ancestors_shown(request.user, unit)
        response = render(request, "federation/dashboard_children.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- the children table ------------------------------------------------------------------------


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

    @property
    def lines(self) -> list[tuple[ChildRow, Figure, list[Figure]]]:
        """The page's rows with the ranked indicator's figure and the others', for the template."""
        return [
            (row, row.figures[self.indicator.pk], [row.figures[i.pk] for i in self.others])
            for row in self.page.object_list
        ]


DEFAULT_DESCENDING = {"rank": False, "name": False}
SORT_LABELS = {
    "rank": "Hạng",
    "name": "Đơn vị",
    "actual": "Thực hiện",
    "target": "Kế hoạch",
    "percent": "Đạt %",
    "data": "Số liệu",
}


def _children_view(
    request: HttpRequest,
    unit: Unit,
    query: ProgressQuery,
    today: date,
    indicators: list[Indicator] | None = None,
    paginate: bool = True,
    links_to_table: bool = False,
) -> ChildrenView:
    table = dashboards.children_table(unit, query, today, indicators)
    indicator = table.indicator(request.GET.get("rank_by"))
    names = clusters.cluster_names(unit)
    by_cluster = bool(names) and request.GET.get("group") == "cluster"
    sort = request.GET.get("sort") if request.GET.get("sort") in dashboards.SORTS else "rank"
    direction = request.GET.get("dir")
    if direction in ("asc", "desc"):
        descending = direction == "desc"
    else:
        descending = DEFAULT_DESCENDING.get(sort, True)

    rows = table.rows
    if indicator is not None:
        by_percent = table.by_percent(indicator)
        if by_cluster:
            dashboards.rank_within(rows, indicator, names, by_percent)
        else:
            dashboards.rank(rows, indicator, by_percent)
        rows = dashboards.sort_rows(rows, indicator, sort, descending, by_cluster)
    per_page = CHILDREN_PER_PAGE if paginate else max(1, len(rows))
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    links = _sort_links(request.GET, sort, descending)
    page_url = reverse("unit_dashboard", args=[unit.pk])
    table_url = reverse("unit_dashboard_children", args=[unit.pk])
    return ChildrenView(
        table,
        indicator,
        by_cluster,
        bool(names),
        page,
        links,
        request.GET.urlencode(),
        page_url,
        table_url,
        table_url if links_to_table else page_url,
    )


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


# --- Excel -------------------------------------------------------------------------------------


@require_GET
@login_required
def dashboard_export(request: HttpRequest, pk: int, table: str) -> HttpResponse:
    unit = selectors.unit_for_user_or_404(request.user, pk)
    today = timezone.localdate()
    query = ProgressQueryForm(request.GET, today=today).query
    stem = f"{slugify(unit.code) or unit.pk}-{query.period}-{query.year}"
    if table == "indicators":
        rows = dashboards.indicator_rows(unit, query, today)
        trend = dashboards.trend(unit, query.year, [r.indicator for r in rows], today)
        return excel.workbook_response(
            f"tien-do-{stem}.xlsx", _indicator_sheet(rows, query), _trend_sheet(trend, query.year)
        )
    if table == "children" and unit.numchild:
        children = _children_view(request, unit, query, today, paginate=False)
        return excel.workbook_response(f"don-vi-truc-thuoc-{stem}.xlsx", _children_sheet(children))
    raise Http404("Không có bảng này.")


def _period_title(query: ProgressQuery) -> str:
    title = f"{query.period_label} {query.year}"
    return f"{title} (đến hết tháng {query.through_month:02d})" if query.through_month else title


def _indicator_sheet(rows: list[dashboards.IndicatorRow], query: ProgressQuery) -> excel.Sheet:
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


def _trend_sheet(trend: list[dict], year: int) -> excel.Sheet:
    headers = ["Chỉ tiêu", "Năm", *(f"Tháng {m}" for m in range(1, 13))]
    lines = []
    for series in trend:
        lines.append([series["name"], year, *series["monthly"]])
        lines.append([series["name"], year - 1, *series["monthly_before"]])
    return excel.Sheet("Theo tháng", headers, lines, widths=[44, 8])


def _children_sheet(children: ChildrenView) -> excel.Sheet:
    table = children.table
    month = f"{table.data_month[1]:02d}/{table.data_month[0]}"
    headers = ["Hạng", *(["Cụm thi đua"] if children.by_cluster else []), "Mã đơn vị", "Đơn vị"]
    for indicator in table.indicators:
        headers += [f"{indicator.name}: thực hiện", "kế hoạch", "đạt %", "tình trạng"]
    headers.append(f"Số liệu tháng {month}")
    lines = []
    for row in children.page.object_list:
        line = [row.rank, *([row.cluster] if children.by_cluster else []), row.unit.code]
        line.append(row.unit.name)
        for indicator in table.indicators:
            f = row.figures[indicator.pk]
            line += [f.actual, f.target, f.percent, f.status.label if f.status else None]
        line.append(row.data_label)
        lines.append(line)
    title = f"Xếp hạng theo {children.indicator.name}" if children.indicator else "Đơn vị"
    return excel.Sheet(title, headers, lines, widths=[7, *([18] if children.by_cluster else [])])


# --- emulation clusters ------------------------------------------------------------------------


def _clusters_page(request, unit, form, cluster=None) -> HttpResponse:
    return render(
        request,
        "federation/dashboard_clusters.html",
        {
            "unit": unit,
            "ancestors": ancestors_shown(request.user, unit),
            "clusters": clusters.clusters_of(unit),
            "form": form,
            "editing": cluster,
            "can_manage": _may_manage_clusters(request.user, unit),
        },
    )


def _may_manage_clusters(user, owner: Unit) -> bool:
    """Leaders who set the children's targets group them too."""
    child = Unit.objects.filter(path__startswith=owner.path, depth=owner.depth + 1).first()
    return child is not None and selectors.scope_for(user).allows(child, Permission.SET_TARGETS)


@require_http_methods(["GET", "POST"])
@login_required
def cluster_list(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_for_user_or_404(request.user, pk)
    if request.method == "GET":
        return _clusters_page(request, unit, clusters.ClusterForm(owner=unit))
    return _cluster_save(request, unit, None)


@require_http_methods(["GET", "POST"])
@login_required
def cluster_edit(request: HttpRequest, pk: int, cluster_pk: int) -> HttpResponse:
    unit = selectors.unit_for_user_or_404(request.user, pk)
    cluster = get_object_or_404(EmulationCluster, pk=cluster_pk, owner=unit)
    if request.method == "GET":
        initial = {"name": cluster.name, "members": list(cluster.members.all())}
        form = clusters.ClusterForm(owner=unit, initial=initial)
        return _clusters_page(request, unit, form, cluster)
    return _cluster_save(request, unit, cluster)


def _cluster_save(request, unit: Unit, cluster: EmulationCluster | None) -> HttpResponse:
    if not _may_manage_clusters(request.user, unit):
        raise PermissionDenied("Chỉ lãnh đạo cấp trên mới lập cụm thi đua.")
    form = clusters.ClusterForm(request.POST, owner=unit)
    if form.is_valid():
        try:
            saved = clusters.cluster_save(
                owner=unit,
                name=form.cleaned_data["name"],
                members=form.cleaned_data["members"],
                user=request.user,
                cluster=cluster,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            count = saved.members.count()
            messages.success(request, f"Đã lưu cụm “{saved.name}” ({count} đơn vị).")
            return redirect("unit_clusters", pk=unit.pk)
    return _clusters_page(request, unit, form, cluster)


@require_POST
@login_required
def cluster_delete(request: HttpRequest, pk: int, cluster_pk: int) -> HttpResponse:
    unit = selectors.unit_for_user_or_404(request.user, pk)
    cluster = get_object_or_404(EmulationCluster, pk=cluster_pk, owner=unit)
    if not _may_manage_clusters(request.user, unit):
        raise PermissionDenied("Chỉ lãnh đạo cấp trên mới xóa cụm thi đua.")
    name = cluster.name
    clusters.cluster_delete(cluster=cluster, user=request.user)
    messages.success(request, f"Đã xóa cụm “{name}”.")
    return redirect("unit_clusters", pk=unit.pk)
