"""The monthly entries' Excel import: a kept upload is confirmed or cancelled only by its uploader,
for its unit, and its file goes either way."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from federation import excel
from federation.entries.excel import CODE, MONTH, NAME, YEAR
from federation.models import MonthlyEntry, PendingUpload
from federation.tests.factories import UserFactory, indicator
from federation.uploads import UPLOAD_GONE


def url(name, unit):
    return reverse(name, args=[unit.pk])


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def previewed(client, tree, district_staff, this_month):
    """District staff's preview of a file for Hoài Đức: (token, digest, kept upload)."""
    client.force_login(district_staff)
    headers = [CODE, NAME, YEAR, MONTH, excel.indicator_header(indicator("new_members"))]
    rows = [["HD01", "", *this_month, 12], ["HD02", "", *this_month, 7]]
    data = excel.workbook_bytes(excel.Sheet("Số liệu", headers, rows))
    upload = SimpleUploadedFile("so-lieu.xlsx", data, content_type=excel.XLSX_TYPE)
    response = client.post(url("entry_excel_upload", tree["hoai_duc"]), {"file": upload})
    cancel = url("entry_excel_cancel", tree["hoai_duc"])
    assert f'formaction="{cancel}"' in page_text(response)  # "Hủy" posts the token
    token = response.context["token"]
    return token, response.context["preview"].digest, PendingUpload.objects.get(token=token)


def confirm(client, unit, token, digest):
    return client.post(
        url("entry_excel_confirm", unit), {"token": token, "digest": digest}, follow=True
    )


def test_staff_of_another_district_cannot_confirm_a_token_into_their_own_unit(
    client, tree, previewed
):
    token, digest, kept = previewed
    client.force_login(UserFactory(role_on=tree["me_linh"]))

    response = confirm(client, tree["me_linh"], token, digest)

    assert UPLOAD_GONE in page_text(response)
    assert not MonthlyEntry.objects.exists()
    assert default_storage.exists(kept.file.name)  # still the uploader's to confirm


def test_another_user_of_the_same_unit_gets_the_message_of_an_expired_token(
    client, tree, previewed
):
    token, digest, _ = previewed
    client.force_login(UserFactory(role_on=tree["hoai_duc"]))

    response = confirm(client, tree["hoai_duc"], token, digest)

    assert UPLOAD_GONE in page_text(response)
    assert not MonthlyEntry.objects.exists()


def test_a_token_confirmed_for_another_unit_of_the_uploaders_scope_is_refused(
    client, tree, previewed
):
    token, digest, _ = previewed

    response = confirm(client, tree["hd_1"], token, digest)

    assert UPLOAD_GONE in page_text(response)
    assert not MonthlyEntry.objects.exists()


def test_an_expired_token_gets_the_same_message(client, tree, previewed):
    token, digest, kept = previewed
    PendingUpload.objects.filter(pk=kept.pk).update(created_at=kept.created_at.replace(year=2000))

    response = confirm(client, tree["hoai_duc"], token, digest)

    assert UPLOAD_GONE in page_text(response)
    assert not MonthlyEntry.objects.exists()


def test_confirming_saves_and_removes_the_kept_file(client, tree, previewed, this_month):
    token, digest, kept = previewed

    response = confirm(client, tree["hoai_duc"], token, digest)

    assert "Đã nhập 2 giá trị từ tệp so-lieu.xlsx" in page_text(response)
    assert MonthlyEntry.objects.count() == 2
    assert not PendingUpload.objects.exists()
    assert not default_storage.exists(kept.file.name)


def test_cancelling_removes_the_kept_file_and_saves_nothing(client, tree, previewed):
    token, digest, kept = previewed
    response = client.post(
        url("entry_excel_cancel", tree["hoai_duc"]), {"token": token, "digest": digest}, follow=True
    )

    assert "Đã hủy nhập tệp" in page_text(response)
    assert not PendingUpload.objects.exists()
    assert not default_storage.exists(kept.file.name)
    assert UPLOAD_GONE in page_text(confirm(client, tree["hoai_duc"], token, digest))
    assert not MonthlyEntry.objects.exists()


def test_another_user_cannot_cancel_an_upload(client, tree, previewed):
    token, _, kept = previewed
    client.force_login(UserFactory(role_on=tree["hoai_duc"]))

    client.post(url("entry_excel_cancel", tree["hoai_duc"]), {"token": token})

    assert default_storage.exists(kept.file.name)


def test_cancel_is_a_post(client, tree, district_staff):
    client.force_login(district_staff)

    assert client.get(url("entry_excel_cancel", tree["hoai_duc"])).status_code == 405


def test_cancel_answers_404_for_a_unit_outside_the_users_scope(client, tree, district_staff):
    client.force_login(district_staff)

    response = client.post(url("entry_excel_cancel", tree["me_linh"]), {"token": "0" * 32})

    assert response.status_code == 404
