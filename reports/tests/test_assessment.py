"""The assessment drafted from hand-made snapshots: reached, on pace, behind, the child units
under half their plan, and the year-end report's halves."""

from decimal import Decimal

import pytest

from reports import assessment


def indicator(code, name, actual, target, percent, unit="người", period="Y", better=True):
    return {
        "code": code,
        "name": name,
        "unit_of_measure": unit,
        "higher_is_better": better,
        "actual": actual,
        "target": target,
        "target_period": period,
        "percent": percent,
        "previous": 0,
    }


def child(name, percent):
    return {
        "name": name,
        "figures": {"new_members": {"actual": 1, "target": 2, "percent": percent}},
    }


def snapshot(indicators, children=(), kind="H1", through_month=6, **extra):
    return {
        "year": 2022,
        "kind": kind,
        "period": "H1" if kind == "H1" else "Y",
        "through_month": through_month,
        "indicators": list(indicators),
        "children": {
            "columns": [
                {"code": "new_members", "name": "Đoàn viên kết nạp mới", "has_target": True}
            ],
            "rows": list(children),
        },
        **extra,
    }


NEW_MEMBERS = indicator("new_members", "Đoàn viên kết nạp mới", 310, 512, "60.5")
NEW_UNIONS = indicator("new_grassroots_unions", "CĐCS thành lập mới", 11, 20, "55.0", "CĐCS", "H1")
TRAINING = indicator("training_classes", "Lớp tập huấn", 13, 12, "108.3", "lớp")


def test_reached_and_on_pace_indicators_are_strengths_with_their_figures():
    drafted = assessment.draft(snapshot([NEW_MEMBERS, TRAINING]))

    lines = drafted.strengths.splitlines()
    assert lines[0] == (
        "Đã hoàn thành và vượt 1 chỉ tiêu: lớp tập huấn đạt 108,3% kế hoạch (13/12 lớp)."
    )
    # A year's target by June: 50% is on pace, 60,5% is ahead of it.
    assert lines[1] == (
        "Có 1 chỉ tiêu đạt tiến độ đề ra: đoàn viên kết nạp mới đạt 60,5% kế hoạch (310/512 người)."
    )


def test_indicators_behind_pace_are_shortcomings_with_what_the_month_called_for():
    drafted = assessment.draft(snapshot([NEW_UNIONS]))

    assert drafted.shortcomings == (
        "Còn 1 chỉ tiêu chưa đạt tiến độ: CĐCS thành lập mới đạt 55,0% kế hoạch (11/20 CĐCS), "
        "theo tiến độ cần đạt 100,0%."
    )


def test_pace_follows_the_cut_off_month_and_the_targets_period():
    may = snapshot([], through_month=5)
    assert assessment.expected_percent(may, NEW_MEMBERS).quantize(Decimal("0.1")) == Decimal("41.7")
    assert assessment.expected_percent(may, NEW_UNIONS).quantize(Decimal("0.1")) == Decimal("83.3")


def test_children_under_half_their_plan_are_named_lowest_first_with_vietnamese_percentages():
    children = [
        child("CĐCS Công ty May 10", "48.5"),
        child("CĐCS Công ty Hòa Phát", "80.0"),
        child("CĐCS Trường THCS Kim Chung", "12.0"),
        child("CĐCS Bệnh viện Hoài Đức", None),
    ]

    drafted = assessment.draft(snapshot([NEW_MEMBERS], children))

    assert drafted.shortcomings.splitlines()[-1] == (
        "Còn 2 đơn vị đạt dưới 50% kế hoạch phát triển đoàn viên: "
        "CĐCS Trường THCS Kim Chung (12,0%), CĐCS Công ty May 10 (48,5%)."
    )


def test_a_long_list_of_units_behind_names_the_first_five_and_counts_the_rest():
    children = [child(f"CĐCS số {n}", f"{n}.0") for n in range(1, 9)]

    line = assessment.draft(snapshot([], children)).shortcomings

    assert line.startswith(
        "Còn 8 đơn vị đạt dưới 50% kế hoạch phát triển đoàn viên: CĐCS số 1 (1,0%)"
    )
    assert line.endswith("CĐCS số 5 (5,0%) và 3 đơn vị khác.")


def test_an_indicator_where_less_is_better_is_not_judged_by_pace():
    left = indicator("members_left", "Đoàn viên giảm", 900, 100, "900.0", better=False)

    drafted = assessment.draft(snapshot([left]))

    assert "giảm" not in drafted.strengths + drafted.shortcomings


def test_without_targets_the_draft_says_so_rather_than_nothing():
    drafted = assessment.draft(snapshot([indicator("x", "Sáng kiến", 3, None, None)]))

    assert drafted.strengths.startswith("Chưa có chỉ tiêu nào đạt tiến độ")
    assert drafted.shortcomings.startswith("Các chỉ tiêu có kế hoạch đều đạt tiến độ")


@pytest.mark.parametrize(
    ("first_half", "where", "text"),
    [
        (
            {"new_members": 200},
            "strengths",
            "So với 6 tháng đầu năm, 6 tháng cuối năm bằng hoặc cao hơn: đoàn viên kết nạp mới "
            "cả năm 620 người (6 tháng đầu năm 200, 6 tháng cuối năm 420).",
        ),
        (
            {"new_members": 400},
            "shortcomings",
            "6 tháng cuối năm thấp hơn 6 tháng đầu năm: đoàn viên kết nạp mới cả năm 620 người "
            "(6 tháng đầu năm 400, 6 tháng cuối năm 220).",
        ),
    ],
)
def test_the_year_end_report_compares_the_year_with_its_first_half(first_half, where, text):
    year = indicator("new_members", "Đoàn viên kết nạp mới", 620, 600, "103.3")

    drafted = assessment.draft(snapshot([year], kind="H2", through_month=12, first_half=first_half))

    assert getattr(drafted, where).splitlines()[-1] == text
