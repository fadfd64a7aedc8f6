"""gunicorn's settings in production: `.venv/bin/gunicorn -c config/gunicorn.py config.wsgi`.

Each value can be changed from the environment. bench/bench_load.py runs the load test of
issue 17 against this file, so what it measures is what the README deploys.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Two processes a core, plus one: a request spends part of its time waiting on PostgreSQL,
# and another process uses the core meanwhile.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
# Threads let a process take a second request while the first waits on the database or a
# slow client, and keep connections alive between one page and its htmx requests.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 2)
keepalive = 5
# A worker is replaced after this many requests (spread so that they do not all restart at
# once): memory that a large export or report left behind is given back.
max_requests = 2000
max_requests_jitter = 200
timeout = 60
# Each request with its status, size and time in milliseconds, to standard output.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
