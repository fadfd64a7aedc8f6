"""A Celery worker (prefork, one child) whose first report build stalls until it is killed.

Started by test_worker.py as a subprocess: `python -m reports.tests.worker_harness STALL_FILE`.
The first build writes the pid of the child process running it to STALL_FILE and sleeps, so the
test can kill that process mid-task; builds after that run normally, in this worker or in another
started with the same STALL_FILE. Settings come from the environment the test passes, as in
production (config/settings.py): the broker, the database, the task time limits.
"""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from config.celery import app  # noqa: E402 - needs django.setup()
from reports import pdf  # noqa: E402

STALL_SECONDS = 120


def main(stall_file: str) -> None:
    render = pdf.render_pdf

    def stall_once(html: str) -> bytes:
        if not os.path.exists(stall_file):
            with open(stall_file, "w") as marker:
                marker.write(str(os.getpid()))
            time.sleep(STALL_SECONDS)
        return render(html)

    # Patched before the pool forks, so its child process inherits it.
    pdf.render_pdf = stall_once
    app.worker_main(
        [
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


if __name__ == "__main__":
    main(sys.argv[1])
