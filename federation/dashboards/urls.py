from django.urls import path

from . import views

urlpatterns = [
    path("units/<int:pk>/dashboard/", views.dashboard, name="unit_dashboard"),
    path(
        "units/<int:pk>/dashboard/children/",
        views.dashboard_children,
        name="unit_dashboard_children",
    ),
    path(
        "units/<int:pk>/dashboard/<str:table>.xlsx",
        views.dashboard_export,
        name="unit_dashboard_export",
    ),
    path("units/<int:pk>/clusters/", views.cluster_list, name="unit_clusters"),
    path("units/<int:pk>/clusters/<int:cluster_pk>/", views.cluster_edit, name="unit_cluster_edit"),
    path(
        "units/<int:pk>/clusters/<int:cluster_pk>/delete/",
        views.cluster_delete,
        name="unit_cluster_delete",
    ),
]
