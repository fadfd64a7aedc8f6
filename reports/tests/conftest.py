import datetime

import pytest

from config.celery import app as celery_app
from federation.entries.services import entry_upsert
from federation.models import Period
from federation.targets.services import target_set
from federation.tests.factories import UserFactory, indicator
from reports import services
from reports.models import ReportKind


def override_celery(monkeypatch, **options) -> None:
    """Celery's settings for this test. The app reads Django's CELERY_-prefixed names before
    its own, so both spellings are set."""
    for name, value in options.items():
        for key in (f"CELERY_{name.upper()}", name):
            monkeypatch.setitem(celery_app.conf, key, value)


@pytest.fixture(autouse=True)
def eager_tasks(monkeypatch):
    """Report tasks run in-process here, whatever CELERY_BROKER_URL says; the worker tests
    (test_worker.py) point the app at Redis themselves."""
    override_celery(monkeypatch, task_always_eager=True, task_eager_propagates=True)


def save(unit, code: str, year: int, month: int, value: int) -> None:
    entry_upsert(
        unit=unit, indicator=indicator(code), year=year, month=month, value=value, user=None
    )


def target(unit, code: str, year: int, period: str, value: int) -> None:
    target_set(
        unit=unit, indicator=indicator(code), year=year, period=period, value=value, user=None
    )


@pytest.fixture
def hoai_duc_2022(tree):
    """LĐLĐ huyện Hoài Đức's 2022 mid-year figures, as in DESIGN.md: 310/512 new members
    (60,5% of the year's plan), 11/20 new CĐCS (55% of the H1 plan); and the same months of
    2021 for "so với cùng kỳ"."""
    hd, hd_1, hd_2 = tree["hoai_duc"], tree["hd_1"], tree["hd_2"]
    save(hd_1, "new_members", 2022, 3, 200)
    save(hd_2, "new_members", 2022, 5, 60)
    save(hd_2, "new_members", 2022, 6, 50)
    save(hd, "new_grassroots_unions", 2022, 4, 11)
    save(hd_1, "total_members", 2022, 5, 1234)
    save(hd, "union_fees_collected", 2022, 2, 1_500_000_000)
    save(hd_1, "new_members", 2021, 4, 200)
    save(hd, "new_grassroots_unions", 2021, 5, 11)
    target(hd, "new_members", 2022, Period.YEAR, 512)
    target(hd, "new_grassroots_unions", 2022, Period.H1, 20)
    return hd


@pytest.fixture
def report(hoai_duc_2022, district_leader):
    """The mid-year report, numbered and dated as a signed one would be."""
    created, _ = services.report_create_or_update(
        unit=hoai_duc_2022,
        year=2022,
        kind=ReportKind.H1,
        user=district_leader,
        document_number="45/BC-LĐLĐ",
        issued_on=datetime.date(2022, 7, 5),
        signer_name="Nguyễn Văn Bình",
    )
    return created


@pytest.fixture
def other_district_staff(tree):
    return UserFactory(username="ml_staff", role_on=tree["me_linh"], role_on__role="staff")
