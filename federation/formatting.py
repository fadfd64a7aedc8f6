"""Numbers written the Vietnamese way: "8.558.063", "60,5%".

Separators are explicit rather than taken from the active locale, so a report PDF built by a
background task, outside any request, reads exactly like the page.
"""

import math
import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.numberformat import format as number_format

MISSING = "—"
_SWAP_SEPARATORS = str.maketrans(",.", ".,")


def vn_number(value: int | float | Decimal | None) -> str:
    """8558063 → "8.558.063"; Decimal("60.5") → "60,5"; None → "—"."""
    if value is None:
        return MISSING
    if isinstance(value, float):
        # str() keeps the short form (0.1), where Decimal(0.1) would spell out the binary fraction.
        value = Decimal(str(value))
    # A table writes hundreds of numbers: Python's own grouping, where it writes what Django's
    # number_format would, is several times quicker.
    if type(value) is int:
        return f"{value:,}".replace(",", ".")
    if isinstance(value, Decimal) and value.is_finite():
        _, digits, exponent = value.as_tuple()
        if abs(exponent) + len(digits) <= 200:  # beyond, number_format writes an exponent
            return f"{value:,f}".translate(_SWAP_SEPARATORS)
    return number_format(
        value, decimal_sep=",", grouping=3, thousand_sep=".", force_grouping=True, use_l10n=False
    )


def vn_percent(value: int | float | Decimal | None) -> str:
    """Always one decimal, so figures side by side read alike: Decimal("60.5") → "60,5%";
    55 → "55,0%"; 91.66 → "91,7%" (half up); None → "—"."""
    if value is None:
        return MISSING
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        return MISSING
    return f"{vn_number(number.quantize(Decimal('0.1'), ROUND_HALF_UP))}%"


def vn_about(value: int | None) -> str:
    """A forecast as a sentence says it, to three significant digits: 14187 → "14.200";
    548 → "548"; None → "—". The percent beside it comes from the whole value."""
    if value is None:
        return MISSING
    digits = len(str(abs(value)))
    return vn_number(round(value, 3 - digits) if digits > 3 else value)


_GROUPED = re.compile(r"\d{1,3}([. ]\d{3})+")


def parse_whole_number(raw: object) -> int:
    """A non-negative whole number as people type it: 1500000, "1.500.000", "1 500 000".

    Raises ValueError with the reason in Vietnamese for anything else ("1,5", "-3", "abc", inf).
    """
    if isinstance(raw, bool):
        raise ValueError("Phải là số nguyên.")
    if isinstance(raw, int):
        number = raw
    elif isinstance(raw, float | Decimal):
        # A spreadsheet cell may hold inf or nan (issue 12): int() of them raises other errors.
        if not (raw.is_finite() if isinstance(raw, Decimal) else math.isfinite(raw)):
            raise ValueError("Phải là số nguyên.")
        if raw != int(raw):
            raise ValueError("Phải là số nguyên, không có phần thập phân.")
        number = int(raw)
    elif isinstance(raw, str):
        text = raw.strip().replace("\u00a0", " ")
        negative = text.startswith("-")
        digits = text.lstrip("-").strip()
        if _GROUPED.fullmatch(digits):
            digits = digits.replace(".", "").replace(" ", "")
        if not digits.isascii() or not digits.isdigit():
            raise ValueError("Phải là số nguyên, ví dụ 1500000 hoặc 1.500.000.")
        number = -int(digits) if negative else int(digits)
    else:
        raise ValueError("Phải là số nguyên.")
    if number < 0:
        raise ValueError("Không được là số âm.")
    return number


def full_name(user) -> str:
    """A person's name as Vietnamese write it, family name first: last_name "Lê Minh" and
    first_name "Tuấn" give "Lê Minh Tuấn" (Django's get_full_name would say "Tuấn Lê Minh");
    "" when no name is kept."""
    return f"{user.last_name} {user.first_name}".strip()


def person_name(user) -> str:
    """Who did something, for a page: the full name, else the login; "Hệ thống" for the
    system itself (no user)."""
    if user is None:
        return "Hệ thống"
    return full_name(user) or user.get_username()
