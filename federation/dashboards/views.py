"""Progress dashboards: a unit's figures against its targets, its children ranked, Excel exports,
and the emulation clusters the ranking can be grouped by."""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import excel
from ..forms import ProgressQuery, ProgressQueryForm
from ..models import EmulationCluster, Period, Unit
from ..quality.selectors import pending_count
from ..selectors import Permission, breadcrumbs, scope_for, unit_for_user_or_404
from . import selectors, services
from .excel import children_sheet, indicator_sheet, trend_sheet
from .forms import ClusterForm
from .ranking import children_view


def _query(request: HttpRequest, today: date) -> ProgressQuery:
    form = ProgressQueryForm(request.GET, today=today)
    for problem in form.problems:
        messages.warning(request, problem)
    return form.query


# The dashboard's placeholder for the children table: htmx names it in HX-Trigger when it loads.
LAZY_TABLE_ID = "dashboard-children-loading"


@require_GET
@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's figures and trend. Its children's table, which costs as much again at a
    province or the confederation, is loaded after the page (`dashboard_children`)."""
    unit = unit_for_user_or_404(request.user, pk)
    today = timezone.localdate()
    query = _query(request, today)
    history = selectors.unit_history(unit, query.year)
    rows = selectors.indicator_rows(unit, query, today, history)
    trend = selectors.trend(query.year, rows, today, history)
    context = {
        "unit": unit,
        "query": query,
        "period_params": urlencode(query.as_params()),
        "ancestors": breadcrumbs(request.user, unit),
        "periods": Period.choices,
        "months": range(1, 13),
        "rows": rows,
        "chart_first": next((r.indicator.code for r in rows if r.figure.target), None),
        "trend": {"year": query.year, "series": trend},
        # The table loads with the page's own query string: its sort, page and ranking.
        "children_params": request.GET.urlencode(),
        "lazy_table_id": LAZY_TABLE_ID,
        "can_set_targets": _may_act_on_children(request.user, unit),
        "to_check": pending_count(unit),
    }
    return render(request, "federation/dashboard.html", context)


@require_GET
@login_required
def dashboard_children(request: HttpRequest, pk: int) -> HttpResponse:
    """The children table: for htmx, alone (loading it into the dashboard, sorting, paging,
    ranking); otherwise as a page of its own, where the dashboard's link leads without JavaScript.
    """
    unit = unit_for_user_or_404(request.user, pk)
    if not unit.numchild:
        raise Http404("Đơn vị không có đơn vị trực thuộc.")
    today = timezone.localdate()
    query = ProgressQueryForm(request.GET, today=today).query
    htmx = bool(request.headers.get("HX-Request"))
    children = children_view(unit, query, today, request.GET, links_to_table=not htmx)
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
        context["ancestors"] = breadcrumbs(request.user, unit)
        response = render(request, "federation/dashboard_children.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- Excel -------------------------------------------------------------------------------------


@require_GET
@login_required
def dashboard_export(request: HttpRequest, pk: int, table: str) -> HttpResponse:
    unit = unit_for_user_or_404(request.user, pk)
    today = timezone.localdate()
    query = ProgressQueryForm(request.GET, today=today).query
    stem = f"{slugify(unit.code) or unit.pk}-{query.period}-{query.year}"
    if table == "indicators":
        history = selectors.unit_history(unit, query.year)
        rows = selectors.indicator_rows(unit, query, today, history)
        trend = selectors.trend(query.year, rows, today, history)
        return excel.workbook_response(
            f"tien-do-{stem}.xlsx", indicator_sheet(rows, query), trend_sheet(trend, query.year)
        )
    if table == "children" and unit.numchild:
        children = children_view(unit, query, today, request.GET, paginate=False)
        return excel.workbook_response(f"don-vi-truc-thuoc-{stem}.xlsx", children_sheet(children))
    raise Http404("Không có bảng này.")


# --- emulation clusters ------------------------------------------------------------------------


def _clusters_page(request, unit, form, cluster=None) -> HttpResponse:
    return render(
        request,
        "federation/dashboard_clusters.html",
        {
            "unit": unit,
            "ancestors": breadcrumbs(request.user, unit),
            "clusters": selectors.clusters_of(unit),
            "form": form,
            "editing": cluster,
            "can_manage": _may_act_on_children(request.user, unit),
        },
    )


def _may_act_on_children(user, unit: Unit) -> bool:
    """Whether the page offers to set the children's targets and group them into clusters; the
    services refuse anyone else whatever the page offers."""
    return bool(unit.numchild) and scope_for(user).allows_below(unit, Permission.SET_TARGETS)


@require_http_methods(["GET", "POST"])
@login_required
def cluster_list(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_for_user_or_404(request.user, pk)
    if request.method == "GET":
        return _clusters_page(request, unit, ClusterForm(owner=unit))
    return _cluster_save(request, unit, None)


@require_http_methods(["GET", "POST"])
@login_required
def cluster_edit(request: HttpRequest, pk: int, cluster_pk: int) -> HttpResponse:
    unit = unit_for_user_or_404(request.user, pk)
    cluster = get_object_or_404(EmulationCluster, pk=cluster_pk, owner=unit)
    if request.method == "GET":
        initial = {"name": cluster.name, "members": list(cluster.members.all())}
        form = ClusterForm(owner=unit, initial=initial)
        return _clusters_page(request, unit, form, cluster)
    return _cluster_save(request, unit, cluster)


def _cluster_save(request, unit: Unit, cluster: EmulationCluster | None) -> HttpResponse:
    form = ClusterForm(request.POST, owner=unit)
    if form.is_valid():
        try:
            saved = services.cluster_save(
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
    unit = unit_for_user_or_404(request.user, pk)
    cluster = get_object_or_404(EmulationCluster, pk=cluster_pk, owner=unit)
    name = cluster.name
    services.cluster_delete(cluster=cluster, user=request.user)
    messages.success(request, f"Đã xóa cụm “{name}”.")
    return redirect("unit_clusters", pk=unit.pk)
