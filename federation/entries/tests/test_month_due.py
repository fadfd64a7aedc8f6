"""The month due, the month picker and marking months complete, the clock frozen in Hà Nội."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from federation.entries import locks
from federation.entries.selectors import MonthStatus
from federation.entries.services import month_complete
from federation.models import MonthCompletion, MonthReopening
from federation.tests.factories import UserFactory

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def hanoi(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=HANOI)


@pytest.fixture
def first_of_december(settings):
    """01/12/2026 07:00 in Hà Nội: still 30 November in UTC, the moment of the issue."""
    settings.ENTRY_LOCK_DAYS = 10
    with time_machine.travel(hanoi(2026, 12, 1, 7, 0), tick=False):
        yield


class TestMonthDue:
    def test_on_the_first_of_december_november_is_due_until_the_tenth(
        self, tree, first_of_december
    ):
        assert locks.month_due(tree["hoai_duc"]) == (2026, 11)
        assert locks.deadline(2026, 11) == datetime.date(2026, 12, 10)

    def test_once_november_is_complete_the_current_month_is_due(self, tree, first_of_december):
        month_complete(unit=tree["hoai_duc"], year=2026, month=11, user=None)
        assert locks.month_due(tree["hoai_duc"]) == (2026, 12)

    def test_after_the_deadline_the_current_month_is_due(self, tree, settings):
        settings.ENTRY_LOCK_DAYS = 10
        with time_machine.travel(hanoi(2026, 12, 11, 9, 0), tick=False):
            assert locks.month_due(tree["hoai_duc"]) == (2026, 12)

    def test_a_reopened_earlier_month_comes_first(self, tree, first_of_december, city_leader):
        MonthReopening.objects.create(
            unit=tree["hoai_duc"],
            year=2026,
            month=9,
            reason="Sửa số liệu",
            expires_at=timezone.now() + datetime.timedelta(days=3),
            reopened_by=city_leader,
        )
        assert locks.month_due(tree["hd_1"]) == (2026, 9)
        assert locks.month_due(tree["me_linh"]) == (2026, 11)

    def test_with_a_long_lock_two_ended_months_may_be_due(self, tree, settings):
        settings.ENTRY_LOCK_DAYS = 40
        with time_machine.travel(hanoi(2027, 1, 5, 8, 0), tick=False):
            assert locks.month_due(tree["hoai_duc"]) == (2026, 11)
            month_complete(unit=tree["hoai_duc"], year=2026, month=11, user=None)
            assert locks.month_due(tree["hoai_duc"]) == (2026, 12)


class TestMonthStates:
    def test_each_month_of_the_year_has_its_state_and_december_is_open(
        self, tree, first_of_december
    ):
        month_complete(unit=tree["hoai_duc"], year=2026, month=10, user=None)
        states = {m.month: m.state for m in locks.month_states(tree["hoai_duc"], 2026)}
        assert states[9] == locks.MonthState.LOCKED
        assert states[10] == locks.MonthState.COMPLETE
        assert states[11] == locks.MonthState.OPEN
        assert states[12] == locks.MonthState.OPEN

    def test_months_not_begun_are_future(self, tree, first_of_december):
        states = {m.month: m.state for m in locks.month_states(tree["hoai_duc"], 2027)}
        assert set(states.values()) == {locks.MonthState.FUTURE}


class TestEntryLinks:
    @pytest.fixture
    def staff_client(self, client, district_staff):
        client.force_login(district_staff)
        return client

    def test_the_entry_link_opens_the_month_due(self, tree, staff_client, first_of_december):
        response = staff_client.get(reverse("entry_current", args=[tree["hoai_duc"].pk]))
        assert response.url == reverse("entry_month", args=[tree["hoai_duc"].pk, 2026, 11])

    def test_the_grid_never_offers_a_month_not_begun(self, tree, staff_client, first_of_december):
        url = reverse("entry_month", args=[tree["hoai_duc"].pk, 2026, 12])
        page = staff_client.get(url).content.decode()
        assert reverse("entry_month", args=[tree["hoai_duc"].pk, 2027, 1]) not in page
        assert "Chưa đến" not in page  # December is the last month of 2026: all have begun
        assert "Tháng cần nhập bây giờ là" in page

    def test_the_picker_shows_states_and_greys_out_months_not_begun(
        self, tree, staff_client, settings
    ):
        settings.ENTRY_LOCK_DAYS = 10
        with time_machine.travel(hanoi(2026, 6, 3, 8, 0), tick=False):
            url = reverse("entry_month", args=[tree["hoai_duc"].pk, 2026, 5])
            page = staff_client.get(url).content.decode()
        assert page.count("Chưa đến") == 6
        assert reverse("entry_month", args=[tree["hoai_duc"].pk, 2026, 7]) not in page
        assert reverse("entry_month", args=[tree["hoai_duc"].pk, 2026, 6]) in page
        assert "Đã khóa" in page and "Đang mở" in page

    def test_the_completeness_page_never_offers_a_month_not_begun(
        self, tree, staff_client, first_of_december
    ):
        url = reverse("completeness", args=[tree["hoai_duc"].pk, 2026, 12])
        page = staff_client.get(url).content.decode()
        assert reverse("completeness", args=[tree["hoai_duc"].pk, 2027, 1]) not in page


class TestCompleteInBulk:
    def test_the_district_marks_itself_and_its_grassroots_unions_and_every_page_agrees(
        self, tree, client, district_staff, city_leader, first_of_december
    ):
        client.force_login(district_staff)
        url = reverse("entry_complete", args=[tree["hoai_duc"].pk, 2026, 11])
        client.post(url, {"with_grassroots": "on"})
        marked = {c.unit for c in MonthCompletion.objects.filter(year=2026, month=11)}
        assert marked == {tree["hoai_duc"], tree["hd_1"], tree["hd_2"]}
        assert MonthCompletion.history.filter(history_user=district_staff).count() == 3
        own = client.get(reverse("completeness", args=[tree["hoai_duc"].pk, 2026, 11]))
        assert (own.context["report"].complete, own.context["report"].total) == (2, 2)
        client.force_login(city_leader)
        city = client.get(reverse("completeness", args=[tree["city"].pk, 2026, 11]))
        states = {c.unit: c.status for c in city.context["report"].children}
        assert states[tree["hoai_duc"]] == MonthStatus.COMPLETE

    def test_without_the_box_only_the_district_is_marked(self, tree, district_staff):
        added = month_complete(unit=tree["hoai_duc"], year=2026, month=3, user=district_staff)
        assert added == 1
        assert MonthCompletion.objects.get().unit == tree["hoai_duc"]

    def test_staff_of_another_district_is_refused(self, tree):
        other = UserFactory(role_on=tree["me_linh"], role_on__role="staff")
        with pytest.raises(PermissionDenied):
            month_complete(unit=tree["hoai_duc"], year=2026, month=3, user=other)

    def test_a_month_not_begun_cannot_be_complete(self, tree, district_staff, first_of_december):
        with pytest.raises(ValidationError):
            month_complete(unit=tree["hoai_duc"], year=2027, month=1, user=district_staff)


def test_a_page_reads_the_months_state_mark_due_month_and_picker_in_two_queries(
    tree, first_of_december, city_leader, django_assert_num_queries
):
    """The grid and the completeness page tell all four from one read (they took six)."""
    MonthReopening.objects.create(
        unit=tree["hoai_duc"], year=2026, month=9, reason="Sửa số liệu",
        expires_at=timezone.now() + datetime.timedelta(days=3), reopened_by=city_leader,
    )  # fmt: skip
    month_complete(unit=tree["hd_1"], year=2026, month=9, user=city_leader)
    with django_assert_num_queries(2):
        months = locks.UnitMonths(tree["hd_1"], years=[2026])
        state, due = months.state(2026, 9), months.due()
        picker = {(p.year, p.month): p.state for p in months.states(2026)}
        completion = months.completion(2026, 9)
        assert completion.completed_by == city_leader
        assert state["reopening"].reason == "Sửa số liệu" and not state["locked"]
    assert due == (2026, 11)
    assert picker[2026, 9] == locks.MonthState.COMPLETE
    assert picker[2026, 10] == locks.MonthState.LOCKED
    assert picker[2026, 11] == locks.MonthState.OPEN
    assert picker[2026, 12] == locks.MonthState.OPEN  # the current month
