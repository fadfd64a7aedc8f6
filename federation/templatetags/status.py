"""One badge per state, on every page: a unit's month (complete, entering, missing) and a month
as the picker shows it (open, locked, not begun). Tags built in Python (the dashboard's rows)
read the same classes, so a state never changes colour between pages."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..entries.locks import MonthState
from ..entries.selectors import MonthStatus

register = template.Library()


def _tone(name: str) -> str:
    return f"badge bg-{name}-subtle text-{name}-emphasis border border-{name}-subtle"


STATUS_BADGES = {
    MonthStatus.COMPLETE: _tone("success"),
    MonthStatus.ENTERING: _tone("warning"),
    MonthStatus.MISSING: _tone("danger"),
    MonthState.OPEN: _tone("primary"),
    MonthState.LOCKED: _tone("secondary"),
    MonthState.FUTURE: "badge bg-light text-body-emphasis border",
}


@register.simple_tag
def status_badge(status: str, label: str) -> SafeString:
    return format_html('<span class="{}">{}</span>', STATUS_BADGES[status], label)
