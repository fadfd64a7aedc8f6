from django.urls import path

from .views import tree

urlpatterns = [
    path("", tree.home, name="home"),
    path("units/<int:pk>/", tree.unit_detail, name="unit_detail"),
    path("units/<int:pk>/children/", tree.unit_children, name="unit_children"),
]
