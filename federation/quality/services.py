"""Following up what the checks found: a leader or staff member marks a finding as being looked
into, or resolves it with what was checked. Each change is audited (simple-history)."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import EntryFinding, FindingStatus
from ..selectors import Permission, ensure_allowed

REFUSED = "Bạn không được xử lý số liệu của đơn vị này."


def _set(finding: EntryFinding, status: str, comment: str, user: AbstractBaseUser | None) -> None:
    finding.status, finding.comment = status, comment
    finding._history_user = user
    finding.save(update_fields=["status", "comment", "updated_at"])


@transaction.atomic
def finding_follow_up(*, finding: EntryFinding, user: AbstractBaseUser | None) -> EntryFinding:
    """Marks a finding as being followed up (DHIS2's follow-up mark); a resolved one stays so."""
    ensure_allowed(user, finding.unit, Permission.ENTER_DATA, REFUSED)
    if finding.status != FindingStatus.RESOLVED:
        _set(finding, FindingStatus.FOLLOW_UP, finding.comment, user)
    return finding


@transaction.atomic
def finding_resolve(
    *, finding: EntryFinding, user: AbstractBaseUser | None, comment: str
) -> EntryFinding:
    """Resolves a finding with what was checked and found; the comment is required."""
    ensure_allowed(user, finding.unit, Permission.ENTER_DATA, REFUSED)
    comment = " ".join(comment.split())
    if not comment:
        raise ValidationError({"comment": "Hãy ghi đã kiểm tra gì và kết luận ra sao."})
    _set(finding, FindingStatus.RESOLVED, comment, user)
    return finding
