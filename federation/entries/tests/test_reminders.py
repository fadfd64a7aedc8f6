"""Reminders before the deadline: the beat task run for real, a leader's one click, at most
once a day per unit, emails read from Django's in-memory outbox."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from federation.entries.services import month_complete
from federation.models import MonthReminder
from federation.tasks import remind_before_deadline
from federation.tests.factories import UserFactory

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def deadlines(settings):
    settings.ENTRY_LOCK_DAYS = 10
    settings.REMINDER_DAYS_BEFORE_DEADLINE = 3
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def at(day: int):
    """08:00 in Hà Nội on a day of December 2026: November's deadline is the 10th."""
    return time_machine.travel(datetime.datetime(2026, 12, day, 8, tzinfo=HANOI), tick=False)


@pytest.fixture
def staff(tree):
    return {
        key: UserFactory(email=f"{key}@example.vn", role_on=tree[key], role_on__role="staff")
        for key in ("hoai_duc", "me_linh", "ml_1")
    }


class TestBeforeTheDeadline:
    def test_the_task_emails_the_staff_of_units_not_complete_once(self, tree, staff, mailoutbox):
        month_complete(unit=tree["hoai_duc"], year=2026, month=11, user=None)
        with at(7):
            assert remind_before_deadline.apply().get() == 2
            assert remind_before_deadline.apply().get() == 0  # once a day
        assert sorted(m.to[0] for m in mailoutbox) == ["me_linh@example.vn", "ml_1@example.vn"]
        message = mailoutbox[0]
        assert message.subject == "Nhắc nộp số liệu tháng 11/2026 — hạn 10/12/2026"
        assert reverse("entry_month", args=[tree["me_linh"].pk, 2026, 11]) in message.body
        assert MonthReminder.objects.filter(sent_by=None).count() == 2

    def test_nothing_is_sent_on_other_days(self, tree, staff, mailoutbox):
        with at(6):
            assert remind_before_deadline.apply().get() == 0
        with at(11):
            assert remind_before_deadline.apply().get() == 0
        assert mailoutbox == []

    def test_the_home_shows_the_same_reminder(self, client, tree, staff):
        client.force_login(staff["me_linh"])
        with at(7):
            page = client.get(reverse("home")).content.decode()
        assert "Còn 3 ngày để nhập và xác nhận hoàn thành số liệu tháng 11/2026" in page
        with at(5):
            assert "Còn 5 ngày để nhập" not in client.get(reverse("home")).content.decode()


class TestLeaderReminds:
    def remind(self, client, unit, **data):
        return client.post(reverse("completeness_remind", args=[unit.pk, 2026, 11]), data)

    def test_one_child_in_one_click_audited_and_once_a_day(
        self, client, tree, staff, city_leader, mailoutbox
    ):
        client.force_login(city_leader)
        with at(3):
            self.remind(client, tree["city"], child=tree["me_linh"].pk)
            response = self.remind(client, tree["city"], child=tree["me_linh"].pk)
            page = client.get(response.url).content.decode()
        assert [m.to for m in mailoutbox] == [["me_linh@example.vn"]]
        reminder = MonthReminder.objects.get()
        assert (reminder.unit, reminder.sent_by) == (tree["me_linh"], city_leader)
        assert reminder.history.get().history_user == city_leader
        assert "đã được nhắc hôm nay nên không gửi lại" in page
        assert "Đã nhắc hôm nay" in page

    def test_all_late_children_at_once(self, client, tree, staff, city_leader, mailoutbox):
        month_complete(unit=tree["hoai_duc"], year=2026, month=11, user=None)
        client.force_login(city_leader)
        with at(3):
            self.remind(client, tree["city"])
        reminded = {r.unit for r in MonthReminder.objects.all()}
        assert reminded == {tree["me_linh"], tree["education"]}
        assert [m.to for m in mailoutbox] == [["me_linh@example.vn"]]  # education has no staff

    def test_staff_are_refused(self, client, tree, staff, mailoutbox):
        client.force_login(staff["hoai_duc"])
        with at(3):
            response = self.remind(client, tree["hoai_duc"], child=tree["hd_1"].pk)
        assert response.status_code == 403
        assert not MonthReminder.objects.exists() and mailoutbox == []

    def test_outside_the_subtree_is_a_404(self, client, tree, district_leader):
        client.force_login(district_leader)
        with at(3):
            response = self.remind(client, tree["me_linh"], child=tree["ml_1"].pk)
            not_a_child = self.remind(client, tree["hoai_duc"], child=tree["ml_1"].pk)
        assert response.status_code == not_a_child.status_code == 404
        assert not MonthReminder.objects.exists()
