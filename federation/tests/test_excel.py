import datetime
import struct
import zipfile
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from python_calamine import PasswordError

from federation import excel, xlsx


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


# --- what an upload may make calamine build (issue 12) -----------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"


def repacked(data: bytes, parts: dict) -> bytes:
    """The workbook with parts replaced or added: bytes, or an iterable of chunks written as they
    come, so that a part of hundreds of MB never sits in memory."""
    source, buffer = zipfile.ZipFile(BytesIO(data)), BytesIO()
    names = [info.filename for info in source.infolist()]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names + [name for name in parts if name not in names]:
            content = parts[name] if name in parts else source.read(name)
            with target.open(name, "w") as part:
                for chunk in [content] if isinstance(content, bytes) else content:
                    part.write(chunk)
    return buffer.getvalue()


def with_sheet(rows: str, *, strings: str | None = None) -> bytes:
    """A workbook whose first sheet is `rows` of XML, and its shared strings if given."""
    parts = {SHEET: f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()}
    if strings is not None:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">{strings}</sst>'.encode()
    return repacked(workbook(["x"]), parts)


def forged(data: bytes, name: str, size: int, crc: int | None = None) -> bytes:
    """The zip with the sizes (and CRC) its headers declare for `name` replaced."""
    data, encoded = bytearray(data), name.encode()
    for signature, fields, name_at in ((b"PK\x03\x04", 14, 30), (b"PK\x01\x02", 16, 46)):
        at = data.find(signature)
        while at >= 0:
            if data[at + name_at : at + name_at + len(encoded)] == encoded:
                old_crc = struct.unpack_from("<I", data, at + fields)[0]
                struct.pack_into("<I", data, at + fields, old_crc if crc is None else crc)
                struct.pack_into("<I", data, at + fields + 8, size)
            at = data.find(signature, at + 4)
    return bytes(data)


def refusal(data: bytes, **limits) -> str:
    with pytest.raises(excel.ExcelError) as refused:
        excel.read_rows(upload(data), header_rows=0, **limits)
    return str(refused.value)


@pytest.fixture
def calamine_never_reads(monkeypatch):
    def opened(upload):
        raise AssertionError("calamine read a file the checks should have refused")

    monkeypatch.setattr(excel.CalamineWorkbook, "from_filelike", opened)


def test_a_cell_far_down_is_refused_naming_the_limit_before_calamine_reads(calamine_never_reads):
    data = with_sheet('<row r="1048576"><c r="A1048576"><v>1</v></c></row>')
    assert refusal(data) == "Trang tính đầu tiên có dữ liệu ở dòng 1.048.576, quá 20.100 dòng."


def test_a_cell_past_column_gr_is_refused_naming_the_limit(calamine_never_reads):
    data = with_sheet('<row r="1"><c r="GS1"><v>1</v></c></row>')
    assert refusal(data) == "Trang tính đầu tiên có dữ liệu ở cột GS, quá 200 cột."


def test_a_sheet_tall_and_wide_at_once_is_refused_for_its_cells(calamine_never_reads):
    data = with_sheet('<row r="20000"><c r="GR20000"><v>1</v></c></row>')
    assert "20.000 dòng × 200 cột, quá 500.000 ô" in refusal(data)


def test_a_title_a_header_and_a_blank_row_after_each_data_row_fit_the_rows_allowed():
    # max_rows 3: the sheet may reach row 2 × 3 + 100.
    reach = with_sheet('<row r="106"><c r="A106"><v>1</v></c></row>')
    assert excel.read_rows(upload(reach), header_rows=0, max_rows=3)[0].number == 106
    beyond = with_sheet('<row r="107"><c r="A107"><v>1</v></c></row>')
    assert refusal(beyond, max_rows=3).endswith("quá 106 dòng.")


def test_formatted_cells_without_a_value_and_the_declared_dimension_do_not_count():
    """calamine keeps no cell without a value and reads <dimension> only to reserve room."""
    rows = '<row r="1"><c r="A1"><v>7</v></c></row><row r="60000"><c r="XFD60000" s="1"/></row>'
    xml = f'<worksheet xmlns="{MAIN}"><dimension ref="A1:XFD1048576"/><sheetData>{rows}</sheetData>'
    data = repacked(workbook(["x"]), {SHEET: f"{xml}</worksheet>".encode()})
    assert excel.read_rows(upload(data), header_rows=0) == [excel.SheetRow(1, (7,))]


def test_cells_and_rows_without_r_follow_the_ones_before_them_whatever_the_prefix():
    cells = "<x:c><x:v>1</x:v></x:c><x:c><x:v>2</x:v></x:c></x:row><x:row><x:c><x:v>3</x:v></x:c>"
    xml = f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row>{cells}</x:row></x:sheetData>'
    data = repacked(workbook(["x"]), {SHEET: f"{xml}</x:worksheet>".encode()})
    assert [r.cells for r in excel.read_rows(upload(data), header_rows=0)] == [(1, 2), (3, None)]
    wide = with_sheet("<row>" + "<c><v>1</v></c>" * 201 + "</row>")
    assert refusal(wide) == "Trang tính đầu tiên có dữ liệu ở cột GS, quá 200 cột."


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="A1" t="a&gt;b" s="1"/><c s="1" r="XFD1"><v>1</v></c>',  # r after another
        "<c r='XFD1'><v>1</v></c>",  # in single quotes
        '<c r="A1"><row r="1"/></c><c r="XFD1"><v>1</v></c>',  # a row inside a cell
    ],
)
def test_a_cell_written_an_unusual_way_is_read_as_calamine_would(cell, calamine_never_reads):
    assert "cột XFD, quá 200 cột" in refusal(with_sheet(f'<row r="1">{cell}</row>'))


