import datetime
import io
import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from federation import excel
from federation.entries import checks, importing
from federation.entries import excel as entry_excel
from federation.entries.excel import CODE, MONTH, NAME, YEAR
from federation.entries.services import (
    EntryRow,
    StaleEntries,
    entries_save,
    entry_upsert,
    month_reopen,
)
from federation.excel import CellError, indicator_header
from federation.models import EntryFinding, Indicator, MonthlyEntry, Rollup, Unit
from federation.tests.factories import GrassrootsFactory, UserFactory, indicator

from .test_locks import months_ago

# Columns of the test sheets: A code, B name, C year, D month, E new members, F total members,
# G support amount.
INDICATORS = ("new_members", "total_members", "support_amount")


def headers():
    return [CODE, NAME, YEAR, MONTH, *(indicator_header(indicator(c)) for c in INDICATORS)]


def xlsx(*rows, header=None) -> bytes:
    return excel.workbook_bytes(excel.Sheet("Số liệu", header or headers(), rows))


def upload(data: bytes, name="so-lieu.xlsx"):
    return SimpleUploadedFile(name, data, content_type=excel.XLSX_TYPE)


def check(user, unit, *rows, header=None):
    return importing.read_import(upload(xlsx(*rows, header=header)), unit=unit, user=user)


def saved(unit, code="new_members"):
    return dict(
        MonthlyEntry.objects.filter(unit=unit, indicator=indicator(code)).values_list(
            "month", "value"
        )
    )


def url(name, unit):
    return reverse(name, args=[unit.pk])


def page_text(response) -> str:
    return response.content.decode()


# --- the template and the export ---------------------------------------------------------------


def sheets_of(sheets) -> dict:
    return {s.title: s for s in load_workbook(BytesIO(excel.workbook_bytes(*sheets))).worksheets}


def test_the_template_has_a_row_per_unit_and_month_filled_with_saved_values(tree, district_staff):
    entry_upsert(
        unit=tree["hd_2"], indicator=indicator("new_members"), year=2025, month=12, value=7,
        user=None,
    )  # fmt: skip
    sheet = sheets_of(
        entry_excel.template_sheets(tree["hoai_duc"], district_staff, (2025, 12), (2026, 1))
    )["Số liệu"]

    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    active = Indicator.objects.filter(is_active=True)
    assert rows[0] == [
        CODE,
        NAME,
        YEAR,
        MONTH,
        *(f"{i.name} ({i.unit_of_measure})" for i in active),
    ]
    assert [row[:4] for row in rows[1:]] == [
        ["HD", "LĐLĐ huyện Hoài Đức", 2025, 12],
        ["HD01", tree["hd_1"].name, 2025, 12],
        ["HD02", tree["hd_2"].name, 2025, 12],
        ["HD", "LĐLĐ huyện Hoài Đức", 2026, 1],
        ["HD01", tree["hd_1"].name, 2026, 1],
        ["HD02", tree["hd_2"].name, 2026, 1],
    ]
    assert rows[3][4] == 7
    assert rows[1][4] is None


def test_the_template_lists_the_indicator_codes_of_its_columns(tree, district_staff):
    legend = sheets_of(
        entry_excel.template_sheets(tree["hoai_duc"], district_staff, (2026, 1), (2026, 1))
    )["Chỉ tiêu"]
    assert [c.value for c in legend[2]][:3] == [
        "E",
        "Đoàn viên kết nạp mới (người)",
        "new_members",
    ]


def test_the_template_leaves_out_children_dissolved_before_the_range(tree, district_staff):
    GrassrootsFactory(parent=tree["hoai_duc"], code="HD03", dissolved_on=datetime.date(2025, 6, 1))
    sheet = sheets_of(
        entry_excel.template_sheets(tree["hoai_duc"], district_staff, (2026, 1), (2026, 1))
    )["Số liệu"]
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["HD", "HD01", "HD02"]


def test_a_template_too_big_to_import_is_refused(tree, district_staff, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 5)
    with pytest.raises(excel.ExcelError, match="Hãy chọn ít tháng hơn"):
        entry_excel.template_sheets(tree["hoai_duc"], district_staff, (2026, 1), (2026, 2))


