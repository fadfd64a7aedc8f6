"""Pages of the unit tree: the home page, a unit's page and the children partial htmx loads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from . import selectors
from .forms import ProgressQueryForm
from .models import Period
from .quality.selectors import pending_count
from .workspace import desks_for


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A workspace: per unit of the user's roles, the month due and what is missing; for a
    leader, the children behind pace; the unit search and the tree below."""
    desks = desks_for(request.user)
    tops = [
        (
            desk.unit,
            selectors.children_page(request.user, desk.unit, 1) if desk.unit.numchild else None,
        )
        for desk in desks
    ]
    to_check = [(desk.unit, count) for desk in desks if (count := pending_count(desk.unit))]
    context = {"desks": desks, "tops": tops, "to_check": to_check}
    return render(request, "federation/home.html", context)


@require_GET
@login_required
def unit_search(request: HttpRequest) -> HttpResponse:
    """Units in the user's scope whose name or code holds the words typed, with or without
    accents; htmx asks for the results alone, as the person types."""
    search = request.GET.get("q", "").strip()[:100]
    context = {"search": search, "found": selectors.units_found(request.user, search)}
    htmx = bool(request.headers.get("HX-Request"))
    template = "federation/_search_results.html" if htmx else "federation/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


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
