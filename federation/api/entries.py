"""Monthly entries through the API: a batch saved all or nothing, and a unit's own entries.

A batch is checked in two rounds, each reporting every row at fault: first its shape here
(types, fields, that units and indicators exist), then the rules in services.entries_save (year
and month ranges, negative values, duplicate rows, locked months), the same as for every door.
A row naming a unit outside the caller's scope, or one that does not exist, makes the whole
request a 404.
"""

from collections.abc import Mapping
from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..entries import services
from ..formatting import vn_number
from ..models import Door, Indicator, MonthlyEntry, Unit
from ..selectors import Permission, scope_for, unit_for_user_or_404
from .errors import Conflict, Invalid, error, error_responses
from .serializers import (
    MAX_ID,
    MAX_VALUE,
    EntryBatchSerializer,
    EntrySerializer,
    SavedSerializer,
    UnitYearQuerySerializer,
)
from .views import query

MAX_BATCH = 10_000
ROW_FIELDS = ("unit", "indicator", "year", "month", "value")
UNKNOWN_FIELD = "Trường này không có trong API."


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def batch_rows(data: Any) -> list:
    """The list of rows of a request body `{"entries": [...]}`, or Invalid."""
    if not isinstance(data, Mapping):
        raise Invalid([error('Gửi một đối tượng JSON dạng {"entries": [...]}.')])
    problems = [error(UNKNOWN_FIELD, field=str(key)) for key in data if key != "entries"]
    rows = data.get("entries")
    if not isinstance(rows, list):
        problems.append(error("Cần một danh sách các dòng số liệu.", field="entries"))
    elif len(rows) > MAX_BATCH:
        message = (
            f"Mỗi lần gửi tối đa {vn_number(MAX_BATCH)} dòng, lần này có {vn_number(len(rows))}."
        )
        problems.append(error(message, field="entries"))
    if problems:
        raise Invalid(problems)
    return rows


def shape_errors(index: int, row: Any) -> list[dict]:
    """What is wrong with the form of one row: not an object, fields missing, unknown or of the
    wrong type (a string of digits, a float or a boolean is not an integer)."""
    if not isinstance(row, Mapping):
        return [error("Mỗi dòng phải là một đối tượng JSON.", row=index)]
    found = [
        error(UNKNOWN_FIELD, field=str(key), row=index) for key in row if key not in ROW_FIELDS
    ]
    for field in ROW_FIELDS:
        if field not in row:
            found.append(error("Thiếu trường này.", field=field, row=index))
        elif field == "indicator":
            if not isinstance(row[field], str):
                found.append(error("Mã chỉ tiêu phải là một chuỗi.", field=field, row=index))
        elif not _is_integer(row[field]):
            found.append(error("Phải là một số nguyên.", field=field, row=index))
    if "unit" in row and _is_integer(row["unit"]) and not 1 <= row["unit"] <= MAX_ID:
        found.append(error("Không có đơn vị mang mã số này.", field="unit", row=index))
    if "value" in row and _is_integer(row["value"]) and row["value"] > MAX_VALUE:
        message = f"Số liệu không được vượt quá {vn_number(MAX_VALUE)}."
        found.append(error(message, field="value", row=index))
    return found


def entry_rows(data: Any, user) -> list[services.EntryRow]:
    """The batch as the service's rows; Invalid, Http404 or PermissionDenied if it cannot be."""
    raw_rows = batch_rows(data)
    problems = [
        problem for index, row in enumerate(raw_rows) for problem in shape_errors(index, row)
    ]
    at_fault = {problem["row"] for problem in problems}
    wanted = [row for index, row in enumerate(raw_rows) if index not in at_fault]
    named = {row["unit"] for row in wanted}
    units = Unit.objects.in_bulk(named)
    scope = scope_for(user)
    # A unit that does not exist answers as one outside the scope: nothing tells them apart.
    if len(units) < len(named) or not all(
        scope.allows(unit, Permission.VIEW) for unit in units.values()
    ):
        raise Http404("Không tìm thấy đơn vị.")
    if not all(scope.allows(unit, Permission.ENTER_DATA) for unit in units.values()):
        raise PermissionDenied("Vai trò của bạn không được nhập số liệu cho đơn vị này.")
    indicators = {indicator.code: indicator for indicator in Indicator.objects.all()}

    rows = []
    for index, row in enumerate(raw_rows):
        if index in at_fault:
            continue
        if row["indicator"] not in indicators:
            problems.append(error("Không có chỉ tiêu mã này.", field="indicator", row=index))
        if not problems:
            rows.append(
                services.EntryRow(
                    units[row["unit"]],
                    indicators[row["indicator"]],
                    row["year"],
                    row["month"],
                    row["value"],
                )
            )
    if problems:
        raise Invalid(sorted(problems, key=lambda problem: problem["row"]))
    return rows


class EntryList(APIView):
    @extend_schema(
        operation_id="entries_list",
        summary="A unit's own monthly entries (not its subtree's)",
        parameters=[UnitYearQuerySerializer],
        responses={200: EntrySerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        params = query(UnitYearQuerySerializer, request)
        unit = unit_for_user_or_404(request.user, params["unit"])
        entries = MonthlyEntry.objects.filter(unit=unit).select_related("indicator")
        if "year" in params:
            entries = entries.filter(year=params["year"])
        entries = entries.order_by("year", "month", "indicator__position", "indicator__code")
        return Response(EntrySerializer(entries, many=True).data)

    @extend_schema(
        operation_id="entries_save",
        summary="Save monthly values, all or nothing",
        description=(
            "Each row replaces the value for its unit, indicator, year and month. At most "
            f"{MAX_BATCH:,} rows. If any row is invalid nothing is saved and the answer lists "
            "every row at fault: first problems of form (types, missing or unknown fields, "
            "unknown indicator), then of rules (month outside 1–12, negative value, "
            "duplicate row, locked month). A row naming a unit outside the caller's scope, or "
            "one that does not exist, answers 404 for the whole request. A superuser may "
            "write locked months."
        ),
        request=EntryBatchSerializer,
        responses={200: SavedSerializer, **error_responses(400, 401, 403, 404, 409, 413)},
    )
    def post(self, request: Request) -> Response:
        rows = entry_rows(request.data, request.user)
        try:
            saved = services.entries_save(rows=rows, user=request.user, door=Door.API)
        except services.RowsInvalid as invalid:
            raise Invalid(
                [
                    # "row" is the service's name for a problem with the whole row.
                    error(e.message, field=None if e.field == "row" else e.field, row=e.row)
                    for e in invalid.errors
                ]
            ) from None
        except services.StaleEntries:
            raise Conflict("Số liệu vừa được người khác lưu cùng lúc; hãy gửi lại.") from None
        answer: dict = {"saved": saved.count}
        if saved.warnings:  # shared/API.md: absent when there are none
            answer["warnings"] = [
                error(w.message, field="value", row=w.row) for w in saved.warnings
            ]
        return Response(answer)
