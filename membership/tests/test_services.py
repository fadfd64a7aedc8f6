import datetime

import pytest
from django.core.exceptions import ValidationError

from federation.models import Door
from federation.tests.factories import UserFactory
from membership import services
from membership.models import Gender, LeaveReason, Member

from .factories import MemberFactory

DAY = datetime.date(2024, 6, 1)


def create(union, user=None, **fields):
    values = {
        "full_name": "Nguyễn Thị Hoa",
        "gender": Gender.FEMALE,
        "birth_date": datetime.date(1992, 3, 4),
        "joined_on": datetime.date(2018, 9, 1),
        "card_number": "HD-0001",
    }
    return services.member_create(union=union, user=user, door=Door.PAGE, **{**values, **fields})


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.message_dict


# --- admitting ---------------------------------------------------------------------------------


def test_a_new_member_is_saved_tidied_and_audited(tree, district_staff):
    member = create(
        tree["hd_1"], district_staff, full_name="  Nguyễn   Thị Hoa ", card_number="hd 0001"
    )

    member.refresh_from_db()
    assert member.full_name == "Nguyễn Thị Hoa"
    assert member.search_name == "nguyen thi hoa"
    assert member.card_number == "HD0001"
    record = member.history.get()
    assert (record.history_user, record.history_change_reason) == (district_staff, Door.PAGE)


def test_a_member_cannot_be_admitted_to_a_federation(tree):
    assert "union" in errors_of(lambda: create(tree["hoai_duc"]))
    assert not Member.objects.exists()


def test_a_card_number_held_by_a_current_member_elsewhere_is_refused(tree):
    MemberFactory(union=tree["ml_1"], card_number="X123")

    errors = errors_of(lambda: create(tree["hd_1"], card_number="x 123"))

    assert errors["card_number"] == ["Số thẻ này đang được dùng cho một đoàn viên khác."]


def test_a_card_number_of_a_member_who_left_can_be_used_again(tree):
    MemberFactory(
        union=tree["hd_1"], card_number="X123", left_on=DAY, leave_reason=LeaveReason.RETIRED
    )

    assert create(tree["hd_1"], card_number="X123").pk


def test_the_same_name_and_birth_date_in_the_same_union_is_refused(tree):
    create(tree["hd_1"], card_number="")

    errors = errors_of(lambda: create(tree["hd_1"], full_name="NGUYEN THI HOA", card_number=""))

    assert errors["full_name"] == ["CĐCS đã có đoàn viên cùng họ tên và ngày sinh."]


def test_the_same_name_and_birth_date_in_another_union_is_accepted(tree):
    create(tree["hd_1"], card_number="")

    assert create(tree["hd_2"], card_number="").union == tree["hd_2"]


def test_a_future_joining_date_is_refused(tree):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)

    errors = errors_of(lambda: create(tree["hd_1"], joined_on=tomorrow))

    assert errors["joined_on"] == ["Ngày vào công đoàn không được ở tương lai."]


# --- correcting --------------------------------------------------------------------------------


def test_an_update_changes_the_fields_and_the_search_name(tree, district_staff):
    member = create(tree["hd_1"])

    services.member_update(
        member=member, user=district_staff, door=Door.PAGE, full_name="Trần Thị Hoa"
    )

    member.refresh_from_db()
    assert (member.full_name, member.search_name) == ("Trần Thị Hoa", "tran thi hoa")
    assert member.history.count() == 2


def test_a_refused_update_leaves_the_member_unchanged(tree):
    member = create(tree["hd_1"])

    errors_of(
        lambda: services.member_update(
            member=member, user=None, birth_date=datetime.date(2100, 1, 1)
        )
    )

    member.refresh_from_db()
    assert member.birth_date == datetime.date(1992, 3, 4)


def test_an_update_cannot_move_a_member_to_another_union(tree):
    member = create(tree["hd_1"])

    with pytest.raises(TypeError):
        services.member_update(member=member, user=None, union=tree["hd_2"])


def test_the_date_of_a_transfer_cannot_be_edited(tree):
    member = create(tree["hd_1"])
    services.member_transfer(member=member, to_union=tree["hd_2"], on=DAY, user=None)

    errors = errors_of(
        lambda: services.member_update(member=member, user=None, left_on=datetime.date(2024, 7, 1))
    )

    assert "left_on" in errors


# --- leaving -----------------------------------------------------------------------------------


def test_leaving_records_the_date_and_reason(tree, district_staff):
    member = create(tree["hd_1"])

    services.member_leave(
        member=member, left_on=DAY, reason=LeaveReason.RETIRED, user=district_staff
    )

    member.refresh_from_db()
    assert (member.left_on, member.leave_reason, member.is_active) == (
        DAY,
        LeaveReason.RETIRED,
        False,
    )
    assert member.history.first().history_user == district_staff


