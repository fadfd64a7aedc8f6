"""Uploaded Excel files kept between an import's preview and its confirmation.

Every import is two requests: the upload is read, checked and shown as a preview, and kept here;
the confirmation opens it again by its token. A kept file belongs to who uploaded it, for one
unit and one kind of import, for an hour: any other use of its token gets the message an expired
one gets, so a token tells nothing about anyone else's upload. The periodic sweep
(federation.tasks) removes what was left behind.
"""

import uuid
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import PurePath
from typing import BinaryIO

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.utils import timezone

from .excel import ExcelError
from .models import PendingUpload, Unit, UploadKind

UPLOAD_TTL = timedelta(hours=1)
UPLOAD_DIR = "imports"  # PendingUpload.file's upload_to
KEPT_PER_USER = 10  # a user's older previews go when a new one is kept
UPLOAD_GONE = (
    "Phiên nhập tệp đã kết thúc hoặc không hợp lệ (tệp tải lên chỉ được giữ một giờ), "
    "hãy tải tệp lại."
)

AnyUser = AbstractBaseUser | AnonymousUser


def upload_keep(
    *, upload: File | BinaryIO, user: AbstractBaseUser, unit: Unit, kind: UploadKind
) -> PendingUpload:
    """Keeps an uploaded file for its confirmation; its token is what the preview page carries."""
    upload.seek(0)
    pending = PendingUpload(
        token=uuid.uuid4(), user=user, unit=unit, kind=kind, file_name=_file_name(upload)
    )
    pending.file.save(f"{pending.token.hex}.xlsx", ContentFile(upload.read()), save=False)
    pending.save()
    older = PendingUpload.objects.filter(user=user).order_by("-created_at", "-pk")
    for left_behind in older[KEPT_PER_USER:]:
        _remove(left_behind)
    return pending


def upload_open(*, token: str, user: AnyUser, unit: Unit, kind: UploadKind) -> BytesIO:
    """The kept file of this user's upload for this unit and kind, named as uploaded.

    ExcelError(UPLOAD_GONE) whatever the reason it cannot be had: a malformed token, another
    user's, unit's or kind's upload, older than UPLOAD_TTL, confirmed or cancelled already.
    """
    fresh = timezone.now() - UPLOAD_TTL
    pending = _bound(token, user).filter(unit=unit, kind=kind, created_at__gt=fresh).first()
    if pending is None:
        raise ExcelError(UPLOAD_GONE)
    try:
        with default_storage.open(pending.file.name, "rb") as kept:
            content = BytesIO(kept.read())
    except OSError:
        raise ExcelError(UPLOAD_GONE) from None
    content.name = pending.file_name
    return content


def upload_discard(*, token: str, user: AnyUser) -> None:
    """Removes the user's kept upload and its file; a token of anyone else's does nothing."""
    for pending in _bound(token, user):
        _remove(pending)


def uploads_remove_expired(*, now: datetime | None = None) -> int:
    """Removes the uploads kept longer than UPLOAD_TTL, and any file under imports/ that old
    which no upload points at (a user deleted, a crash between file and row, the kept files of
    older versions). Returns how many were removed."""
    cutoff = (now or timezone.now()) - UPLOAD_TTL
    expired = list(PendingUpload.objects.filter(created_at__lte=cutoff))
    for pending in expired:
        _remove(pending)
    return len(expired) + _remove_strays(cutoff)


def _bound(token: str, user: AnyUser) -> QuerySet[PendingUpload]:
    try:
        key = uuid.UUID(str(token))
    except ValueError:
        return PendingUpload.objects.none()
    # An anonymous user's pk is None, which no upload has.
    return PendingUpload.objects.filter(token=key, user_id=user.pk)


def _file_name(upload: File | BinaryIO) -> str:
    name = PurePath(str(getattr(upload, "name", "") or "")).name
    return name[-255:] or "tệp.xlsx"


def _remove(pending: PendingUpload) -> None:
    name = pending.file.name
    pending.delete()
    if name:
        default_storage.delete(name)


def _remove_strays(cutoff: datetime) -> int:
    try:
        _, names = default_storage.listdir(UPLOAD_DIR)
    except FileNotFoundError:
        return 0
    kept = set(PendingUpload.objects.values_list("file", flat=True))
    removed = 0
    for name in names:
        path = f"{UPLOAD_DIR}/{name}"
        try:
            stale = path not in kept and default_storage.get_modified_time(path) <= cutoff
        except FileNotFoundError:  # removed meanwhile, by a confirmation or another sweep
            continue
        if stale:
            default_storage.delete(path)
            removed += 1
    return removed
