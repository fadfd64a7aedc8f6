import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from federation.entries import locks
from federation.entries.services import (
    EntryRow,
    RowsInvalid,
    StaleEntries,
    entries_save,
    entry_delete,
    month_complete,
    month_reopen,
    month_uncomplete,
)
from federation.models import MonthlyEntry, Rollup
from federation.tests.factories import UserFactory, indicator


def months_ago(n: int) -> tuple[int, int]:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - n
    return index // 12, index % 12 + 1


def save(unit, value, year, month, user, code="new_members", **kwargs):
    return entries_save(
        rows=[EntryRow(unit, indicator(code), year, month, value)], user=user, **kwargs
    )


class TestDeadline:
    def test_a_month_locks_the_configured_days_after_it_ends(self, settings):
        settings.ENTRY_LOCK_DAYS = 10
        assert locks.deadline(2026, 3) == datetime.date(2026, 4, 10)
        assert locks.deadline(2024, 2) == datetime.date(2024, 3, 10)  # leap year
        settings.ENTRY_LOCK_DAYS = 0
        assert locks.deadline(2026, 12) == datetime.date(2026, 12, 31)

    def test_the_page_state_tells_deadline_and_lock(self, tree):
        year, month = months_ago(3)
        state = locks.UnitMonths(tree["hd_1"]).state(year, month)
        assert state["locked"]
        assert "đã khóa sổ" in state["reason"]
        assert state["deadline"] == locks.deadline(year, month)


class TestLockedMonths:
    def test_staff_cannot_write_a_locked_month_and_nothing_is_saved(self, tree, district_staff):
        year, month = months_ago(3)
        with pytest.raises(RowsInvalid) as invalid:
            save(tree["hd_1"], 5, year, month, district_staff)
        error = invalid.value.errors[0]
        assert (error.row, error.field) == (0, "month")
        assert f"Tháng {month:02d}/{year} đã khóa sổ" in error.message
        assert not MonthlyEntry.objects.exists()
        assert not Rollup.objects.exists()

    def test_a_locked_month_also_refuses_a_delete(self, tree, district_staff):
        year, month = months_ago(3)
        save(tree["hd_1"], 5, year, month, user=None)
        with pytest.raises(ValidationError):
            entry_delete(entry=MonthlyEntry.objects.get(), user=district_staff)
        assert MonthlyEntry.objects.get().value == 5

    def test_the_current_month_is_open(self, tree, district_staff, this_month):
        assert save(tree["hd_1"], 5, *this_month, district_staff).count == 1

    def test_months_before_their_deadline_are_told_open_without_reading_reopenings(
        self, tree, district_staff, this_month, django_assert_num_queries
    ):
        """Only a month past its deadline can be open by a reopening: the usual save, of the
        month due, asks the database nothing about it."""
        months = [(tree["hd_1"], *this_month), (tree["hd_2"], *this_month)]
        with django_assert_num_queries(0):
            assert locks.closed_reasons(months, district_staff) == [None, None]
        with django_assert_num_queries(1):
            assert locks.closed_reasons([(tree["hd_1"], *months_ago(3))], district_staff) != [None]

    def test_a_month_still_to_come_is_refused(self, tree, district_staff):
        year, month = months_ago(-1)
        with pytest.raises(RowsInvalid, match="chưa đến kỳ báo cáo"):
            save(tree["hd_1"], 5, year, month, district_staff)

    def test_a_superuser_writes_a_locked_month_and_it_is_audited(self, tree, superuser):
        year, month = months_ago(14)
        save(tree["hd_1"], 7, year, month, superuser, door="import")
        record = MonthlyEntry.history.get()
        assert (record.value, record.history_user, record.history_change_reason) == (
            7,
            superuser,
            "import",
        )


