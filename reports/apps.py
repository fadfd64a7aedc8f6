from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Báo cáo"

    def ready(self) -> None:
        # Registers the build task with Celery in every process: services queue it by name,
        # and without a broker the web process itself runs it.
        from . import tasks  # noqa: F401
