import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from federation import excel
from federation.entries.services import RowsInvalid
from federation.models import Door
from membership import services
from membership.importing import check_rows, read_member_rows
from membership.models import Gender, Member

from .factories import MemberFactory
from .sheets import HEADER, member_list, xlsx

AN = ("Nguyễn Văn An", "Nam", "17/05/1990", "01/03/2015", "TDV001")
HOA = ("Trần Thị Hoa", "Nữ", datetime.datetime(1988, 2, 3), datetime.datetime(2012, 7, 1), 12345)


def problems(union, upload) -> list[tuple[int, str, str]]:
    check = check_rows(union, read_member_rows(upload))
    return [(e.row, e.field, e.message) for e in check.errors]


# --- reading -----------------------------------------------------------------------------------


def test_the_columns_people_keep_are_read_under_a_title_in_any_order(tree):
    upload = xlsx(
        ["DANH SÁCH ĐOÀN VIÊN CÔNG ĐOÀN CƠ SỞ"],
        [],
        ["Số thẻ ĐV", "Ngày vào CĐ", "Họ tên", "Phái", "Ngày tháng năm sinh", "Ghi chú"],
        ["TDV001", "01-03-2015", "Nguyễn   Văn An", "nam", "17.05.1990", "tổ 1"],
        [12345.0, datetime.datetime(2012, 7, 1), "Trần Thị Hoa", "NU", datetime.date(1988, 2, 3)],
    )

    rows = read_member_rows(upload)

    assert [row.number for row in rows] == [4, 5]
    assert rows[0].values == {
        "full_name": "Nguyễn Văn An",
        "gender": Gender.MALE,
        "birth_date": datetime.date(1990, 5, 17),
        "joined_on": datetime.date(2015, 3, 1),
        "card_number": "TDV001",
    }
    assert rows[1].values["card_number"] == "12345"
    assert rows[1].values["gender"] == Gender.FEMALE
    assert not rows[0].errors and not rows[1].errors


def test_a_list_without_birth_dates_or_cards_is_read(tree):
    upload = xlsx(
        ["Họ và tên", "Giới tính", "Ngày vào công đoàn"], ["Lê Thị Lan", "Nữ", "02/01/2020"]
    )

    (row,) = read_member_rows(upload)

    assert row.values["birth_date"] is None and row.values["card_number"] == ""


def test_a_sheet_without_a_header_row_is_refused_with_a_reason(tree):
    with pytest.raises(excel.ExcelError, match="Không tìm thấy dòng tiêu đề"):
        read_member_rows(xlsx(["Nguyễn Văn An", "Nam", "17/05/1990"]))


def test_a_header_missing_a_required_column_is_refused(tree):
    with pytest.raises(excel.ExcelError, match="thiếu cột: Giới tính, Ngày vào công đoàn"):
        read_member_rows(xlsx(["Họ và tên", "Ngày sinh"], ["Nguyễn Văn An", "17/05/1990"]))


def test_a_header_without_members_is_refused(tree):
    with pytest.raises(excel.ExcelError, match="không có dòng đoàn viên"):
        read_member_rows(xlsx(HEADER))


@pytest.mark.parametrize(
    "content",
    [b"", b"not an excel file", b"PK\x03\x04 broken zip", "Họ và tên;Giới tính\n".encode()],
)
def test_a_file_that_is_not_excel_is_refused_with_a_message(tree, content):
    with pytest.raises(excel.ExcelError):
        read_member_rows(SimpleUploadedFile("danh-sach.xlsx", content))


