import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from membership.models import LeaveReason, Member

from .factories import MemberFactory


def clean_errors(member: Member) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        member.full_clean()
    return error.value.message_dict


def test_a_plausible_member_is_accepted(tree):
    member = MemberFactory(union=tree["hd_1"])
    member.full_clean()
    assert member.is_active


def test_a_member_who_left_with_a_reason_is_accepted(tree):
    member = MemberFactory.build(
        union=tree["hd_1"],
        left_on=datetime.date(2020, 1, 1),
        leave_reason=LeaveReason.RETIRED,
    )
    member.full_clean()
    assert not member.is_active


def test_leaving_before_joining_is_refused(tree):
    member = MemberFactory.build(
        union=tree["hd_1"],
        joined_on=datetime.date(2020, 5, 1),
        left_on=datetime.date(2020, 4, 30),
        leave_reason=LeaveReason.RESIGNED,
    )
    assert clean_errors(member)["left_on"] == ["Ngày ra khỏi CĐCS phải sau ngày vào công đoàn."]


def test_a_birth_date_in_the_future_is_refused(tree):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    member = MemberFactory.build(union=tree["hd_1"], birth_date=tomorrow)
    assert clean_errors(member)["birth_date"] == ["Ngày sinh không được ở tương lai."]


@pytest.mark.parametrize("years_old", [10, 120])
def test_an_implausible_age_is_refused(tree, years_old):
    born = timezone.localdate() - datetime.timedelta(days=365 * years_old + 30)
    member = MemberFactory.build(union=tree["hd_1"], birth_date=born)
    assert clean_errors(member)["birth_date"] == ["Tuổi phải từ 15 đến 100."]


def test_joining_before_fifteen_is_refused(tree):
    member = MemberFactory.build(
        union=tree["hd_1"],
        birth_date=datetime.date(1990, 5, 17),
        joined_on=datetime.date(2000, 1, 1),
    )
    assert clean_errors(member)["joined_on"] == ["Đoàn viên phải đủ 15 tuổi khi vào công đoàn."]


def test_leaving_without_a_reason_is_refused(tree):
    member = MemberFactory.build(union=tree["hd_1"], left_on=datetime.date(2021, 6, 30))
    assert clean_errors(member)["leave_reason"] == ["Cần ghi lý do khi đoàn viên ra khỏi CĐCS."]


def test_a_member_cannot_belong_to_a_federation(tree):
    member = MemberFactory.build(union=tree["hoai_duc"])
    assert "Đoàn viên chỉ sinh hoạt tại công đoàn cơ sở." in clean_errors(member)["union"]


def test_the_database_refuses_leaving_before_joining(tree):
    member = MemberFactory(union=tree["hd_1"], joined_on=datetime.date(2020, 5, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(
            left_on=datetime.date(2020, 4, 30), leave_reason=LeaveReason.RESIGNED
        )


def test_the_factory_puts_a_member_in_a_grassroots_union(db):
    member = MemberFactory()
    assert member.union.is_grassroots
    member.full_clean()
