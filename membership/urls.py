from django.urls import path

from . import views

app_name = "membership"

urlpatterns = [
    path("units/<int:pk>/members/", views.roster, name="roster"),
    path("units/<int:pk>/members/counts/", views.roster_counts, name="roster_counts"),
    path("units/<int:pk>/members/export/", views.roster_export, name="roster_export"),
    path("units/<int:pk>/members/new/", views.member_add, name="member_add"),
    path("units/<int:pk>/members/import/", views.import_upload, name="import_upload"),
    path("units/<int:pk>/members/import/confirm/", views.import_confirm, name="import_confirm"),
    path("units/<int:pk>/members/import/cancel/", views.import_cancel, name="import_cancel"),
    path("units/<int:pk>/members/import/template/", views.import_template, name="import_template"),
    path("units/<int:pk>/members/<int:member_pk>/", views.member_detail, name="member_detail"),
    path("units/<int:pk>/members/<int:member_pk>/edit/", views.member_edit, name="member_edit"),
    path("units/<int:pk>/members/<int:member_pk>/leave/", views.member_leave, name="member_leave"),
    path(
        "units/<int:pk>/members/<int:member_pk>/transfer/",
        views.member_transfer,
        name="member_transfer",
    ),
]