class TestReopening:
    def reopen(self, unit, year, month, leader, hours=24):
        return month_reopen(
            unit=unit,
            year=year,
            month=month,
            reason="Bổ sung số liệu CĐCS mới thành lập",
            expires_at=timezone.now() + datetime.timedelta(hours=hours),
            user=leader,
        )

    def test_a_reopened_month_accepts_writes_for_the_unit_and_its_subtree(
        self, tree, city_leader, district_staff
    ):
        year, month = months_ago(3)
        self.reopen(tree["hoai_duc"], year, month, city_leader)
        save(tree["hd_1"], 5, year, month, district_staff)
        save(tree["hoai_duc"], 2, year, month, district_staff)
        assert MonthlyEntry.objects.count() == 2

    def test_a_reopening_opens_only_that_unit_and_that_month(self, tree, city_leader):
        year, month = months_ago(3)
        self.reopen(tree["hoai_duc"], year, month, city_leader)
        staff = UserFactory(role_on=tree["city"])
        with pytest.raises(RowsInvalid):
            save(tree["ml_1"], 5, year, month, staff)
        other_year, other_month = months_ago(4)
        with pytest.raises(RowsInvalid):
            save(tree["hd_1"], 5, other_year, other_month, staff)

    def test_an_expired_reopening_no_longer_opens(self, tree, city_leader, district_staff):
        year, month = months_ago(3)
        reopening = self.reopen(tree["hoai_duc"], year, month, city_leader)
        reopening.expires_at = timezone.now() - datetime.timedelta(minutes=1)
        reopening.save()
        with pytest.raises(RowsInvalid):
            save(tree["hd_1"], 5, year, month, district_staff)

    @pytest.mark.parametrize(
        "reason, hours, field",
        [("", 24, "reason"), ("Lý do", -1, "expires_at"), ("Lý do", 24 * 40, "expires_at")],
    )
    def test_a_reopening_needs_a_reason_and_a_near_future_expiry(
        self, tree, city_leader, reason, hours, field
    ):
        with pytest.raises(ValidationError) as error:
            month_reopen(
                unit=tree["hoai_duc"],
                year=2026,
                month=1,
                reason=reason,
                expires_at=timezone.now() + datetime.timedelta(hours=hours),
                user=city_leader,
            )
        assert field in error.value.message_dict


class TestStaleForms:
    def test_a_stale_form_is_refused_and_shows_what_changed(self, tree, district_staff, this_month):
        colleague = UserFactory(role_on=tree["hoai_duc"])
        save(tree["hd_1"], 10, *this_month, district_staff)
        seen = {(tree["hd_1"].pk, indicator("new_members").pk, *this_month): 10}
        save(tree["hd_1"], 12, *this_month, colleague)

        with pytest.raises(StaleEntries) as stale:
            save(tree["hd_1"], 15, *this_month, district_staff, expected=seen)

        conflict = stale.value.conflicts[0]
        assert (conflict.seen, conflict.current, conflict.changed_by) == (10, 12, colleague)
        assert MonthlyEntry.objects.get().value == 12

    def test_a_value_added_meanwhile_where_the_form_showed_none_is_a_conflict(
        self, tree, district_staff, this_month
    ):
        key = (tree["hd_1"].pk, indicator("new_members").pk, *this_month)
        save(tree["hd_1"], 3, *this_month, UserFactory(role_on=tree["hoai_duc"]))
        with pytest.raises(StaleEntries):
            save(tree["hd_1"], 4, *this_month, district_staff, expected={key: None})

    def test_an_up_to_date_form_saves(self, tree, district_staff, this_month):
        key = (tree["hd_1"].pk, indicator("new_members").pk, *this_month)
        save(tree["hd_1"], 3, *this_month, district_staff, expected={key: None})
        save(tree["hd_1"], 4, *this_month, district_staff, expected={key: 3})
        assert MonthlyEntry.objects.get().value == 4


class TestClearing:
    def test_a_cleared_value_removes_the_entry_and_its_roll_up(
        self, tree, district_staff, this_month
    ):
        save(tree["hd_1"], 9, *this_month, district_staff)
        save(tree["hd_1"], None, *this_month, district_staff)
        assert not MonthlyEntry.objects.exists()
        assert Rollup.objects.get(unit=tree["city"]).entries == 0
        assert MonthlyEntry.history.first().history_type == "-"


class TestCompletion:
    def test_marking_a_month_complete_twice_keeps_one_mark(self, tree, district_staff):
        for _ in range(2):
            month_complete(unit=tree["hd_1"], year=2026, month=3, user=district_staff)
        assert tree["hd_1"].completions.get().completed_by == district_staff
        month_uncomplete(unit=tree["hd_1"], year=2026, month=3, user=district_staff)
        assert not tree["hd_1"].completions.exists()
