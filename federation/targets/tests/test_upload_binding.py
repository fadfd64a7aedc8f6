"""The targets' Excel import: a kept upload is confirmed or cancelled only by its uploader, for its
unit, and its file goes either way."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from federation import excel
from federation.models import PendingUpload, Target
from federation.tests.factories import UserFactory
from federation.uploads import UPLOAD_GONE

PERIOD = {"year": 2026, "period": "Y"}


def targets_url(unit, name):
    return reverse(name, args=[unit.pk])


def text(response) -> str:
    return response.content.decode()


def targets_file(*rows) -> SimpleUploadedFile:
    headers = ["Mã đơn vị", "Tên đơn vị", "Đoàn viên kết nạp mới (người)"]
    data = excel.workbook_bytes(excel.Sheet("Chỉ tiêu", headers, rows))
    return SimpleUploadedFile("chi-tieu.xlsx", data, content_type=excel.XLSX_TYPE)


@pytest.fixture
def previewed(client, tree, district_leader):
    """Hoài Đức's leader's preview of its unions' targets: (token, kept upload)."""
    client.force_login(district_leader)
    response = client.post(
        targets_url(tree["hoai_duc"], "unit_targets_import"),
        {**PERIOD, "file": targets_file(["HD01", "", 300], ["HD02", "", 200])},
    )
    cancel = targets_url(tree["hoai_duc"], "unit_targets_import_cancel")
    assert f'formaction="{cancel}"' in text(response)  # "Hủy" posts the token
    token = response.context["token"]
    return token, PendingUpload.objects.get(token=token)


def confirm(client, unit, token):
    url = targets_url(unit, "unit_targets_import_confirm")
    return client.post(url, {**PERIOD, "token": token}, follow=True)


def test_a_leader_of_another_district_cannot_confirm_a_token_into_their_own_unit(
    client, tree, previewed
):
    token, kept = previewed
    client.force_login(UserFactory(role_on=tree["me_linh"], role_on__role="leader"))

    response = confirm(client, tree["me_linh"], token)

    assert UPLOAD_GONE in text(response)
    assert not Target.objects.exists()
    assert default_storage.exists(kept.file.name)  # still the uploader's to confirm


def test_another_leader_of_the_same_unit_gets_the_message_of_an_expired_token(
    client, tree, previewed
):
    token, _ = previewed
    client.force_login(UserFactory(role_on=tree["hoai_duc"], role_on__role="leader"))

    response = confirm(client, tree["hoai_duc"], token)

    assert UPLOAD_GONE in text(response)
    assert not Target.objects.exists()


def test_a_leader_above_cannot_confirm_a_token_either(client, tree, previewed, city_leader):
    token, _ = previewed
    client.force_login(city_leader)

    response = confirm(client, tree["hoai_duc"], token)

    assert UPLOAD_GONE in text(response)
    assert not Target.objects.exists()


def test_an_expired_token_gets_the_same_message(client, tree, previewed):
    token, kept = previewed
    PendingUpload.objects.filter(pk=kept.pk).update(created_at=kept.created_at.replace(year=2000))

    response = confirm(client, tree["hoai_duc"], token)

    assert UPLOAD_GONE in text(response)
    assert not Target.objects.exists()


def test_confirming_saves_and_removes_the_kept_file(client, tree, previewed):
    token, kept = previewed

    response = confirm(client, tree["hoai_duc"], token)

    assert "Đã lưu 2 chỉ tiêu" in text(response)
    assert Target.objects.count() == 2
    assert not PendingUpload.objects.exists()
    assert not default_storage.exists(kept.file.name)


def test_cancelling_removes_the_kept_file_and_saves_nothing(client, tree, previewed):
    token, kept = previewed

    response = client.post(
        targets_url(tree["hoai_duc"], "unit_targets_import_cancel"),
        {**PERIOD, "token": token},
        follow=True,
    )

    assert "Đã hủy nhập tệp chỉ tiêu" in text(response)
    assert response.redirect_chain[-1][0].endswith("?year=2026&period=Y")
    assert not PendingUpload.objects.exists()
    assert not default_storage.exists(kept.file.name)
    assert UPLOAD_GONE in text(confirm(client, tree["hoai_duc"], token))
    assert not Target.objects.exists()


def test_another_user_cannot_cancel_an_upload(client, tree, previewed):
    token, kept = previewed
    client.force_login(UserFactory(role_on=tree["hoai_duc"], role_on__role="leader"))

    client.post(targets_url(tree["hoai_duc"], "unit_targets_import_cancel"), {"token": token})

    assert default_storage.exists(kept.file.name)


def test_cancel_answers_404_outside_the_users_scope_and_405_to_a_get(client, tree, district_leader):
    client.force_login(district_leader)
    cancel = "unit_targets_import_cancel"

    assert client.post(targets_url(tree["me_linh"], cancel), PERIOD).status_code == 404
    assert client.get(targets_url(tree["hoai_duc"], cancel)).status_code == 405
