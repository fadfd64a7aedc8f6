"""Goals of open issues whose feature, and so whose bench, does not exist yet.

`make bench` lists them under its table as "no bench yet", so that the table names every goal of
the open issues. Whoever writes the bench for one moves its goal into the bench's GOALS.
"""

from harness import Goal

# Every goal of issue 17 has its bench now; the next issue with a goal not yet benched adds it here.
GOALS: tuple[Goal, ...] = ()
