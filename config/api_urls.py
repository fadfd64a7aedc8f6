"""The HTTP API of shared/API.md under /api/v1/: each app's endpoints in one URLconf, here at the
top, so that no app's URLs name another app's views."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from federation.api import entries, views
from reports.api import ReportCreate, ReportDetail, ReportDocx, ReportPDF

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api_token"),
    path("units/", views.UnitList.as_view(), name="api_units"),
    path("units/<int:pk>/", views.UnitDetail.as_view(), name="api_unit"),
    path("units/<int:pk>/progress/", views.UnitProgress.as_view(), name="api_unit_progress"),
    path("indicators/", views.IndicatorList.as_view(), name="api_indicators"),
    path("targets/", views.TargetList.as_view(), name="api_targets"),
    path("entries/", entries.EntryList.as_view(), name="api_entries"),
    path("reports/", ReportCreate.as_view(), name="api_reports"),
    path("reports/<int:pk>/", ReportDetail.as_view(), name="api_report"),
    path("reports/<int:pk>/pdf/", ReportPDF.as_view(), name="api_report_pdf"),
    path("reports/<int:pk>/docx/", ReportDocx.as_view(), name="api_report_docx"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    # Anything else under /api/v1/ answers a JSON 404, not the site's HTML page.
    re_path(r"^", views.NotFound.as_view()),
]
