"""`make run` migrates a new SQLite database: every migration must apply there too, not only on
PostgreSQL, where the tests and production run."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def migrate(database: Path, *target: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("CELERY_BROKER_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", *target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_every_migration_applies_on_sqlite_and_the_entry_table_changes_go_back(tmp_path):
    database = tmp_path / "run.sqlite3"
    for target in ((), ("federation", "0015"), ()):
        result = migrate(database, *target)
        assert result.returncode == 0, result.stderr
