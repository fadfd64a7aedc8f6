"""The task in-process (eager), as `make run` runs it: retries, failures, time limits."""

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

from reports import pdf, services, tasks
from reports.models import VersionStatus


def failing_first(monkeypatch, errors):
    """Makes the PDF step raise each of `errors` in turn, then work."""
    real = pdf.render_pdf
    calls = []

    def render(html):
        calls.append(html)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return real(html)

    monkeypatch.setattr(pdf, "render_pdf", render)
    return calls


@pytest.fixture
def version(report, district_staff):
    return services.report_version_request(report=report, user=district_staff)


def test_transient_error_is_retried_and_the_report_still_built(version, monkeypatch):
    calls = failing_first(monkeypatch, [OSError("NFS không phản hồi")])

    tasks.build_report_version.delay(version.pk)

    version.refresh_from_db()
    assert len(calls) == 2
    assert (version.status, version.attempts, version.error) == (VersionStatus.DONE, 2, "")


def test_database_hiccup_is_retried_too(version, monkeypatch):
    failing_first(monkeypatch, [OperationalError("server closed the connection")])

    tasks.build_report_version.delay(version.pk)

    version.refresh_from_db()
    assert version.status == VersionStatus.DONE


def test_transient_error_that_persists_fails_the_version_with_its_reason(version, monkeypatch):
    errors = [OSError("Hết dung lượng đĩa")] * (tasks.MAX_RETRIES + 1)
    calls = failing_first(monkeypatch, errors)

    tasks.build_report_version.delay(version.pk)

    version.refresh_from_db()
    assert len(calls) == tasks.MAX_RETRIES + 1
    assert version.status == VersionStatus.FAILED
    assert "Hết dung lượng đĩa" in version.error


def test_a_bug_fails_the_version_at_once_without_retrying(version, monkeypatch):
    calls = failing_first(monkeypatch, [KeyError("indicators")])

    tasks.build_report_version.delay(version.pk)

    version.refresh_from_db()
    assert len(calls) == 1
    assert version.status == VersionStatus.FAILED
    assert version.error == "KeyError: 'indicators'"


def test_running_out_of_time_fails_the_version(version, monkeypatch):
    failing_first(monkeypatch, [SoftTimeLimitExceeded()])

    tasks.build_report_version.delay(version.pk)

    version.refresh_from_db()
    assert version.status == VersionStatus.FAILED
    assert "Quá thời gian" in version.error


def test_figures_gathered_before_a_failure_are_kept_for_the_retry(version, monkeypatch):
    failing_first(monkeypatch, [KeyError("x")])
    tasks.build_report_version.delay(version.pk)
    version.refresh_from_db()
    first_snapshot = version.snapshot

    services.report_version_retry(version=version, user=None)
    tasks.build_report_version.delay(version.pk)

    version.refresh_from_db()
    assert version.status == VersionStatus.DONE
    assert version.snapshot == first_snapshot


def test_task_declares_late_ack_and_time_limits(settings):
    task = tasks.build_report_version

    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert task.soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert task.time_limit == settings.CELERY_TASK_TIME_LIMIT


def test_task_for_a_missing_version_does_nothing(db):
    assert tasks.build_report_version.delay(987654).successful()