def test_the_export_has_each_units_own_entries_for_the_year(
    tree, district_staff, django_assert_max_num_queries
):
    entries_save(
        rows=[
            EntryRow(tree["hd_1"], indicator("new_members"), 2025, 3, 200),
            EntryRow(tree["hoai_duc"], indicator("new_members"), 2025, 3, 5),
            EntryRow(tree["hd_1"], indicator("new_members"), 2024, 3, 99),
        ],
        user=None,
    )
    today = datetime.date(2026, 11, 24)
    with django_assert_max_num_queries(4):
        sheets = entry_excel.export_sheets(tree["hoai_duc"], district_staff, 2025, today)
    rows = [[c.value for c in row] for row in sheets_of(sheets)["Số liệu"].iter_rows(min_row=2)]
    march = {row[0]: row[4] for row in rows if row[3] == 3}
    assert march == {"HD": 5, "HD01": 200, "HD02": None}  # own entries, not the roll-up
    assert len(rows) == 3 * 12


def test_the_export_of_this_year_stops_at_this_month(tree, district_staff):
    today = datetime.date(2026, 4, 10)
    sheets = entry_excel.export_sheets(tree["hd_1"], district_staff, 2026, today)
    assert [row.cells[3] for row in [*map(_row, sheets[0].rows)]] == [1, 2, 3, 4]


def _row(cells):
    return excel.SheetRow(0, tuple(cells))


def test_a_downloaded_template_imports_unchanged_with_nothing_to_save(
    tree, district_staff, this_month
):
    entry_upsert(
        unit=tree["hd_1"], indicator=indicator("support_amount"), year=this_month[0],
        month=this_month[1], value=1_500_000, user=None,
    )  # fmt: skip
    data = excel.workbook_bytes(
        *entry_excel.template_sheets(tree["hoai_duc"], district_staff, this_month, this_month)
    )
    preview = importing.read_import(upload(data), unit=tree["hoai_duc"], user=district_staff)
    assert (preview.errors, preview.rows, preview.unchanged) == ([], [], 1)


# --- the rules, cell by cell -------------------------------------------------------------------


def test_a_valid_file_saves_every_value_audited_as_an_import(tree, district_staff, this_month):
    year, month = this_month
    preview = check(
        district_staff,
        tree["hoai_duc"],
        ["HD01", "", year, month, 12, "1.500.000", None],
        ["HD", "LĐLĐ huyện Hoài Đức", year, month, 3, None, "2 000 000"],
    )
    assert preview.errors == []
    assert importing.save_import(preview, user=district_staff) == 4

    assert saved(tree["hd_1"]) == {month: 12}
    assert saved(tree["hd_1"], "total_members") == {month: 1_500_000}
    assert saved(tree["hoai_duc"], "support_amount") == {month: 2_000_000}
    assert Rollup.objects.get(unit=tree["city"], indicator=indicator("new_members")).total == 15
    records = MonthlyEntry.history.all()
    assert records.count() == 4
    assert {(r.history_change_reason, r.history_user, r.history_type) for r in records} == {
        ("import", district_staff, "+")
    }


@pytest.mark.parametrize(
    "value, reason",
    [
        (-3, "Không được là số âm."),
        ("-3", "Không được là số âm."),
        (2.5, "Phải là số nguyên, không có phần thập phân."),
        ("1,5", "Phải là số nguyên"),
        ("mười", "Phải là số nguyên"),
        (True, "Phải là số nguyên."),
    ],
)
def test_a_value_that_is_not_a_non_negative_whole_number_is_refused_on_its_cell(
    tree, district_staff, this_month, value, reason
):
    preview = check(district_staff, tree["hoai_duc"], ["HD01", "", *this_month, value])
    [error] = preview.errors
    assert (error.row, error.column) == (2, "E")
    assert reason in error.message
    assert not preview.can_save


