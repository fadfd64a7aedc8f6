"""The data-quality page of a unit's subtree (DHIS2's "run validation"), and following up what
it lists: every value a check warned about, with a link to its cell, until someone resolves it."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ..selectors import breadcrumbs, unit_for_user_or_404
from . import selectors, services
from .forms import QualityFilterForm, ResolveForm


@require_GET
@login_required
def quality(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_for_user_or_404(request.user, pk)
    form = QualityFilterForm(request.GET, today=timezone.localdate())
    query = form.query
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "unit": unit,
        "ancestors": breadcrumbs(request.user, unit),
        "form": form,
        "query": query,
        "page": selectors.findings_page(unit, query, request.GET.get("page")),
        "pending": selectors.pending_count(unit),
        "params": params.urlencode(),
        "resolve_form": ResolveForm(),
        "here": request.get_full_path(),
    }
    return render(request, "federation/quality.html", context)


@require_POST
@login_required
def finding_follow_up(request: HttpRequest, finding_pk: int) -> HttpResponse:
    finding = selectors.finding_for_user_or_404(request.user, finding_pk)
    services.finding_follow_up(finding=finding, user=request.user)
    messages.success(request, f"Đang theo dõi: {_label(finding)}.")
    return _back(request, finding)


@require_POST
@login_required
def finding_resolve(request: HttpRequest, finding_pk: int) -> HttpResponse:
    finding = selectors.finding_for_user_or_404(request.user, finding_pk)
    form = ResolveForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.finding_resolve(finding=finding, user=request.user, comment=comment)
    except ValidationError as error:
        messages.error(request, f"{_label(finding)}: {' '.join(error.messages)}")
    else:
        messages.success(request, f"Đã xử lý: {_label(finding)}.")
    return _back(request, finding)


def _label(finding) -> str:
    when = f"{finding.month:02d}/{finding.year}"
    return f"{finding.unit.display_name} · {finding.indicator.name} · tháng {when}"


def _back(request: HttpRequest, finding) -> HttpResponse:
    """To the list the action came from, else the finding's unit's list of its month."""
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    params = urlencode({"year": finding.year, "first_month": finding.month})
    return redirect(f"{reverse('unit_quality', args=[finding.unit_id])}?{params}")
