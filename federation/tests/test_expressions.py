"""The language of validation rules: read without Python's parser, refused in Vietnamese."""

import re

import pytest

from federation.expressions import ExpressionError, Operand, parse


def test_a_sum_of_this_months_last_months_and_a_register():
    expression = parse("total_members[-1] + new_members - members_left + 2 * workforce")
    values = {
        ("total_members", True): 100,
        ("new_members", False): 5,
        ("members_left", False): 3,
        ("workforce", False): 10,
    }
    assert expression.value(lambda o: values[(o.name, o.previous)]) == 100 + 5 - 3 + 20
    assert Operand("workforce").is_register
    assert [o.name for o in expression.operands] == [
        "total_members",
        "new_members",
        "members_left",
        "workforce",
    ]


def test_a_missing_value_leaves_the_expression_without_one():
    assert parse("new_members + 1").value(lambda operand: None) is None
    assert parse("7").value(lambda operand: None) == 7


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "trống"),
        ("new_members +", "kết thúc bằng một dấu"),
        ("new_members members_left", "Thiếu dấu + hoặc -"),
        ("workforce[-1]", "không có số liệu tháng trước"),
        ("3 *", "Sau dấu * cần một chỉ tiêu"),
        ("__import__('os')", "Không đọc được"),
        ("New_Members", "Không đọc được"),
    ],
)
def test_what_cannot_be_read_is_refused_with_the_reason(text, reason):
    with pytest.raises(ExpressionError, match=re.escape(reason)):
        parse(text)
