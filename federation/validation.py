"""What makes a year, a month and a value valid: one rule each, the same at every door.

The services check with these functions (they add a message per field to `errors`); forms, the
Excel readers and the API serializers take their bounds from the same constants.
"""

from typing import Any

from .models import MAX_YEAR, MIN_YEAR

# A million billion đồng: far above any real figure, far below what the roll-up's sums can hold.
MAX_VALUE = 10**15
TOO_BIG = f"Số quá lớn: tối đa {MAX_VALUE:,}.".replace(",", ".")


def is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_year(year: Any, errors: dict[str, str]) -> None:
    if not is_integer(year) or not MIN_YEAR <= year <= MAX_YEAR:
        errors["year"] = f"Năm phải là số nguyên từ {MIN_YEAR} đến {MAX_YEAR}."


def check_month(month: Any, errors: dict[str, str]) -> None:
    if not is_integer(month) or not 1 <= month <= 12:
        errors["month"] = "Tháng phải từ 1 đến 12."


def check_value(value: Any, errors: dict[str, str]) -> None:
    if not is_integer(value) or value < 0:
        errors["value"] = "Số liệu phải là số nguyên không âm."
    elif value > MAX_VALUE:
        errors["value"] = "Số liệu quá lớn."
