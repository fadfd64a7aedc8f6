"""Pages of the unit tree: the home page, a unit's page and the children partial htmx loads."""

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import selectors
from ..models import Period
from ..services import MAX_YEAR, MIN_YEAR


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    tops = [
        (unit, selectors.children_page(request.user, unit, 1) if unit.numchild else None)
        for unit in selectors.top_units_for(request.user)
    ]
    return render(request, "federation/home.html", {"tops": tops})


@require_GET
@login_required
def unit_children(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_for_user_or_404(request.user, pk)
    number = _positive_int(request.GET.get("page")) or 1
    page = selectors.children_page(request.user, unit, number)
    return render(request, "federation/_unit_children.html", {"page": page})


@require_GET
@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_for_user_or_404(request.user, pk)
    query, problems = progress_query(request.GET, timezone.localdate())
    for problem in problems:
        messages.warning(request, problem)
    scope = selectors.scope_for(request.user)
    context = {
        "unit": unit,
        "ancestors": [
            (ancestor, scope.allows(ancestor, selectors.Permission.VIEW))
            for ancestor in selectors.unit_ancestors(unit)
        ],
        "page": selectors.children_page(request.user, unit, 1) if unit.numchild else None,
        "query": query,
        "progress": selectors.progress_for(unit, query.year, query.period, query.through_month),
        "periods": Period.choices,
        "months": range(1, 13),
    }
    return render(request, "federation/unit_detail.html", context)


# --- the progress table's year and period ------------------------------------------------------


@dataclass(frozen=True)
class ProgressQuery:
    year: int
    period: str
    through_month: int | None

    @property
    def period_label(self) -> str:
        return Period(self.period).label


def default_period(today: date) -> str:
    """The mid-year review until June is out, the whole year after."""
    return Period.H1 if today.month <= 6 else Period.YEAR


def progress_query(params: QueryDict, today: date) -> tuple[ProgressQuery, list[str]]:
    """The year, period and cut-off month asked for; bad values fall back, with a reason each."""
    problems = []
    year = _positive_int(params["year"]) if params.get("year") else today.year
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        problems.append(f"Năm phải là số từ {MIN_YEAR} đến {MAX_YEAR}; đang xem năm {today.year}.")
        year = today.year

    period = params.get("period") or default_period(today)
    if period not in Period.values:
        period = default_period(today)
        problems.append(f"Kỳ không hợp lệ; đang xem {Period(period).label.lower()}.")

    through_month = None
    if params.get("through_month"):
        month = _positive_int(params["through_month"])
        if month in Period(period).months:
            through_month = month
        else:
            problems.append(
                f"Tháng cắt số liệu phải thuộc {Period(period).label.lower()}; đang xem cả kỳ."
            )
    return ProgressQuery(year, period, through_month), problems


def _positive_int(raw: str | None) -> int | None:
    """The number in a query parameter, or None for anything but a short run of ASCII digits."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return None
    return int(raw) or None
