"""The long-lived processes' settings: the web server's (config/gunicorn.py), which the README
deploys and the load test measures alike, and the report workers' (config/celery.py)."""

import gc
import os
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "gunicorn.py"


def gunicorn_settings() -> dict:
    return runpy.run_path(str(CONFIG))


def test_two_processes_a_core_and_one_unless_the_environment_says(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert gunicorn_settings()["workers"] == 2 * os.cpu_count() + 1
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert gunicorn_settings()["workers"] == 3


def test_the_access_log_times_each_request():
    """The load test reads it to tell the time a request waited for a worker from its own."""
    assert "%(M)s" in gunicorn_settings()["access_log_format"]


def test_the_readme_and_the_load_test_run_the_same_settings():
    readme = (ROOT / "README.md").read_text()
    bench = (ROOT / "bench" / "bench_load.py").read_text()
    assert ".venv/bin/gunicorn -c config/gunicorn.py config.wsgi" in readme
    assert 'PRODUCTION_GUNICORN = "-c config/gunicorn.py"' in bench


def test_each_worker_freezes_what_it_loaded(unfrozen):
    """Full collections then skip Django and the apps' objects (a tenth of a report build)."""
    gunicorn_settings()["post_worker_init"](worker=None)
    assert gc.get_freeze_count() > 0


def test_each_report_worker_process_freezes_what_it_loaded(unfrozen):
    from celery.signals import worker_process_init

    worker_process_init.send(sender=None)
    assert gc.get_freeze_count() > 0


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()
