from django.conf import settings


def deployment(request):
    """Tells templates whether background tasks run in a worker or in the request itself."""
    return {"tasks_inline": settings.CELERY_TASK_ALWAYS_EAGER}
