"""Monthly data entry: the grid, marking a month complete, reopening a locked month, history."""

import datetime
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..formatting import person_name, vn_number
from ..models import MAX_YEAR, MIN_YEAR, Door, Indicator, IndicatorGroup, Unit
from ..months import next_month, previous_month
from ..selectors import Permission, scope_for, unit_for_user_or_404
from . import locks, selectors, services
from .forms import EntryGridForm, ReopenForm
from .selectors import Cell, GridRow
from .services import Conflict, EntryRow, NeedsConfirmation, RowsInvalid, StaleEntries


def _month_or_404(year: int, month: int) -> None:
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        raise Http404("Không có tháng này.")


def unit_for_entry(request: HttpRequest, pk: int, year: int, month: int):
    unit = unit_for_user_or_404(request.user, pk)
    _month_or_404(year, month)
    return unit


@require_GET
@login_required
def entry_current(request: HttpRequest, pk: int) -> HttpResponse:
    """Every entry link lands here and opens the month due (locks.month_due)."""
    unit = unit_for_user_or_404(request.user, pk)
    year, month = locks.month_due(unit)
    return redirect("entry_month", pk=unit.pk, year=year, month=month)


@dataclass
class GridPage:
    """One page of the grid for a unit's month, as shown or as posted back."""

    unit: Unit
    year: int
    month: int
    search: str
    page: Page
    indicators: list[Indicator]
    grid: list[GridRow]

    @property
    def url(self) -> str:
        query = urlencode(
            {"q": self.search, "page": self.page.number}
            if self.search
            else {"page": self.page.number}
        )
        return f"{reverse('entry_month', args=[self.unit.pk, self.year, self.month])}?{query}"


