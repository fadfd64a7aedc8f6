from decimal import Decimal

import pytest
from django.utils.numberformat import format as number_format

from federation.formatting import full_name, parse_whole_number, person_name, vn_number
from federation.tests.factories import UserFactory


@pytest.mark.parametrize(
    "typed, number",
    [
        (1500000, 1500000),
        ("1.500.000", 1500000),
        ("1500000", 1500000),
        (" 1 500 000 ", 1500000),
        ("1\u00a0500\u00a0000", 1500000),
        (1500000.0, 1500000),
        (Decimal("40"), 40),
        ("0", 0),
    ],
)
def test_numbers_are_read_as_people_type_them(typed, number):
    assert parse_whole_number(typed) == number


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("1,5", "Phải là số nguyên"),
        (1.5, "không có phần thập phân"),
        ("-3", "Không được là số âm."),
        (-1, "Không được là số âm."),
        ("1.50.000", "Phải là số nguyên"),
        ("abc", "Phải là số nguyên"),
        ("", "Phải là số nguyên"),
        (True, "Phải là số nguyên."),
        (None, "Phải là số nguyên."),
    ],
)
def test_anything_else_is_refused_with_a_reason(typed, reason):
    with pytest.raises(ValueError, match=reason):
        parse_whole_number(typed)


@pytest.mark.parametrize(
    "typed",
    [
        float("inf"),
        float("-inf"),
        float("nan"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        Decimal("NaN"),
        Decimal("sNaN"),
        "inf",
        "-inf",
        "nan",
        "Infinity",
        "NaN",
    ],
)
def test_infinity_and_not_a_number_are_refused_in_vietnamese(typed):
    """A spreadsheet cell may hold them (issue 12): never OverflowError, never English."""
    with pytest.raises(ValueError, match="^Phải là số nguyên"):
        parse_whole_number(typed)


@pytest.mark.parametrize(
    "value",
    [
        0,
        7,
        -1000,
        8558063,
        10**18,
        Decimal("0"),
        Decimal("-0.5"),
        Decimal("60.5"),
        Decimal("1234.50"),
        Decimal("1E+3"),
        Decimal("-1234567.891"),
        Decimal("1E-250"),  # past Django's cut-off for writing the digits out
    ],
)
def test_vn_number_writes_what_djangos_number_format_would(value):
    expected = number_format(
        value, decimal_sep=",", grouping=3, thousand_sep=".", force_grouping=True, use_l10n=False
    )
    assert vn_number(value) == expected


def test_a_person_is_named_family_name_first_else_by_login_else_the_system():
    user = UserFactory.build(username="canbo_hd", first_name="Tuấn", last_name="Lê Minh")
    assert person_name(user) == full_name(user) == "Lê Minh Tuấn"
    nameless = UserFactory.build(username="canbo_hd", first_name="", last_name="")
    assert (person_name(nameless), full_name(nameless)) == ("canbo_hd", "")
    assert person_name(None) == "Hệ thống"
