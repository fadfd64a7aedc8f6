"""Federation's periodic work, run by Celery beat (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import uploads


@shared_task
def remove_expired_uploads() -> int:
    """Removes the import previews kept longer than uploads.UPLOAD_TTL; returns how many."""
    return uploads.uploads_remove_expired()
