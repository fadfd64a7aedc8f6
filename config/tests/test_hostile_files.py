"""Hostile Excel files (issue 12), built here, posted through every upload door; and the exports,
which must write a name that starts like a formula as text.

Every file is refused with a Vietnamese message that names the limit it passes, the answer is
never a 500, nothing is saved, and reading the worst of them stays within 300 MB.
"""

import functools
import itertools
import json
import os
import random
import re
import string
import subprocess
import sys
import zipfile
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from federation import excel
from federation.entries.excel import CODE, MONTH, NAME, YEAR
from federation.models import MonthlyEntry, Target
from federation.tests.factories import GrassrootsFactory, indicator
from federation.tests.test_excel import MAIN, SHEET, forged, repacked
from membership.models import Member
from membership.tests.factories import MemberFactory

ROOT = Path(__file__).resolve().parents[2]
MB = 2**20
INJECTION = '=HYPERLINK("http://x","y")'


# --- the files ---------------------------------------------------------------------------------


def openpyxl_file(*rows, cells: dict | None = None) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    for reference, value in (cells or {}).items():
        book.active[reference] = value
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_xml(rows: str) -> bytes:
    return f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()


def with_shared_strings(data: bytes, strings) -> bytes:
    types = (
        zipfile.ZipFile(BytesIO(data))
        .read("[Content_Types].xml")
        .replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxml'
            b'formats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
    )
    return repacked(data, {"[Content_Types].xml": types, "xl/sharedStrings.xml": strings})


def far_cell() -> bytes:
    """A few KB: one cell at XFD1048576, for which calamine would fill a 16384 × 1048576 grid."""
    return openpyxl_file(cells={"XFD1048576": 1})


@functools.cache
def shared_string_bomb(megabytes: int = 200) -> bytes:
    """One string of `megabytes` MB of "a": the zip holds a few hundred KB."""
    head = f'<sst xmlns="{MAIN}"><si><t>'.encode()
    text = (b"a" * MB for _ in range(megabytes))
    one_cell = sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    data = repacked(openpyxl_file(["x"]), {SHEET: one_cell})
    return with_shared_strings(data, itertools.chain([head], text, [b"</t></si></sst>"]))


@functools.cache
def sheet_bomb(megabytes: int = 200) -> bytes:
    """`megabytes` MB of sheet XML, each row a cell without r."""
    row = b'<row><c t="n"><v>1</v></c></row>' * 32_768  # 1 MB
    head, tail = sheet_xml("|").split(b"|")
    chunks = itertools.chain([head], (row for _ in range(megabytes)), [tail])
    return repacked(openpyxl_file(["x"]), {SHEET: chunks})


@functools.cache
def lying_header() -> bytes:
    """The sheet bomb, its zip headers declaring 1 KB and the CRC of that first KB: Python's
    zipfile alone would read 1 KB and be content; calamine would unzip all 200 MB."""
    data = sheet_bomb()
    with zipfile.ZipFile(BytesIO(data)).open(SHEET) as part:
        return forged(data, SHEET, 1024, zlib.crc32(part.read(1024)))


def many_parts() -> bytes:
    return repacked(openpyxl_file(["x"]), {f"xl/media/empty{n}.bin": b"" for n in range(2_000)})


def uncached_formula() -> bytes:
    """openpyxl writes a formula without the value Excel would compute and store."""
    return openpyxl_file(["Mã đơn vị", "Giá trị"], ["HD01", 1], cells={"C5": "=1+1"})


@functools.cache
def string_copies(cells: int = 5_000, kilobytes: int = 64) -> bytes:
    """80 KB, honest sizes, no bomb's ratio: one 64 KB shared string in 5.000 cells, which
    calamine would copy into each (330 million characters)."""
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(1, cells))
    text = "".join(random.Random(12).choices(string.ascii_letters, k=1024 * kilobytes))
    data = repacked(openpyxl_file(["x"]), {SHEET: sheet_xml(rows)})
    return with_shared_strings(data, f'<sst xmlns="{MAIN}"><si><t>{text}</t></si></sst>'.encode())


