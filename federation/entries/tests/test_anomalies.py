from federation.entries.anomalies import unusual_values
from federation.entries.services import EntryRow, entries_save
from federation.tests.factories import indicator


def history(unit, code, values_by_month, year=2025):
    entries_save(
        rows=[EntryRow(unit, indicator(code), year, m, v) for m, v in values_by_month.items()],
        user=None,
    )


def test_a_value_three_times_the_usual_asks_for_confirmation(tree):
    history(tree["hd_1"], "new_members", {1: 4, 2: 5, 3: 6, 4: 5})
    rows = [
        EntryRow(tree["hd_1"], indicator("new_members"), 2025, 5, 16),
        EntryRow(tree["hd_1"], indicator("new_members"), 2025, 6, 15),
    ]
    found = unusual_values(rows)
    assert [u.row for u in found] == [0]
    assert "cao hơn 3 lần mức thường (trung vị 12 tháng trước: 5)" in found[0].message


def test_without_enough_history_nothing_is_unusual(tree):
    history(tree["hd_1"], "new_members", {1: 1, 2: 1})
    assert unusual_values([EntryRow(tree["hd_1"], indicator("new_members"), 2025, 3, 90)]) == []


def test_admissions_above_the_workforce_of_a_grassroots_union(tree):
    row = EntryRow(tree["hd_1"], indicator("new_members"), 2025, 3, 121)  # workforce 120
    assert "lớn hơn tổng số lao động (120)" in unusual_values([row])[0].message


def test_a_stock_that_falls_from_the_previous_month(tree):
    history(tree["hd_1"], "total_members", {2: 1200})
    found = unusual_values([EntryRow(tree["hd_1"], indicator("total_members"), 2025, 3, 1150)])
    assert found[0].message == "Giảm từ 1.200 xuống 1.150 so với tháng trước."


def test_cleared_values_are_never_unusual_and_rows_keep_their_numbers(tree):
    rows = [
        EntryRow(tree["hd_1"], indicator("new_members"), 2025, 3, None),
        EntryRow(tree["hd_1"], indicator("new_members"), 2025, 4, 500),
    ]
    assert [u.row for u in unusual_values(rows)] == [1]
