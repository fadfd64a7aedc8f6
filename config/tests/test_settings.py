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
