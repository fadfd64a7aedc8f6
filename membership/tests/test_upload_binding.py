"""The roster's Excel import: a kept upload is confirmed or cancelled only by its uploader, for its
CĐCS, and its file goes either way; a card number in use elsewhere names no CĐCS the uploader
may not see."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from federation.entries.services import RowsInvalid
from federation.models import PendingUpload
from federation.tests.factories import UserFactory
from federation.uploads import UPLOAD_GONE
from membership import services
from membership.importing import CARD_IN_ANOTHER_UNION, CARD_TAKEN, check_rows, read_member_rows
from membership.models import Member

from .factories import MemberFactory
from .sheets import member_list

AN = ("Nguyễn Văn An", "Nam", "17/05/1990", "01/03/2015", "TDV001")
HOA = ("Trần Thị Hoa", "Nữ", "03/02/1988", "01/07/2012", "TDV002")


def unit_url(name: str, unit) -> str:
    return reverse(f"membership:{name}", args=[unit.pk])


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def previewed(client, tree, district_staff):
    """Hoài Đức's staff's preview of a list for its CĐCS HD01: (token, kept upload)."""
    client.force_login(district_staff)
    response = client.post(unit_url("import_upload", tree["hd_1"]), {"file": member_list(AN, HOA)})
    assert f'formaction="{unit_url("import_cancel", tree["hd_1"])}"' in text(response)
    token = response.context["token"]
    return token, PendingUpload.objects.get(token=token)


def confirm(client, unit, token):
    return client.post(unit_url("import_confirm", unit), {"token": token}, follow=True)


def test_staff_of_another_district_cannot_confirm_a_token_into_their_own_union(
    client, tree, previewed
):
    token, kept = previewed
    client.force_login(UserFactory(role_on=tree["me_linh"]))

    response = confirm(client, tree["ml_1"], token)

    assert UPLOAD_GONE in text(response)
    assert not Member.objects.exists()
    assert default_storage.exists(kept.file.name)  # still the uploader's to confirm


def test_another_user_of_the_same_district_gets_the_message_of_an_expired_token(
    client, tree, previewed
):
    token, _ = previewed
    client.force_login(UserFactory(role_on=tree["hoai_duc"]))

    response = confirm(client, tree["hd_1"], token)

    assert UPLOAD_GONE in text(response)
    assert not Member.objects.exists()


def test_the_uploader_cannot_confirm_the_token_into_another_union(client, tree, previewed):
    token, _ = previewed

    response = confirm(client, tree["hd_2"], token)

    assert UPLOAD_GONE in text(response)
    assert not Member.objects.exists()


def test_an_expired_token_gets_the_same_message(client, tree, previewed):
    token, kept = previewed
    PendingUpload.objects.filter(pk=kept.pk).update(created_at=kept.created_at.replace(year=2000))

    response = confirm(client, tree["hd_1"], token)

    assert UPLOAD_GONE in text(response)
    assert not Member.objects.exists()


def test_confirming_saves_and_removes_the_kept_file(client, tree, previewed):
    token, kept = previewed

    response = confirm(client, tree["hd_1"], token)

    assert "Đã nhập 2 đoàn viên." in text(response)
    assert Member.objects.filter(union=tree["hd_1"]).count() == 2
    assert not PendingUpload.objects.exists()
    assert not default_storage.exists(kept.file.name)


def test_a_confirmation_refused_on_a_second_look_removes_the_kept_file(client, tree, previewed):
    token, kept = previewed
    MemberFactory(union=tree["hd_2"], card_number="TDV001")

    response = confirm(client, tree["hd_1"], token)

    assert "Chưa nhập đoàn viên nào." in text(response)
    assert Member.objects.count() == 1
    assert not default_storage.exists(kept.file.name)


def test_cancelling_removes_the_kept_file_and_saves_nothing(client, tree, previewed):
    token, kept = previewed

    response = client.post(unit_url("import_cancel", tree["hd_1"]), {"token": token}, follow=True)

    assert "Đã hủy nhập tệp" in text(response)
    assert not PendingUpload.objects.exists()
    assert not default_storage.exists(kept.file.name)
    assert UPLOAD_GONE in text(confirm(client, tree["hd_1"], token))
    assert not Member.objects.exists()


def test_another_user_cannot_cancel_an_upload(client, tree, previewed):
    token, kept = previewed
    client.force_login(UserFactory(role_on=tree["hoai_duc"]))

    client.post(unit_url("import_cancel", tree["hd_1"]), {"token": token})

    assert default_storage.exists(kept.file.name)


def test_cancel_answers_404_outside_the_users_scope_and_405_to_a_get(client, tree, district_staff):
    client.force_login(district_staff)

    assert client.post(unit_url("import_cancel", tree["ml_1"]), {"token": ""}).status_code == 404
    assert client.get(unit_url("import_cancel", tree["hd_1"])).status_code == 405


# --- a card number in use in another CĐCS (issue 12, point 14) ---------------------------------


def test_a_card_in_use_in_a_union_the_uploader_may_not_see_names_no_union(
    client, tree, district_staff
):
    elsewhere = MemberFactory(union=tree["ml_1"], card_number="TDV001")
    client.force_login(district_staff)

    page = text(client.post(unit_url("import_upload", tree["hd_1"]), {"file": member_list(AN)}))

    assert CARD_TAKEN in page
    assert "CĐCS khác" not in page and "chuyển sinh hoạt" not in page
    assert tree["ml_1"].name not in page and elsewhere.full_name not in page
    assert not Member.objects.filter(union=tree["hd_1"]).exists()


def test_a_card_in_use_in_a_union_the_uploader_may_see_says_so(client, tree, district_staff):
    MemberFactory(union=tree["hd_2"], card_number="TDV001")
    client.force_login(district_staff)

    page = text(client.post(unit_url("import_upload", tree["hd_1"]), {"file": member_list(AN)}))

    assert CARD_IN_ANOTHER_UNION in page


def test_the_import_check_words_a_card_in_use_by_what_the_user_may_see(
    tree, district_staff, city_leader
):
    MemberFactory(union=tree["ml_1"], card_number="TDV001")
    rows = read_member_rows(member_list(AN))

    def messages(user):
        return [e.message for e in check_rows(tree["hd_1"], rows, user=user).errors]

    assert messages(district_staff) == [CARD_TAKEN]
    assert messages(city_leader) == [CARD_IN_ANOTHER_UNION]
    assert messages(None) == [CARD_IN_ANOTHER_UNION]


def test_the_import_service_words_its_refusal_for_its_user(tree, district_staff):
    MemberFactory(union=tree["ml_1"], card_number="TDV001")
    rows = read_member_rows(member_list(AN))

    with pytest.raises(RowsInvalid) as refused:
        services.members_import(union=tree["hd_1"], rows=rows, user=district_staff)

    assert [e.message for e in refused.value.errors] == [CARD_TAKEN]
