"""Pages of the unit tree: the home page, a unit's page and the children partial htmx loads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import selectors
from .forms import ProgressQueryForm
from .models import Period
from .quality.selectors import pending_count


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    tops = [
        (unit, selectors.children_page(request.user, unit, 1) if unit.numchild else None)
        for unit in selectors.top_units_for(request.user)
    ]
    to_check = [(unit, count) for unit, _ in tops if (count := pending_count(unit))]
    return render(request, "federation/home.html", {"tops": tops, "to_check": to_check})


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
    form = ProgressQueryForm(request.GET, today=timezone.localdate())
    query = form.query
    for problem in form.problems:
        messages.warning(request, problem)
    context = {
        "unit": unit,
        "ancestors": selectors.breadcrumbs(request.user, unit),
        "page": selectors.children_page(request.user, unit, 1) if unit.numchild else None,
        "query": query,
        "progress": selectors.progress_for(unit, query.year, query.period, query.through_month),
        "periods": Period.choices,
        "months": range(1, 13),
    }
    return render(request, "federation/unit_detail.html", context)


def _positive_int(raw: str | None) -> int | None:
    """The number in a query parameter, or None for anything but a short run of ASCII digits."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return None
    return int(raw) or None
