"""What every request costs before its view runs: issue 17's load test found the time under
concurrency, and these keep the fixed part of each request small."""

import runpy

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import settings as project_settings


def session_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]


def test_a_signed_in_request_reads_its_session_from_the_cache(client, district_leader, tree):
    client.force_login(district_leader)
    url = reverse("unit_dashboard", args=[tree["hoai_duc"].pk])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert session_queries(captured) == []


def test_a_session_the_cache_lost_is_read_from_the_table(client, district_leader, tree):
    """Sessions are written through: a restarted Redis logs no one out."""
    from django.core.cache import cache

    client.force_login(district_leader)
    cache.clear()
    url = reverse("unit_dashboard", args=[tree["hoai_duc"].pk])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert len(session_queries(captured)) == 1


def test_the_dashboard_costs_no_more_queries_than_its_figures_need(
    client, district_leader, tree, django_assert_max_num_queries
):
    client.force_login(district_leader)
    url = reverse("unit_dashboard", args=[tree["hoai_duc"].pk])
    client.get(url)
    # The user, its roles, the unit, then the figures: no session, no per-request setup.
    with django_assert_max_num_queries(12):
        client.get(url)


def test_processes_share_one_cache_once_cache_url_is_set(monkeypatch):
    monkeypatch.setenv("CACHE_URL", "redis://127.0.0.1:6379/3")
    shared = runpy.run_path(project_settings.__file__)["CACHES"]["default"]
    assert shared == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/3",
    }
