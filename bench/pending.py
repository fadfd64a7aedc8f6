"""Goals of open issues whose feature, and so whose bench, does not exist yet.

`make bench` lists them under its table as "no bench yet", so that the table names every goal of
the open issues. Whoever writes the bench for one moves its goal into the bench's GOALS.
"""

from harness import Goal

GOALS = (
    Goal("", "load test, 50 users: requests/s (2 × 41.9)", "≥", 83.8, "req/s", "issue 17"),
    Goal("", "load test, 50 users: p95 of every kind", "≤", 500, "ms", "issue 17"),
    Goal("", "load test, 50 users: errors", "=", 0, "", "issue 17"),
    Goal("", "bulk reports, 700 districts: throughput 2 workers / 1", "≥", 1.8, "×", "issue 17"),
)  # fmt: skip
