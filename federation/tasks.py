"""Federation's periodic work, run by Celery beat (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import uploads
from .entries import reminders


@shared_task
def remove_expired_uploads() -> int:
    """Removes the import previews kept longer than uploads.UPLOAD_TTL; returns how many."""
    return uploads.uploads_remove_expired()


@shared_task
def remind_before_deadline() -> int:
    """Emails the staff of units whose month is not complete, REMINDER_DAYS_BEFORE_DEADLINE
    days before its deadline; returns how many units were reminded."""
    return reminders.reminders_before_deadline()
