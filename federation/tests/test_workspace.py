"""The home page as a workspace: the month due, who is missing, the children behind pace, the
unit search and the navbar, with the clock frozen on 1 December 2026 in Hà Nội."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from federation.entries.services import month_complete
from federation.models import Period, Target
from federation.tests.factories import indicator


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture(autouse=True)
def first_of_december(settings):
    settings.ENTRY_LOCK_DAYS = 10
    moment = datetime.datetime(2026, 12, 1, 7, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))
    with time_machine.travel(moment, tick=False):
        yield


class TestStaffDesk:
    def test_shows_the_month_due_its_deadline_days_left_and_who_is_missing(
        self, client, tree, district_staff
    ):
        client.force_login(district_staff)
        page = text(client.get(reverse("home")))
        assert "Tháng cần nhập: <strong>11/2026</strong>" in page
        assert "hết ngày <strong>10/12/2026</strong> (còn 9 ngày)" in page
        assert "<strong>0/2</strong> đã hoàn thành" in page
        grid = reverse("entry_month", args=[tree["hoai_duc"].pk, 2026, 11])
        assert f'href="{grid}?q=HD01"' in page and f'href="{grid}?q=HD02"' in page
        assert "Tiếp tục nhập số liệu tháng 11/2026" in page

    def test_the_navbar_leads_to_the_places_staff_use(self, client, tree, district_staff):
        client.force_login(district_staff)
        page = text(client.get(reverse("home")))
        pk = tree["hoai_duc"].pk
        for name, label in [
            ("entry_current", "Nhập số liệu"),
            ("unit_dashboard", "Theo dõi chỉ tiêu"),
            ("report_list", "Báo cáo"),
            ("membership:roster", "Đoàn viên"),
        ]:
            assert f'href="{reverse(name, args=[pk])}">{label}</a>' in page


class TestLeaderDesk:
    def test_a_district_complete_with_its_cdcs_shows_complete_on_the_city_home(
        self, client, tree, district_staff, city_leader
    ):
        month_complete(
            unit=tree["hoai_duc"], year=2026, month=11, user=district_staff, with_grassroots=True
        )
        client.force_login(city_leader)
        page = text(client.get(reverse("home")))
        assert "<strong>1/3</strong> đã hoàn thành" in page
        missing = page.split("Chưa nhập số liệu tháng 11/2026")[1].split("</ul>")[0]
        assert "Hoài Đức" not in missing and "Mê Linh" in missing
        remind = reverse("completeness_remind", args=[tree["city"].pk, 2026, 11])
        assert f'action="{remind}"' in page and "Nhắc 2 đơn vị chưa hoàn thành" in page

    def test_lists_children_behind_the_pace_of_their_target(self, client, tree, district_leader):
        Target.objects.create(
            unit=tree["hd_1"],
            indicator=indicator("new_members"),
            year=2026,
            period=Period.YEAR,
            value=100,
        )
        client.force_login(district_leader)
        page = text(client.get(reverse("home")))
        behind = page.split("Đơn vị trực thuộc chậm tiến độ")[1].split("</ul>")[0]
        assert tree["hd_1"].display_name in behind and "1/1 chỉ tiêu chậm" in behind
        assert tree["hd_2"].display_name not in behind
        assert reverse("report_latest", args=[tree["hoai_duc"].pk]) in page

    def test_staff_see_no_pace_reports_or_reminder(self, client, tree, district_staff):
        client.force_login(district_staff)
        page = text(client.get(reverse("home")))
        assert "chậm tiến độ" not in page and "Nhắc " not in page


class TestUnitSearch:
    def test_finds_a_unit_typed_without_accents(self, client, tree, city_leader):
        client.force_login(city_leader)
        response = client.get(reverse("unit_search"), {"q": "hoai duc"})
        assert list(response.context["found"]) == [tree["hoai_duc"]]
        assert "<html" in text(response)

    def test_finds_by_code_and_answers_htmx_with_the_results_alone(self, client, tree, city_leader):
        client.force_login(city_leader)
        response = client.get(reverse("unit_search"), {"q": "ml01"}, HTTP_HX_REQUEST="true")
        assert list(response.context["found"]) == [tree["ml_1"]]
        assert "<html" not in text(response)

    def test_never_finds_a_unit_outside_the_users_subtree(self, client, tree, district_staff):
        client.force_login(district_staff)
        response = client.get(reverse("unit_search"), {"q": "Mê Linh"})
        assert response.context["found"] == []
        assert "Không tìm thấy" in text(response)

    def test_the_key_follows_a_renamed_unit(self, tree):
        unit = tree["hd_1"]
        unit.name = "Công đoàn Trường Tiểu học Đông La"
        unit.save(update_fields=["name"])
        unit.refresh_from_db()
        assert "truong tieu hoc dong la" in unit.search_key
