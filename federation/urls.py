from django.urls import path

from .views import dashboard, entry, entry_excel, targets, tree

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
    path("units/<int:pk>/entry/excel/", entry_excel.page, name="entry_excel"),
    path(
        "units/<int:pk>/entry/excel/template/",
        entry_excel.template,
        name="entry_excel_template",
    ),
    path(
        "units/<int:pk>/entry/excel/export/",
        entry_excel.export,
        name="entry_excel_export",
    ),
    path(
        "units/<int:pk>/entry/excel/upload/",
        entry_excel.upload,
        name="entry_excel_upload",
    ),
    path(
        "units/<int:pk>/entry/excel/confirm/",
        entry_excel.confirm,
        name="entry_excel_confirm",
    ),
]

# Progress dashboards, targets and emulation clusters (issue 5).
urlpatterns += [
    path("units/<int:pk>/dashboard/", dashboard.dashboard, name="unit_dashboard"),
    path(
        "units/<int:pk>/dashboard/children/",
        dashboard.dashboard_children,
        name="unit_dashboard_children",
    ),
    path(
        "units/<int:pk>/dashboard/<str:table>.xlsx",
        dashboard.dashboard_export,
        name="unit_dashboard_export",
    ),
    path("units/<int:pk>/clusters/", dashboard.cluster_list, name="unit_clusters"),
    path(
        "units/<int:pk>/clusters/<int:cluster_pk>/",
        dashboard.cluster_edit,
        name="unit_cluster_edit",
    ),
    path(
        "units/<int:pk>/clusters/<int:cluster_pk>/delete/",
        dashboard.cluster_delete,
        name="unit_cluster_delete",
    ),
    path("units/<int:pk>/targets/", targets.targets, name="unit_targets"),
    path(
        "units/<int:pk>/targets/template.xlsx",
        targets.targets_template,
        name="unit_targets_template",
    ),
    path("units/<int:pk>/targets/import/", targets.targets_import, name="unit_targets_import"),
    path(
        "units/<int:pk>/targets/import/confirm/",
        targets.targets_import_confirm,
        name="unit_targets_import_confirm",
    ),
]
