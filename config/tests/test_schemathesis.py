"""The API against its own OpenAPI schema: schemathesis sends generated requests, valid and
invalid, to every operation (in-process, through WSGI) as a city leader, and checks that none
answers 5xx and that every answer has a documented status, content type and body."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.celery import app as celery_app
from config.wsgi import application
from federation.entries.services import EntryRow, entries_save
from federation.models import Period
from federation.targets.services import target_set
from federation.tests.factories import indicator

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def connections_kept():
    """The app is called through WSGI, which closes the database connection around each request;
    the test's transaction needs it open, as Django's test client keeps it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(tree, city_leader, monkeypatch, connections_kept):
    """The schema as the app serves it, over a small tree with figures and targets."""
    # Reports asked for are queued, never built: a PDF takes seconds and is tested elsewhere.
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    new_members = indicator("new_members")
    entries_save(
        rows=[EntryRow(tree["hd_1"], new_members, 2024, m, 10 * m) for m in range(1, 13)],
        user=None,
    )
    target_set(
        unit=tree["hoai_duc"],
        indicator=new_members,
        year=2024,
        period=Period.YEAR,
        value=100,
        user=None,
    )
    token = Token.objects.get_or_create(user=city_leader)[0].key
    loaded = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/", application, headers={"Authorization": f"Token {token}"}
    )
    loaded.hook(steered_to_real_units(list(tree.values())))
    return loaded


def steered_to_real_units(units):
    """A map_case hook: small generated numbers become ids of the seeded units, short strings
    indicator codes and years this century, so that requests reach the services, not only the
    404s and 400s of ids and codes that name nothing. Other values are sent as generated."""
    ids = [unit.pk for unit in units]
    codes = ["new_members", "new_grassroots_unions", "total_members"]

    def real_id(value):
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10_000:
            return ids[value % len(ids)]
        return value

    def real_code(value):
        return (
            codes[len(value) % len(codes)] if isinstance(value, str) and len(value) < 3 else value
        )

    def real_year(value):
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 100:
            return 2020 + value % 8
        return value

    def map_case(context, case):
        if "id" in case.path_parameters:
            case.path_parameters["id"] = real_id(case.path_parameters["id"])
        for name in ("unit", "parent"):
            if name in case.query:
                case.query[name] = real_id(case.query[name])
        body = case.body if isinstance(case.body, dict) else {}
        entries = body.get("entries")
        rows = (
            [body, *(r for r in entries if isinstance(r, dict))]
            if isinstance(entries, list)
            else [body]
        )
        for row in rows:
            for name, real in [("unit", real_id), ("parent", real_id), ("indicator", real_code)]:
                if name in row:
                    row[name] = real(row[name])
            if "year" in row:
                row["year"] = real_year(row["year"])
        return case

    return map_case


@pytest.fixture
def leader_token(city_leader) -> str:
    return Token.objects.get_or_create(user=city_leader)[0].key


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.schemathesis
@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_generated_request_as_its_schema_says(case, leader_token):
    case.call_and_validate(headers={"Authorization": f"Token {leader_token}"}, checks=CHECKS)
