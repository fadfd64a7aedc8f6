"""How the API reads a request body: JSON (and a plain form, for the token endpoint), refused
before it costs memory when it is larger than settings.API_MAX_BODY_BYTES (413) or nested deeper
than a JSON decoder can follow (400), each with a sentence in Vietnamese."""

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


def refuse_if_too_large(parser_context: dict | None) -> None:
    """Refuses by the declared length, before a byte of the body is read."""
    request = (parser_context or {}).get("request")
    declared = request.META.get("CONTENT_LENGTH") if request is not None else None
    limit = settings.API_MAX_BODY_BYTES
    if declared and declared.isdigit() and int(declared) > limit:
        megabytes = f"{limit / (1024 * 1024):g}".replace(".", ",")
        raise BodyTooLarge(
            f"Nội dung gửi lên lớn hơn {megabytes} MB, mức API nhận. Hãy chia thành nhiều lần gửi."
        )


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        refuse_if_too_large(parser_context)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON lồng nhau quá nhiều tầng.") from None


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        refuse_if_too_large(parser_context)
        return super().parse(stream, media_type, parser_context)
