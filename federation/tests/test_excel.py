import datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from python_calamine import PasswordError

from federation import excel


def upload(data: bytes, name="so-lieu.xlsx"):
    return SimpleUploadedFile(name, data, content_type=excel.XLSX_TYPE)


def workbook(*rows) -> bytes:
    return excel.workbook_bytes(excel.Sheet("Số liệu", ["Mã đơn vị", "Giá trị"], rows))


def test_rows_come_back_with_their_excel_row_numbers_and_blank_rows_skipped():
    data = workbook(["HD01", 10], [None, None], ["HD02", "1.500.000"])
    rows = excel.read_rows(upload(data))
    assert rows == [excel.SheetRow(2, ("HD01", 10)), excel.SheetRow(4, ("HD02", "1.500.000"))]


@pytest.mark.parametrize("data", [b"", b"not a spreadsheet", b"PK\x03\x04broken zip"])
def test_a_file_that_is_not_excel_is_refused_with_a_message(data):
    with pytest.raises(excel.ExcelError, match="không phải là tệp Excel"):
        excel.read_rows(upload(data))


def test_too_many_rows_are_refused():
    with pytest.raises(excel.ExcelError, match="quá 3 dòng"):
        excel.read_rows(upload(workbook(*[["X", i] for i in range(4)])), max_rows=3)


def test_the_export_has_bold_headers_and_the_values():
    data = excel.workbook_bytes(excel.Sheet("Đơn vị", ["Tên", "Số"], [["Hoài Đức", 310]]))
    sheet = load_workbook(BytesIO(data)).active
    assert sheet.title == "Đơn vị"
    assert [c.value for c in sheet[2]] == ["Hoài Đức", 310]
    assert sheet["A1"].font.bold


def test_a_stashed_upload_is_read_back_once_confirmed():
    data = workbook(["HD01", 10])
    token = excel.stash_upload(upload(data))
    assert excel.read_rows(excel.open_stash(token))[0].cells == ("HD01", 10)
    excel.drop_stash(token)
    with pytest.raises(excel.ExcelError, match="hết hạn"):
        excel.open_stash(token)


def test_a_forged_token_is_refused():
    with pytest.raises(excel.ExcelError, match="không hợp lệ"):
        excel.open_stash("../../etc/passwd")


def test_a_damaged_sheet_inside_a_real_workbook_is_refused_with_a_message():
    import zipfile
    from io import BytesIO

    source = zipfile.ZipFile(BytesIO(workbook(["HD01", 10])))
    damaged = BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data[: len(data) // 2]  # the sheet's XML cut off halfway
            target.writestr(item, data)
    with pytest.raises(excel.ExcelError, match="bị hỏng"):
        excel.read_rows(upload(damaged.getvalue()))


def test_cells_come_back_as_typed_whole_numbers_as_int_and_empty_text_as_none():
    born = datetime.date(1990, 5, 17)
    data = workbook(["HD01", 2.5], ["HD02", 2026.0], ["HD03", born], ["HD04", ""], ["HD05", "07"])
    assert [row.cells for row in excel.read_rows(upload(data))] == [
        ("HD01", 2.5),
        ("HD02", 2026),
        ("HD03", born),
        ("HD04", None),
        ("HD05", "07"),
    ]


def test_a_workbook_with_a_password_is_refused_with_what_to_do(monkeypatch):
    def locked(upload):
        raise PasswordError("Workbook is encrypted")

    monkeypatch.setattr(excel.CalamineWorkbook, "from_filelike", locked)
    with pytest.raises(excel.ExcelError, match="có mật khẩu"):
        excel.read_rows(upload(workbook(["HD01", 10])))
