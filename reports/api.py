"""Reports through the API (shared/API.md): ask for a report's PDF, follow it, download it and
its Word copy.

A report's `id` in the API is the id of one version (one build of the PDF): each POST queues a
new version of the unit's report for that year and half, created with its prefilled draft if
there is none yet. Who may do what is the pages' rule: staff of the unit or above may ask for a
report (Permission.ENTER_DATA); anyone who sees the unit may follow and download it.
"""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from federation.api.errors import Conflict, error_responses
from federation.api.serializers import MAX_ID, StrictFieldsMixin, StrictIntegerField
from federation.selectors import unit_for_user_or_404

from . import selectors, services
from .models import ReportKind, ReportVersion, VersionStatus

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ReportCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """A unit's report for a year and half to build as a PDF."""

    unit = StrictIntegerField(min_value=1, max_value=MAX_ID, help_text="Id of the unit.")
    year = StrictIntegerField()
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    through_month = StrictIntegerField(
        required=False,
        help_text="Figures up to the end of this month (within the half); 6 or 12 if left out.",
    )


class ReportVersionSerializer(serializers.Serializer):
    """One build of a unit's report: its status and, once done, where its PDF is."""

    id = serializers.IntegerField()
    report = serializers.IntegerField(source="report_id", help_text="Id of the report document.")
    number = serializers.IntegerField(help_text="Version number of the report document.")
    unit = serializers.IntegerField(source="report.unit_id")
    year = serializers.IntegerField(source="report.year")
    kind = serializers.ChoiceField(source="report.kind", choices=ReportKind.choices)
    through_month = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=VersionStatus.choices)
    progress = serializers.IntegerField(help_text="How far the build got, in percent.")
    error = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    docx_url = serializers.SerializerMethodField()
    signed = serializers.BooleanField(source="is_signed", help_text="Whether a leader signed it.")

    def get_through_month(self, version: ReportVersion) -> int:
        return version.document.get("through_month", version.report.through_month)

    def get_error(self, version: ReportVersion) -> str | None:
        return version.error or None

    def get_pdf_url(self, version: ReportVersion) -> str | None:
        if not version.is_done:
            return None
        return reverse("api_report_pdf", args=[version.pk], request=self.context.get("request"))

    def get_docx_url(self, version: ReportVersion) -> str | None:
        if not version.is_done or not version.docx:
            return None
        return reverse("api_report_docx", args=[version.pk], request=self.context.get("request"))


def version_data(version: ReportVersion, request: Request) -> dict:
    return ReportVersionSerializer(version, context={"request": request}).data


class ReportCreate(APIView):
    @extend_schema(
        operation_id="reports_create",
        summary="Ask for a report's PDF; it is built in the background",
        request=ReportCreateSerializer,
        responses={
            202: OpenApiResponse(ReportVersionSerializer, description="Queued."),
            **error_responses(400, 401, 403, 404),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        unit = unit_for_user_or_404(request.user, data["unit"])
        version = services.report_generate(
            unit=unit,
            year=data["year"],
            kind=data["kind"],
            through_month=data.get("through_month"),
            user=request.user,
        )
        # Without a broker the build has already run in this request: tell how it went.
        version.refresh_from_db()
        return Response(version_data(version, request), status=status.HTTP_202_ACCEPTED)


class ReportDetail(APIView):
    @extend_schema(
        operation_id="reports_retrieve",
        summary="A report's build status and, once done, where its PDF is",
        responses={200: ReportVersionSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        version = selectors.version_for_user_or_404(request.user, pk)
        version = services.report_version_recover_if_stuck(version)
        return Response(version_data(version, request))


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class DocxRenderer(PDFRenderer):
    media_type = DOCX_TYPE
    format = "docx"


class VersionFile(APIView):
    """A finished version's file. The file goes out as a FileResponse; its renderer is here so
    that a client asking for its type is not refused with 406. Errors are always JSON
    (finalize_response)."""

    def found(self, request: Request, pk: int) -> ReportVersion:
        version = selectors.version_for_user_or_404(request.user, pk)
        if not version.is_done:
            raise Conflict("Báo cáo chưa tạo xong: xem trạng thái ở địa chỉ của báo cáo.")
        return version

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response):
            request.accepted_renderer, request.accepted_media_type = (
                JSONRenderer(),
                "application/json",
            )
        return super().finalize_response(request, response, *args, **kwargs)


class ReportPDF(VersionFile):
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(
        operation_id="reports_pdf",
        summary="The report's PDF, once built (the signed one once a leader signed it)",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            **error_responses(401, 404, 409),
        },
        # Errors are JSON whatever was asked for; ?format= is not offered.
        parameters=[OpenApiParameter("format", exclude=True)],
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        version = self.found(request, pk)
        return FileResponse(
            version.download_file.open("rb"),
            filename=version.download_name,
            content_type="application/pdf",
        )


class ReportDocx(VersionFile):
    renderer_classes = [JSONRenderer, DocxRenderer]

    @extend_schema(
        operation_id="reports_docx",
        summary="The same version as a Word document, once built",
        responses={
            (200, DOCX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The .docx."),
            **error_responses(401, 404, 409),
        },
        parameters=[OpenApiParameter("format", exclude=True)],
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        version = self.found(request, pk)
        if not version.docx:
            # Built before the Word copy existed: its figures make the same document again.
            raise Conflict("Phiên bản này được tạo trước khi có bản Word: hãy tạo phiên bản mới.")
        return FileResponse(
            version.docx.open("rb"),
            as_attachment=True,
            filename=version.docx_name,
            content_type=DOCX_TYPE,
        )
