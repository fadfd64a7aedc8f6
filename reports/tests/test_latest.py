"""The latest report versions a leader's home page loads from the reports app."""

import pytest
from django.urls import reverse
from django.utils import timezone

from federation.tests.factories import UserFactory
from reports.models import Report, ReportKind, ReportVersion, VersionStatus


@pytest.fixture
def done_version(tree):
    report = Report.objects.create(
        unit=tree["hoai_duc"],
        year=2026,
        kind=ReportKind.H1,
        through_month=6,
        place="Hà Nội",
        issued_on=timezone.localdate(),
    )
    return ReportVersion.objects.create(
        report=report, number=1, status=VersionStatus.DONE, finished_at=timezone.now()
    )


def test_a_leader_sees_the_versions_done_below_the_unit(client, tree, city_leader, done_version):
    client.force_login(city_leader)
    response = client.get(reverse("report_latest", args=[tree["city"].pk]))
    assert response.context["versions"] == [done_version]
    assert "Sơ kết 6 tháng đầu năm 2026" in response.content.decode()


def test_outside_the_subtree_is_a_404(client, tree, done_version):
    client.force_login(UserFactory(role_on=tree["me_linh"], role_on__role="leader"))
    assert client.get(reverse("report_latest", args=[tree["hoai_duc"].pk])).status_code == 404