# name → (the file, the start of the message that refuses it)
HOSTILE = {
    "far cell (XFD1048576)": (far_cell, "Trang tính đầu tiên có dữ liệu ở dòng 1.048.576, quá"),
    "shared-string bomb": (shared_string_bomb, "Phần xl/sharedStrings.xml của tệp giải nén ra hơn"),
    "sheet XML bomb": (sheet_bomb, f"Phần {SHEET} của tệp giải nén ra hơn 48 MB"),
    "lying zip header": (lying_header, f"Phần {SHEET} của tệp bị hỏng hoặc đã bị sửa"),
    "2.000 zip parts": (many_parts, "Tệp nén hơn 1.000 phần"),
    "formula without value": (uncached_formula, "Ô C5 có công thức nhưng chưa có giá trị"),
    "shared string × 5.000 cells": (string_copies, "Trang tính đầu tiên chép chữ dùng chung"),
}


# --- the doors ---------------------------------------------------------------------------------


def post(client, door: str, tree, data: bytes, year: int):
    file = SimpleUploadedFile("tep.xlsx", data, content_type=excel.XLSX_TYPE)
    if door == "entries":
        return client.post(
            reverse("entry_excel_upload", args=[tree["hoai_duc"].pk]), {"file": file}
        )
    if door == "targets":
        url = reverse("unit_targets_import", args=[tree["hoai_duc"].pk])
        return client.post(url, {"file": file, "year": year, "period": "Y"}, follow=True)
    url = reverse("membership:import_upload", args=[tree["hd_1"].pk])
    return client.post(url, {"file": file})


@pytest.fixture
def door_client(client, district_staff, district_leader):
    """A client logged in as someone who may use the door: staff enter data, leaders targets."""

    def logged_in(door: str):
        client.force_login(district_leader if door == "targets" else district_staff)
        return client

    return logged_in


def saved_rows() -> tuple[int, int, int]:
    return MonthlyEntry.objects.count(), Target.objects.count(), Member.objects.count()


@pytest.mark.parametrize("door", ["entries", "targets", "roster"])
@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_file_is_refused_with_its_reason_at_every_door(
    door_client, tree, this_month, door, kind
):
    build, message = HOSTILE[kind]
    before = saved_rows()

    response = post(door_client(door), door, tree, build(), this_month[0])

    assert response.status_code == 200
    assert message in response.content.decode()
    assert saved_rows() == before


def door_file(door: str, value: str, this_month) -> bytes:
    """A file each door reads to its cells, with `value` where it wants a number: written as
    <v>inf</v>, which calamine reads as a float (openpyxl would write no value at all)."""
    year, month = this_month
    if door == "entries":
        header = [CODE, NAME, YEAR, MONTH, excel.indicator_header(indicator("new_members"))]
        data = openpyxl_file(header, ["HD01", "", year, month, 987_654_321])
    elif door == "targets":
        header = ["Mã đơn vị", "Tên đơn vị", excel.indicator_header(indicator("new_members"))]
        data = openpyxl_file(header, ["HD01", "", 987_654_321])
    else:
        header = ["STT", "Họ và tên", "Giới tính", "Ngày sinh", "Ngày vào công đoàn", "Số thẻ"]
        data = openpyxl_file(
            header, [1, "Nguyễn Văn An", "Nam", "17/05/1990", "01/03/2015", 987_654_321]
        )
    sheet = zipfile.ZipFile(BytesIO(data)).read(SHEET)
    return repacked(data, {SHEET: sheet.replace(b"987654321", value.encode())})


@pytest.mark.parametrize(
    "door, message",
    [("entries", "Phải là số nguyên."), ("targets", "Phải là số nguyên."), ("roster", "Số thẻ")],
)
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400"])
def test_an_infinite_or_not_a_number_cell_is_refused_on_its_cell(
    door_client, tree, this_month, door, message, value
):
    before = saved_rows()

    response = post(door_client(door), door, tree, door_file(door, value, this_month), 2026)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "cannot convert" not in response.content.decode()
    assert saved_rows() == before


