"""The admin is one more door to the roster: its writes go through the services."""

import datetime

import pytest
from django.urls import reverse

from federation.models import Door
from membership import selectors, tally
from membership.models import LeaveReason, Member

from .factories import MemberFactory


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def form(union, **changes) -> dict:
    data = {
        "union": union.pk,
        "full_name": "  Vũ   Thị Mai ",
        "gender": "female",
        "birth_date": "1990-01-02",
        "joined_on": "2015-03-04",
        "left_on": "",
        "leave_reason": "",
        "card_number": "vt 01",
    }
    return data | changes


def test_a_member_added_in_the_admin_is_tidied_and_audited(admin_client, superuser, tree):
    response = admin_client.post(reverse("admin:membership_member_add"), form(tree["hd_1"]))

    assert response.status_code == 302
    member = Member.objects.get()
    assert (member.full_name, member.card_number, member.search_name) == (
        "Vũ Thị Mai",
        "VT01",
        "vu thi mai",
    )
    record = member.history.get()
    assert (record.history_user, record.history_change_reason) == (superuser, Door.ADMIN)


def test_a_member_added_as_already_gone_is_recorded_leaving(admin_client, tree):
    data = form(tree["hd_1"], left_on="2020-05-06", leave_reason=LeaveReason.RETIRED)

    admin_client.post(reverse("admin:membership_member_add"), data)

    member = Member.objects.get()
    assert (member.left_on, member.leave_reason) == (datetime.date(2020, 5, 6), "retired")


def test_the_admin_refuses_a_namesake_born_the_same_day_in_the_union(admin_client, tree):
    MemberFactory(union=tree["hd_1"], full_name="Vũ Thị Mai", birth_date=datetime.date(1990, 1, 2))

    response = admin_client.post(reverse("admin:membership_member_add"), form(tree["hd_1"]))

    assert response.status_code == 200
    assert "CĐCS đã có đoàn viên cùng họ tên và ngày sinh." in response.content.decode()
    assert Member.objects.count() == 1


def test_a_change_in_the_admin_goes_through_the_service(admin_client, superuser, tree):
    member = MemberFactory(union=tree["hd_1"])
    url = reverse("admin:membership_member_change", args=[member.pk])

    response = admin_client.post(url, form(tree["hd_1"], full_name="Vũ Thị Lan"))

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.full_name, member.search_name) == ("Vũ Thị Lan", "vu thi lan")
    assert member.history.first().history_change_reason == Door.ADMIN


def test_the_admin_cannot_move_a_member_to_another_union(admin_client, tree):
    member = MemberFactory(union=tree["hd_1"])
    url = reverse("admin:membership_member_change", args=[member.pk])

    admin_client.post(url, form(tree["ml_1"]))

    member.refresh_from_db()
    assert member.union == tree["hd_1"]


def test_a_member_deleted_in_the_admin_leaves_the_counts_and_is_audited(
    admin_client, superuser, tree
):
    kept, deleted, also = MemberFactory.create_batch(3, union=tree["hd_1"])
    url = reverse("admin:membership_member_delete", args=[deleted.pk])

    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    changelist = reverse("admin:membership_member_changelist")
    action = {"action": "delete_selected", "_selected_action": [also.pk], "post": "yes"}
    assert admin_client.post(changelist, action).status_code == 302

    assert list(Member.objects.all()) == [kept]
    assert selectors.roster_counts(tree["city"]).members.active == 1
    record = Member.history.filter(id=deleted.pk, history_type="-").get()
    assert (record.history_user, record.history_change_reason) == (superuser, Door.ADMIN)
    assert tally.find_drift() == []
