import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from federation.entries.services import EntryRow, entries_save, entry_upsert
from federation.models import MonthlyEntry, MonthReopening, Rollup
from federation.tests.factories import GrassrootsFactory, UserFactory, indicator

from .test_locks import months_ago


def entry_url(unit, year, month, name="entry_month"):
    return reverse(name, args=[unit.pk, year, month])


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def field(unit, code) -> str:
    return f"v-{unit.pk}-{indicator(code).pk}"


def seen(unit, code) -> str:
    return f"s-{unit.pk}-{indicator(code).pk}"


def form_values(response) -> dict[str, str]:
    """The grid's fields as the page shows them: what a browser would post back."""
    return dict(
        re.findall(r'name="([vs]-\d+-\d+)"[^>]*?value="([^"]*)"', response.content.decode())
    )


def posted(client, unit, year, month, **values):
    """Loads the grid, then posts it back with `values` ({field name: typed text}) changed."""
    data = form_values(client.get(entry_url(unit, year, month)))
    data.update(values)
    return client.post(entry_url(unit, year, month), data)


def own(unit, code, year, month):
    entry = MonthlyEntry.objects.filter(
        unit=unit, indicator__code=code, year=year, month=month
    ).first()
    return entry.value if entry else None


@pytest.fixture
def staff_client(client, district_staff):
    client.force_login(district_staff)
    return client


class TestGrid:
    def test_shows_the_unit_and_its_grassroots_unions_with_last_month_and_last_year(
        self, tree, staff_client, this_month
    ):
        year, month = this_month
        new_members = indicator("new_members")
        prev_year, prev_month = months_ago(1)
        entries_save(
            rows=[
                EntryRow(tree["hd_1"], new_members, year, month, 1234),
                EntryRow(tree["hd_1"], new_members, prev_year, prev_month, 17),
                EntryRow(tree["hd_1"], new_members, year - 1, month, 29),
            ],
            user=None,
        )
        page = text(staff_client.get(entry_url(tree["hoai_duc"], year, month)))
        assert "LĐLĐ huyện Hoài Đức" in page
        assert tree["hd_2"].name in page
        assert tree["ml_1"].name not in page
        assert 'value="1.234"' in page
        assert "Tháng trước: 17" in page
        assert "Cùng kỳ năm trước: 29" in page
        assert "Hạn nhập: hết ngày" in page

    def test_query_count_does_not_grow_with_the_number_of_units(
        self, tree, staff_client, this_month, django_assert_max_num_queries
    ):
        GrassrootsFactory.create_batch(40, parent=tree["hoai_duc"])
        with django_assert_max_num_queries(23):
            response = staff_client.get(entry_url(tree["hoai_duc"], *this_month))
        assert response.context["page"].paginator.count == 43
        assert len(response.context["grid"]) == 25

    def test_founded_grassroots_unions_are_suggested_to_their_federation(
        self, tree, staff_client, this_month
    ):
        year, month = this_month
        GrassrootsFactory(parent=tree["hoai_duc"], founded_on=datetime.date(year, month, 1))
        response = staff_client.get(entry_url(tree["hoai_duc"], year, month))
        district_row = response.context["grid"][0]
        suggestions = {c.indicator.code: c.suggestion for c in district_row.cells}
        assert suggestions["new_grassroots_unions"] == 1
        assert "Số theo danh sách: 1" in text(response)