# The child's own peak: ru_maxrss would also count the pytest process it was forked from, which
# Linux carries over exec. VmHWM is the high-water mark of the child's memory alone.
READ_ALL = """
import json, re, sys, time
import django
django.setup()
from federation import excel
outcomes = []
for path in sys.argv[1:]:
    started = time.perf_counter()
    try:
        excel.read_rows(open(path, "rb"), header_rows=0)
        outcome = "read"
    except excel.ExcelError as refused:
        outcome = str(refused)
    outcomes.append([outcome, time.perf_counter() - started])
peak = int(re.search(r"VmHWM:\\s*(\\d+)", open("/proc/self/status").read())[1]) // 1024
print(json.dumps({"peak_mb": peak, "outcomes": outcomes}))
"""


def test_reading_the_worst_files_stays_under_300_mb(tmp_path):
    """In a fresh process, so that the peak is the reader's: calamine would have asked for
    512 GB (far cell), 1.2 GB (bombs) and 1 GB (string copies)."""
    paths = []
    for kind in ("far cell (XFD1048576)", "shared-string bomb", "sheet XML bomb"):
        paths.append(tmp_path / f"{len(paths)}.xlsx")
        paths[-1].write_bytes(HOSTILE[kind][0]())
    for kind in ("lying zip header", "shared string × 5.000 cells"):
        paths.append(tmp_path / f"{len(paths)}.xlsx")
        paths[-1].write_bytes(HOSTILE[kind][0]())
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", READ_ALL, *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout.splitlines()[-1])
    assert all(outcome != "read" for outcome, _ in result["outcomes"])
    assert result["peak_mb"] < 300


# --- the exports -------------------------------------------------------------------------------


def assert_written_as_text(content: bytes, value: str) -> None:
    """Every cell holding `value` is a text cell with a quote prefix; no sheet has a formula."""
    archive = zipfile.ZipFile(BytesIO(content))
    for name in archive.namelist():
        if name.startswith("xl/worksheets/"):
            assert not re.search(rb"<f[\s>/]", archive.read(name)), name
    book = load_workbook(BytesIO(content))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value == value]
    assert cells
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


@pytest.fixture
def injected_union(tree):
    return GrassrootsFactory(parent=tree["hoai_duc"], code="HD03", name=INJECTION)


def test_the_roster_export_writes_a_formula_like_name_as_text(client, tree, district_staff):
    MemberFactory(union=tree["hd_1"], full_name=INJECTION)
    client.force_login(district_staff)

    response = client.get(reverse("membership:roster_export", args=[tree["hd_1"].pk]))

    assert_written_as_text(response.content, INJECTION)


def test_the_entry_export_and_template_write_a_formula_like_name_as_text(
    client, tree, district_staff, injected_union, this_month
):
    year, month = this_month
    client.force_login(district_staff)
    unit = tree["hoai_duc"].pk
    export = client.get(reverse("entry_excel_export", args=[unit]), {"year": year})
    months = {"from_month": month, "from_year": year, "to_month": month, "to_year": year}
    template = client.get(reverse("entry_excel_template", args=[unit]), months)

    assert_written_as_text(export.content, INJECTION)
    assert_written_as_text(template.content, INJECTION)


def test_the_dashboard_children_export_writes_a_formula_like_name_as_text(
    client, tree, district_staff, injected_union
):
    client.force_login(district_staff)

    url = reverse("unit_dashboard_export", args=[tree["hoai_duc"].pk, "children"])

    assert_written_as_text(client.get(url).content, INJECTION)


def test_the_targets_template_writes_a_formula_like_name_as_text(
    client, tree, district_staff, injected_union, this_month
):
    client.force_login(district_staff)

    url = reverse("unit_targets_template", args=[tree["hoai_duc"].pk])
    response = client.get(url, {"year": this_month[0], "period": "Y"})

    assert_written_as_text(response.content, INJECTION)
