from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from federation.formatting import vn_number, vn_percent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (None, "—"),
        (999, "999"),
        (1000, "1.000"),
        (1234567, "1.234.567"),
        (8558063, "8.558.063"),
        (Decimal("60.5"), "60,5"),
        (Decimal("55.0"), "55,0"),
        (Decimal("1234.5"), "1.234,5"),
        (-1234567, "-1.234.567"),
        (Decimal("-0.5"), "-0,5"),
        (0.1, "0,1"),
    ],
)
def test_vn_number_writes_thousand_dots_and_a_decimal_comma(value, expected):
    assert vn_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0,0%"),
        (None, "—"),
        (55, "55,0%"),
        (Decimal("55.0"), "55,0%"),
        (Decimal("60.5"), "60,5%"),
        (Decimal("60.50"), "60,5%"),
        (Decimal("91.66"), "91,7%"),
        (Decimal("100.0"), "100,0%"),
        (Decimal("1234.5"), "1.234,5%"),
        (Decimal("-12.5"), "-12,5%"),
        (Decimal("-12.0"), "-12,0%"),
        (33.3, "33,3%"),
    ],
)
def test_vn_percent_always_has_one_decimal(value, expected):
    assert vn_percent(value) == expected


@pytest.mark.parametrize("language", ["vi", "en", "de"])
def test_formatting_ignores_the_active_language(language):
    with translation.override(language):
        assert vn_number(1234567) == "1.234.567"
        assert vn_percent(Decimal("60.5")) == "60,5%"


def render(source: str, **context) -> str:
    return Template("{% load vn %}" + source).render(Context(context))


def test_filters_format_numbers_in_templates():
    rendered = render(
        "{{ members|vn_number }} · {{ share|vn_percent }} · {{ missing|vn_percent }}",
        members=8558063,
        share=Decimal("60.5"),
        missing=None,
    )

    assert rendered == "8.558.063 · 60,5% · —"


def test_filters_pass_non_numbers_through_unchanged():
    assert render("{{ text|vn_number }}|{{ text|vn_percent }}", text="chưa có") == (
        "chưa có|chưa có"
    )
    assert render("{{ undefined|vn_number }}") == ""