def test_a_value_above_the_services_ceiling_is_refused_on_its_cell(
    tree, district_staff, this_month
):
    preview = check(district_staff, tree["hoai_duc"], ["HD01", "", *this_month, 10**15 + 1])
    assert preview.errors == [CellError(2, "E", "Số quá lớn: tối đa 1.000.000.000.000.000.")]


@pytest.mark.parametrize("typed, value", [("1.500.000", 1_500_000), (1500000, 1_500_000), (0, 0)])
def test_numbers_typed_the_vietnamese_way_are_accepted(
    tree, district_staff, this_month, typed, value
):
    preview = check(district_staff, tree["hoai_duc"], ["HD01", "", *this_month, None, None, typed])
    importing.save_import(preview, user=district_staff)
    assert saved(tree["hd_1"], "support_amount") == {this_month[1]: value}


def test_one_bad_cell_saves_nothing(client, tree, district_staff, this_month):
    client.force_login(district_staff)
    data = xlsx(["HD01", "", *this_month, 5, 100], ["HD02", "", *this_month, 4, "1,5"])

    response = client.post(url("entry_excel_upload", tree["hoai_duc"]), {"file": upload(data)})

    text = page_text(response)
    assert "Tệp có 1 ô lỗi. Chưa lưu gì." in text
    assert "<td>3</td><td>F</td>" in text
    assert "Xác nhận nhập" not in text
    assert not MonthlyEntry.objects.exists()


def test_a_blank_cell_leaves_the_saved_value_as_it_is(tree, district_staff, this_month):
    entry_upsert(
        unit=tree["hd_1"], indicator=indicator("new_members"), year=this_month[0],
        month=this_month[1], value=9, user=None,
    )  # fmt: skip
    preview = check(district_staff, tree["hoai_duc"], ["HD01", "", *this_month, "  ", 300])
    importing.save_import(preview, user=district_staff)
    assert saved(tree["hd_1"]) == {this_month[1]: 9}
    assert saved(tree["hd_1"], "total_members") == {this_month[1]: 300}


def test_an_unknown_unit_code_is_refused(tree, district_staff, this_month):
    preview = check(district_staff, tree["hoai_duc"], ["XX99", "", *this_month, 1], ["", "", 1])
    assert preview.errors[0] == CellError(
        2, "A", "Không có đơn vị mã «XX99» trong LĐLĐ huyện Hoài Đức và các đơn vị trực thuộc."
    )
    assert preview.errors[1] == CellError(3, "A", "Thiếu mã đơn vị.")


def test_a_unit_outside_the_users_scope_is_a_cell_error_that_reveals_nothing(
    tree, district_staff, this_month
):
    preview = check(district_staff, tree["hoai_duc"], ["ML01", "", *this_month, 1])
    [error] = preview.errors
    assert (error.row, error.column) == (2, "A")
    assert "Không có đơn vị mã «ML01»" in error.message
    assert tree["ml_1"].name not in error.message


def test_a_unit_outside_the_page_unit_is_refused_even_for_a_city_leader(
    tree, city_leader, this_month
):
    preview = check(city_leader, tree["hoai_duc"], ["ML01", "", *this_month, 1])
    assert preview.errors[0].column == "A"


def test_a_code_typed_as_a_number_is_found(tree, district_staff, this_month):
    GrassrootsFactory(parent=tree["hoai_duc"], code="1234")
    preview = check(district_staff, tree["hoai_duc"], [1234, "", *this_month, 1])
    assert preview.errors == []


@pytest.mark.parametrize(
    "column, header, message",
    [
        ("E", "Đoàn viên mới", "Tiêu đề «Đoàn viên mới» không khớp chỉ tiêu nào đang dùng"),
        ("F", "Chỉ tiêu lạ (người)", "Tiêu đề «Chỉ tiêu lạ (người)» không khớp"),
        ("G", "Đoàn viên kết nạp mới (người)", "trùng với cột E"),
    ],
)
def test_an_unknown_or_changed_header_is_refused_naming_its_column(
    tree, district_staff, this_month, column, header, message
):
    names = headers()
    names["EFG".index(column) + 4] = header
    preview = check(district_staff, tree["hoai_duc"], ["HD01", "", *this_month], header=names)
    [error] = preview.errors
    assert (error.row, error.column) == (1, column)
    assert message in error.message


