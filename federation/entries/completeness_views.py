"""Who has reported a month: the completeness page of a unit's children, and the reminders a
leader sends from it to the late ones."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ..formatting import vn_number
from ..models import MonthReminder, Unit
from ..selectors import Permission, scope_for
from . import locks, reminders, selectors
from .views import month_steps, unit_for_entry


@require_GET
@login_required
def completeness(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    unit = unit_for_entry(request, pk, year, month)
    months = locks.UnitMonths(unit, years=[year])
    reminded = MonthReminder.objects.filter(
        unit__in=Unit.objects.children_of(unit), sent_on=timezone.localdate()
    ).values_list("unit_id", flat=True)
    return render(
        request,
        "federation/completeness.html",
        {
            "unit": unit,
            "year": year,
            "month": month,
            **month_steps(months, year, month),
            "completion": months.completion(year, month),
            "can_remind": scope_for(request.user).allows_below(unit, Permission.SET_TARGETS),
            "reminded_today": set(reminded),
            "report": selectors.month_completeness(unit, year, month),
        },
    )


@require_POST
@login_required
def completeness_remind(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    """A leader reminds one late child (`child`) or all of them, by email to their staff."""
    unit = unit_for_entry(request, pk, year, month)
    if not scope_for(request.user).allows_below(unit, Permission.SET_TARGETS):
        raise PermissionDenied(reminders.REMIND_REFUSED)
    late = reminders.late_children(unit, year, month)
    child = request.POST.get("child")
    if child:
        late = [u for u in late if str(u.pk) == child]
        if not late:
            raise Http404("Không có đơn vị trực thuộc chưa hoàn thành này.")
    sent = reminders.reminders_send(units=late, year=year, month=month, user=request.user)
    skipped = len(late) - len(sent)
    text = f"Đã gửi nhắc nộp số liệu tháng {month:02d}/{year} tới {vn_number(len(sent))} đơn vị."
    if skipped:
        text += f" {vn_number(skipped)} đơn vị đã được nhắc hôm nay nên không gửi lại."
    messages.success(request, text)
    return redirect("completeness", pk=unit.pk, year=year, month=month)
