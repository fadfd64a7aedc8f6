from django.urls import path

from .views import entry, tree

urlpatterns = [
    path("", tree.home, name="home"),
    path("units/<int:pk>/", tree.unit_detail, name="unit_detail"),
    path("units/<int:pk>/children/", tree.unit_children, name="unit_children"),
    path("units/<int:pk>/entry/", entry.entry_current, name="entry_current"),
    path("units/<int:pk>/entry/<int:year>/<int:month>/", entry.entry_month, name="entry_month"),
    path(
        "units/<int:pk>/entry/<int:year>/<int:month>/complete/",
        entry.entry_complete,
        name="entry_complete",
    ),
    path(
        "units/<int:pk>/entry/<int:year>/<int:month>/reopen/",
        entry.entry_reopen,
        name="entry_reopen",
    ),
    path(
        "units/<int:pk>/entry/<int:year>/<int:month>/history/",
        entry.entry_history,
        name="entry_history",
    ),
    path(
        "units/<int:pk>/completeness/<int:year>/<int:month>/",
        entry.completeness,
        name="completeness",
    ),
]
