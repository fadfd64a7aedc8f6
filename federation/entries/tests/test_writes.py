"""Both ways of writing a batch of entries leave the same rows: entries, audit and roll-up."""

import pytest
from django.db import transaction

from federation.entries import writes
from federation.entries.services import EntryRow, entries_save, entry_upsert
from federation.models import Door, Indicator, MonthlyEntry
from federation.tests.factories import UserFactory, indicator

from .test_rollup import brute_force_rollup, stored_rollup


def history_rows():
    """(type, entry id, unit, indicator, (year, month), value, entered by, by, door) in order."""
    return [
        (
            h.history_type,
            h.id,
            h.unit_id,
            h.indicator_id,
            (h.year, h.month),
            h.value,
            h.entered_by_id,
            h.history_user_id,
            h.history_change_reason,
        )  # fmt: skip
        for h in MonthlyEntry.history.order_by("history_id")
    ]


def test_inserts_updates_and_deletes_are_each_audited_and_rolled_up(tree, this_month, write_path):
    year, month = this_month
    first = UserFactory(role_on=tree["hoai_duc"])
    second = UserFactory(role_on=tree["hoai_duc"])
    new_members, fees = indicator("new_members"), indicator("union_fees_collected")
    # The largest value the writes carry, past what the checks find plausible for one unit.
    Indicator.objects.filter(pk=fees.pk).update(plausible_max=None)
    fees.refresh_from_db()
    entries_save(
        rows=[
            EntryRow(tree["hd_1"], new_members, year, month, 12),
            EntryRow(tree["hd_2"], new_members, year, month, 30),
            EntryRow(tree["hd_2"], fees, year, month, 10**15),
            EntryRow(tree["hoai_duc"], new_members, year, month, 5),
        ],
        user=first,
        door=Door.PAGE,
    )
    entry = {
        (e.unit_id, e.indicator_id): e for e in MonthlyEntry.objects.filter(year=year, month=month)
    }
    hd_1 = entry[(tree["hd_1"].pk, new_members.pk)]
    hd_2 = entry[(tree["hd_2"].pk, new_members.pk)]
    hd_2_fees = entry[(tree["hd_2"].pk, fees.pk)]
    district = entry[(tree["hoai_duc"].pk, new_members.pk)]

    entries_save(
        rows=[
            EntryRow(tree["hd_1"], new_members, year, month, 14),  # changed
            EntryRow(tree["hd_2"], new_members, year, month, 30),  # unchanged: no audit row
            EntryRow(tree["hd_2"], fees, year, month, None),  # removed
            EntryRow(tree["ml_1"], new_members, year, month, 7),  # new
        ],
        user=second,
        door=Door.IMPORT,
    )

    ml_1 = MonthlyEntry.objects.get(unit=tree["ml_1"], indicator=new_members)
    when, by_first, by_second = (year, month), (first.pk, first.pk), (second.pk, second.pk)
    hd_1_key, hd_2_key = (tree["hd_1"].pk, new_members.pk), (tree["hd_2"].pk, new_members.pk)
    fees_key, district_key = (tree["hd_2"].pk, fees.pk), (tree["hoai_duc"].pk, new_members.pk)
    ml_1_key = (tree["ml_1"].pk, new_members.pk)
    created = [
        ("+", hd_1.pk, *hd_1_key, when, 12, *by_first, "page"),
        ("+", hd_2.pk, *hd_2_key, when, 30, *by_first, "page"),
        ("+", hd_2_fees.pk, *fees_key, when, 10**15, *by_first, "page"),
        ("+", district.pk, *district_key, when, 5, *by_first, "page"),
    ]
    assert history_rows() == sorted(created, key=lambda row: row[1]) + [
        ("+", ml_1.pk, *ml_1_key, when, 7, *by_second, "import"),
        ("~", hd_1.pk, *hd_1_key, when, 14, *by_second, "import"),
        # A removal records the last value and who entered it, and who removed it.
        ("-", hd_2_fees.pk, *fees_key, when, 10**15, first.pk, second.pk, "import"),
    ]
    hd_1.refresh_from_db()
    assert (hd_1.value, hd_1.entered_by, hd_1.created_at < hd_1.updated_at) == (14, second, True)
    assert not MonthlyEntry.objects.filter(pk=hd_2_fees.pk).exists()
    assert stored_rollup() == brute_force_rollup()
    assert stored_rollup()[(tree["city"].pk, new_members.pk, year, month)] == (14 + 30 + 5 + 7, 4)


def test_a_row_someone_inserted_meanwhile_fails_the_whole_insert(tree, this_month, write_path):
    year, month = this_month
    new_members = indicator("new_members")
    entry_upsert(
        unit=tree["hd_2"], indicator=new_members, year=year, month=month, value=3, user=None
    )
    changes = writes.EntryChanges(
        created=[
            ((tree["hd_1"].pk, new_members.pk, year, month), 1),
            ((tree["hd_2"].pk, new_members.pk, year, month), 2),
        ]
    )
    with transaction.atomic():
        with pytest.raises(writes.DuplicateEntry):
            writes.write(changes, user=None, door=Door.API)
        # The transaction goes on: only the failed step was rolled back.
        assert list(MonthlyEntry.objects.values_list("unit_id", "value")) == [(tree["hd_2"].pk, 3)]
    assert MonthlyEntry.history.count() == 1


def test_a_batch_of_any_size_is_a_fixed_number_of_statements(
    tree, this_month, write_path, django_assert_max_num_queries
):
    year, month = this_month
    indicators = [indicator("new_members"), indicator("total_members")]
    units = [tree[key] for key in ("hoai_duc", "hd_1", "hd_2", "me_linh", "ml_1", "edu_1")]
    rows = [EntryRow(u, i, year, month, 10) for u in units for i in indicators]
    entries_save(rows=rows, user=None)
    again = [EntryRow(r.unit, r.indicator, year, month, 11) for r in rows[:6]]
    again += [EntryRow(r.unit, r.indicator, year, month, None) for r in rows[6:]]
    # entries_save's savepoint (the test is a transaction), select existing, write's savepoint,
    # update + audit, delete + audit, release, roll-up upsert, release; the checks' reads
    # (stored values, indicators, rules, peers, the members' roster) and the findings superseded
    limit = 14 if write_path == "arrays" else 46
    with django_assert_max_num_queries(limit):
        entries_save(rows=again, user=None)
    assert stored_rollup() == brute_force_rollup()
