"""Reminders that a month's figures are due: by email to the staff of each unit whose month is
not complete, before the deadline (the beat task) or when a leader above asks (one child, or
all late children at once). Each unit is reminded at most once a day, and each is recorded
(MonthReminder, with its history)."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..models import MonthCompletion, MonthReminder, Role, RoleKind, Unit
from ..months import Month, previous_month
from ..selectors import Permission, ensure_allowed
from . import locks
from .selectors import MonthStatus, month_completeness

REMIND_REFUSED = "Chỉ lãnh đạo đơn vị cấp trên mới gửi nhắc nộp số liệu."


def late_children(parent: Unit, year: int, month: int) -> list[Unit]:
    """The children whose month is not complete (entering or missing)."""
    report = month_completeness(parent, year, month)
    return [c.unit for c in report.children if c.status != MonthStatus.COMPLETE]


@transaction.atomic
def reminders_send(
    *, units: list[Unit], year: int, month: int, user: AbstractBaseUser | None
) -> list[MonthReminder]:
    """Emails each unit's staff that the month is due, skipping units already reminded today;
    a person must lead a unit above each of them (PermissionDenied otherwise). Returns the
    reminders sent."""
    for unit in units:
        ensure_allowed(user, unit, Permission.SET_TARGETS, REMIND_REFUSED)
    today = timezone.localdate()
    done = set(
        MonthReminder.objects.filter(unit__in=units, sent_on=today).values_list(
            "unit_id", flat=True
        )
    )
    staff = _staff_emails([u for u in units if u.pk not in done])
    sent, messages = [], []
    for unit in units:
        if unit.pk in done:
            continue
        emails = staff.get(unit.pk, [])
        reminder = MonthReminder(
            unit=unit, year=year, month=month, sent_on=today, sent_by=user, recipients=len(emails)
        )
        reminder._history_user = user
        reminder.save()
        sent.append(reminder)
        if emails:
            messages.append(_message(unit, year, month, emails))
    get_connection().send_messages(messages)
    return sent


def _staff_emails(units: list[Unit]) -> dict[int, list[str]]:
    """Unit id → the email addresses of the active staff holding a role on it."""
    found: dict[int, list[str]] = {}
    roles = Role.objects.filter(unit__in=units, role=RoleKind.STAFF, user__is_active=True).exclude(
        user__email=""
    )
    for unit_id, email in roles.values_list("unit_id", "user__email"):
        found.setdefault(unit_id, []).append(email)
    return found


def _message(unit: Unit, year: int, month: int, emails: list[str]) -> EmailMessage:
    deadline = locks.deadline(year, month)
    link = settings.SITE_URL + reverse("entry_month", args=[unit.pk, year, month])
    body = (
        f"Kính gửi cán bộ {unit.name},\n\n"
        f"Số liệu tháng {month:02d}/{year} của đơn vị chưa được xác nhận hoàn thành. "
        f"Hạn nhập là hết ngày {deadline:%d/%m/%Y}; sau ngày đó tháng sẽ khóa sổ.\n\n"
        f"Nhập số liệu: {link}\n\n"
        "Thư này được gửi tự động từ hệ thống Báo cáo Công đoàn."
    )
    subject = f"Nhắc nộp số liệu tháng {month:02d}/{year} — hạn {deadline:%d/%m/%Y}"
    return EmailMessage(subject, body, to=emails)


def months_to_remind(today: datetime.date) -> list[Month]:
    """The ended months whose deadline is REMINDER_DAYS_BEFORE_DEADLINE days away."""
    ahead = datetime.timedelta(days=settings.REMINDER_DAYS_BEFORE_DEADLINE)
    months, month = [], previous_month(today.year, today.month)
    while locks.deadline(*month) >= today:
        if locks.deadline(*month) == today + ahead:
            months.append(month)
        month = previous_month(*month)
    return months


def reminders_before_deadline() -> int:
    """The beat task's work: for each month due soon, reminds every unit that has staff and
    has not marked the month complete. Returns how many units were reminded."""
    count = 0
    for year, month in months_to_remind(timezone.localdate()):
        complete = MonthCompletion.objects.filter(year=year, month=month).values("unit_id")
        units = list(
            Unit.objects.filter(roles__role=RoleKind.STAFF, roles__user__is_active=True)
            .exclude(pk__in=complete)
            .distinct()
        )
        count += len(reminders_send(units=units, year=year, month=month, user=None))
    return count
