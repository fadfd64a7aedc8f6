"""Template filters for Vietnamese number formatting: {% load vn %} {{ value|vn_number }}."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import template

from federation import formatting

register = template.Library()


def _numbers_only(function: Callable[[Any], str], value: Any) -> Any:
    # Filters fail quietly, as Django's own do: anything that is not a number passes through.
    if value is None or (isinstance(value, int | float | Decimal) and not isinstance(value, bool)):
        return function(value)
    return value


@register.filter(is_safe=True)
def vn_number(value: Any) -> Any:
    """8558063 → "8.558.063"; Decimal("60.5") → "60,5"; None → "—"."""
    return _numbers_only(formatting.vn_number, value)


@register.filter(is_safe=True)
def vn_percent(value: Any) -> Any:
    """Decimal("60.5") → "60,5%"; 55 → "55%"; None → "—"."""
    return _numbers_only(formatting.vn_percent, value)


@register.filter
def person_name(user: Any) -> str:
    """A user's name family name first ("Lê Minh Tuấn"), else the login; "Hệ thống" for None."""
    return formatting.person_name(user or None)
