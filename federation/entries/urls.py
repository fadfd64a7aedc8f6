from django.urls import path

from . import completeness_views, excel_views, views

MONTH = "units/<int:pk>/entry/<int:year>/<int:month>/"
EXCEL = "units/<int:pk>/entry/excel/"

urlpatterns = [
    path("units/<int:pk>/entry/", views.entry_current, name="entry_current"),
    path(MONTH, views.entry_month, name="entry_month"),
    path(f"{MONTH}complete/", views.entry_complete, name="entry_complete"),
    path(f"{MONTH}reopen/", views.entry_reopen, name="entry_reopen"),
    path(f"{MONTH}history/", views.entry_history, name="entry_history"),
    path(f"{MONTH}history/<int:history_id>/restore/", views.entry_restore, name="entry_restore"),
    path(
        "units/<int:pk>/completeness/<int:year>/<int:month>/",
        completeness_views.completeness,
        name="completeness",
    ),
    path(
        "units/<int:pk>/completeness/<int:year>/<int:month>/remind/",
        completeness_views.completeness_remind,
        name="completeness_remind",
    ),
    path(EXCEL, excel_views.page, name="entry_excel"),
    path(f"{EXCEL}template/", excel_views.template, name="entry_excel_template"),
    path(f"{EXCEL}export/", excel_views.export, name="entry_excel_export"),
    path(f"{EXCEL}upload/", excel_views.upload, name="entry_excel_upload"),
    path(f"{EXCEL}confirm/", excel_views.confirm, name="entry_excel_confirm"),
    path(f"{EXCEL}cancel/", excel_views.cancel, name="entry_excel_cancel"),
]
