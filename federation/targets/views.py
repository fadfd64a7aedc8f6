"""Targets a unit's leaders assign to its children: the grid page, and the same by Excel.

Anyone who sees the unit sees the targets; saving needs the right to set targets on every child
(a leader or admin of the unit or above), which services.targets_save checks, else 403.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import excel, uploads
from ..formatting import vn_number
from ..forms import ProgressQuery, ProgressQueryForm
from ..models import Door, Period, Unit, UploadKind
from ..selectors import Permission, breadcrumbs, ensure_allowed, scope_for, unit_for_user_or_404
from . import selectors, services
from .excel import check_import, template_sheet
from .forms import TargetGridForm, field_name
from .selectors import TargetGrid


def _query(request: HttpRequest, source) -> tuple[ProgressQuery, list[str]]:
    form = ProgressQueryForm(source, today=timezone.localdate(), period=Period.YEAR)
    return form.query, form.problems


def _posted_query(request: HttpRequest) -> ProgressQuery | None:
    """A write names its year and period; one that does not, or names a bad one, is refused."""
    query, problems = _query(request, request.POST)
    if problems or not request.POST.get("year") or not request.POST.get("period"):
        return None
    return query


def _grid_url(unit: Unit, query: ProgressQuery, page: int = 1, indicator: str = "") -> str:
    params: dict[str, int | str] = {"year": query.year, "period": query.period}
    if indicator:
        params["indicator"] = indicator
    if page > 1:
        params["page"] = page
    return f"{reverse('unit_targets', args=[unit.pk])}?{urlencode(params)}"


@dataclass
class GridPage:
    """The page of the target grid a request is about, and whether the user may save it."""

    grid: TargetGrid
    page: Page
    only: str  # the one indicator shown, or "" for all
    may_set: bool

    @classmethod
    def load(cls, user, unit: Unit, query: ProgressQuery, params: QueryDict) -> "GridPage":
        grid = selectors.grid_for(unit, query.year, query.period)
        # One indicator at a time, when asked: easier on a phone, and for a long list of units.
        only = grid.only(params.get("indicator", ""))
        per_page = selectors.rows_per_page(grid.indicators)
        page = Paginator(grid.children, per_page).get_page(params.get("page"))
        may_set = bool(grid.children) and scope_for(user).allows_below(unit, Permission.SET_TARGETS)
        return cls(grid, page, only, may_set)


@require_http_methods(["GET", "POST"])
@login_required
def targets(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_for_user_or_404(request.user, pk)
    if request.method == "POST":
        return _save_grid(request, unit)
    query, problems = _query(request, request.GET)
    for problem in problems:
        messages.warning(request, problem)
    sheet = GridPage.load(request.user, unit, query, request.GET)
    shown, copied = dict(sheet.grid.values), set()
    if request.GET.get("copy") == "1" and sheet.may_set:
        copied = _copy_last_year(request, sheet.grid.children, query, shown)
    form = TargetGridForm(grid=sheet.grid, units=sheet.page.object_list, shown=shown)
    return _render_grid(request, unit, query, sheet, form, shown, copied)


def _save_grid(request: HttpRequest, unit: Unit) -> HttpResponse:
    """Saves the page's cells all at once, or shows them again with the reasons beside them."""
    query = _posted_query(request)
    if query is None:
        return HttpResponseBadRequest("Thiếu hoặc sai năm, kỳ giao chỉ tiêu.")
    sheet = GridPage.load(request.user, unit, query, request.POST)
    if not sheet.may_set:
        raise PermissionDenied(services.REFUSED)
    grid = sheet.grid
    form = TargetGridForm(request.POST, grid=grid, units=sheet.page.object_list, shown=grid.values)
    if not form.is_valid():
        typed = {(c.unit.pk, c.indicator.pk): c.value for c in form.changed_cells}
        return _render_grid(request, unit, query, sheet, form, {**grid.values, **typed}, set())
    count = _save(request, unit, query, form.changed_cells, Door.PAGE)
    messages.success(request, _saved_message(count, query))
    return redirect(_grid_url(unit, query, sheet.page.number, sheet.only))


def _save(request: HttpRequest, unit: Unit, query: ProgressQuery, cells, door: str) -> int:
    return services.targets_save(
        parent=unit,
        cells=cells,
        year=query.year,
        period=query.period,
        user=request.user,
        door=door,
    )


def _render_grid(request, unit, query, sheet: GridPage, form, shown, copied) -> HttpResponse:
    context = {
        "unit": unit,
        "query": query,
        "ancestors": breadcrumbs(request.user, unit),
        "periods": Period.choices,
        "grid": sheet.grid,
        "form": form,
        "page": sheet.page,
        "may_set": sheet.may_set,
        "copied": copied,
        "only": sheet.only,
        "all_indicators": selectors.active_indicators(),
        "allocations": sheet.grid.allocations(shown, sheet.page.object_list),
    }
    return render(request, "federation/targets.html", context)


