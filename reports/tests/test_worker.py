"""The report path through a real Celery worker on Redis, as in production.

The worker runs in another thread or process, which sees only committed rows: these tests use
transactional databases (serialized_rollback brings back the indicator catalogue the data
migration seeds). They use their own Redis database, so a developer's worker never takes their
messages, and are skipped only when Redis does not answer.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connection
from django.db import connections as db_connections
from kombu import pools
from kombu.asynchronous import set_event_loop

from config.celery import app as celery_app
from reports import pdf, services
from reports.models import ReportVersion, VersionStatus
from reports.tests.conftest import override_celery

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)
TEST_REDIS_DB = 15
WAIT_SECONDS = 60
# The task time limit of the workers that test the sweep: a build here takes a second or two.
SHORT_TIME_LIMIT = 6


def worker_broker_url() -> str:
    """The broker of the environment (or a local Redis), on a database of the tests' own."""
    explicit = os.environ.get("REPORTS_TEST_BROKER_URL")
    if explicit:
        return explicit
    base = urlsplit(os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit(base._replace(path=f"/{TEST_REDIS_DB}"))


@pytest.fixture
def broker_url():
    url = worker_broker_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis does not answer at {url} ({error}): no real worker to test with")
    client.flushdb()  # messages left by an earlier run that was interrupted
    yield url
    client.flushdb()


def _forget_connections() -> None:
    """Drops the app's cached broker connections, so the next send uses the current broker."""
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _close_worker_connections(**kwargs) -> None:
    # A worker thread keeps its database connection (CONN_MAX_AGE): close it after each task,
    # or the test database cannot be dropped at the end of the run.
    db_connections.close_all()


@pytest.fixture
def celery_on_redis(broker_url, monkeypatch):
    """The project's Celery app sending to Redis instead of running tasks in-process."""
    override_celery(monkeypatch, task_always_eager=False)
    # Celery takes the broker from this variable before any setting.
    monkeypatch.setenv("CELERY_BROKER_URL", broker_url)
    _forget_connections()
    # A worker adopts kombu's current event loop if there is one: a second in-thread worker
    # would take over the first one's stopped loop, whose timers (retry countdowns) never fire.
    set_event_loop(None)
    task_postrun.connect(_close_worker_connections)
    yield celery_app
    task_postrun.disconnect(_close_worker_connections)
    set_event_loop(None)
    _forget_connections()


def wait_until_finished(version: ReportVersion) -> ReportVersion:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        version.refresh_from_db()
        if not version.is_pending:
            return version
        time.sleep(0.2)
    raise AssertionError(f"version still {version.status} after {WAIT_SECONDS} s")


@transactional
def test_worker_on_redis_builds_the_report(celery_on_redis, report, district_staff):
    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False):
        version = services.report_version_request(report=report, user=district_staff)
        version = wait_until_finished(version)

    assert (version.status, version.attempts) == (VersionStatus.DONE, 1)
    with version.pdf.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"


@transactional
def test_worker_retries_a_transient_error_and_builds_the_report(
    celery_on_redis, report, district_staff, monkeypatch
):
    render, calls = pdf.render_pdf, []

    def fail_once(html):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("Ổ đĩa dùng chung tạm thời không phản hồi")
        return render(html)

    monkeypatch.setattr(pdf, "render_pdf", fail_once)

    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False):
        version = services.report_version_request(report=report, user=district_staff)
        version = wait_until_finished(version)

    assert len(calls) == 2
    assert (version.status, version.attempts, version.error) == (VersionStatus.DONE, 2, "")


def _database_url_for_subprocess() -> str:
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip(
            "a worker process needs a database it can open; the SQLite test database lives in "
            "this process's memory (CI runs this on PostgreSQL)"
        )
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(broker_url: str, stall_file: Path, log_path: Path, **env) -> subprocess.Popen:
    """A real `celery worker` process (prefork, one child) of this project; `env` adds settings
    read from the environment (config/settings.py), such as the task time limits."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_subprocess(),
        "CELERY_BROKER_URL": broker_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **env,
    }
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "reports.tests.worker_harness", str(stall_file)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def start_worker_process(celery_on_redis, broker_url, tmp_path):
    """Starts worker processes sharing one stall file: the first build any of them runs stalls
    (worker_harness), every later one runs. Yields (start, stall_file); start(**env)."""
    stall_file = tmp_path / "stalled.pid"
    processes = []

    def start(**env) -> subprocess.Popen:
        log_path = tmp_path / f"worker-{len(processes) + 1}.log"
        processes.append(_start_worker(broker_url, stall_file, log_path, **env))
        return processes[-1]

    yield start, stall_file
    for process in processes:
        _stop_worker(process)


@pytest.fixture
def stalling_worker(start_worker_process):
    """A real `celery worker` process (prefork, one child) whose first build stalls."""
    start, stall_file = start_worker_process
    return start(), stall_file


def _wait_for_file(path: Path) -> str:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.2)
    raise AssertionError("the worker never started the build")


@transactional
def test_report_survives_its_worker_being_killed_midway(stalling_worker, report, district_staff):
    process, stall_file = stalling_worker
    version = services.report_version_request(report=report, user=district_staff)

    child = int(_wait_for_file(stall_file))
    version.refresh_from_db()
    assert version.status == VersionStatus.RUNNING
    os.kill(child, signal.SIGKILL)  # as the OOM killer would

    version = wait_until_finished(version)
    assert process.poll() is None, "the worker itself kept running"
    assert (version.status, version.attempts) == (VersionStatus.DONE, 2)
    with version.pdf.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"


def _sweep_until_one_is_requeued() -> int:
    """Runs the sweep as beat would, only more often than once a minute."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if requeued := services.report_versions_requeue_stuck():
            return requeued
        time.sleep(0.25)
    raise AssertionError("the sweep never found the version stuck")


@transactional
def test_report_whose_whole_worker_was_killed_is_built_again_by_the_sweep(
    start_worker_process, report, district_staff, settings, monkeypatch
):
    """Killed with its main process (a container's OOM kill), the worker cannot give the message
    back: Redis keeps it unacknowledged for the visibility timeout, the time limit + 60 s, so that
    is not what saves the report here. The sweep queues the version again for a new worker."""
    limits = {
        "CELERY_TASK_TIME_LIMIT": str(SHORT_TIME_LIMIT),
        "CELERY_TASK_SOFT_TIME_LIMIT": str(SHORT_TIME_LIMIT - 1),
    }
    settings.CELERY_TASK_TIME_LIMIT = SHORT_TIME_LIMIT  # as the sweep, run here, reads it
    monkeypatch.setattr(services, "STUCK_MARGIN_SECONDS", 1)
    start, stall_file = start_worker_process
    first = start(**limits)
    version = services.report_version_request(report=report, user=district_staff)

    _wait_for_file(stall_file)
    version.refresh_from_db()
    assert version.status == VersionStatus.RUNNING
    os.killpg(first.pid, signal.SIGKILL)  # the worker and its child, nobody left to reject
    first.wait()
    start(**limits)  # the new worker the orchestrator starts

    assert _sweep_until_one_is_requeued() == 1
    built = wait_until_finished(ReportVersion.objects.get(pk=version.pk))
    assert (built.status, built.attempts) == (VersionStatus.DONE, 2)
    assert built.finished_at - version.started_at < datetime.timedelta(seconds=2 * SHORT_TIME_LIMIT)
    with built.pdf.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"
