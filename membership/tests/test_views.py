import datetime
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from federation.models import Door, Unit
from federation.tests.factories import GrassrootsFactory, UserFactory
from federation.uploads import UPLOAD_GONE
from membership.models import Gender, LeaveReason, Member, RosterExport

from .factories import MemberFactory
from .sheets import member_list

AN = ("Nguyễn Văn An", "Nam", "17/05/1990", "01/03/2015", "TDV001")
HOA = ("Trần Thị Hoa", "Nữ", "03/02/1988", "01/07/2012", "TDV002")


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def me_linh_staff(tree):
    return UserFactory(username="ml_staff", role_on=tree["me_linh"])


@pytest.fixture
def member(tree):
    return MemberFactory(
        union=tree["hd_1"], full_name="Nguyễn Văn An", card_number="TDV001", gender=Gender.MALE
    )


@pytest.fixture
def staff_client(client, district_staff):
    client.force_login(district_staff)
    return client


def member_url(name: str, member: Member) -> str:
    return reverse(f"membership:{name}", args=[member.union_id, member.pk])


def unit_url(name: str, unit) -> str:
    return reverse(f"membership:{name}", args=[unit.pk])


# --- scope: every view answers 404 outside the user's scope ------------------------------------

UNIT_VIEWS = [
    "roster",
    "roster_counts",
    "roster_export",
    "member_add",
    "import_upload",
    "import_template",
]
MEMBER_VIEWS = ["member_detail", "member_edit", "member_leave", "member_transfer"]


@pytest.mark.parametrize("name", UNIT_VIEWS)
@pytest.mark.parametrize("unit", ["hoai_duc", "hd_1"])
def test_another_districts_staff_gets_404_on_a_unit_view(client, tree, me_linh_staff, name, unit):
    client.force_login(me_linh_staff)

    assert client.get(unit_url(name, tree[unit])).status_code == 404


@pytest.mark.parametrize("name", MEMBER_VIEWS)
def test_another_districts_staff_gets_404_on_a_member_view(client, me_linh_staff, member, name):
    client.force_login(me_linh_staff)

    assert client.get(member_url(name, member)).status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("member_add", {"full_name": "X", "gender": "male", "joined_on": "01/01/2020"}),
        ("import_upload", {}),
        ("import_confirm", {"token": "0" * 32}),
    ],
)
def test_another_districts_staff_cannot_post_to_a_roster(client, tree, me_linh_staff, name, data):
    client.force_login(me_linh_staff)

    assert client.post(unit_url(name, tree["hd_1"]), data).status_code == 404
    assert not Member.objects.exists()


@pytest.mark.parametrize("name", ["member_edit", "member_leave", "member_transfer"])
def test_another_districts_staff_cannot_change_a_member(client, me_linh_staff, member, name):
    client.force_login(me_linh_staff)

    response = client.post(member_url(name, member), {"left_on": "01/01/2024"})

    assert response.status_code == 404
    member.refresh_from_db()
    assert member.is_active


def test_another_districts_staff_gets_404_on_an_export_and_nothing_is_logged(
    client, tree, me_linh_staff, member
):
    client.force_login(me_linh_staff)

    assert client.get(unit_url("roster_export", tree["hd_1"])).status_code == 404
    assert not RosterExport.objects.exists()


def test_a_member_is_reached_only_through_its_own_union(staff_client, tree, member):
    url = reverse("membership:member_detail", args=[tree["hd_2"].pk, member.pk])

    assert staff_client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["roster", "member_add"])
