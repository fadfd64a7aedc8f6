import datetime
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import formats, translation

ROOT = Path(__file__).resolve().parents[2]


def settings_in_subprocess(code: str, **env: str) -> subprocess.CompletedProcess:
    """Imports the settings afresh with only the given environment variables set."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "-c", f"import config.settings as s; {code}"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
    )


def test_first_run_defaults_are_sqlite_and_in_process_tasks():
    result = settings_in_subprocess(
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG)"
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "True"]


def test_without_debug_a_secret_key_is_required():
    result = settings_in_subprocess("pass", DEBUG="0")
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_values_come_from_the_environment():
    result = settings_in_subprocess(
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.ALLOWED_HOSTS)",
        DEBUG="0",
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://u@db:5432/unions",
        CELERY_BROKER_URL="redis://cache:6379/0",
        ALLOWED_HOSTS="baocao.congdoan.vn",
    )
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "False",
        "['baocao.congdoan.vn']",
    ]


def test_vietnamese_language_time_zone_and_number_format():
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    with translation.override("vi"):
        assert formats.number_format(8558063, use_l10n=True) == "8.558.063"
        assert formats.number_format(60.5, 1, use_l10n=True) == "60,5"
        assert formats.date_format(datetime.date(2022, 7, 5), "SHORT_DATE_FORMAT") == "05/07/2022"


def test_tests_hash_passwords_with_a_fast_hasher():
    """conftest.py swaps Django's PBKDF2 for MD5: the suite creates hundreds of users."""
    assert make_password("demo12345").startswith("md5$")


def test_the_readmes_production_settings_pass_djangos_deployment_check(tmp_path):
    """The README's production variables, as a deployment sets them: `check --deploy` has
    nothing to say (HTTPS only, HSTS, secure cookies, a real secret)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS"}
    }
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": "k9-Vd3uQ7x_Lr2mT8wZp4sY1nB6cF0hJ5gA-eK2iO7uR3tW9yX",
        "ALLOWED_HOSTS": "baocao.example.vn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_a_body_past_the_ceiling_is_refused_before_it_is_read(client, settings):
    settings.MAX_REQUEST_BYTES = 1024
    page = client.post("/login/", {"username": "x" * 2048, "password": "y"})
    api = client.post("/api/v1/units/", "[" + "1," * 1024 + "1]", content_type="application/json")
    assert page.status_code == 413
    assert "MB" in page.content.decode()
    assert (api.status_code, "detail" in api.json()) == (413, True)
