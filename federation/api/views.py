"""API views for auth, units, indicators, targets and progress (shared/API.md).

Thin like the pages: parse, find the unit through federation.selectors (so a unit outside the
caller's scope is a 404), call the service with door "api" (which refuses a role that does not
allow the write: 403), answer.
"""

from dataclasses import dataclass

from django import forms
from django.db import IntegrityError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from ..dashboards.selectors import forecast_month
from ..forecasts import Forecast, forecasts_for_units
from ..forms import ProgressQuery
from ..models import Door, Indicator, Period, Target, Unit, UnitKind
from ..selectors import IndicatorProgress, progress_for, unit_for_user_or_404, units_visible_to
from ..services import unit_create
from ..targets.services import target_set
from .errors import error_responses
from .parsers import FormParser, JSONParser
from .serializers import (
    MAX_ID,
    IndicatorSerializer,
    LoginSerializer,
    ProgressQuerySerializer,
    ProgressSerializer,
    TargetSerializer,
    TokenSerializer,
    UnitCreateSerializer,
    UnitSerializer,
    UnitYearQuerySerializer,
    parent_ids,
)

PERIODS = Period.values  # Y, H1, H2: the order targets are listed in


def query(serializer_class, request: Request) -> dict:
    """Validated query parameters; a bad one answers 400 naming it."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class NotFound(APIView):
    """Any path under /api/v1/ that names no endpoint."""

    permission_classes = [AllowAny]
    schema = None

    def http_method_not_allowed(self, request: Request, *args, **kwargs):
        hint = "" if request.path.endswith("/") else " Các địa chỉ của API kết thúc bằng dấu “/”."
        raise Http404(f"Không có địa chỉ này trong API.{hint}")


# --- auth --------------------------------------------------------------------------------------


class TokenView(ObtainAuthToken):
    """Trades a username and password for the user's API token (the same token every time)."""

    parser_classes = [JSONParser, FormParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
    permission_classes = [AllowAny]
    serializer_class = LoginSerializer

    @extend_schema(
        operation_id="auth_token",
        summary="Get an API token",
        request=LoginSerializer,
        responses={200: TokenSerializer, **error_responses(400, 413, 429)},
        auth=[],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        finally:
            # django-axes flags a locked-out login on the request it authenticated, DRF's here;
            # its middleware, which answers 429 (config/lockout.py), reads Django's.
            if getattr(request, "axes_locked_out", False):
                request._request.axes_locked_out = True
                request._request.axes_credentials = getattr(request, "axes_credentials", None)


# --- units -------------------------------------------------------------------------------------


class UnitPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class UnitFilter(filters.FilterSet):
    parent = IdFilter(
        method="children_of",
        min_value=1,
        max_value=MAX_ID,
        help_text="Only the direct children of this unit.",
    )
    kind = filters.ChoiceFilter(choices=UnitKind.choices, help_text="Only units of this kind.")
    search = filters.CharFilter(
        method="matching", help_text="Only units whose code, name or short name contain this."
    )

    class Meta:
        model = Unit
        fields = ["parent", "kind", "search"]

    def children_of(self, queryset, name, value):
        parent = Unit.objects.filter(pk=value).only("path", "depth").first()
        return queryset.none() if parent is None else queryset.children_of(parent)

    def matching(self, queryset, name, value):
        return queryset.filter(
            Q(code__icontains=value) | Q(name__icontains=value) | Q(short_name__icontains=value)
        )


class UnitList(generics.GenericAPIView):
    serializer_class = UnitSerializer
    pagination_class = UnitPagination
    filterset_class = UnitFilter

    def get_queryset(self):
        return units_visible_to(self.request.user).order_by("path")

    @extend_schema(
        operation_id="units_list",
        summary="List the units the caller may see",
        responses={200: UnitSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        units = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = UnitSerializer(units, many=True, context={"parent_ids": parent_ids(units)}).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="units_create",
        summary="Add a unit under a parent (or a new root: superusers only)",
        request=UnitCreateSerializer,
        responses={201: UnitSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = UnitCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent_id = serializer.validated_data["parent"]
        parent = None if parent_id is None else unit_for_user_or_404(request.user, parent_id)
        try:
            unit = unit_create(
                parent=parent, user=request.user, door=Door.API, **serializer.unit_fields()
            )
        except IntegrityError:
            # Another request took the code between the service's check and the insert.
            raise ValidationError({"code": "Mã đơn vị đã được dùng."}) from None
        return Response(unit_data(unit), status=status.HTTP_201_CREATED)


def unit_data(unit: Unit) -> dict:
    return UnitSerializer(unit, context={"parent_ids": parent_ids([unit])}).data


class UnitDetail(APIView):
    @extend_schema(
        operation_id="units_retrieve",
        summary="One unit",
        responses={200: UnitSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(unit_data(unit_for_user_or_404(request.user, pk)))


# --- indicators --------------------------------------------------------------------------------


class IndicatorList(APIView):
    @extend_schema(
        operation_id="indicators_list",
        summary="The indicator catalogue (indicators in use)",
        responses={200: IndicatorSerializer(many=True), **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        indicators = Indicator.objects.filter(is_active=True)
        return Response(IndicatorSerializer(indicators, many=True).data)


# --- targets -----------------------------------------------------------------------------------


class TargetList(APIView):
    @extend_schema(
        operation_id="targets_list",
        summary="A unit's targets",
        parameters=[UnitYearQuerySerializer],
        responses={200: TargetSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        params = query(UnitYearQuerySerializer, request)
        unit = unit_for_user_or_404(request.user, params["unit"])
        targets = Target.objects.filter(unit=unit).select_related("indicator")
        if "year" in params:
            targets = targets.filter(year=params["year"])
        targets = sorted(
            targets,
            key=lambda t: (t.year, t.indicator.position, t.indicator.code, PERIODS.index(t.period)),
        )
        return Response(TargetSerializer(targets, many=True).data)

    @extend_schema(
        operation_id="targets_set",
        summary="Set a unit's target (a leader of a unit above it)",
        description="Replaces the target for the same unit, indicator, year and period.",
        request=TargetSerializer,
        responses={
            201: OpenApiResponse(TargetSerializer, description="A new target."),
            200: OpenApiResponse(TargetSerializer, description="An earlier target replaced."),
            **error_responses(400, 401, 403, 404),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TargetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        unit = unit_for_user_or_404(request.user, data["unit_id"])
        target, created = target_set(
            unit=unit,
            indicator=data["indicator"],
            year=data["year"],
            period=data["period"],
            value=data["value"],
            user=request.user,
            door=Door.API,
        )
        answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(TargetSerializer(target).data, status=answer)


# --- progress ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressWithForecast:
    """An indicator's progress and its year-end forecast, as the progress answer lists them."""

    progress: IndicatorProgress
    forecast: Forecast | None

    def __getattr__(self, name: str):
        return getattr(self.progress, name)


def _with_forecasts(
    unit: Unit, rows: list[IndicatorProgress], progress: ProgressQuery
) -> list[ProgressWithForecast]:
    """Each row with the forecast from the figures through the period's last month that is
    over, as the dashboard shows it: two queries."""
    start = forecast_month(progress, timezone.localdate())
    indicators = [row.indicator for row in rows]
    found = forecasts_for_units([unit], progress.year, start, indicators)
    return [ProgressWithForecast(row, found.get((unit.pk, row.indicator.pk))) for row in rows]


class UnitProgress(APIView):
    @extend_schema(
        operation_id="units_progress",
        summary="Actual against target for every indicator, over a year or half-year",
        parameters=[ProgressQuerySerializer],
        responses={200: ProgressSerializer, **error_responses(400, 401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        unit = unit_for_user_or_404(request.user, pk)
        params = query(ProgressQuerySerializer, request)
        through_month = params.get("through_month")
        try:
            rows = progress_for(unit, params["year"], params["period"], through_month)
        except ValueError as problem:
            raise ValidationError({"through_month": str(problem)}) from None
        progress = ProgressQuery(params["year"], params["period"], through_month)
        rows = _with_forecasts(unit, rows, progress)
        data = {
            "unit": unit.pk,
            "year": params["year"],
            "period": params["period"],
            "through_month": through_month,
            "indicators": rows,
        }
        return Response(ProgressSerializer(data).data)
