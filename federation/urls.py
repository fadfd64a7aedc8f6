"""The federation's pages: the unit tree here, each concern's pages in its own urls.py."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("units/search/", views.unit_search, name="unit_search"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/children/", views.unit_children, name="unit_children"),
    path("", include("federation.entries.urls")),
    path("", include("federation.dashboards.urls")),
    path("", include("federation.targets.urls")),
    path("", include("federation.quality.urls")),
]
