from functools import cache

from django.conf import settings

from federation.selectors import Grant, scope_for, top_units_for


def deployment(request):
    """Tells superusers whether background tasks run in a worker or in the request itself:
    how the server is set up is theirs to fix, not a notice for every user."""
    user = getattr(request, "user", None)
    return {"tasks_inline": settings.CELERY_TASK_ALWAYS_EAGER and bool(user and user.is_superuser)}


def home_unit(request):
    """The unit the navbar's links open: the first where the user's tree starts, as a Grant
    (unit_id, is_grassroots) read from the roles the page loads anyway; a superuser's first
    root costs one query, and only when a page draws the navbar."""

    @cache
    def first_unit() -> Grant | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not user.is_superuser:
            return scope_for(user).home_grant
        root = top_units_for(user).first()
        return Grant(root.path, 0, root.pk, root.is_grassroots) if root else None

    return {"home_unit": first_unit}