def test_an_excel_file_whose_sheet_breaks_off_is_refused_with_a_message(tree):
    whole = zipfile.ZipFile(io.BytesIO(member_list(AN).read()))
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as copy:
        for name in whole.namelist():
            data = whole.read(name)
            copy.writestr(name, data[: len(data) // 2] if name.endswith("sheet1.xml") else data)

    with pytest.raises(excel.ExcelError, match="Tệp Excel bị hỏng"):
        read_member_rows(SimpleUploadedFile("danh-sach.xlsx", broken.getvalue()))


def test_a_file_longer_than_the_limit_is_refused(tree, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 2)

    with pytest.raises(excel.ExcelError, match="quá 2 dòng"):
        read_member_rows(member_list(AN, HOA, AN))


# --- checking ----------------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_row_and_column(tree):
    future = (datetime.date.today() + datetime.timedelta(days=30)).strftime("%d/%m/%Y")
    upload = member_list(
        AN,
        ("", "Nam", "17/05/1990", "01/03/2015", ""),
        ("Lê Văn Ba", "Trai", "1990", "01/03/2015", ""),
        ("Lê Văn Bốn", "Nam", future, "01/03/2015", ""),
        ("Lê Văn Năm", "Nam", "17/05/1990", "31/02/2015", ""),
        ("Lê Văn Sáu", "Nam", "17/05/1990", "", ""),
    )

    hint = "không hợp lệ; ghi theo dạng dd/mm/yyyy, ví dụ 17/05/1990."
    assert problems(tree["hd_1"], upload) == [
        (3, "Họ và tên (cột B)", "Chưa ghi họ và tên."),
        (4, "Giới tính (cột C)", "Giới tính “Trai” không hợp lệ; ghi “Nam” hoặc “Nữ”."),
        (4, "Ngày sinh (cột D)", f"Ngày “1990” {hint}"),
        (5, "Ngày sinh (cột D)", "Ngày sinh không được ở tương lai."),
        (6, "Ngày vào công đoàn (cột E)", f"Ngày “31/02/2015” {hint}"),
        (7, "Ngày vào công đoàn (cột E)", "Chưa ghi ngày vào công đoàn."),
    ]


def test_the_models_rules_apply_to_each_row(tree):
    upload = member_list(("Lê Văn Ba", "Nam", "17/05/2005", "01/03/2015", ""))

    assert problems(tree["hd_1"], upload) == [
        (2, "Ngày vào công đoàn (cột E)", "Đoàn viên phải đủ 15 tuổi khi vào công đoàn.")
    ]


def test_a_row_repeating_an_earlier_one_is_an_error(tree):
    upload = member_list(
        AN,
        ("Nguyễn Văn Ba", "Nam", "17/05/1991", "01/03/2015", "tdv 001"),
        ("NGUYEN VAN AN", "Nam", "17/05/1990", "01/03/2016", ""),
    )

    assert problems(tree["hd_1"], upload) == [
        (3, "Số thẻ (cột F)", "Trùng số thẻ với dòng 2."),
        (4, "Họ và tên (cột B)", "Trùng họ tên và ngày sinh với dòng 2."),
    ]


def test_a_card_of_a_current_member_of_another_union_is_an_error(tree):
    MemberFactory(union=tree["ml_1"], card_number="TDV001")

    assert problems(tree["hd_1"], member_list(AN)) == [
        (
            2,
            "Số thẻ (cột F)",
            "Số thẻ đang thuộc một đoàn viên của CĐCS khác; hãy dùng chức năng chuyển sinh hoạt.",
        )
    ]


def test_rows_matching_current_members_are_flagged_as_duplicates(tree):
    MemberFactory(union=tree["hd_1"], full_name="Nguyễn Văn An", card_number="TDV001")
    MemberFactory(
        union=tree["hd_1"], full_name="Trần Thị Hoa", birth_date=datetime.date(1988, 2, 3)
    )
    new = ("Lê Văn Ba", "Nam", "17/05/1991", "01/03/2015", "")

    check = check_rows(tree["hd_1"], read_member_rows(member_list(AN, HOA, new)))

    assert check.ok
    assert [(d.row, d.reason) for d in check.duplicates] == [
        (2, "Đã có đoàn viên “Nguyễn Văn An” cùng số thẻ."),
        (3, "Đã có đoàn viên cùng họ tên và ngày sinh."),
    ]
    assert [m.full_name for m in check.new_members] == ["Lê Văn Ba"]


def test_members_who_left_are_not_duplicates(tree):
    MemberFactory(
        union=tree["hd_1"],
        card_number="TDV001",
        left_on=datetime.date(2020, 1, 1),
        leave_reason="resigned",
    )

    check = check_rows(tree["hd_1"], read_member_rows(member_list(AN)))

    assert check.ok and not check.duplicates and len(check.new_members) == 1


# --- importing ---------------------------------------------------------------------------------


def test_the_import_saves_every_row_with_an_audit_record(tree, district_staff):
    rows = read_member_rows(member_list(AN, HOA))

    result = services.members_import(union=tree["hd_1"], rows=rows, user=district_staff)

    assert (result.created, result.skipped) == (2, 0)
    saved = Member.objects.order_by("search_name")
    assert [(m.full_name, m.search_name, m.union) for m in saved] == [
        ("Nguyễn Văn An", "nguyen van an", tree["hd_1"]),
        ("Trần Thị Hoa", "tran thi hoa", tree["hd_1"]),
    ]
    record = saved[0].history.get()
    assert (record.history_user, record.history_change_reason) == (district_staff, Door.IMPORT)


def test_the_import_refuses_a_file_with_one_bad_row_and_saves_nothing(tree, district_staff):
    bad = ("Lê Văn Ba", "Nam", "17/05/1991", "hôm qua", "")
    rows = read_member_rows(member_list(AN, HOA, bad))

    with pytest.raises(RowsInvalid) as refused:
        services.members_import(union=tree["hd_1"], rows=rows, user=district_staff)

    assert [(e.row, e.field) for e in refused.value.errors] == [(4, "Ngày vào công đoàn (cột E)")]
    assert not Member.objects.exists()


def test_the_import_skips_duplicates_of_current_members(tree):
    MemberFactory(union=tree["hd_1"], card_number="TDV001")

    result = services.members_import(
        union=tree["hd_1"], rows=read_member_rows(member_list(AN, HOA)), user=None
    )

    assert (result.created, result.skipped) == (1, 1)
    assert Member.objects.count() == 2


def test_importing_the_same_file_twice_adds_nobody_the_second_time(tree):
    for _ in range(2):
        result = services.members_import(
            union=tree["hd_1"], rows=read_member_rows(member_list(AN, HOA)), user=None
        )

    assert (result.created, result.skipped) == (0, 2)
    assert Member.objects.count() == 2


def test_a_federation_cannot_import_members(tree):
    with pytest.raises(RowsInvalid):
        services.members_import(
            union=tree["hoai_duc"], rows=read_member_rows(member_list(AN)), user=None
        )


def test_a_repeat_is_reported_even_on_a_row_with_other_errors(tree):
    upload = member_list(AN, ("Lê Văn Ba", "Trai", "17/05/1991", "01/03/2015", "TDV001"))

    assert problems(tree["hd_1"], upload) == [
        (3, "Giới tính (cột C)", "Giới tính “Trai” không hợp lệ; ghi “Nam” hoặc “Nữ”."),
        (3, "Số thẻ (cột F)", "Trùng số thẻ với dòng 2."),
    ]
