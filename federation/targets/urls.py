from django.urls import path

from . import views

urlpatterns = [
    path("units/<int:pk>/targets/", views.targets, name="unit_targets"),
    path(
        "units/<int:pk>/targets/template.xlsx",
        views.targets_template,
        name="unit_targets_template",
    ),
    path("units/<int:pk>/targets/import/", views.targets_import, name="unit_targets_import"),
    path(
        "units/<int:pk>/targets/import/confirm/",
        views.targets_import_confirm,
        name="unit_targets_import_confirm",
    ),
    path(
        "units/<int:pk>/targets/import/cancel/",
        views.targets_import_cancel,
        name="unit_targets_import_cancel",
    ),
]