class TestSaving:
    def test_saving_writes_only_changed_cells_rolls_up_and_audits_the_page(
        self, tree, staff_client, district_staff, this_month
    ):
        year, month = this_month
        entry_upsert(
            unit=tree["hd_2"],
            indicator=indicator("new_members"),
            year=year,
            month=month,
            value=5,
            user=None,
        )
        response = posted(
            staff_client,
            tree["hoai_duc"],
            year,
            month,
            **{
                field(tree["hd_1"], "new_members"): "12",
                field(tree["hd_1"], "support_amount"): "1.500.000",
            },
        )
        assert response.status_code == 302
        assert own(tree["hd_1"], "new_members", year, month) == 12
        assert own(tree["hd_1"], "support_amount", year, month) == 1_500_000
        city = Rollup.objects.get(
            unit=tree["city"], indicator__code="new_members", year=year, month=month
        )
        assert city.total == 17
        record = MonthlyEntry.history.filter(unit=tree["hd_1"]).first()
        assert (record.history_user, record.history_change_reason) == (district_staff, "page")
        assert MonthlyEntry.history.filter(unit=tree["hd_2"]).count() == 1  # untouched
        assert "Đã lưu 2 số liệu" in text(staff_client.get(response.url))

    @pytest.mark.parametrize("typed", ["-3", "abc", "1,5"])
    def test_invalid_values_are_refused_next_to_the_field_and_nothing_is_saved(
        self, tree, staff_client, this_month, typed
    ):
        response = posted(
            staff_client,
            tree["hoai_duc"],
            *this_month,
            **{
                field(tree["hd_1"], "new_members"): "7",
                field(tree["hd_2"], "new_members"): typed,
            },
        )
        assert response.status_code == 400
        page = text(response)
        assert "Chưa lưu." in page
        assert "is-invalid" in page
        assert f'value="{typed}"' in page  # what was typed is kept
        assert not MonthlyEntry.objects.exists()

    def test_a_value_longer_than_any_figure_is_refused_with_its_reason(
        self, tree, staff_client, this_month
    ):
        typed = "1" * 33
        response = posted(
            staff_client,
            tree["hoai_duc"],
            *this_month,
            **{field(tree["hd_1"], "new_members"): "7", field(tree["hd_2"], "new_members"): typed},
        )
        assert response.status_code == 400
        assert "Không quá 32 ký tự." in text(response)
        assert not MonthlyEntry.objects.exists()

    def test_a_tampered_shown_value_refuses_the_page_and_saves_nothing(
        self, tree, staff_client, this_month
    ):
        response = posted(
            staff_client,
            tree["hoai_duc"],
            *this_month,
            **{field(tree["hd_1"], "new_members"): "7", seen(tree["hd_1"], "new_members"): "x"},
        )
        assert response.status_code == 400
        assert "Biểu mẫu không hợp lệ, hãy tải lại trang." in text(response)
        assert not MonthlyEntry.objects.exists()

    def test_a_posted_cell_of_another_districts_unit_is_ignored(
        self, tree, staff_client, this_month
    ):
        """The cells come from the grid the user may see, never from the posted names: a name
        forged for Mê Linh's CĐCS saves nothing there."""
        response = posted(
            staff_client,
            tree["hoai_duc"],
            *this_month,
            **{field(tree["hd_1"], "new_members"): "7", field(tree["ml_1"], "new_members"): "9"},
        )
        assert response.status_code == 302
        assert own(tree["hd_1"], "new_members", *this_month) == 7
        assert not MonthlyEntry.objects.filter(unit=tree["ml_1"]).exists()

    def test_the_form_declares_no_field_per_cell(self, tree, staff_client, this_month):
        """A page of 25 units × 15 indicators is 750 cells: a Django field for each cost half
        of a grid save (issue 17's load test); the cells are read from the posted data."""
        response = posted(
            staff_client, tree["hoai_duc"], *this_month, **{field(tree["hd_2"], "new_members"): "x"}
        )
        form = response.context["form"]
        assert len(form.cells) > 10
        assert set(form.fields) == {"confirm_unusual", "reason"}
        assert [cell.name for cell in form.cell_errors] == [field(tree["hd_2"], "new_members")]

    def test_the_error_summary_links_to_each_wrong_cell(self, tree, staff_client, this_month):
        wrong = field(tree["hd_2"], "support_amount")
        response = posted(staff_client, tree["hoai_duc"], *this_month, **{wrong: "nhiều"})
        page = text(response)
        assert f'href="#{wrong}" data-cell="{wrong}"' in page
        assert "1 ô chưa đúng" in page
        assert "xem các ô tô đỏ bên dưới" not in page

    def test_indicators_come_in_the_report_groups_with_a_switch(
        self, tree, staff_client, this_month
    ):
        response = staff_client.get(entry_url(tree["hoai_duc"], *this_month))
        groups = {group: count for group, _, count in response.context["groups"]}
        assert groups["members"] == 5 and groups["finance"] == 2
        assert sum(groups.values()) == len(response.context["indicators"])
        page = text(response)
        assert 'data-show-group="members"' in page
        assert f'<td data-group="care" data-label="{indicator("support_amount").name}' in page

    def test_clearing_a_field_removes_the_value(self, tree, staff_client, this_month):
        year, month = this_month
        entry_upsert(
            unit=tree["hd_1"],
            indicator=indicator("new_members"),
            year=year,
            month=month,
            value=5,
            user=None,
        )
        posted(
            staff_client, tree["hoai_duc"], year, month, **{field(tree["hd_1"], "new_members"): ""}
        )
        assert own(tree["hd_1"], "new_members", year, month) is None

    def test_unusual_values_need_a_confirmation(self, tree, staff_client, this_month):
        year, month = this_month
        values = {field(tree["hd_1"], "new_members"): "500"}  # workforce is 120
        response = posted(staff_client, tree["hoai_duc"], year, month, **values)
        assert response.status_code == 400
        assert "nhiều hơn tổng số lao động của CĐCS (120)" in text(response)
        assert not MonthlyEntry.objects.exists()

        response = posted(
            staff_client, tree["hoai_duc"], year, month, confirm_unusual="on", **values
        )
        assert response.status_code == 302
        assert own(tree["hd_1"], "new_members", year, month) == 500

    def test_a_stale_form_is_refused_and_shows_what_changed(
        self, tree, client, district_staff, this_month
    ):
        year, month = this_month
        colleague = UserFactory(username="dong_nghiep", role_on=tree["hoai_duc"])
        client.force_login(district_staff)
        form = form_values(client.get(entry_url(tree["hoai_duc"], year, month)))

        entry_upsert(
            unit=tree["hd_1"],
            indicator=indicator("new_members"),
            year=year,
            month=month,
            value=8,
            user=colleague,
        )
        form[field(tree["hd_1"], "new_members")] = "9"
        response = client.post(entry_url(tree["hoai_duc"], year, month), form)

        assert response.status_code == 400
        assert "dong_nghiep vừa sửa thành 8" in text(response)
        assert own(tree["hd_1"], "new_members", year, month) == 8
        # The form now carries the current value: saving again is deliberate and goes through.
        again = form_values(response)
        assert again[seen(tree["hd_1"], "new_members")] == "8"
        assert client.post(entry_url(tree["hoai_duc"], year, month), again).status_code == 302
        assert own(tree["hd_1"], "new_members", year, month) == 9


