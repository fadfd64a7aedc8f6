"""The Word copy read back with python-docx, and as LibreOffice lays it out."""

import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document

from reports import services
from reports.models import VersionStatus
from reports.tests import pdf_reading


@pytest.fixture
def version(report, district_leader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version = services.report_version_request(report=report, user=district_leader)
    version.refresh_from_db()
    assert version.status == VersionStatus.DONE, version.error
    return version


@pytest.fixture
def word(version):
    with version.docx.open("rb") as stored:
        return Document(BytesIO(stored.read()))


def body_text(word) -> str:
    return " ".join(paragraph.text for paragraph in word.paragraphs)


def test_task_stores_a_word_copy_beside_the_pdf(version):
    assert version.docx.name.endswith(f"/v{version.number}.docx")
    assert version.pdf.name.endswith(f"/v{version.number}.pdf")


def test_word_copy_is_a4_with_the_decree_margins_and_times_new_roman_14(word):
    section = word.sections[0]
    normal = word.styles["Normal"].font

    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == 30
    assert round(section.right_margin.mm) == 15
    assert round(section.top_margin.mm) == round(section.bottom_margin.mm) == 20
    assert (normal.name, normal.size.pt) == ("Times New Roman", 14)


def test_header_block_is_a_borderless_table_of_issuer_and_motto(word):
    issuer, motto = word.tables[0].rows[0].cells

    assert word.tables[0].style.name != "Table Grid"
    assert [p.text for p in issuer.paragraphs if p.text] == [
        "LĐLĐ THÀNH PHỐ HÀ NỘI",
        "LĐLĐ HUYỆN HOÀI ĐỨC",
        "Số: 45/BC-LĐLĐ",
    ]
    lines = [p for p in motto.paragraphs if p.text]
    assert [p.text for p in lines] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hoài Đức, ngày 05 tháng 07 năm 2022",
    ]
    assert lines[1].runs[0].underline  # the motto's rule
    assert lines[2].runs[0].italic


def test_word_copy_says_what_the_pdf_says(word):
    text = body_text(word)

    assert "BÁO CÁO" in text
    assert "Sơ kết công tác công đoàn 6 tháng đầu năm 2022," in text
    assert "Phần I" in text
    assert "Thành lập được 11/20 CĐCS, đạt 55,0% kế hoạch Thành phố giao, bằng cùng kỳ" in text
    assert "kết nạp được 310/512 đoàn viên, đạt 60,5% kế hoạch năm Thành phố giao" in text
    assert "II. ĐÁNH GIÁ CHUNG" in text
    assert "Phần II" in text
    outlook = "Nếu giữ nhịp độ như 6 tháng đầu năm, cả năm dự kiến kết nạp mới khoảng 319 đoàn viên"
    assert text.index("Phần II") < text.index(outlook)


def test_word_copy_has_the_figures_tables(word):
    indicators = word.tables[1]
    rows = [[cell.text for cell in row.cells] for row in indicators.rows]

    assert rows[0][:6] == ["TT", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch", "Thực hiện", "Đạt %"]
    assert ["512 (cả năm)", "310", "60,5%"] in [row[3:6] for row in rows]
    children = [[cell.text for cell in row.cells] for row in word.tables[2].rows]
    assert len(children) == 3  # the header and hd_1, hd_2
    assert children[0][:2] == ["TT", "Đơn vị"]


def test_word_copy_ends_with_signature_and_recipients(word):
    recipients, signature = word.tables[-1].rows[0].cells
    signed = [p.text for p in signature.paragraphs if p.text]

    assert signed == ["TM. BAN THƯỜNG VỤ", "CHỦ TỊCH", "Nguyễn Văn Bình"]
    assert recipients.paragraphs[0].text == "Nơi nhận:"
    assert recipients.paragraphs[-1].text == "- Lưu: VT."


def test_page_numbers_are_in_the_header_from_page_two(word):
    section = word.sections[0]

    assert section.different_first_page_header_footer
    assert 'w:instr="PAGE"' in section.header._element.xml
    assert "PAGE" not in section.first_page_header._element.xml


def test_libreoffice_lays_the_word_copy_out_as_the_pdf(version, tmp_path):
    """LibreOffice is installed by .ci/run: a missing one fails here rather than skipping."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    assert office, "LibreOffice (libreoffice-writer-nogui) is needed: .ci/run installs it"
    source = tmp_path / "report.docx"
    source.write_bytes(version.docx.read())
    subprocess.run(
        [office, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless"]
        + ["--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = pdf_reading.reader(Path(tmp_path / "report.pdf").read_bytes())
    original = pdf_reading.reader(version.pdf.read())
    page = converted.pages[0].mediabox

    assert (
        round(float(page.width) / pdf_reading.MM),
        round(float(page.height) / pdf_reading.MM),
    ) == (
        210,
        297,
    )
    assert abs(len(converted.pages) - len(original.pages)) <= 1
    first = " ".join(converted.pages[0].extract_text().split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
    assert "LĐLĐ HUYỆN HOÀI ĐỨC" in first
    assert "Số: 45/BC-LĐLĐ" in first
    assert "Sơ kết công tác công đoàn 6 tháng đầu năm 2022" in first
