import pytest

from federation.models import UnitKind
from reports import wording


def row(code="new_members", actual=310, target=512, target_period="Y", percent="60.5", **extra):
    return {
        "code": code,
        "name": extra.pop("name", "Đoàn viên kết nạp mới"),
        "unit_of_measure": extra.pop("unit_of_measure", "người"),
        "actual": actual,
        "target": target,
        "target_period": target_period,
        "percent": percent,
        "previous": extra.pop("previous", 0),
        "higher_is_better": extra.pop("higher_is_better", True),
        **extra,
    }


def test_new_members_against_the_year_plan_read_like_the_published_report():
    text = wording.clause(row(), "H1", "Thành phố", "tháng 06/2022")

    assert text == "kết nạp được 310/512 đoàn viên, đạt 60,5% kế hoạch năm Thành phố giao"


def test_new_grassroots_unions_against_the_half_year_plan_omit_the_word_year():
    founded = row("new_grassroots_unions", 11, 20, "H1", "55.0", name="CĐCS thành lập mới")

    text = wording.clause(founded, "H1", "Thành phố", "tháng 06/2022")

    assert text == "thành lập được 11/20 CĐCS, đạt 55,0% kế hoạch Thành phố giao"


def test_without_a_target_only_the_number_is_given():
    text = wording.clause(
        row(actual=60, target=None, target_period=None, percent=None), "H1", None, ""
    )

    assert text == "kết nạp mới 60 đoàn viên"


def test_a_root_unit_has_no_level_above_to_name():
    text = wording.clause(row(), "Y", None, "")

    assert text.endswith("đạt 60,5% kế hoạch")


@pytest.mark.parametrize(
    ("actual", "previous", "expected"),
    [
        (450, 400, "tăng 12,5% so với cùng kỳ"),
        (300, 400, "giảm 25,0% so với cùng kỳ"),
        (400, 400, "bằng cùng kỳ"),
        (400, 0, ""),
    ],
)
def test_comparison_with_the_same_period_last_year(actual, previous, expected):
    assert wording.comparison(actual, previous) == expected


def test_large_numbers_use_dots_for_thousands():
    fees = row(
        "union_fees_collected",
        1_500_000_000,
        None,
        None,
        None,
        name="Kinh phí công đoàn thu",
        unit_of_measure="đồng",
    )

    assert wording.clause(fees, "H1", None, "") == "thu kinh phí công đoàn được 1.500.000.000 đồng"


def test_support_visits_and_amount_make_one_clause():
    visits = row("support_visits", 99, None, None, None, previous=116)
    amount = row("support_amount", 206_500_000, None, None, None)

    [paragraph] = wording.result_paragraphs([visits, amount], "H1", "Thành phố", "")

    assert paragraph.text == (
        "Thăm hỏi, hỗ trợ 99 lượt đoàn viên, giảm 14,7% so với cùng kỳ, "
        "với tổng số tiền 206.500.000 đồng."
    )


def test_an_indicator_added_to_the_catalogue_later_still_gets_a_sentence():
    new = row(
        "safety_checks", 12, None, None, None, name="Cuộc kiểm tra an toàn", unit_of_measure="cuộc"
    )

    [paragraph] = wording.result_paragraphs([new], "H1", None, "")

    assert paragraph.title == wording.OTHER_TOPIC
    assert paragraph.text == "Cuộc kiểm tra an toàn: 12 cuộc."


def test_indicators_without_figures_are_left_out():
    empty = row(actual=0, target=None, target_period=None, percent=None)

    assert wording.result_paragraphs([empty], "H1", None, "") == []


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("LĐLĐ Thành phố Hà Nội", UnitKind.PROVINCIAL_FEDERATION, "Thành phố"),
        ("Liên đoàn Lao động tỉnh Bắc Ninh", UnitKind.PROVINCIAL_FEDERATION, "Tỉnh"),
        ("Tổng Liên đoàn Lao động Việt Nam", UnitKind.CONFEDERATION, "Tổng Liên đoàn"),
        ("LĐLĐ huyện Hoài Đức", UnitKind.DISTRICT_FEDERATION, "Liên đoàn Lao động huyện"),
        ("LĐLĐ quận Ba Đình", UnitKind.DISTRICT_FEDERATION, "Liên đoàn Lao động quận"),
        ("Công đoàn ngành Giáo dục Hà Nội", UnitKind.SECTOR_UNION, "Công đoàn ngành"),
    ],
)
def test_the_level_above_is_named_by_its_short_form(name, kind, expected):
    assert wording.superior_label(name, kind) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("LĐLĐ huyện Hoài Đức", "Hoài Đức"),
        ("LĐLĐ Thành phố Hà Nội", "Hà Nội"),
        ("Liên đoàn Lao động thị xã Sơn Tây", "Sơn Tây"),
        ("Công đoàn ngành Giáo dục Hà Nội", ""),
    ],
)
def test_place_names_come_from_federation_names(name, expected):
    assert wording.place_name(name) == expected


# --- where the year is heading --------------------------------------------------------------


def forecast(value=14_187, percent="93.4", basis="profile", through_month=6):
    return {
        "value": value,
        "low": None,
        "high": None,
        "basis": basis,
        "through_month": through_month,
        "year_target": 15_190,
        "percent": percent,
    }


def test_the_outlook_reads_like_the_report_would_say_it():
    assert wording.outlook_sentences([row(forecast=forecast())]) == [
        "Nếu giữ nhịp độ như 6 tháng đầu năm, cả năm dự kiến kết nạp mới khoảng 14.200 đoàn "
        "viên, đạt 93,4% kế hoạch."
    ]


def test_a_cut_off_in_may_keeps_the_pace_of_five_months():
    sentences = wording.outlook_sentences(
        [row("training_classes", forecast=forecast(12, "80.0", "straight_line", 5))]
    )
    assert sentences == [
        "Nếu giữ nhịp độ như 5 tháng đầu năm, cả năm dự kiến tổ chức khoảng 12 lớp tập huấn "
        "nghiệp vụ công đoàn, đạt 80,0% kế hoạch."
    ]


def test_the_outlook_leaves_out_what_it_cannot_say_in_words():
    rows = [
        row("members_left", higher_is_better=False, forecast=forecast()),  # a ceiling, not a goal
        row("total_members", forecast=forecast(basis="latest")),  # a stock stays where it is
        row("initiatives", forecast=forecast(percent=None)),  # no year target
        row("new_party_members"),  # a snapshot from before the forecast
        row("officials_trained", forecast=None),
    ]
    assert wording.outlook_sentences(rows) == []
