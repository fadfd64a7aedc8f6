from django.apps import AppConfig
from django.db.models.signals import post_delete


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = "Đoàn viên"

    def ready(self) -> None:
        # The member tally follows the tree: federation tells of its changes by signals,
        # never by importing membership (see membership/tally.py).
        from federation import signals
        from federation.models import Unit

        from . import tally

        signals.unit_changed.connect(tally.on_unit_changed, sender=Unit)
        signals.unit_moved.connect(tally.on_unit_moved, sender=Unit)
        post_delete.connect(tally.on_unit_deleted, sender=Unit)
