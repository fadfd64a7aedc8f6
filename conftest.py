import pytest
from django.utils import timezone

from federation.models import UnitKind
from federation.tests.factories import GrassrootsFactory, UnitFactory, UserFactory

BROWSER = "/usr/bin/chromium"


def pytest_configure(config):
    """A fast password hash under test, as cookiecutter-django's test settings have: Django's
    default (PBKDF2, over a million rounds) costs each user a test creates most of a second."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache: the API's login throttle counts requests there."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploads and report files go to a throwaway folder, never the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def celery_eager(monkeypatch):
    """Celery tasks run in-process in this test, whatever CELERY_BROKER_URL says.

    Celery reads Django's CELERY_-prefixed names before its own, so both spellings are set.
    """
    from config.celery import app

    for name in ("task_always_eager", "task_eager_propagates"):
        for key in (f"CELERY_{name.upper()}", name):
            monkeypatch.setitem(app.conf, key, True)


@pytest.fixture(params=["arrays", "orm"])
def write_path(request, monkeypatch):
    """Runs a test once per way of writing batches: array statements (PostgreSQL) and the ORM.

    Production runs the first; SQLite under `make run` the second; CI checks both on PostgreSQL.
    """
    from federation import sql

    if request.param == "arrays" and not sql.has_arrays():
        pytest.skip("array statements need PostgreSQL")
    monkeypatch.setattr(sql, "has_arrays", lambda: request.param == "arrays")
    return request.param


@pytest.fixture
def this_month():
    """(year, month) of today: a month open to everyone's writes."""
    today = timezone.localdate()
    return today.year, today.month


@pytest.fixture
def tree(db):
    """A small federation: city → two districts → CĐCS, plus a sector union with one CĐCS.

    city (provincial_federation)
    ├── hoai_duc (district) ─ hd_1, hd_2
    ├── me_linh (district) ─ ml_1
    └── education (sector union) ─ edu_1
    """
    city = UnitFactory(code="HN", name="LĐLĐ Thành phố Hà Nội", kind=UnitKind.PROVINCIAL_FEDERATION)
    hoai_duc = UnitFactory(parent=city, code="HD", name="LĐLĐ huyện Hoài Đức")
    me_linh = UnitFactory(parent=city, code="ML", name="LĐLĐ huyện Mê Linh")
    education = UnitFactory(
        parent=city, code="GD", name="Công đoàn ngành Giáo dục", kind=UnitKind.SECTOR_UNION
    )
    units = {
        "city": city,
        "hoai_duc": hoai_duc,
        "me_linh": me_linh,
        "education": education,
        "hd_1": GrassrootsFactory(parent=hoai_duc, code="HD01"),
        "hd_2": GrassrootsFactory(parent=hoai_duc, code="HD02"),
        "ml_1": GrassrootsFactory(parent=me_linh, code="ML01"),
        "edu_1": GrassrootsFactory(parent=education, code="GD01"),
    }
    for unit in units.values():
        unit.refresh_from_db()
    return units


@pytest.fixture
def district_staff(tree):
    return UserFactory(username="hd_staff", role_on=tree["hoai_duc"], role_on__role="staff")


@pytest.fixture
def district_leader(tree):
    return UserFactory(username="hd_leader", role_on=tree["hoai_duc"], role_on__role="leader")


@pytest.fixture
def city_leader(tree):
    return UserFactory(username="hn_leader", role_on=tree["city"], role_on__role="leader")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """A page in Debian's chromium, driven by Playwright, against the live test server.

    Playwright's sync API runs an event loop in this thread; the ORM calls the test makes around
    it are synchronous and safe, which Django needs to be told.
    """
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=BROWSER,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        page = browser.new_page(base_url=live_server.url)
        page.set_default_timeout(15_000)
        yield page
        browser.close()
