from django.urls import path

from . import views

urlpatterns = [
    path("units/<int:pk>/reports/", views.report_list, name="report_list"),
    path("units/<int:pk>/reports/latest/", views.report_latest, name="report_latest"),
    path("units/<int:pk>/reports/start/", views.report_start, name="report_start"),
    path("units/<int:pk>/reports/bulk/", views.report_bulk, name="report_bulk"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/generate/", views.report_generate, name="report_generate"),
    path("reports/<int:pk>/redraft/", views.report_redraft, name="report_redraft"),
    path("reports/<int:pk>/compare/", views.report_compare, name="report_compare"),
    path("reports/versions/<int:pk>/status/", views.version_status, name="report_version_status"),
    path("reports/versions/<int:pk>/retry/", views.version_retry, name="report_version_retry"),
    path("reports/versions/<int:pk>/pdf/", views.version_pdf, name="report_version_pdf"),
    path("reports/versions/<int:pk>/docx/", views.version_docx, name="report_version_docx"),
    path("reports/versions/<int:pk>/sign/", views.version_sign, name="report_version_sign"),
    path("reports/batches/<int:pk>/", views.batch_detail, name="report_batch"),
    path("reports/batches/<int:pk>/status/", views.batch_status, name="report_batch_status"),
    path("reports/batches/<int:pk>/zip/", views.batch_zip, name="report_batch_zip"),
]