def test_a_formula_without_its_value_is_refused_naming_its_cell(calamine_never_reads):
    book = Workbook()
    book.active.append(["HD01", 10])
    book.active.append(["HD02", "=1+1"])  # openpyxl stores the formula without its value
    data = BytesIO()
    book.save(data)
    assert refusal(data.getvalue()) == (
        "Ô B2 có công thức nhưng chưa có giá trị tính sẵn: "
        "hãy mở tệp bằng Excel, lưu lại rồi tải lên lại."
    )


def test_formulas_saved_with_their_values_are_read():
    rows = '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>""</f><v></v></c></row>'
    assert excel.read_rows(upload(with_sheet(rows)), header_rows=0)[0].cells == (2, None)


def test_shared_strings_copied_into_too_many_cells_are_refused(monkeypatch, calamine_never_reads):
    """calamine copies a shared string into every cell that uses it."""
    monkeypatch.setattr(xlsx, "MAX_TEXT_CHARS", 100)
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>1</v></c></row>' for n in range(1, 4))
    data = with_sheet(rows, strings="<si><t>a</t></si><si><r><t>" + "b" * 40 + "</t></r></si>")
    assert "thành hơn 120 ký tự, quá giới hạn 100 ký tự" in refusal(data)


def test_a_zip_of_too_many_parts_is_refused(monkeypatch, calamine_never_reads):
    monkeypatch.setattr(xlsx, "MAX_MEMBERS", 5)
    data = repacked(workbook(["x"]), {f"xl/media/{n}.bin": b"" for n in range(5)})
    assert refusal(data) == "Tệp nén hơn 5 phần: không phải tệp Excel."


def test_a_part_declared_too_big_or_compressed_like_a_bomb_is_refused(calamine_never_reads):
    assert "giải nén ra hơn 48 MB" in refusal(forged(workbook(["x"]), SHEET, 49 * 2**20))
    bomb = repacked(workbook(["x"]), {"xl/media/zero.bin": bytes(3 * 2**20)})
    assert refusal(bomb) == "Phần xl/media/zero.bin nén hơn 100 lần: bom nén."


def test_a_part_unzipping_to_more_than_declared_is_refused(calamine_never_reads):
    data = workbook(*[["HD01", n] for n in range(200)])
    first = zipfile.ZipFile(BytesIO(data)).read(SHEET)[:100]
    lying = forged(data, SHEET, 100, zlib.crc32(first))  # a CRC that zipfile alone would pass
    assert refusal(lying) == f"Phần {SHEET} của tệp bị hỏng hoặc đã bị sửa."


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\xd0\xcf\x11\xe0" + "EncryptedPackage".encode("utf-16-le"), "có mật khẩu"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old .xls", "không phải là tệp Excel"),
        (repacked(workbook(["x"]), {"XL/WORKSHEETS/SHEET1.XML": b"<x/>"}), "không phải là tệp"),
    ],
)
def test_encrypted_old_and_ambiguous_files_are_refused(data, message):
    assert message in refusal(data)


def test_a_dtd_is_refused_rather_than_expanded(calamine_never_reads):
    cell = "<row><c><v>&a;</v></c></row>"  # without r: read with expat, which would expand &a;
    xml = f'<!DOCTYPE x [<!ENTITY a "1">]><worksheet xmlns="{MAIN}"><sheetData>{cell}</sheetData>'
    xml += "</worksheet>"
    assert refusal(repacked(workbook(["x"]), {SHEET: xml.encode()})) == xlsx.NOT_XLSX


def test_a_date_calamine_cannot_convert_is_a_damaged_file_not_a_crash():
    data = workbook(["HD01", datetime.date(2020, 1, 1)])
    sheet = zipfile.ZipFile(BytesIO(data)).read(SHEET).replace(b"<v>43831</v>", b"<v>-1e20</v>")
    assert "bị hỏng" in refusal(repacked(data, {SHEET: sheet}))


def test_a_usual_10000_row_import_takes_the_quick_scan(monkeypatch):
    monkeypatch.setattr(xlsx._Extent, "start", lambda *args: pytest.fail("expat read it"))
    rows = [["HD01", "Công đoàn", 2025, n % 12 + 1, n, None, "1.500"] for n in range(10_000)]
    data = upload(workbook(*rows))
    assert len(excel.read_rows(data, header_rows=0, max_rows=10_001)) == 10_001


# --- every exported text is text ---------------------------------------------------------------


FORMULA_LIKE = ["=1+1", '=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "\t=1", "=", "-"]


def test_text_that_starts_like_a_formula_is_written_as_text_and_reads_back_unchanged():
    data = excel.workbook_bytes(excel.Sheet("Tên", ["=tiêu đề", "Số"], [FORMULA_LIKE + [5]]))
    xml = zipfile.ZipFile(BytesIO(data)).read(SHEET)
    assert b"<f>" not in xml and b"<f " not in xml
    sheet = load_workbook(BytesIO(data)).active
    assert all(c.data_type == "s" and c.quotePrefix for c in [*sheet[2]][:-1] + [sheet["A1"]])
    assert not sheet["B1"].quotePrefix and not sheet["I2"].quotePrefix
    assert excel.read_rows(upload(data))[0].cells == (*FORMULA_LIKE, 5)