def test_header_text_is_matched_without_case_or_extra_spaces_and_columns_may_move(
    tree, district_staff, this_month
):
    names = [MONTH, "  mã  ĐƠN vị ", YEAR, "tổng số đoàn viên (NGƯỜI)"]
    preview = check(
        district_staff, tree["hoai_duc"], [this_month[1], "HD01", this_month[0], 250], header=names
    )
    assert preview.errors == []
    importing.save_import(preview, user=district_staff)
    assert saved(tree["hd_1"], "total_members") == {this_month[1]: 250}


def test_a_missing_month_column_is_refused(tree, district_staff, this_month):
    preview = check(district_staff, tree["hoai_duc"], ["HD01", 2026, 3], header=[CODE, YEAR, "x"])
    assert CellError(1, MONTH, "Không thấy cột «Tháng» ở dòng tiêu đề.") in preview.errors


def test_values_under_a_column_without_header_are_refused(tree, district_staff, this_month):
    names = [*headers(), ""]
    preview = check(
        district_staff, tree["hoai_duc"], ["HD01", "", *this_month, 1, 2, 3, 4], header=names
    )
    assert preview.errors == [CellError(1, "H", "Cột có số liệu nhưng không có tiêu đề.")]


@pytest.mark.parametrize("month", [0, 13, "3/2026", None])
def test_a_month_outside_1_to_12_is_refused(tree, district_staff, month):
    preview = check(district_staff, tree["hoai_duc"], ["HD01", "", 2026, month, 1])
    [error] = preview.errors
    assert (error.row, error.column) == (2, "D")
    assert "háng" in error.message


def test_a_year_outside_the_range_is_refused(tree, district_staff):
    preview = check(district_staff, tree["hoai_duc"], ["HD01", "", 1999, 3, 1])
    assert preview.errors == [CellError(2, "C", "«1999»: Năm phải là số từ 2000 đến 2100.")]


def test_a_duplicate_row_is_refused_on_the_second_one(tree, district_staff, this_month):
    preview = check(
        district_staff,
        tree["hoai_duc"],
        ["HD01", "", *this_month, 1],
        ["HD02", "", *this_month, 2],
        ["HD01", "", *this_month, None, 5],
    )
    assert preview.errors == [CellError(4, "A", "Trùng đơn vị và tháng với dòng 2.")]


def test_a_locked_month_is_refused_for_staff(tree, district_staff):
    year, month = months_ago(3)
    preview = check(district_staff, tree["hoai_duc"], ["HD01", "", year, month, 1])
    [error] = preview.errors
    assert (error.row, error.column) == (2, "D")
    assert f"Tháng {month:02d}/{year} đã khóa sổ" in error.message


def test_a_locked_month_is_accepted_for_a_superuser(tree, superuser):
    year, month = months_ago(14)
    preview = check(superuser, tree["hoai_duc"], ["HD01", "", year, month, 4])
    assert preview.errors == []
    importing.save_import(preview, user=superuser)
    assert MonthlyEntry.history.get().history_change_reason == "import"


def test_a_locked_month_whose_values_are_unchanged_does_not_block_the_file(
    tree, district_staff, this_month
):
    year, month = months_ago(3)
    entry_upsert(
        unit=tree["hd_1"], indicator=indicator("new_members"), year=year, month=month, value=8,
        user=None,
    )  # fmt: skip
    preview = check(
        district_staff,
        tree["hoai_duc"],
        ["HD01", "", year, month, 8],
        ["HD01", "", *this_month, 2],
    )
    assert preview.errors == []
    assert len(preview.rows) == 1


