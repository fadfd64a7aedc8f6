"""Helpers for the API tests: a client that calls as a user with its token, and error lists."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def api_as(user=None) -> APIClient:
    """A client sending the user's token, as a script would; anonymous without a user."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def errors_of(response) -> list[tuple[int | None, str | None]]:
    """(row, field) of each error of a 400 answer."""
    assert response.status_code == 400, response.content
    return [(error["row"], error["field"]) for error in response.json()["errors"]]
