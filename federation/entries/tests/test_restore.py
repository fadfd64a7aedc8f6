"""Any change in a month's history can be restored with one click, as any write: checked,
audited with the door "revert", and refused for a month closed to the user."""

from django.urls import reverse

from federation.entries.services import EntryRow, entries_save
from federation.entries.tests.test_locks import months_ago
from federation.models import MonthlyEntry
from federation.tests.factories import UserFactory, indicator


def history_url(unit, year, month):
    return reverse("entry_history", args=[unit.pk, year, month])


def restore_url(unit, year, month, record):
    return reverse("entry_restore", args=[unit.pk, year, month, record.history_id])


def test_a_value_is_restored_from_its_history_and_the_restore_is_audited(
    client, tree, district_staff, this_month
):
    year, month = this_month
    members = indicator("new_members")
    for value in (12, 15):
        entries_save(rows=[EntryRow(tree["hd_1"], members, year, month, value)], user=None)
    first = MonthlyEntry.history.order_by("history_id").first()
    client.force_login(district_staff)

    page = client.get(history_url(tree["hoai_duc"], year, month)).content.decode()
    answer = client.post(restore_url(tree["hoai_duc"], year, month, first))

    assert restore_url(tree["hoai_duc"], year, month, first) in page
    assert answer.status_code == 302
    assert MonthlyEntry.objects.get().value == 12
    latest = MonthlyEntry.history.order_by("-history_id").first()
    assert (latest.history_change_reason, latest.history_user) == ("revert", district_staff)
    assert "Khôi phục từ lịch sử" in client.get(answer["Location"]).content.decode()


def test_a_deleted_value_comes_back(client, tree, district_staff, this_month):
    year, month = this_month
    members = indicator("new_members")
    entries_save(rows=[EntryRow(tree["hd_1"], members, year, month, 7)], user=None)
    entries_save(rows=[EntryRow(tree["hd_1"], members, year, month, None)], user=None)
    deleted = MonthlyEntry.history.get(history_type="-")
    client.force_login(district_staff)

    client.post(restore_url(tree["hoai_duc"], year, month, deleted))

    assert MonthlyEntry.objects.get().value == 7


def test_a_locked_month_is_not_restored_by_staff(client, tree, district_staff):
    year, month = months_ago(3)
    members = indicator("new_members")
    for value in (12, 15):
        entries_save(rows=[EntryRow(tree["hd_1"], members, year, month, value)], user=None)
    first = MonthlyEntry.history.order_by("history_id").first()
    client.force_login(district_staff)

    answer = client.post(restore_url(tree["hoai_duc"], year, month, first), follow=True)

    assert MonthlyEntry.objects.get().value == 15
    assert "đã khóa sổ" in answer.content.decode()


def test_another_districts_history_cannot_be_restored(client, tree, this_month):
    year, month = this_month
    entries_save(rows=[EntryRow(tree["ml_1"], indicator("new_members"), year, month, 3)], user=None)
    record = MonthlyEntry.history.get()
    client.force_login(UserFactory(role_on=tree["hoai_duc"]))

    assert client.post(restore_url(tree["me_linh"], year, month, record)).status_code == 404
    assert client.post(restore_url(tree["hoai_duc"], year, month, record)).status_code == 404


def test_deleting_a_user_keeps_who_wrote_each_value_and_the_history_still_opens(
    client, tree, district_staff, this_month
):
    year, month = this_month
    writer = UserFactory()
    entries_save(
        rows=[EntryRow(tree["hd_1"], indicator("new_members"), year, month, 9)], user=writer
    )
    writer_id = writer.pk
    writer.delete()
    client.force_login(district_staff)

    page = client.get(history_url(tree["hoai_duc"], year, month))

    assert page.status_code == 200
    assert MonthlyEntry.history.get().history_user_id == writer_id
    assert MonthlyEntry.objects.get().entered_by_id == writer_id