def test_leaving_before_joining_is_refused_and_nothing_changes(tree):
    member = create(tree["hd_1"])

    errors = errors_of(
        lambda: services.member_leave(
            member=member, left_on=datetime.date(2018, 8, 31), reason="resigned", user=None
        )
    )

    assert errors["left_on"] == ["Ngày ra khỏi CĐCS phải sau ngày vào công đoàn."]
    member.refresh_from_db()
    assert member.is_active


def test_a_member_cannot_leave_twice(tree):
    member = create(tree["hd_1"])
    services.member_leave(member=member, left_on=DAY, reason="resigned", user=None)

    errors = errors_of(
        lambda: services.member_leave(member=member, left_on=DAY, reason="retired", user=None)
    )

    assert errors["left_on"] == ["Đoàn viên đã ra khỏi CĐCS trước đó."]


def test_an_unknown_reason_is_refused(tree):
    member = create(tree["hd_1"])

    errors = errors_of(
        lambda: services.member_leave(member=member, left_on=DAY, reason="bored", user=None)
    )

    assert "leave_reason" in errors


# --- transfers ---------------------------------------------------------------------------------


def test_a_transfer_closes_the_old_row_and_opens_a_linked_one(tree, district_staff):
    member = create(tree["hd_1"], district_staff)

    moved = services.member_transfer(
        member=member, to_union=tree["ml_1"], on=DAY, user=district_staff, door=Door.PAGE
    )

    member.refresh_from_db()
    assert (member.left_on, member.leave_reason) == (DAY, LeaveReason.TRANSFERRED)
    assert (moved.union, moved.joined_on, moved.transferred_from) == (tree["ml_1"], DAY, member)
    assert (moved.full_name, moved.card_number, moved.birth_date) == (
        member.full_name,
        member.card_number,
        member.birth_date,
    )
    assert member.transferred_to == moved
    assert moved.history.get().history_change_reason == Door.PAGE


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("hd_1", "CĐCS chuyển đến phải khác CĐCS hiện tại."),
        ("hoai_duc", "Chỉ chuyển được đến một công đoàn cơ sở."),
    ],
)
def test_a_transfer_needs_another_grassroots_union(tree, target, message):
    member = create(tree["hd_1"])

    errors = errors_of(
        lambda: services.member_transfer(member=member, to_union=tree[target], on=DAY, user=None)
    )

    assert errors["to_union"] == [message]
    assert Member.objects.count() == 1


def test_a_transfer_to_a_dissolved_union_is_refused(tree):
    member = create(tree["hd_1"])
    tree["hd_2"].dissolved_on = datetime.date(2024, 1, 1)
    tree["hd_2"].save()

    errors = errors_of(
        lambda: services.member_transfer(member=member, to_union=tree["hd_2"], on=DAY, user=None)
    )

    assert errors["to_union"] == ["CĐCS chuyển đến đã giải thể."]


def test_a_refused_transfer_changes_nothing(tree):
    member = create(tree["hd_1"])
    too_early = datetime.date(2010, 1, 1)

    errors_of(
        lambda: services.member_transfer(
            member=member, to_union=tree["hd_2"], on=too_early, user=None
        )
    )

    member.refresh_from_db()
    assert member.is_active
    assert Member.objects.count() == 1


def test_a_member_who_left_cannot_be_transferred(tree):
    member = create(tree["hd_1"])
    services.member_leave(member=member, left_on=DAY, reason="resigned", user=None)

    errors = errors_of(
        lambda: services.member_transfer(member=member, to_union=tree["hd_2"], on=DAY, user=None)
    )

    assert errors["left_on"] == ["Đoàn viên đã ra khỏi CĐCS, không thể chuyển."]


def test_a_member_can_be_transferred_again_from_the_new_union(tree):
    member = create(tree["hd_1"])
    moved = services.member_transfer(member=member, to_union=tree["hd_2"], on=DAY, user=None)

    back = services.member_transfer(
        member=moved, to_union=tree["hd_1"], on=datetime.date(2024, 9, 1), user=None
    )

    assert back.transferred_from.transferred_from == member
    assert Member.objects.filter(left_on__isnull=True).get() == back


def test_a_user_is_recorded_on_both_rows_of_a_transfer(tree):
    user = UserFactory()
    member = create(tree["hd_1"])

    moved = services.member_transfer(member=member, to_union=tree["hd_2"], on=DAY, user=user)

    assert member.history.first().history_user == user
    assert moved.history.first().history_user == user
