"""Goals of open issues whose feature, and so whose bench, does not exist yet.

`make bench` lists them under its table as "no bench yet", so that the table names every goal of
the open issues. Whoever writes the bench for one moves its goal into the bench's GOALS.
"""

from harness import Goal

GOALS = (
    Goal("", "roster counts, province of 1,000,000 members", "≤", 100, "ms", "issue 17"),
    Goal("", "roster counts, root of 11,000,000 members", "≤", 100, "ms", "issue 17"),
    Goal("", "roster counts, root / CĐCS", "≤", 1.5, "×", "issue 17"),
)  # fmt: skip
