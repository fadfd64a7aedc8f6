"""The checks every save applies: ceilings, rules kept as data, robust outliers."""

import statistics

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from federation.entries.checks import MIN_HISTORY, findings_for, unusual
from federation.entries.services import EntryRow, RowsInvalid, entries_save
from federation.models import EntryFinding, FindingKind, MonthlyEntry, ValidationRule
from federation.months import previous_month
from federation.tests.factories import GrassrootsFactory, indicator

# --- the outlier function ----------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10_000)


@given(constant=counts, months=st.integers(MIN_HISTORY, 24), floor=st.integers(0, 100))
def test_a_constant_series_flags_nothing_that_follows_it(constant, months, floor):
    assert unusual(constant, [constant] * months, floor, both_ways=True) is None


@given(
    base=st.integers(min_value=0, max_value=1_000),
    noise=st.lists(st.integers(min_value=-5, max_value=5), min_size=MIN_HISTORY, max_size=24),
    jump=st.integers(min_value=200, max_value=100_000),
)
def test_a_value_far_from_a_noisy_series_is_flagged(base, noise, jump):
    history = [max(base + n, 0) for n in noise]
    assert unusual(max(history) + jump, history, 20, both_ways=False) is not None


@given(
    history=st.lists(st.integers(min_value=0, max_value=50), min_size=MIN_HISTORY, max_size=24),
    floor=st.integers(min_value=0, max_value=1_000),
    data=st.data(),
)
def test_a_gap_under_the_floor_is_never_flagged(history, floor, data):
    median = sorted(history)[len(history) // 2]
    value = data.draw(st.integers(min_value=max(0, median - floor), max_value=median + floor))
    if abs(value - statistics.median(history)) <= floor:
        assert unusual(value, history, floor, both_ways=True) is None


def test_a_flow_that_falls_is_not_an_outlier_but_a_stock_may_be():
    history = [100, 102, 98, 101, 99, 100]
    assert unusual(0, history, 10, both_ways=False) is None
    assert unusual(0, history, 10, both_ways=True) is not None


# --- the cases of issue 14 ---------------------------------------------------------------------


def months_before(year, month, count):
    found, when = [], (year, month)
    for _ in range(count):
        when = previous_month(*when)
        found.append(when)
    return found


def test_99_999_999_999_members_leaving_a_cdcs_of_ten_is_refused(tree, this_month):
    year, month = this_month
    prior = previous_month(year, month)
    entries_save(rows=[EntryRow(tree["hd_1"], indicator("total_members"), *prior, 10)], user=None)
    absurd = EntryRow(tree["hd_1"], indicator("members_left"), year, month, 99_999_999_999)

    with pytest.raises(RowsInvalid) as refused:
        entries_save(rows=[absurd], user=None)

    assert "vượt mức tối đa hợp lý" in refused.value.errors[0].message
    assert not MonthlyEntry.objects.filter(indicator__code="members_left").exists()


def test_five_new_members_where_one_is_usual_is_not_flagged(tree, this_month):
    year, month = this_month
    members = indicator("new_members")
    usual = [1, 1, 0, 2, 1, 1, 0, 1, 2, 1, 1, 1]
    history = [
        EntryRow(tree["hd_1"], members, *when, value)
        for when, value in zip(months_before(year, month, 12), usual, strict=True)
    ]
    entries_save(rows=history, user=None)

    assert findings_for([EntryRow(tree["hd_1"], members, year, month, 5)]) == []


def test_forty_where_nought_to_three_is_usual_says_so_in_words(tree, this_month):
    year, month = this_month
    members = indicator("new_members")
    usual = [0, 1, 3, 2, 0, 1, 2, 3, 1, 0, 2, 1]
    history = [
        EntryRow(tree["hd_1"], members, *when, value)
        for when, value in zip(months_before(year, month, 12), usual, strict=True)
    ]
    entries_save(rows=history, user=None)

    [finding] = findings_for([EntryRow(tree["hd_1"], members, year, month, 40)])

    assert finding.kind == FindingKind.OUTLIER
    assert finding.message == (
        "40 người cao gấp 40 lần mức thường của đơn vị (thường 0–3 người/tháng)."
    )


def test_a_new_union_is_compared_with_its_peers_per_worker(tree, this_month):
    year, month = this_month
    members = indicator("new_members")
    peers = [GrassrootsFactory(parent=tree["hoai_duc"], workforce_total=100) for _ in range(6)]
    entries_save(
        rows=[EntryRow(unit, members, year, month, 2 + n % 3) for n, unit in enumerate(peers)],
        user=None,
    )

    [finding] = findings_for([EntryRow(tree["hd_1"], members, year, month, 90)])

    assert finding.kind == FindingKind.PEERS
    assert "trên 100 lao động" in finding.message
    assert "các đơn vị cùng cấp" in finding.message


def test_a_warned_value_is_kept_for_follow_up_until_it_changes(tree, this_month, district_staff):
    year, month = this_month
    row = EntryRow(tree["hd_1"], indicator("new_members"), year, month, 500)  # workforce 120

    saved = entries_save(rows=[row], user=district_staff, reason="Đã gọi điện xác minh")

    [finding] = EntryFinding.objects.all()
    assert [w.message for w in saved.warnings] == [finding.message]
    assert (finding.value, finding.status, finding.reason) == (500, "open", "Đã gọi điện xác minh")
    assert finding.rule.code == "admissions-within-workforce"
    record = MonthlyEntry.history.get()
    assert record.history_change_reason == "system: Đã gọi điện xác minh"

    entries_save(rows=[EntryRow(row.unit, row.indicator, year, month, 50)], user=district_staff)
    finding.refresh_from_db()
    assert finding.status == "resolved"
    assert "đã được sửa" in finding.comment


def test_a_rule_whose_expression_cannot_be_read_is_refused_in_the_admin_form(db):
    rule = ValidationRule(
        code="x", name="x", left="new_members +", operator="<=", right="1", importance="error"
    )
    rule.message = "x"
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert "left" in refused.value.message_dict


def test_a_rule_naming_no_indicator_or_register_is_refused_in_the_admin_form(db):
    rule = ValidationRule(
        code="x", name="x", left="new_member", operator="<=", right="workforce", importance="error",
        message="x",
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert refused.value.message_dict == {
        "left": [
            "Không có chỉ tiêu hay sổ nào mã “new_member”: dùng mã của một chỉ tiêu hoặc một sổ "
            "kể ở dưới."
        ]
    }


def test_a_stock_is_held_to_its_usual_monthly_changes_not_its_past_levels(tree, this_month):
    year, month = this_month
    total = indicator("total_members")
    growing = [100 + 5 * n for n in range(12)]  # oldest first: 100 … 155
    history = [
        EntryRow(tree["hd_1"], total, *when, value)
        for when, value in zip(months_before(year, month, 12), reversed(growing), strict=True)
    ]
    entries_save(rows=history, user=None)

    steady = findings_for([EntryRow(tree["hd_1"], total, year, month, 160)])
    [jump] = findings_for([EntryRow(tree["hd_1"], total, year, month, 400)])

    assert steady == []
    assert jump.message == (
        "400 người: tăng 245 so với tháng trước, khác xa mức thay đổi thường của đơn vị "
        "(từ +5 đến +5 người/tháng)."
    )


@pytest.mark.parametrize("when", [(2026, 3), (2026, 1)], ids=["same year", "across the new year"])
def test_a_rule_reads_last_months_stored_value_of_a_small_count(tree, when):
    # a rule an administrator adds on a flow whose values stay under its outlier floor
    ValidationRule.objects.create(
        code="admissions-steady", name="Kết nạp không tăng vọt", left="new_members",
        operator="<=", right="new_members[-1] + 10", importance="warning", applies_to="all",
        message="Kết nạp {left}, tháng trước cộng 10 là {right}.",
    )  # fmt: skip
    members = indicator("new_members")
    for year, month, value in [(when[0] - 1, when[1], 9), (*previous_month(*when), 2)]:
        MonthlyEntry.objects.create(unit=tree["hd_1"], indicator=members, year=year, month=month,
                                    value=value)  # fmt: skip

    steady = findings_for([EntryRow(tree["hd_1"], members, *when, 12)])
    [leap] = findings_for([EntryRow(tree["hd_1"], members, *when, 15)])

    assert steady == []
    assert leap.message == "Kết nạp 15, tháng trước cộng 10 là 12."


def test_in_a_batch_a_large_value_is_held_to_its_own_history_beside_small_ones(tree, this_month):
    year, month = this_month
    members = indicator("new_members")
    usual = [0, 1, 3, 2, 0, 1, 2, 3, 1, 0, 2, 1]
    entries_save(
        rows=[
            EntryRow(unit, members, *when, value)
            for unit in (tree["hd_1"], tree["hd_2"])
            for when, value in zip(months_before(year, month, 12), usual, strict=True)
        ],
        user=None,
    )

    [finding] = findings_for(
        [
            EntryRow(tree["hd_1"], members, year, month, 40),
            EntryRow(tree["hd_2"], members, year, month, 2),
        ]
    )

    assert (finding.row, finding.kind) == (0, FindingKind.OUTLIER)
    assert "thường 0–3 người/tháng" in finding.message
