"""A batch checked once and saved later (the Excel preview, then its save): the findings are
taken again only while everything they were read from is unchanged."""

import pytest

from federation.entries import checks
from federation.entries.services import EntryRow, StaleEntries, entries_save
from federation.models import EntryFinding, FindingKind, MonthlyEntry, Unit, ValidationRule
from federation.months import previous_month
from federation.tests.factories import GrassrootsFactory, indicator


def row(unit, code, when, value):
    return EntryRow(unit, indicator(code), *when, value)


def test_findings_are_kept_while_nothing_they_read_changes(tree, this_month):
    rows = [row(tree["hd_1"], "new_members", this_month, 500)]  # 120 workers
    checked = checks.check(rows)
    assert [f.rule.code for f in checked.findings] == ["admissions-within-workforce"]
    assert checks.unchanged_since(checked, rows)


def test_a_changed_batch_is_not_the_one_checked(tree, this_month):
    checked = checks.check([row(tree["hd_1"], "new_members", this_month, 500)])
    assert not checks.unchanged_since(checked, [row(tree["hd_1"], "new_members", this_month, 5)])


@pytest.mark.parametrize(
    "change",
    [
        "last month's total",
        "the unit's workforce",
        "a rule",
        "an indicator's floor",
    ],
)
def test_what_a_check_read_changing_is_seen(tree, this_month, change):
    last = previous_month(*this_month)
    entries_save(rows=[row(tree["hd_1"], "total_members", last, 100)], user=None)
    rows = [
        row(tree["hd_1"], "members_left", this_month, 20),
        row(tree["hd_1"], "new_members", this_month, 30),
    ]
    checked = checks.check(rows)
    if change == "last month's total":
        entries_save(rows=[row(tree["hd_1"], "total_members", last, 5)], user=None)
    elif change == "the unit's workforce":
        Unit.objects.filter(pk=tree["hd_1"].pk).update(workforce_total=10, workforce_female=5)
    elif change == "a rule":
        ValidationRule.objects.filter(code="leavers-within-members").update(right="0")
    else:
        type(indicator("new_members")).objects.filter(code="new_members").update(outlier_floor=1)
    assert not checks.unchanged_since(checked, rows)


def test_a_save_given_the_checks_of_its_rows_does_not_check_them_again(
    tree, this_month, district_staff, monkeypatch
):
    rows = [row(tree["hd_1"], "new_members", this_month, 500)]
    checked = checks.check(rows)
    monkeypatch.setattr(checks, "findings_for", lambda rows: pytest.fail("checked twice"))

    saved = entries_save(rows=rows, user=district_staff, checked=checked)

    assert [w.rule.code for w in saved.warnings] == ["admissions-within-workforce"]
    assert EntryFinding.objects.get().rule.code == "admissions-within-workforce"


def test_a_save_whose_checks_read_something_since_changed_saves_nothing(
    tree, this_month, district_staff
):
    rows = [row(tree["hd_1"], "new_members", this_month, 100)]  # within 120 workers
    checked = checks.check(rows)
    assert checked.findings == []
    Unit.objects.filter(pk=tree["hd_1"].pk).update(workforce_total=50, workforce_female=20)

    with pytest.raises(StaleEntries):
        entries_save(rows=rows, user=district_staff, checked=checked)
    assert not MonthlyEntry.objects.exists()


def test_a_rule_over_the_female_workforce_reads_it(tree, this_month):
    ValidationRule.objects.create(
        code="admissions-within-women", name="Kết nạp nữ", left="new_members", operator="<=",
        right="workforce_female", importance="warning", applies_to="grassroots",
        message="Kết nạp {left}, lao động nữ {right}.",
    )  # fmt: skip
    Unit.objects.filter(pk=tree["hd_1"].pk).update(workforce_female=40)
    tree["hd_1"].refresh_from_db()

    findings = checks.findings_for([row(tree["hd_1"], "new_members", this_month, 60)])

    assert "Kết nạp 60, lao động nữ 40." in [f.message for f in findings]


def test_the_peers_a_value_was_held_to_are_read_again(tree, this_month):
    members = indicator("new_members")
    peers = [GrassrootsFactory(parent=tree["hoai_duc"], workforce_total=100) for _ in range(6)]
    entries_save(
        rows=[EntryRow(unit, members, *this_month, 2 + n % 3) for n, unit in enumerate(peers)],
        user=None,
    )
    rows = [row(tree["hd_1"], "new_members", this_month, 90)]
    checked = checks.check(rows)
    assert [f.kind for f in checked.findings] == [FindingKind.PEERS]
    assert checks.unchanged_since(checked, rows)

    entries_save(rows=[EntryRow(peers[0], members, *this_month, 40)], user=None)

    assert not checks.unchanged_since(checked, rows)