class TestLocks:
    def test_a_locked_month_shows_its_state_and_refuses_staff(self, tree, staff_client):
        year, month = months_ago(3)
        page = text(staff_client.get(entry_url(tree["hoai_duc"], year, month)))
        assert "Đã khóa" in page
        assert "Mở lại tháng đã khóa" not in page  # staff cannot reopen
        response = posted(
            staff_client, tree["hoai_duc"], year, month, **{field(tree["hd_1"], "new_members"): "3"}
        )
        assert response.status_code == 400
        assert "đã khóa sổ" in text(response)
        assert not MonthlyEntry.objects.exists()

    def test_a_superuser_writes_a_locked_month(self, tree, client, superuser):
        year, month = months_ago(3)
        client.force_login(superuser)
        response = posted(
            client, tree["hoai_duc"], year, month, **{field(tree["hd_1"], "new_members"): "3"}
        )
        assert response.status_code == 302
        assert MonthlyEntry.history.get().history_user == superuser

    def test_a_city_leader_reopens_a_district_month_for_its_staff(
        self, tree, client, city_leader, district_staff
    ):
        year, month = months_ago(3)
        client.force_login(city_leader)
        until = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
        response = client.post(
            entry_url(tree["hoai_duc"], year, month, "entry_reopen"),
            {"reason": "Bổ sung CĐCS mới", "until": until},
        )
        assert response.status_code == 302
        assert MonthReopening.objects.get().reopened_by == city_leader

        client.force_login(district_staff)
        assert "Đang mở lại" in text(client.get(entry_url(tree["hoai_duc"], year, month)))
        response = posted(
            client, tree["hoai_duc"], year, month, **{field(tree["hd_1"], "new_members"): "3"}
        )
        assert response.status_code == 302

    def test_staff_and_the_district_leader_cannot_reopen_their_own_month(
        self, tree, client, district_staff, district_leader
    ):
        year, month = months_ago(3)
        for user in (district_staff, district_leader):
            client.force_login(user)
            response = client.post(
                entry_url(tree["hoai_duc"], year, month, "entry_reopen"),
                {"reason": "x", "until": timezone.localdate().isoformat()},
            )
            assert response.status_code == 403
        assert not MonthReopening.objects.exists()


