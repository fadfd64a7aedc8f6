"""gunicorn's settings in production: `.venv/bin/gunicorn -c config/gunicorn.py config.wsgi`.

Each value can be changed from the environment. bench/bench_load.py runs the load test of
issue 17 against this file, so what it measures is what the README deploys.
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Two processes a core, plus one: a request spends part of its time waiting on PostgreSQL,
# and another process uses the core meanwhile.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
# Plain processes, one request each, taken from the listening socket in the order they came:
# under the load test a gthread worker kept serving the connections it held alive while the
# others waited (p95 12 s against 5 s for the same requests/s), and the p95 of every kind is
# the goal.
worker_class = "sync"
# A worker is replaced after this many requests (spread so that they do not all restart at
# once): memory that a large export or report left behind is given back.
max_requests = 2000
max_requests_jitter = 200
timeout = 60
# Each request with its status, size and time in milliseconds, to standard output.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def post_worker_init(worker) -> None:
    """The application is loaded in this worker: its objects live as long as the worker, so the
    garbage collector's full collections, which requests trigger, need not walk them again
    (the same as config/celery.py does in the report workers)."""
    gc.freeze()