def test_an_anonymous_visitor_is_sent_to_log_in(client, tree, name):
    response = client.get(unit_url(name, tree["hd_1"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["member_add", "import_upload", "import_template"])
def test_a_federation_has_no_roster_to_write_to(staff_client, tree, name):
    assert staff_client.get(unit_url(name, tree["hoai_duc"])).status_code == 404


# --- the list ----------------------------------------------------------------------------------


def test_the_unit_page_links_to_the_roster(staff_client, tree):
    for unit in (tree["hd_1"], tree["hoai_duc"]):
        response = staff_client.get(reverse("unit_detail", args=[unit.pk]))
        assert unit_url("roster", unit) in text(response)


def test_a_grassroots_roster_lists_members_with_counts(
    staff_client, tree, member, django_assert_max_num_queries
):
    MemberFactory(union=tree["hd_1"], full_name="Trần Thị Hoa", gender=Gender.FEMALE)

    with django_assert_max_num_queries(12):
        response = staff_client.get(unit_url("roster", tree["hd_1"]))

    page = text(response)
    assert response.status_code == 200
    assert "Nguyễn Văn An" in page and "Trần Thị Hoa" in page
    assert "TDV001" in page and "17/05/1990" in page
    assert "Thêm đoàn viên" in page
    assert unit_url("roster_counts", tree["hd_1"]) in page


def test_the_counts_give_members_women_and_the_share_of_the_workforce(
    staff_client, tree, member, django_assert_max_num_queries
):
    MemberFactory(union=tree["hd_1"], gender=Gender.FEMALE, joined_on=datetime.date.today())

    with django_assert_max_num_queries(8):
        response = staff_client.get(unit_url("roster_counts", tree["hd_1"]))

    page = text(response)
    assert "1,7%" in page  # 2 members / 120 workers
    assert "50,0%" in page  # women
    assert "<html" not in page


def test_the_counts_follow_the_chosen_period(staff_client, tree, member):
    url = unit_url("roster_counts", tree["hoai_duc"])

    page = text(staff_client.get(url, {"joined_from": "01/01/2015", "joined_to": "31/12/2015"}))

    assert "trọn tháng, từ tháng 01/2015 đến hết tháng 12/2015, trên mọi CĐCS trực thuộc" in page
    assert "được tính cả tháng" not in page


def test_the_counts_take_whole_months_and_say_so(staff_client, tree, member):
    # The member fixture joined on 01/03/2015: a period from the middle of March still counts it.
    url = unit_url("roster_counts", tree["hoai_duc"])

    page = text(staff_client.get(url, {"joined_from": "15/03/2015", "joined_to": "10/04/2015"}))

    assert "từ tháng 03/2015 đến hết tháng 04/2015 (ngày đã chọn được tính cả tháng)" in page
    counts = staff_client.get(url, {"joined_from": "15/03/2015"}).context["counts"]
    assert counts.members.admitted == 1


def test_a_district_roster_lists_the_members_of_its_grassroots_unions(
    staff_client, tree, member, django_assert_max_num_queries
):
    MemberFactory(union=tree["hd_2"], full_name="Lê Thị Lan")
    MemberFactory(union=tree["ml_1"], full_name="Phạm Văn Mê Linh")
    MemberFactory.create_batch(60, union=tree["hd_2"])

    with django_assert_max_num_queries(12):
        response = staff_client.get(unit_url("roster", tree["hoai_duc"]))

    page = text(response)
    assert "Nguyễn Văn An" in page and "Lê Thị Lan" in page
    assert "Phạm Văn Mê Linh" not in page
    assert "62 đoàn viên" in page
    assert "Trang 1/2" in page
    assert "Thêm đoàn viên" not in page


def test_searching_without_diacritics_finds_the_member(staff_client, tree, member):
    MemberFactory(union=tree["hd_1"], full_name="Trần Thị Hoa")

    page = text(staff_client.get(unit_url("roster", tree["hd_1"]), {"q": "nguyen van a"}))

    assert "Nguyễn Văn An" in page and "Trần Thị Hoa" not in page


def test_an_htmx_search_returns_only_the_results(staff_client, tree, member):
    response = staff_client.get(
        unit_url("roster", tree["hd_1"]), {"q": "tdv"}, headers={"HX-Request": "true"}
    )

    page = text(response)
    assert "Nguyễn Văn An" in page
    assert "<html" not in page and 'role="search"' not in page


def test_a_badly_typed_filter_is_explained_and_ignored(staff_client, tree, member):
    response = staff_client.get(unit_url("roster", tree["hd_1"]), {"joined_from": "32/13/2020"})

    assert response.status_code == 200
    assert "Ngày không hợp lệ" in text(response)
    assert "Nguyễn Văn An" in text(response)


def test_the_next_page_shows_the_rest(staff_client, tree):
    MemberFactory.create_batch(55, union=tree["hd_1"])

    page = text(staff_client.get(unit_url("roster", tree["hd_1"]), {"page": "2"}))

    assert "Trang 2/2" in page
    assert page.count('href="/units/') > 5


def test_members_who_left_are_listed_on_request(staff_client, tree, member):
    MemberFactory(
        union=tree["hd_1"],
        full_name="Lê Văn Cường",
        left_on=datetime.date(2024, 1, 1),
        leave_reason=LeaveReason.RETIRED,
    )
    url = unit_url("roster", tree["hd_1"])

    assert "Lê Văn Cường" not in text(staff_client.get(url))
    assert "Lê Văn Cường" in text(staff_client.get(url, {"status": "left"}))


# --- export ------------------------------------------------------------------------------------


def test_an_export_downloads_the_roster_and_is_logged(staff_client, district_staff, tree, member):
    response = staff_client.get(unit_url("roster_export", tree["hd_1"]), {"q": "nguyen"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(filename=__import__("io").BytesIO(response.content)).active
    assert [c.value for c in sheet[2]][:6] == [
        1,
        "Nguyễn Văn An",
        "Nam",
        "17/05/1990",
        "01/03/2015",
        "TDV001",
    ]
    log = RosterExport.objects.get()
    assert (log.user, log.unit, log.row_count) == (district_staff, tree["hd_1"], 1)
    assert "tìm “nguyen”" in log.filters


def test_a_district_export_too_long_for_one_file_is_refused_with_a_message(
    staff_client, tree, member, monkeypatch
):
    monkeypatch.setattr("membership.selectors.MAX_EXPORT_ROWS", 0)

    response = staff_client.get(unit_url("roster_export", tree["hoai_duc"]), follow=True)

    assert "quá 0 dòng cho một tệp" in text(response)
    assert not RosterExport.objects.exists()


# --- adding, correcting, leaving, transferring -------------------------------------------------

NEW = {
    "full_name": "Phạm Thị Thu",
    "gender": "female",
    "birth_date": "12/08/1995",
    "joined_on": "01/04/2020",
    "card_number": "TDV777",
}


def test_staff_adds_a_member(staff_client, district_staff, tree):
    response = staff_client.post(unit_url("member_add", tree["hd_1"]), NEW)

    added = Member.objects.get()
    assert response.status_code == 302
    assert response["Location"] == member_url("member_detail", added)
    assert (added.union, added.birth_date, added.gender) == (
        tree["hd_1"],
        datetime.date(1995, 8, 12),
        Gender.FEMALE,
    )
    record = added.history.get()
    assert (record.history_user, record.history_change_reason) == (district_staff, Door.PAGE)


def test_save_and_add_another_returns_to_an_empty_form(staff_client, tree):
    response = staff_client.post(unit_url("member_add", tree["hd_1"]), {**NEW, "again": "1"})

    assert response["Location"] == unit_url("member_add", tree["hd_1"])


def test_a_refused_member_keeps_what_was_typed_and_says_why(staff_client, tree, member):
    future = (datetime.date.today() + datetime.timedelta(days=40)).strftime("%d/%m/%Y")
    response = staff_client.post(
        unit_url("member_add", tree["hd_1"]),
        {**NEW, "birth_date": future, "card_number": "TDV001"},
    )

    page = text(response)
    assert response.status_code == 200
    assert "Ngày sinh không được ở tương lai." in page
    assert 'value="Phạm Thị Thu"' in page and f'value="{future}"' in page
    assert Member.objects.count() == 1


def test_a_duplicate_card_is_shown_on_its_field(staff_client, tree, member):
    response = staff_client.post(
        unit_url("member_add", tree["hd_1"]), {**NEW, "card_number": "tdv001"}
    )

    assert "Số thẻ này đang được dùng cho một đoàn viên khác." in text(response)
    assert Member.objects.count() == 1


def test_a_badly_typed_date_gets_a_vietnamese_message(staff_client, tree):
    response = staff_client.post(
        unit_url("member_add", tree["hd_1"]), {**NEW, "joined_on": "2020/13/01"}
    )

    assert "Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy" in text(response)
    assert not Member.objects.exists()


def test_staff_corrects_a_member(staff_client, tree, member):
    response = staff_client.post(
        member_url("member_edit", member),
        {**NEW, "full_name": "Nguyễn Văn Anh", "gender": "male", "card_number": "TDV001"},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.full_name, member.joined_on) == ("Nguyễn Văn Anh", datetime.date(2020, 4, 1))


def test_the_edit_form_is_filled_with_the_member(staff_client, member):
    page = text(staff_client.get(member_url("member_edit", member)))

    assert 'value="Nguyễn Văn An"' in page and 'value="17/05/1990"' in page


def test_the_member_page_shows_the_details_and_history(staff_client, member):
    page = text(staff_client.get(member_url("member_detail", member)))

    assert "17/05/1990" in page and "TDV001" in page
    assert "Chuyển sinh hoạt" in page and "Lịch sử cập nhật" in page


def test_staff_records_a_member_leaving(staff_client, member):
    response = staff_client.post(
        member_url("member_leave", member), {"left_on": "30/06/2024", "leave_reason": "retired"}
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.left_on, member.leave_reason) == (datetime.date(2024, 6, 30), "retired")


def test_leaving_before_joining_is_refused_with_the_date_kept(staff_client, member):
    response = staff_client.post(
        member_url("member_leave", member), {"left_on": "01/01/2010", "leave_reason": "retired"}
    )

    assert "Ngày ra khỏi CĐCS phải sau ngày vào công đoàn." in text(response)
    assert 'value="01/01/2010"' in text(response)
    member.refresh_from_db()
    assert member.is_active


def test_staff_transfers_a_member_within_the_district(staff_client, tree, member):
    form = text(staff_client.get(member_url("member_transfer", member)))
    assert tree["hd_2"].name in form and tree["ml_1"].name not in form

    response = staff_client.post(
        member_url("member_transfer", member), {"to_union": tree["hd_2"].pk, "on": "15/05/2024"}
    )

    moved = Member.objects.get(union=tree["hd_2"])
    assert response["Location"] == member_url("member_detail", moved)
    assert moved.transferred_from == member
    member.refresh_from_db()
    assert member.leave_reason == LeaveReason.TRANSFERRED


def test_a_transfer_outside_the_users_scope_answers_404(staff_client, tree, member):
    response = staff_client.post(
        member_url("member_transfer", member), {"to_union": tree["ml_1"].pk, "on": "15/05/2024"}
    )

    assert response.status_code == 404
    member.refresh_from_db()
    assert member.is_active and not Member.objects.filter(union=tree["ml_1"]).exists()


def test_a_transfer_to_a_federation_answers_404(staff_client, tree, member):
    response = staff_client.post(
        member_url("member_transfer", member), {"to_union": tree["hoai_duc"].pk, "on": "15/05/2024"}
    )

    assert response.status_code == 404


def test_a_transfer_without_a_target_asks_for_one(staff_client, member):
    response = staff_client.post(member_url("member_transfer", member), {"on": "15/05/2024"})

    assert "Hãy chọn CĐCS chuyển đến." in text(response)


def test_a_city_leader_sees_both_rows_of_a_transfer_across_districts(
    client, city_leader, tree, member
):
    client.force_login(city_leader)
    client.post(
        member_url("member_transfer", member), {"to_union": tree["ml_1"].pk, "on": "15/05/2024"}
    )
    moved = Member.objects.get(union=tree["ml_1"])

    page = text(client.get(member_url("member_detail", moved)))

    assert "Chuyển đến ngày 15/05/2024 từ" in page
    assert member_url("member_detail", member) in page
    assert 'Ngày vào công đoàn</dt><dd class="col-7">01/03/2015' in page


# --- import ------------------------------------------------------------------------------------


def test_an_upload_is_previewed_then_confirmed(staff_client, district_staff, tree):
    preview = staff_client.post(
        unit_url("import_upload", tree["hd_1"]), {"file": member_list(AN, HOA)}
    )

    page = text(preview)
    assert "Nhập 2 đoàn viên" in page
    assert not Member.objects.exists()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)

    response = staff_client.post(
        unit_url("import_confirm", tree["hd_1"]), {"token": token}, follow=True
    )

    assert "Đã nhập 2 đoàn viên." in text(response)
    assert Member.objects.filter(union=tree["hd_1"]).count() == 2
    assert Member.objects.first().history.get().history_change_reason == Door.IMPORT


def test_an_upload_with_a_bad_row_lists_it_and_offers_no_confirmation(staff_client, tree):
    bad = ("Lê Văn Ba", "Nam", "17/05/1991", "31/02/2015", "")

    page = text(
        staff_client.post(unit_url("import_upload", tree["hd_1"]), {"file": member_list(AN, bad)})
    )

    assert "Chưa nhập đoàn viên nào." in page
    assert "Ngày “31/02/2015” không hợp lệ" in page and "Ngày vào công đoàn (cột E)" in page
    assert 'name="token"' not in page
    assert not Member.objects.exists()


def test_duplicates_are_flagged_in_the_preview(staff_client, tree, member):
    page = text(
        staff_client.post(unit_url("import_upload", tree["hd_1"]), {"file": member_list(AN, HOA)})
    )

    assert "Dòng trùng với đoàn viên đã có" in page
    assert "Nhập 1 đoàn viên, bỏ qua 1 dòng trùng" in page


def test_a_file_that_is_not_excel_gets_a_message(staff_client, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("danh-sach.xlsx", b"this is not a spreadsheet")
    response = staff_client.post(unit_url("import_upload", tree["hd_1"]), {"file": upload})

    assert response.status_code == 200
    assert "Tệp không phải là tệp Excel (.xlsx) hợp lệ." in text(response)


def test_a_confirmation_with_an_unknown_token_sends_back_to_the_upload(staff_client, tree):
    response = staff_client.post(
        unit_url("import_confirm", tree["hd_1"]), {"token": "abc"}, follow=True
    )

    assert UPLOAD_GONE in text(response)
    assert not Member.objects.exists()


def test_a_token_cannot_be_confirmed_twice(staff_client, tree):
    page = text(
        staff_client.post(unit_url("import_upload", tree["hd_1"]), {"file": member_list(AN)})
    )
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)
    staff_client.post(unit_url("import_confirm", tree["hd_1"]), {"token": token})

    response = staff_client.post(
        unit_url("import_confirm", tree["hd_1"]), {"token": token}, follow=True
    )

    assert UPLOAD_GONE in text(response)
    assert Member.objects.count() == 1


def test_a_roster_changed_since_the_preview_is_checked_again(staff_client, tree):
    page = text(
        staff_client.post(unit_url("import_upload", tree["hd_1"]), {"file": member_list(AN)})
    )
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)
    # A CĐCS of the same district: one the uploader may see, so the message may say where.
    MemberFactory(union=tree["hd_2"], card_number="TDV001")

    response = staff_client.post(unit_url("import_confirm", tree["hd_1"]), {"token": token})

    assert "Số thẻ đang thuộc một đoàn viên của CĐCS khác" in text(response)
    assert Member.objects.count() == 1


def test_the_template_file_has_the_expected_columns(staff_client, tree):
    response = staff_client.get(unit_url("import_template", tree["hd_1"]))

    sheet = load_workbook(filename=__import__("io").BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == [
        "STT",
        "Họ và tên",
        "Giới tính",
        "Ngày sinh",
        "Ngày vào công đoàn",
        "Số thẻ",
    ]


# --- the roster's suggestions in the monthly entry grid ----------------------------------------


def test_the_roster_suggests_admissions_departures_and_the_total_of_a_cdcs(
    tree, staff_client, this_month, django_assert_max_num_queries
):
    year, month = this_month
    this_month_day = datetime.date(year, month, 1)
    MemberFactory.create_batch(3, union=tree["hd_1"])
    MemberFactory.create_batch(2, union=tree["hd_1"], joined_on=this_month_day)
    MemberFactory(union=tree["hd_1"], left_on=this_month_day, leave_reason="resigned")
    GrassrootsFactory.create_batch(30, parent=tree["hoai_duc"])
    with django_assert_max_num_queries(19):
        response = staff_client.get(reverse("entry_month", args=[tree["hoai_duc"].pk, year, month]))
    row = next(r for r in response.context["grid"] if r.unit == tree["hd_1"])
    suggestions = {c.indicator.code: c.suggestion for c in row.cells}
    assert suggestions["new_members"] == 2
    assert suggestions["members_left"] == 1
    assert suggestions["total_members"] == 5
    other = next(r for r in response.context["grid"] if r.unit == tree["hd_2"])
    assert all(c.suggestion is None for c in other.cells)  # keeps no roster


def test_a_union_whose_old_code_holds_a_line_break_still_exports(staff_client, tree, member):
    """Codes are held to letters, digits, "-", "_", "." now; one stored before could break the
    download's header. The file is named with the code made safe."""
    Unit.objects.filter(pk=tree["hd_1"].pk).update(code="HD\r\n01")
    response = staff_client.get(unit_url("roster_export", tree["hd_1"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="doan-vien-HD--01.xlsx"'
