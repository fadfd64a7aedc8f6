"""The API's two error shapes, and the handler that gives every failure one of them.

A 400 about what a request says answers `{"errors": [{"row", "field", "message"}]}`: `row` is
the index of a batch row (or null), `field` the field at fault (or null when the whole request
or row is). A body that cannot be read at all (malformed or over-nested JSON: 400, too large:
413) and every other error answer `{"detail": "..."}` with their status: 401, 403, 404, 405,
409, 413, 415, 429 (with Retry-After). Django's own ValidationError, raised by the services,
becomes a 400 like any other.
"""

import math
from collections.abc import Iterator, Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorSerializer(serializers.Serializer):
    """One problem found in a request."""

    row = serializers.IntegerField(
        allow_null=True, help_text="Index (from 0) of the batch row at fault, or null."
    )
    field = serializers.CharField(
        allow_null=True, help_text="The field at fault, or null when the whole request is."
    )
    message = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    """Every problem found in a request: nothing was saved."""

    errors = ErrorSerializer(many=True)


class DetailSerializer(serializers.Serializer):
    """Why the request was refused."""

    detail = serializers.CharField()


def error(message: str, *, field: str | None = None, row: int | None = None) -> dict[str, Any]:
    return {"row": row, "field": field, "message": message}


class Invalid(exceptions.APIException):
    """A 400 whose errors are already in the API's shape (e.g. rows of a batch)."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, errors: Sequence[dict[str, Any]]):
        super().__init__("Dữ liệu không hợp lệ.")
        self.errors = list(errors)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Yêu cầu xung đột với trạng thái hiện tại, hãy thử lại."


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, exceptions.Throttled):
        exc = exceptions.Throttled(exc.wait, detail=_throttled(exc.wait))
    elif isinstance(exc, exceptions.ParseError):
        return _unreadable(exc, context)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))
    if isinstance(exc, Invalid):
        response = drf_exception_handler(exc, context)
        response.data = {"errors": [_printable_error(e) for e in exc.errors]}
        return response
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if response.status_code == status.HTTP_400_BAD_REQUEST:
        response.data = {"errors": [_printable_error(e) for e in _flatten(response.data)]}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": _printable(response.data["detail"])}
    return response


def _throttled(wait: float | None) -> str:
    seconds = math.ceil(wait or 1)
    return f"Quá nhiều yêu cầu trong một lúc; hãy thử lại sau {seconds} giây."


def _unreadable(exc: exceptions.ParseError, context: dict) -> Response:
    """A body that is not JSON at all: said in Vietnamese, whatever the decoder said."""
    detail = str(exc.detail)
    if detail.startswith("JSON parse error"):
        detail = "Nội dung gửi lên không phải JSON hợp lệ."
    response = drf_exception_handler(exceptions.ParseError(detail), context)
    response.data = {"detail": _printable(response.data["detail"])}
    return response


def _flatten(detail: Any, field: str | None = None) -> Iterator[dict[str, Any]]:
    """DRF's nested error structure as a flat list; nested fields are joined with dots."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in (api_settings.NON_FIELD_ERRORS_KEY, NON_FIELD_ERRORS, "detail"):
                yield from _flatten(value, field)
            else:
                yield from _flatten(value, f"{field}.{key}" if field else str(key))
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item, field)
    else:
        yield error(str(detail), field=field)


def _printable(text: Any) -> str:
    """Messages may quote the request: a lone surrogate there could not be encoded as UTF-8."""
    return str(text).encode("utf-8", "backslashreplace").decode("utf-8")


def _printable_error(item: dict[str, Any]) -> dict[str, Any]:
    field = item["field"]
    return {
        "row": item["row"],
        "field": None if field is None else _printable(field),
        "message": _printable(item["message"]),
    }


# --- for the schema ----------------------------------------------------------------------------

_DESCRIPTIONS = {
    400: (
        "Invalid request: every problem found, each with its field (and batch row); or, for a "
        "body that is not JSON or is nested too deep, one sentence."
    ),
    401: "No credentials, or wrong ones.",
    403: "The caller's role does not allow this write.",
    404: "Not found, or outside the caller's scope.",
    409: "Conflict with the current state: try again later.",
    413: "The request body is larger than the API accepts.",
    429: "Too many attempts: try again after the Retry-After header's seconds.",
}


# A 400 lists the problems of what was sent, or says in one sentence that it could not be read.
BAD_REQUEST = PolymorphicProxySerializer(
    component_name="BadRequest",
    serializers=[ErrorsSerializer, DetailSerializer],
    resource_type_field_name=None,
)


def error_responses(*codes: int) -> dict[tuple[int, str], OpenApiResponse]:
    """The documented error answers of an operation, in the shapes above: always JSON."""
    return {
        (code, "application/json"): OpenApiResponse(
            BAD_REQUEST if code == 400 else DetailSerializer, description=_DESCRIPTIONS[code]
        )
        for code in codes
    }
