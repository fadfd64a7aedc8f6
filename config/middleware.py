"""A ceiling on every request body, checked from its declared length before a byte is read.

The largest thing anyone sends is an Excel file of at most federation.excel.MAX_BYTES; a body
past settings.MAX_REQUEST_BYTES is refused with 413 before Django spools it to disk. The API
has a tighter limit of its own (federation.api.parsers).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH", "")
        if declared.isdigit() and int(declared) > settings.MAX_REQUEST_BYTES:
            return too_large(request)
        return self.get_response(request)


def too_large(request: HttpRequest) -> HttpResponse:
    megabytes = f"{settings.MAX_REQUEST_BYTES / (1024 * 1024):g}".replace(".", ",")
    message = f"Nội dung gửi lên lớn hơn {megabytes} MB, mức hệ thống nhận."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