def test_a_month_locked_after_the_preview_is_refused_on_its_cell(tree, city_leader, district_staff):
    year, month = months_ago(3)
    reopening = month_reopen(
        unit=tree["hoai_duc"], year=year, month=month, reason="Bổ sung",
        expires_at=timezone.now() + datetime.timedelta(hours=1), user=city_leader,
    )  # fmt: skip
    preview = check(district_staff, tree["hoai_duc"], ["HD01", "", year, month, None, 40])
    assert preview.can_save
    reopening.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    reopening.save()

    with pytest.raises(importing.ImportRefused) as refused:
        importing.save_import(preview, user=district_staff)
    [error] = refused.value.errors
    assert (error.row, error.column) == (2, "D")
    assert not MonthlyEntry.objects.exists()


def test_an_import_checks_its_values_once_for_the_preview_and_the_save(
    tree, district_staff, this_month, monkeypatch
):
    ran = []
    monkeypatch.setattr(checks, "check", lambda rows, run=checks.check: ran.append(1) or run(rows))
    monkeypatch.setattr(checks, "findings_for", lambda rows: pytest.fail("checked again"))
    preview = check(district_staff, tree["hoai_duc"], ["HD01", "", *this_month, 500])
    [warning] = preview.warnings

    importing.save_import(preview, user=district_staff, reason="Đã kiểm tra")

    assert len(ran) == 1
    assert saved(tree["hd_1"]) == {this_month[1]: 500}
    assert EntryFinding.objects.get().message == warning.message


def test_a_register_a_rule_reads_changed_after_the_preview_saves_nothing(
    tree, district_staff, this_month
):
    preview = check(district_staff, tree["hoai_duc"], ["HD01", "", *this_month, 100])
    assert preview.can_save and not preview.warnings  # 100 admissions, 120 workers
    Unit.objects.filter(pk=tree["hd_1"].pk).update(workforce_total=50, workforce_female=20)

    with pytest.raises(StaleEntries):
        importing.save_import(preview, user=district_staff)
    assert not MonthlyEntry.objects.exists()


def test_unusual_values_are_warnings_on_their_cells(tree, district_staff, this_month):
    preview = check(district_staff, tree["hoai_duc"], ["HD01", "", *this_month, 500])
    assert preview.errors == []
    [warning] = preview.warnings
    assert (warning.row, warning.column) == (2, "E")
    assert "nhiều hơn tổng số lao động của CĐCS (120)" in warning.message


def test_checking_a_file_takes_the_same_queries_whatever_its_size(tree, district_staff, this_month):
    for n in range(30):
        GrassrootsFactory(parent=tree["hoai_duc"], code=f"HDX{n:02d}")
    # values past the outlier floors, so that the checks look at history and peers for both
    small = xlsx(["HD01", "", *this_month, 40, 80, 120])
    large = xlsx(
        *[[f"HDX{n:02d}", "", *this_month, n + 40, 2 * n + 80, 3 * n + 120] for n in range(30)]
    )

    def queries(data):
        user = UserFactory(role_on=tree["hoai_duc"])
        with CaptureQueriesContext(connection) as captured:
            importing.read_import(upload(data), unit=tree["hoai_duc"], user=user)
        return len(captured)

    # scope, indicators, unit codes, saved values (no reopenings: the month is before its
    # deadline); the checks' stored values, indicators, rules, peers and the members' roster
    assert queries(small) == queries(large) == 9


# --- whole files refused -----------------------------------------------------------------------


