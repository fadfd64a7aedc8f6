"""The data-quality page: what the checks found below a unit, followed up and resolved."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from federation.entries.services import EntryRow, entries_save
from federation.models import EntryFinding
from federation.quality import services
from federation.tests.factories import UserFactory, indicator


@pytest.fixture
def warned(tree, this_month):
    """Admissions above the workforce (120) in two CĐCS of two districts, saved anyway."""
    year, month = this_month
    members = indicator("new_members")
    for unit in (tree["hd_1"], tree["ml_1"]):
        entries_save(rows=[EntryRow(unit, members, year, month, 500)], user=None)
    return {f.unit.code: f for f in EntryFinding.objects.select_related("unit")}


def quality_url(unit, **params):
    return reverse("unit_quality", args=[unit.pk]) + (
        "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    )


def test_staff_see_their_subtrees_findings_with_a_link_to_the_cell(
    client, tree, district_staff, warned, this_month
):
    client.force_login(district_staff)
    page = client.get(quality_url(tree["hoai_duc"])).content.decode()

    assert "nhiều hơn tổng số lao động của CĐCS (120)" in page
    assert tree["hd_1"].display_name in page
    assert tree["ml_1"].display_name not in page
    hd_1, members = tree["hd_1"], indicator("new_members")
    cell = reverse("entry_month", args=[hd_1.pk, *this_month]) + f"#v-{hd_1.pk}-{members.pk}"
    assert cell in page


def test_another_districts_page_and_findings_answer_404(client, tree, district_staff, warned):
    client.force_login(district_staff)
    other = warned["ML01"]
    assert client.get(quality_url(tree["me_linh"])).status_code == 404
    assert client.post(reverse("finding_follow_up", args=[other.pk])).status_code == 404
    assert client.post(reverse("finding_resolve", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.status == "open"


def test_a_finding_is_followed_up_then_resolved_with_a_comment_each_step_audited(
    client, tree, district_staff, warned
):
    client.force_login(district_staff)
    finding = warned["HD01"]

    client.post(reverse("finding_follow_up", args=[finding.pk]))
    finding.refresh_from_db()
    assert finding.status == "follow_up"
    empty = client.post(reverse("finding_resolve", args=[finding.pk]), {"comment": " "})
    finding.refresh_from_db()
    assert finding.status == "follow_up"
    client.post(reverse("finding_resolve", args=[finding.pk]), {"comment": "CĐCS xác nhận đúng."})
    finding.refresh_from_db()

    assert empty.status_code == 302
    assert (finding.status, finding.comment) == ("resolved", "CĐCS xác nhận đúng.")
    changes = finding.history.order_by("history_id")
    assert [h.status for h in changes] == ["open", "follow_up", "resolved"]
    assert changes.last().history_user == district_staff


def test_only_a_role_on_the_unit_or_above_follows_up_by_any_door(tree, warned):
    outsider = UserFactory(role_on=tree["me_linh"])
    with pytest.raises(PermissionDenied, match="không được xử lý"):
        services.finding_resolve(finding=warned["HD01"], user=outsider, comment="x")


def test_the_page_filters_by_months_and_state(client, tree, city_leader, warned, this_month):
    client.force_login(city_leader)
    year, month = this_month
    other_month = 1 if month != 1 else 2
    services.finding_resolve(finding=warned["HD01"], user=city_leader, comment="Đúng.")

    pending = client.get(quality_url(tree["city"], year=year, first_month=month)).content
    resolved = client.get(quality_url(tree["city"], showing="resolved")).content
    elsewhere = client.get(
        quality_url(tree["city"], first_month=other_month, last_month=other_month)
    )

    assert tree["ml_1"].display_name in pending.decode()
    assert tree["hd_1"].display_name not in pending.decode()
    assert tree["hd_1"].display_name in resolved.decode()
    assert "Không có giá trị nào cần kiểm tra" in elsewhere.content.decode()


def test_home_and_dashboard_say_how_many_remain(client, tree, city_leader, warned):
    client.force_login(city_leader)
    home = client.get(reverse("home")).content.decode()
    dashboard = client.get(reverse("unit_dashboard", args=[tree["city"].pk])).content.decode()
    assert "2 số liệu cần kiểm tra" in home
    assert "Số liệu cần kiểm tra: 2" in dashboard
