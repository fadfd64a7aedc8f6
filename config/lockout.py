"""The answer to a login refused after too many wrong passwords (django-axes calls it).

The login page and the admin get a page saying when to try again; the API's token endpoint the
JSON answer of shared/API.md. Both are 429 with Retry-After, even for the right password,
until the wait is over.
"""

import math

from axes.helpers import get_cool_off, get_failure_limit
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    minutes = math.ceil(get_cool_off(request).total_seconds() / 60)
    message = (
        f"Đăng nhập tạm khóa sau {get_failure_limit(request, credentials)} lần nhập sai mật "
        f"khẩu liên tiếp. Hãy thử lại sau {minutes} phút."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
