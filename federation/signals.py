"""What the tree's services tell the apps built on it, inside the write's transaction.

Federation never imports the apps above it; an app that keeps figures of its own per subtree
(the member tally of `membership`) connects to these in its AppConfig.ready() and updates them
in the same transaction, so they commit or roll back with the change to the tree.
"""

from django.dispatch import Signal

# A unit was created or its own fields changed (its kind, its workforce): unit=.
unit_changed = Signal()

# A unit and its subtree moved: unit= (already at its new place), old_parent=, new_parent=.
unit_moved = Signal()
