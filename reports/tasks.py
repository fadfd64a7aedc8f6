"""The report build, run by a Celery worker (in-process when no broker is configured).

Thin: load the version by id and hand it to the service. What lives here is how failures are
handled: transient errors (the database or the file store hiccuping) are retried with backoff;
anything else, and running out of retries or time, marks the version failed with the reason,
which the page shows beside a "Thử lại" button. The message is acknowledged only after the task
returns (acks_late) and put back if the worker process dies (reject_on_worker_lost), so a worker
killed mid-build does not lose the report: another picks it up and builds it again. When no one
can put it back (the whole worker killed, or the hard time limit, which acknowledges it), the
sweep `requeue_stuck_versions`, run every minute by beat, queues the version again.
"""

import logging

from celery import shared_task
from celery.exceptions import Retry, SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import InterfaceError, OperationalError

from . import services

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)
MAX_RETRIES = 3
RETRY_BACKOFF_SECONDS = 2
RETRY_BACKOFF_MAX_SECONDS = 60


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def build_report_version(self, version_id: int) -> Retry | None:
    # A message coming back (redelivered after its worker died, or our own retry) takes over a
    # version left running; one seen for the first time may be a duplicate of a build under way.
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    first_delivery = not redelivered and not self.request.retries
    try:
        services.report_version_build(version_id=version_id, first_delivery=first_delivery)
    except SoftTimeLimitExceeded:
        seconds = settings.CELERY_TASK_SOFT_TIME_LIMIT
        services.report_version_fail(
            version_id=version_id, error=f"Quá thời gian tạo báo cáo ({seconds} giây)."
        )
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            logger.exception("Report version %s failed after %s retries", version_id, MAX_RETRIES)
            services.report_version_fail(
                version_id=version_id,
                error=f"Lỗi tạm thời lặp lại {MAX_RETRIES + 1} lần: {exc}",
            )
            return
        logger.warning("Report version %s: %s; retrying", version_id, exc)
        countdown = get_exponential_backoff_interval(
            factor=RETRY_BACKOFF_SECONDS,
            retries=self.request.retries,
            maximum=RETRY_BACKOFF_MAX_SECONDS,
            full_jitter=True,
        )
        if self.request.is_eager:
            # In-process (no broker), a raised Retry would reach the web request; returned, it
            # makes Celery's apply() run the next attempt at once.
            return self.retry(exc=exc, countdown=countdown, throw=False)
        raise self.retry(exc=exc, countdown=countdown) from exc
    except Exception as exc:
        # A bug or bad data: retrying would fail the same way. Record it, keep the worker going.
        logger.exception("Report version %s failed", version_id)
        services.report_version_fail(version_id=version_id, error=f"{type(exc).__name__}: {exc}")


@shared_task
def requeue_stuck_versions() -> int:
    return services.report_versions_requeue_stuck()
