import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("unionreport")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def freeze_loaded_objects(**kwargs) -> None:
    """In each pool process, once Django, the tasks and WeasyPrint are loaded: every object alive
    now stays alive, so the garbage collector need not walk them again. A report build leaves
    cycles that trigger full collections, each walking the whole heap: freezing what was
    loaded took ~10% off a build (bench/README.md, the reports bench)."""
    gc.freeze()