@require_http_methods(["GET", "POST"])
@login_required
def entry_month(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    unit = unit_for_entry(request, pk, year, month)
    params = request.POST if request.method == "POST" else request.GET
    search = params.get("q", "").strip()
    page = selectors.grid_units(request.user, unit, search, params.get("page"))
    indicators = list(Indicator.objects.filter(is_active=True))
    units = list(page.object_list)
    suggestions = selectors.registry_suggestions(units, year, month)
    grid = selectors.build_grid(units, indicators, year, month, suggestions)
    shown = GridPage(unit, year, month, search, page, indicators, grid)
    if request.method == "GET":
        return _render_grid(request, shown)

    form = EntryGridForm(request.POST, grid=grid)
    if not form.is_valid():
        return _render_grid(request, shown, form)
    rows, expected = form.changes(year, month)
    if not rows:
        messages.info(request, "Không có thay đổi nào để lưu.")
        return redirect(shown.url)
    try:
        saved = services.entries_save(
            rows=rows,
            user=request.user,
            door=Door.PAGE,
            expected=expected,
            warnings_confirmed=form.cleaned_data["confirm_unusual"],
            reason=form.cleaned_data["reason"],
            # The checks' rosters are the suggestions the grid has just read for its units.
            rosters={(year, month): suggestions},
        )
    except NeedsConfirmation as asking:
        return _render_grid(request, shown, form, unusual=_attach_unusual(form, rows, asking))
    except RowsInvalid as invalid:
        _attach_errors(form, rows, invalid)
    except StaleEntries as stale:
        _attach_conflicts(form, rows, stale)
    else:
        _say_saved(request, saved, year, month)
        return redirect(shown.url)
    return _render_grid(request, shown, form)


def _say_saved(request: HttpRequest, saved: services.Saved, year: int, month: int) -> None:
    messages.success(request, f"Đã lưu {vn_number(saved.count)} số liệu tháng {month:02d}/{year}.")
    if saved.warnings:
        messages.info(
            request,
            f"{vn_number(len(saved.warnings))} giá trị đã xác nhận được ghi vào danh sách số "
            "liệu cần kiểm tra của đơn vị.",
        )


def _cell_for(form: EntryGridForm, row: EntryRow) -> Cell:
    return next(c for c in form.cells if c.unit == row.unit and c.indicator == row.indicator)


def _attach_unusual(
    form: EntryGridForm, rows: list[EntryRow], asking: NeedsConfirmation
) -> list[str]:
    lines = []
    for item in asking.warnings:
        cell = _cell_for(form, rows[item.row])
        cell.warnings.append(item.message)
        lines.append(f"{cell.unit.display_name} · {cell.indicator.name}: {item.message}")
    return lines


def _attach_errors(form: EntryGridForm, rows: list[EntryRow], invalid: RowsInvalid) -> None:
    """Each refusal goes beside its cell; the summary above the grid links to them all."""
    for error in invalid.errors:
        _cell_for(form, rows[error.row]).error = error.message


def _attach_conflicts(form: EntryGridForm, rows: list[EntryRow], stale: StaleEntries) -> None:
    if not stale.conflicts:
        form.add_error(None, "Có người vừa nhập số liệu tháng này cùng lúc. Hãy tải lại trang.")
        return
    for conflict in stale.conflicts:
        cell = _cell_for(form, rows[conflict.row])
        cell.changed_meanwhile = _conflict_text(conflict)
        # The next save compares with what is there now: saving again is a deliberate choice.
        cell.value = conflict.current
    form.add_error(
        None,
        "Trong lúc bạn nhập, người khác đã sửa các ô được đánh dấu. Chưa có gì được lưu: "
        "hãy xem lại các ô đó rồi bấm Lưu lần nữa.",
    )


def _conflict_text(conflict: Conflict) -> str:
    who = person_name(conflict.changed_by) if conflict.changed_by else "Người khác"
    current = "(trống)" if conflict.current is None else vn_number(conflict.current)
    if conflict.changed_at is None:
        return f"{who} vừa sửa thành {current}"
    when = timezone.localtime(conflict.changed_at).strftime("%H:%M %d/%m/%Y")
    return f"{who} vừa sửa thành {current} lúc {when}"


def indicator_groups(indicators: list[Indicator]) -> list[tuple[str, str, int]]:
    """(group, label, how many indicators) in the catalogue's order: the grid's switch."""
    counts = Counter(indicator.group for indicator in indicators)
    labels = dict(IndicatorGroup.choices)
    return [(group, labels.get(group, group), counts[group]) for group in counts]


def month_steps(months: locks.UnitMonths, year: int, month: int) -> dict:
    """The month switcher's links and the picker's months (the year shown, a link to the year
    before and after), and the month due: never a month not yet begun. `months` has read
    `year`."""
    today = timezone.localdate()
    following = next_month(year, month)
    return {
        "previous": previous_month(year, month),
        "next": None if locks.is_future(*following, today) else following,
        "picker": months.states(year),
        "picker_earlier": (year - 1, 12) if year > MIN_YEAR else None,
        "picker_later": None if year >= today.year else (year + 1, 1),
        "due": months.due(),
    }


def _render_grid(
    request: HttpRequest,
    shown: GridPage,
    form: EntryGridForm | None = None,
    unusual: list[str] | None = None,
) -> HttpResponse:
    unit, year, month = shown.unit, shown.year, shown.month
    totals = [
        (indicator, sum(row.cells[i].value or 0 for row in shown.grid))
        for i, indicator in enumerate(shown.indicators)
    ]
    error_cells = [cell for row in shown.grid for cell in row.cells if cell.error]
    months = locks.UnitMonths(unit, years=[year])
    context = {
        "shown": shown,
        "unit": unit,
        "year": year,
        "month": month,
        **month_steps(months, year, month),
        "page": shown.page,
        "search": shown.search,
        "indicators": shown.indicators,
        "groups": indicator_groups(shown.indicators),
        "grid": shown.grid,
        "error_cells": error_cells,
        "totals": totals,
        "form": form,
        "unusual": unusual or [],
        "state": months.state(year, month),
        "bypasses_locks": locks.bypasses_locks(request.user),
        "can_reopen": scope_for(request.user).allows(unit, Permission.SET_TARGETS),
        "completion": months.completion(year, month),
        "children_state": selectors.month_completeness(unit, year, month),
    }
    return render(
        request, "federation/entry_month.html", context, status=200 if form is None else 400
    )


@require_POST
@login_required
def entry_complete(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    unit = unit_for_entry(request, pk, year, month)
    if request.POST.get("action") == "undo":
        services.month_uncomplete(unit=unit, year=year, month=month, user=request.user)
        messages.info(request, f"Đã bỏ đánh dấu hoàn thành tháng {month:02d}/{year}.")
        return redirect("entry_month", pk=unit.pk, year=year, month=month)
    try:
        added = services.month_complete(
            unit=unit,
            year=year,
            month=month,
            user=request.user,
            with_grassroots=request.POST.get("with_grassroots") == "on",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Đã xác nhận hoàn thành nhập liệu tháng {month:02d}/{year} "
            f"({vn_number(added)} đơn vị mới được đánh dấu).",
        )
    return redirect("entry_month", pk=unit.pk, year=year, month=month)


@require_POST
@login_required
def entry_reopen(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    unit = unit_for_entry(request, pk, year, month)
    form = ReopenForm(request.POST)
    if form.is_valid():
        end_of_day = datetime.datetime.combine(form.cleaned_data["until"], datetime.time.max)
        try:
            services.month_reopen(
                unit=unit,
                year=year,
                month=month,
                reason=form.cleaned_data["reason"],
                expires_at=timezone.make_aware(end_of_day),
                user=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            until = form.cleaned_data["until"].strftime("%d/%m/%Y")
            messages.success(request, f"Đã mở lại tháng {month:02d}/{year} đến hết ngày {until}.")
    else:
        messages.error(request, "Cần ghi lý do và ngày hết hạn mở lại.")
    return redirect("entry_month", pk=unit.pk, year=year, month=month)


@require_GET
@login_required
def entry_history(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    """Every change to the month's values of the unit and its children, newest first."""
    unit = unit_for_entry(request, pk, year, month)
    context = {
        "unit": unit,
        "year": year,
        "month": month,
        "changes": selectors.month_changes(unit, year, month),
        "limit": selectors.HISTORY_LIMIT,
    }
    return render(request, "federation/entry_history.html", context)


@require_POST
@login_required
def entry_restore(request: HttpRequest, pk: int, year: int, month: int, history_id: int):
    """Sets a value back to what one record of the month's history holds, as any write."""
    unit = unit_for_entry(request, pk, year, month)
    record = selectors.history_record_or_404(unit, year, month, history_id)
    label = f"{record.unit.display_name} · {record.indicator.name}"
    try:
        services.entry_restore(record=record, user=request.user)
    except RowsInvalid as invalid:
        messages.error(request, f"{label}: {' '.join(e.message for e in invalid.errors)}")
    except StaleEntries:
        messages.error(request, f"{label}: có người vừa sửa giá trị này, hãy thử lại.")
    else:
        messages.success(request, f"Đã khôi phục {label} về {vn_number(record.value)}.")
    return redirect("entry_history", pk=unit.pk, year=year, month=month)