class TestCompletionAndHistory:
    def test_staff_marks_the_month_complete_and_the_city_sees_it(
        self, tree, client, district_staff, city_leader, this_month
    ):
        year, month = this_month
        client.force_login(district_staff)
        client.post(entry_url(tree["hoai_duc"], year, month, "entry_complete"))
        entry_upsert(
            unit=tree["ml_1"],
            indicator=indicator("new_members"),
            year=year,
            month=month,
            value=1,
            user=None,
        )
        client.force_login(city_leader)
        response = client.get(entry_url(tree["city"], year, month, "completeness"))
        report = response.context["report"]
        assert (report.complete, report.entering, report.total) == (1, 1, 3)
        assert [c.unit for c in report.missing] == [tree["education"]]
        assert "1/3" in text(response)

    def test_history_shows_who_old_and_new_value_and_the_door(
        self, tree, staff_client, district_staff, this_month
    ):
        year, month = this_month
        for value in (4, 6):
            posted(
                staff_client,
                tree["hoai_duc"],
                year,
                month,
                **{field(tree["hd_1"], "new_members"): str(value)},
            )
        page = text(staff_client.get(entry_url(tree["hoai_duc"], year, month, "entry_history")))
        assert re.search(
            r"<td>hd_staff</td> <td>[^<]*</td> <td>Đoàn viên kết nạp mới</td> "
            r'<td class="num">4</td> <td class="num">6</td> <td>Trang nhập liệu',
            page,
        )


@pytest.mark.parametrize(
    "name, method",
    [
        ("entry_month", "get"),
        ("entry_month", "post"),
        ("entry_complete", "post"),
        ("entry_reopen", "post"),
        ("entry_history", "get"),
        ("completeness", "get"),
    ],
)
def test_every_entry_view_is_a_404_for_another_districts_staff(
    tree, staff_client, this_month, name, method
):
    url = entry_url(tree["me_linh"], *this_month, name)
    assert getattr(staff_client, method)(url).status_code == 404


def test_the_current_month_link_is_a_404_for_another_districts_staff(tree, staff_client):
    assert staff_client.get(reverse("entry_current", args=[tree["me_linh"].pk])).status_code == 404


def test_a_month_that_does_not_exist_is_a_404(tree, staff_client):
    assert staff_client.get(entry_url(tree["hoai_duc"], 2026, 13)).status_code == 404


def test_history_names_people_family_name_first(tree, client, this_month):
    staff = UserFactory(
        username="canbo_hd", first_name="Tuấn", last_name="Lê Minh", role_on=tree["hoai_duc"]
    )
    client.force_login(staff)
    posted(client, tree["hoai_duc"], *this_month, **{field(tree["hd_1"], "new_members"): "3"})
    page = text(client.get(entry_url(tree["hoai_duc"], *this_month, "entry_history")))
    assert "Lê Minh Tuấn" in page and "canbo_hd" not in page


def test_the_reopen_date_is_typed_day_first(tree, client, city_leader):
    year, month = months_ago(3)
    client.force_login(city_leader)
    until = timezone.localdate() + datetime.timedelta(days=2)
    url = entry_url(tree["hoai_duc"], year, month, "entry_reopen")
    client.post(url, {"reason": "Sửa số liệu", "until": until.strftime("%d/%m/%Y")})
    assert timezone.localdate(MonthReopening.objects.get().expires_at) == until


ROSTER_READS = {"count": 0}


def roster_of_five_hundred(units, year, month):
    """A register that says every CĐCS has 500 members, and counts how often it is read."""
    ROSTER_READS["count"] += 1
    return {unit.pk: {"total_members": 500} for unit in units if unit.is_grassroots}


def test_a_grid_save_reads_the_rosters_once_for_its_suggestions_and_its_checks(
    tree, staff_client, this_month, settings
):
    """The suggestions the grid reads for its rows are what the checks compare the members'
    total with (the rule members-on-roster): one read of the registers a save, not two."""
    settings.ENTRY_SUGGESTION_SOURCES = [f"{__name__}.roster_of_five_hundred"]
    year, month = this_month
    data = form_values(staff_client.get(entry_url(tree["hoai_duc"], year, month)))
    data[field(tree["hd_1"], "total_members")] = "400"
    ROSTER_READS["count"] = 0
    response = staff_client.post(entry_url(tree["hoai_duc"], year, month), data)
    assert response.status_code == 400  # the rule's warning asks for a confirmation
    assert "khác số đoàn viên trong danh sách của CĐCS cuối tháng (500)" in text(response)
    assert ROSTER_READS["count"] == 1
    assert own(tree["hd_1"], "total_members", year, month) is None