def damaged_xlsx() -> bytes:
    """A real workbook whose sheet XML is cut in half."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(["HD01", "", 2026, 1, 1])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as damaged:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            damaged.writestr(item, content)
    return out.getvalue()


FILES = {
    "csv": lambda: b"Ma don vi;Thang\nHD01;3\n",
    "broken zip": lambda: b"PK\x03\x04broken",
    "damaged sheet": damaged_xlsx,
    "header only": lambda: xlsx(),
}


@pytest.mark.parametrize(
    "kind, message",
    [
        ("csv", "không phải là tệp Excel"),
        ("broken zip", "không phải là tệp Excel"),
        ("damaged sheet", "Tệp Excel bị hỏng"),
        ("header only", "không có dòng số liệu"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_message(
    client, tree, district_staff, kind, message
):
    data = FILES[kind]()
    client.force_login(district_staff)
    response = client.post(
        url("entry_excel_upload", tree["hoai_duc"]), {"file": upload(data, "so-lieu.csv")}
    )
    assert response.status_code == 200
    assert message in page_text(response)


def test_a_file_over_the_row_limit_is_refused(client, tree, district_staff, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    client.force_login(district_staff)
    data = xlsx(*[["HD01", "", 2026, m, 1] for m in range(1, 5)])
    response = client.post(url("entry_excel_upload", tree["hoai_duc"]), {"file": upload(data)})
    assert "Tệp có quá 3 dòng số liệu" in page_text(response)


def test_a_file_of_exactly_the_row_limit_is_read(tree, superuser, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    preview = check(superuser, tree["hoai_duc"], *[["HD01", "", 2025, m, 1] for m in (1, 2, 3)])
    assert preview.rows_read == 3


def test_an_upload_without_a_file_asks_for_one(client, tree, district_staff):
    client.force_login(district_staff)
    response = client.post(url("entry_excel_upload", tree["hoai_duc"]), {})
    assert "Hãy chọn tệp Excel để tải lên." in page_text(response)


# --- the pages ---------------------------------------------------------------------------------


def test_the_page_offers_template_upload_and_export(client, tree, district_staff):
    client.force_login(district_staff)
    response = client.get(url("entry_excel", tree["hoai_duc"]))
    text = page_text(response)
    assert response.status_code == 200
    assert "Ô để trống: giữ nguyên số liệu đã lưu" in text
    assert url("entry_excel_template", tree["hoai_duc"]) in text
    assert url("entry_excel_export", tree["hoai_duc"]) in text
    # Breadcrumbs: the city is named but not linked, since district staff cannot open it.
    assert f'<a href="{url("unit_detail", tree["hoai_duc"])}">LĐLĐ huyện Hoài Đức</a>' in text
    assert "LĐLĐ Thành phố Hà Nội" in text
    assert url("unit_detail", tree["city"]) not in text


def test_upload_preview_and_confirm_save_the_file(client, tree, district_staff, this_month):
    client.force_login(district_staff)
    data = xlsx(["HD01", "", *this_month, 12, None, "1.500.000"])

    response = client.post(url("entry_excel_upload", tree["hoai_duc"]), {"file": upload(data)})
    assert "Xác nhận nhập 2 giá trị" in page_text(response)
    assert not MonthlyEntry.objects.exists()
    preview = response.context["preview"]

    response = client.post(
        url("entry_excel_confirm", tree["hoai_duc"]),
        {"token": response.context["token"], "digest": preview.digest},
        follow=True,
    )
    assert "Đã nhập 2 giá trị từ tệp so-lieu.xlsx" in page_text(response)
    assert saved(tree["hd_1"]) == {this_month[1]: 12}
    assert {r.history_change_reason for r in MonthlyEntry.history.all()} == {"import"}


def preview_of(client, unit, data):
    response = client.post(url("entry_excel_upload", unit), {"file": upload(data)})
    return response.context["token"], response.context["preview"].digest


def test_a_confirmation_is_accepted_once(client, tree, district_staff, this_month):
    client.force_login(district_staff)
    token, digest = preview_of(client, tree["hoai_duc"], xlsx(["HD01", "", *this_month, 12]))
    confirm = url("entry_excel_confirm", tree["hoai_duc"])
    client.post(confirm, {"token": token, "digest": digest})
    response = client.post(confirm, {"token": token, "digest": digest}, follow=True)
    assert "Phiên nhập tệp đã kết thúc" in page_text(response)
    assert MonthlyEntry.history.count() == 1


def test_another_users_upload_cannot_be_confirmed(client, tree, district_staff, this_month):
    client.force_login(district_staff)
    token, digest = preview_of(client, tree["hoai_duc"], xlsx(["HD01", "", *this_month, 12]))
    client.force_login(UserFactory(role_on=tree["hoai_duc"]))
    client.post(url("entry_excel_confirm", tree["hoai_duc"]), {"token": token, "digest": digest})
    assert not MonthlyEntry.objects.exists()


def test_a_value_changed_since_the_preview_shows_the_preview_again(
    client, tree, district_staff, this_month
):
    client.force_login(district_staff)
    token, digest = preview_of(client, tree["hoai_duc"], xlsx(["HD01", "", *this_month, 12]))
    entry_upsert(
        unit=tree["hd_1"], indicator=indicator("new_members"), year=this_month[0],
        month=this_month[1], value=3, user=UserFactory(role_on=tree["hoai_duc"]),
    )  # fmt: skip

    response = client.post(
        url("entry_excel_confirm", tree["hoai_duc"]), {"token": token, "digest": digest}
    )
    assert "đã thay đổi từ lúc xem trước" in page_text(response)
    assert saved(tree["hd_1"]) == {this_month[1]: 3}
    # The new preview shows the replaced value and can be confirmed.
    assert response.context["changes"][0].old == 3
    client.post(
        url("entry_excel_confirm", tree["hoai_duc"]),
        {"token": token, "digest": response.context["preview"].digest},
    )
    assert saved(tree["hd_1"]) == {this_month[1]: 12}


def test_the_template_download_is_an_xlsx_file(client, tree, district_staff, this_month):
    client.force_login(district_staff)
    year, month = this_month
    response = client.get(
        url("entry_excel_template", tree["hoai_duc"]),
        {"from_month": month, "from_year": year, "to_month": month, "to_year": year},
    )
    assert response["Content-Type"] == excel.XLSX_TYPE
    assert f"mau-so-lieu-hd-{month:02d}-{year}" in response["Content-Disposition"]
    assert load_workbook(BytesIO(response.content)).worksheets[0].title == "Số liệu"


@pytest.mark.parametrize(
    "first, last, message",
    [
        ((2026, 5), (2026, 3), "Tháng bắt đầu phải trước"),
        ((2026, 1), (2099, 1), "chưa đến kỳ báo cáo"),
    ],
)
def test_a_wrong_month_range_is_explained_on_the_page(
    client, tree, district_staff, first, last, message
):
    client.force_login(district_staff)
    response = client.get(
        url("entry_excel_template", tree["hoai_duc"]),
        {"from_year": first[0], "from_month": first[1], "to_year": last[0], "to_month": last[1]},
    )
    assert response.status_code == 200
    assert message in page_text(response)


def test_the_export_download_is_an_xlsx_file(client, tree, district_staff):
    client.force_login(district_staff)
    response = client.get(url("entry_excel_export", tree["hoai_duc"]), {"year": 2025})
    assert response["Content-Type"] == excel.XLSX_TYPE
    assert 'filename="so-lieu-hd-2025.xlsx"' in response["Content-Disposition"]


def test_an_export_for_a_year_to_come_is_refused_on_the_page(client, tree, district_staff):
    client.force_login(district_staff)
    response = client.get(url("entry_excel_export", tree["hoai_duc"]), {"year": 2999})
    assert response.status_code == 200
    assert "is-invalid" in page_text(response)


VIEWS = [
    ("get", "entry_excel", {}),
    ("get", "entry_excel_template", {"from_month": 1, "from_year": 2026, "to_month": 1,
                                     "to_year": 2026}),
    ("get", "entry_excel_export", {"year": 2026}),
    ("post", "entry_excel_upload", {}),
    ("post", "entry_excel_confirm", {"token": "0" * 32, "digest": "x"}),
]  # fmt: skip


@pytest.mark.parametrize("method, name, params", VIEWS)
def test_every_view_answers_404_for_a_unit_outside_the_users_scope(
    client, tree, district_staff, method, name, params
):
    client.force_login(district_staff)
    response = getattr(client, method)(url(name, tree["me_linh"]), params)
    assert response.status_code == 404


@pytest.mark.parametrize("method, name, params", VIEWS)
def test_every_view_sends_an_anonymous_visitor_to_login(client, tree, method, name, params):
    response = getattr(client, method)(url(name, tree["hoai_duc"]), params)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
