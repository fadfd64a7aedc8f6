"""Uploads kept between preview and confirmation: bound to user, unit and kind, for an hour."""

import datetime
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from federation import uploads
from federation.excel import ExcelError
from federation.models import PendingUpload, UploadKind
from federation.tasks import remove_expired_uploads

from .factories import UserFactory

CONTENT = b"PK\x03\x04 an xlsx file"


@pytest.fixture
def owner(tree):
    return UserFactory(role_on=tree["hoai_duc"])


def keep(user, unit, kind=UploadKind.ENTRIES, name="so-lieu.xlsx") -> PendingUpload:
    upload = SimpleUploadedFile(name, CONTENT)
    return uploads.upload_keep(upload=upload, user=user, unit=unit, kind=kind)


def age(pending: PendingUpload, **delta) -> None:
    created_at = timezone.now() - datetime.timedelta(**delta)
    PendingUpload.objects.filter(pk=pending.pk).update(created_at=created_at)


def frozen_at(monkeypatch, moment: datetime.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_a_kept_upload_opens_for_its_user_unit_and_kind_with_its_name(tree, owner):
    pending = keep(owner, tree["hoai_duc"])

    kept = uploads.upload_open(
        token=pending.token.hex, user=owner, unit=tree["hoai_duc"], kind=UploadKind.ENTRIES
    )

    assert kept.read() == CONTENT
    assert kept.name == "so-lieu.xlsx"
    assert pending.file.name == f"imports/{pending.token.hex}.xlsx"
    assert default_storage.exists(pending.file.name)


@pytest.mark.parametrize("other", ["user", "unit", "kind"])
def test_another_user_unit_or_kind_gets_the_message_of_an_expired_upload(tree, owner, other):
    pending = keep(owner, tree["hoai_duc"])
    bound = {"user": owner, "unit": tree["hoai_duc"], "kind": UploadKind.ENTRIES}
    bound[other] = {
        "user": UserFactory(role_on=tree["hoai_duc"]),
        "unit": tree["me_linh"],
        "kind": UploadKind.TARGETS,
    }[other]

    with pytest.raises(ExcelError) as refused:
        uploads.upload_open(token=pending.token.hex, **bound)

    assert str(refused.value) == uploads.UPLOAD_GONE
    assert PendingUpload.objects.filter(pk=pending.pk).exists()


@pytest.mark.parametrize("token", ["", "abc", "../../etc/passwd", None, "0" * 32])
def test_a_malformed_or_unknown_token_gets_the_same_message(tree, owner, token):
    with pytest.raises(ExcelError) as refused:
        uploads.upload_open(token=token, user=owner, unit=tree["hoai_duc"], kind="entries")

    assert str(refused.value) == uploads.UPLOAD_GONE


def test_an_upload_opens_for_an_hour_then_gets_the_same_message(tree, owner, monkeypatch):
    pending = keep(owner, tree["hoai_duc"])
    bound = {"token": str(pending.token), "user": owner, "unit": tree["hoai_duc"]}

    frozen_at(monkeypatch, pending.created_at + datetime.timedelta(minutes=59))
    assert uploads.upload_open(**bound, kind=UploadKind.ENTRIES).read() == CONTENT

    frozen_at(monkeypatch, pending.created_at + uploads.UPLOAD_TTL)
    with pytest.raises(ExcelError) as refused:
        uploads.upload_open(**bound, kind=UploadKind.ENTRIES)
    assert str(refused.value) == uploads.UPLOAD_GONE


def test_an_upload_whose_file_is_gone_gets_the_same_message(tree, owner):
    pending = keep(owner, tree["hoai_duc"])
    default_storage.delete(pending.file.name)

    with pytest.raises(ExcelError) as refused:
        uploads.upload_open(
            token=pending.token.hex, user=owner, unit=tree["hoai_duc"], kind="entries"
        )

    assert str(refused.value) == uploads.UPLOAD_GONE


def test_discarding_removes_the_row_and_the_file(tree, owner):
    pending = keep(owner, tree["hoai_duc"])

    uploads.upload_discard(token=pending.token.hex, user=owner)

    assert not PendingUpload.objects.exists()
    assert not default_storage.exists(pending.file.name)


def test_another_user_cannot_discard_an_upload(tree, owner):
    pending = keep(owner, tree["hoai_duc"])

    uploads.upload_discard(token=pending.token.hex, user=UserFactory(role_on=tree["hoai_duc"]))
    uploads.upload_discard(token="../../etc/passwd", user=owner)

    assert PendingUpload.objects.filter(pk=pending.pk).exists()
    assert default_storage.exists(pending.file.name)


def test_a_user_keeps_a_limited_number_of_previews(tree, owner):
    first = keep(owner, tree["hoai_duc"])
    age(first, minutes=5)
    others = [keep(owner, tree["hoai_duc"]) for _ in range(uploads.KEPT_PER_USER)]

    assert set(PendingUpload.objects.all()) == set(others)
    assert not default_storage.exists(first.file.name)


def test_the_uploaded_name_is_kept_but_never_used_as_a_path(tree, owner):
    pending = keep(owner, tree["hoai_duc"], name="../../bao cao.xlsx")

    assert pending.file_name == "bao cao.xlsx"
    assert pending.file.name == f"imports/{pending.token.hex}.xlsx"


def test_removing_expired_uploads_removes_their_rows_and_files(tree, owner):
    old, fresh = keep(owner, tree["hoai_duc"]), keep(owner, tree["hoai_duc"])
    age(old, hours=1, seconds=1)

    removed = uploads.uploads_remove_expired()

    assert removed == 1
    assert list(PendingUpload.objects.all()) == [fresh]
    assert not default_storage.exists(old.file.name)
    assert default_storage.exists(fresh.file.name)


def test_removing_expired_uploads_at_a_given_time(tree, owner):
    pending = keep(owner, tree["hoai_duc"])

    assert (
        uploads.uploads_remove_expired(now=pending.created_at + datetime.timedelta(minutes=59)) == 0
    )
    assert uploads.uploads_remove_expired(now=pending.created_at + uploads.UPLOAD_TTL) == 1
    assert not default_storage.exists(pending.file.name)


def test_removing_expired_uploads_removes_old_files_no_upload_points_at(tree, owner):
    """Files of uploads whose row went with their user, and those kept by earlier versions."""
    kept = keep(owner, tree["hoai_duc"])
    stray = default_storage.save("imports/0123456789abcdef0123456789abcdef.xlsx", ContentFile(b"x"))
    recent = default_storage.save(
        "imports/fedcba9876543210fedcba9876543210.xlsx", ContentFile(b"x")
    )
    two_hours_ago = (timezone.now() - datetime.timedelta(hours=2)).timestamp()
    for name in (stray, kept.file.name):
        os.utime(default_storage.path(name), (two_hours_ago, two_hours_ago))

    removed = uploads.uploads_remove_expired()

    assert removed == 1
    assert not default_storage.exists(stray)
    assert default_storage.exists(recent)  # perhaps a row about to be written
    assert default_storage.exists(kept.file.name)  # its upload is fresh


def test_removing_expired_uploads_without_any_kept_file(db):
    assert uploads.uploads_remove_expired() == 0


def test_the_periodic_task_removes_expired_uploads(tree, owner, settings):
    old, fresh = keep(owner, tree["hoai_duc"]), keep(owner, tree["hoai_duc"])
    age(old, hours=2)

    assert remove_expired_uploads() == 1

    schedule = settings.CELERY_BEAT_SCHEDULE["remove-expired-upload-previews"]
    assert schedule["task"] == remove_expired_uploads.name

    assert list(PendingUpload.objects.all()) == [fresh]
    assert not default_storage.exists(old.file.name)


def test_superusers_see_kept_uploads_in_the_admin_but_cannot_change_them(
    client, tree, owner, superuser
):
    pending = keep(owner, tree["hoai_duc"], name="danh-sach-thang-5.xlsx")
    client.force_login(superuser)
    changelist = reverse("admin:federation_pendingupload_changelist")

    assert "danh-sach-thang-5.xlsx" in client.get(changelist).content.decode()
    page = client.get(reverse("admin:federation_pendingupload_change", args=[pending.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:federation_pendingupload_add")).status_code == 403
    delete = reverse("admin:federation_pendingupload_delete", args=[pending.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert PendingUpload.objects.filter(pk=pending.pk).exists()


def test_the_admin_of_kept_uploads_is_for_superusers_only(client, tree, owner):
    owner.is_staff = True
    owner.save()
    client.force_login(owner)

    response = client.get(reverse("admin:federation_pendingupload_changelist"))

    assert response.status_code == 302
