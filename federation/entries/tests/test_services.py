import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from federation.entries.services import (
    EntryRow,
    RowsInvalid,
    entries_save,
    entry_delete,
    entry_upsert,
    month_reopen,
)
from federation.models import Door, MonthlyEntry, MonthlyTotal, MonthReopening, Rollup
from federation.tests.factories import UserFactory, indicator


def rollup_total(unit, code, year, month):
    """The unit's total as pages read it (a CĐCS's own entry, any other unit's roll-up row)."""
    row = MonthlyTotal.objects.filter(
        unit=unit, indicator__code=code, year=year, month=month
    ).first()
    return row.total if row else 0


class TestEntries:
    def test_saving_rolls_the_value_up_to_every_ancestor(self, tree):
        entry_upsert(
            unit=tree["hd_1"],
            indicator=indicator("new_members"),
            year=2026,
            month=3,
            value=40,
            user=None,
        )
        for key in ("hd_1", "hoai_duc", "city"):
            assert rollup_total(tree[key], "new_members", 2026, 3) == 40
        assert rollup_total(tree["me_linh"], "new_members", 2026, 3) == 0

    def test_replacing_a_value_adds_only_the_difference(self, tree):
        for value in (40, 25):
            entry_upsert(
                unit=tree["hd_1"],
                indicator=indicator("new_members"),
                year=2026,
                month=3,
                value=value,
                user=None,
            )
        assert MonthlyEntry.objects.get().value == 25
        assert rollup_total(tree["city"], "new_members", 2026, 3) == 25

    def test_a_unit_own_entries_and_its_childrens_add_up(self, tree):
        new_members = indicator("new_members")
        entries_save(
            rows=[
                EntryRow(tree["hoai_duc"], new_members, 2026, 3, 5),
                EntryRow(tree["hd_1"], new_members, 2026, 3, 10),
                EntryRow(tree["hd_2"], new_members, 2026, 3, 20),
            ],
            user=None,
        )
        assert rollup_total(tree["hoai_duc"], "new_members", 2026, 3) == 35

    def test_a_batch_with_one_invalid_row_saves_nothing(self, tree):
        new_members = indicator("new_members")
        with pytest.raises(RowsInvalid) as invalid:
            entries_save(
                rows=[
                    EntryRow(tree["hd_1"], new_members, 2026, 3, 10),
                    EntryRow(tree["hd_2"], new_members, 2026, 13, 10),
                    EntryRow(tree["hd_2"], new_members, 2026, 4, -1),
                    EntryRow(tree["hd_2"], new_members, 2026, 5, 2.5),
                ],
                user=None,
            )
        assert [(e.row, e.field) for e in invalid.value.errors] == [
            (1, "month"),
            (2, "value"),
            (3, "value"),
        ]
        assert invalid.value.errors[0].message == "Tháng phải từ 1 đến 12."
        assert MonthlyEntry.objects.count() == 0
        assert Rollup.objects.count() == 0

    def test_the_same_key_twice_in_one_batch_is_refused(self, tree):
        new_members = indicator("new_members")
        with pytest.raises(RowsInvalid) as invalid:
            entries_save(
                rows=[
                    EntryRow(tree["hd_1"], new_members, 2026, 3, 10),
                    EntryRow(tree["hd_1"], new_members, 2026, 3, 11),
                ],
                user=None,
            )
        assert invalid.value.errors[0].row == 1
        assert MonthlyEntry.objects.count() == 0

    def test_money_in_dong_fits(self, tree):
        amount = 8_558_063_000_000
        entry_upsert(
            unit=tree["hd_1"],
            indicator=indicator("union_fees_collected"),
            year=2026,
            month=3,
            value=amount,
            user=None,
        )
        assert rollup_total(tree["city"], "union_fees_collected", 2026, 3) == amount

    def test_every_change_is_audited_with_user_old_and_new_value_and_door(self, tree, this_month):
        user = UserFactory(role_on=tree["hoai_duc"])
        year, month = this_month
        for value, door in ((40, Door.PAGE), (45, Door.API)):
            entry_upsert(
                unit=tree["hd_1"],
                indicator=indicator("new_members"),
                year=year,
                month=month,
                value=value,
                user=user,
                door=door,
            )
        history = list(MonthlyEntry.history.order_by("history_date"))
        assert [(h.value, h.history_change_reason, h.history_user) for h in history] == [
            (40, "page", user),
            (45, "api", user),
        ]
        assert history[1].prev_record.value == 40

    def test_an_unchanged_value_writes_no_history(self, tree):
        for _ in range(2):
            entry_upsert(
                unit=tree["hd_1"],
                indicator=indicator("new_members"),
                year=2026,
                month=3,
                value=40,
                user=None,
            )
        assert MonthlyEntry.history.count() == 1

    def test_deleting_takes_the_value_out_of_every_ancestor(self, tree):
        entry = entry_upsert(
            unit=tree["hd_1"],
            indicator=indicator("new_members"),
            year=2026,
            month=3,
            value=40,
            user=None,
        )
        entry_delete(entry=entry, user=None)
        assert rollup_total(tree["city"], "new_members", 2026, 3) == 0
        assert MonthlyEntry.history.first().history_type == "-"

    def test_the_database_refuses_negative_values(self, tree):
        with pytest.raises(IntegrityError), transaction.atomic():
            MonthlyEntry.objects.create(
                unit=tree["hd_1"], indicator=indicator("new_members"), year=2026, month=3, value=-5
            )


class TestWhoMayReopen:
    """A locked month is reopened by a leader above the unit, whichever door asks."""

    def reopen(self, unit, user):
        return month_reopen(
            unit=unit,
            year=2026,
            month=1,
            reason="Bổ sung số liệu",
            expires_at=timezone.now() + datetime.timedelta(days=3),
            user=user,
        )

    def test_staff_and_the_units_own_leader_cannot(self, tree, district_staff, district_leader):
        for user in (district_staff, district_leader):
            with pytest.raises(PermissionDenied):
                self.reopen(tree["hoai_duc"], user)
        assert not MonthReopening.objects.exists()

    def test_a_leader_of_another_unit_cannot(self, tree, district_leader):
        with pytest.raises(PermissionDenied):
            self.reopen(tree["me_linh"], district_leader)
        assert not MonthReopening.objects.exists()

    def test_a_leader_above_can(self, tree, district_leader, city_leader):
        self.reopen(tree["hd_1"], district_leader)
        self.reopen(tree["hoai_duc"], city_leader)
        assert MonthReopening.objects.count() == 2
