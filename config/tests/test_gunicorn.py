"""The web server's settings (config/gunicorn.py): what the README deploys and the load test
measures are the same file."""

import os
import runpy
from pathlib import Path

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