def _copy_last_year(request, children: list[Unit], query: ProgressQuery, shown: dict) -> set[str]:
    """Fills the grid with last year's targets for the period, unsaved; returns the cells."""
    last = selectors.targets_of(children, query.year - 1, query.period)
    if not last:
        label = Period(query.period).label.lower()
        messages.warning(request, f"Năm {query.year - 1} chưa giao chỉ tiêu {label} để sao chép.")
        return set()
    shown.update(last)
    messages.info(
        request,
        f"Đã điền {vn_number(len(last))} chỉ tiêu của năm {query.year - 1}. "
        "Chưa lưu: xem lại rồi bấm “Lưu chỉ tiêu”.",
    )
    return {field_name(unit_id, indicator_id) for unit_id, indicator_id in last}


def _saved_message(count: int, query: ProgressQuery) -> str:
    period = f"{Period(query.period).label.lower()} {query.year}"
    if not count:
        return f"Không có chỉ tiêu nào thay đổi ({period})."
    return f"Đã lưu {vn_number(count)} chỉ tiêu {period}."


# --- Excel -------------------------------------------------------------------------------------


@require_GET
@login_required
def targets_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The grid as an Excel file to fill in: children as rows, indicators as columns."""
    unit = unit_for_user_or_404(request.user, pk)
    query, _ = _query(request, request.GET)
    grid = selectors.grid_for(unit, query.year, query.period)
    name = f"chi-tieu-{slugify(unit.code) or unit.pk}-{query.period}-{query.year}.xlsx"
    return excel.workbook_response(name, template_sheet(grid))


def _import_grid(request: HttpRequest, pk: int):
    unit = unit_for_user_or_404(request.user, pk)
    query = _posted_query(request)
    if query is None:
        return unit, None, None
    # Only those who may save the file may have it read: refused before the upload is looked at.
    ensure_allowed(request.user, unit, Permission.SET_TARGETS, services.REFUSED, below=True)
    return unit, query, selectors.grid_for(unit, query.year, query.period)


@require_POST
@login_required
def targets_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Reads an uploaded file and shows what it would change, or every cell it refuses."""
    unit, query, grid = _import_grid(request, pk)
    if grid is None:
        return HttpResponseBadRequest("Thiếu hoặc sai năm, kỳ giao chỉ tiêu.")
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Hãy chọn tệp Excel (.xlsx) để nhập.")
        return redirect(_grid_url(unit, query))
    try:
        check = check_import(upload, grid)
    except excel.ExcelError as error:
        messages.error(request, str(error))
        return redirect(_grid_url(unit, query))
    token = None
    if check.changes and not check.errors:
        kept = uploads.upload_keep(
            upload=upload, user=request.user, unit=unit, kind=UploadKind.TARGETS
        )
        token = kept.token.hex
    return _preview(request, unit, query, grid, check, token)


@require_POST
@login_required
def targets_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Saves the kept file, all or nothing, checking it again against today's targets."""
    unit, query, grid = _import_grid(request, pk)
    if grid is None:
        return HttpResponseBadRequest("Thiếu hoặc sai năm, kỳ giao chỉ tiêu.")
    token = request.POST.get("token", "")
    try:
        kept = uploads.upload_open(
            token=token, user=request.user, unit=unit, kind=UploadKind.TARGETS
        )
        check = check_import(kept, grid)
    except excel.ExcelError as error:
        uploads.upload_discard(token=token, user=request.user)
        messages.error(request, str(error))
        return redirect(_grid_url(unit, query))
    if check.errors:
        # Refused on a second look: the file must be fixed and uploaded again.
        uploads.upload_discard(token=token, user=request.user)
        return _preview(request, unit, query, grid, check, None)
    try:
        count = _save(request, unit, query, check.cells, Door.IMPORT)
    except ValidationError as error:
        uploads.upload_discard(token=token, user=request.user)
        messages.error(request, f"Chưa lưu: {'; '.join(error.messages)}")
        return redirect(_grid_url(unit, query))
    uploads.upload_discard(token=token, user=request.user)
    messages.success(request, _saved_message(count, query))
    return redirect(_grid_url(unit, query))


@require_POST
@login_required
def targets_import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Drops the kept file of a preview the leader does not want to save."""
    unit = unit_for_user_or_404(request.user, pk)
    uploads.upload_discard(token=request.POST.get("token", ""), user=request.user)
    messages.info(request, "Đã hủy nhập tệp chỉ tiêu. Chưa lưu gì.")
    query = _posted_query(request)
    return redirect(_grid_url(unit, query) if query else reverse("unit_targets", args=[unit.pk]))


def _preview(request, unit, query, grid, check, token) -> HttpResponse:
    return render(
        request,
        "federation/targets_import.html",
        {
            "unit": unit,
            "query": query,
            "ancestors": breadcrumbs(request.user, unit),
            "grid": grid,
            "check": check,
            "token": token,
            "grid_url": _grid_url(unit, query),
        },
    )
