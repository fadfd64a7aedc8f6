"""The PDF read back: what a leader, a clerk and a search box would find in it."""

import pytest

from reports import pdf, services
from reports.models import VersionStatus
from reports.tests import pdf_reading
from reports.tests.pdf_reading import MM


@pytest.fixture
def built(report, district_leader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version = services.report_version_request(report=report, user=district_leader)
    version.refresh_from_db()
    assert version.status == VersionStatus.DONE, version.error
    with version.pdf.open("rb") as stored:
        return pdf_reading.reader(stored.read())


def test_pdf_names_the_unit_and_its_superior_in_the_header(built):
    text = pdf_reading.full_text(built)

    assert "LĐLĐ THÀNH PHỐ HÀ NỘI" in text
    assert "LĐLĐ HUYỆN HOÀI ĐỨC" in text
    assert "LĐLĐ huyện Hoài Đức báo cáo kết quả" in text


def test_pdf_has_the_national_motto_with_its_diacritics_intact(built):
    text = pdf_reading.full_text(built)

    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text


def test_pdf_has_number_place_date_title_and_subject(built):
    text = pdf_reading.full_text(built)

    assert "Số: 45/BC-LĐLĐ" in text
    assert "Hoài Đức, ngày 05 tháng 07 năm 2022" in text
    assert "BÁO CÁO" in text
    assert "Sơ kết công tác công đoàn 6 tháng đầu năm 2022" in text


def test_pdf_gives_the_figures_in_generated_sentences(built):
    text = pdf_reading.full_text(built)

    assert "Thành lập được 11/20 CĐCS, đạt 55,0% kế hoạch Thành phố giao, bằng cùng kỳ" in text
    assert (
        "kết nạp được 310/512 đoàn viên, đạt 60,5% kế hoạch năm Thành phố giao, "
        "tăng 55,0% so với cùng kỳ" in text
    )
    assert "tổng số đoàn viên đến hết tháng 06/2022 là 1.234 người" in text
    assert "Thu kinh phí công đoàn được 1.500.000.000 đồng" in text


def test_pdf_says_where_the_year_is_heading_at_the_start_of_part_two(built):
    text = pdf_reading.full_text(built)

    sentence = (
        "Nếu giữ nhịp độ như 6 tháng đầu năm, cả năm dự kiến kết nạp mới khoảng 319 đoàn viên, "
        "đạt 62,3% kế hoạch."
    )
    assert sentence in text
    assert text.index("Phần II") < text.index(sentence)
    # New CĐCS have an H1 target only: no year's plan to hold the forecast against.
    assert "dự kiến thành lập" not in text


def test_pdf_tables_give_plan_actual_percent_and_last_year(built):
    text = pdf_reading.full_text(built)

    assert "Bảng 1. Kết quả thực hiện các chỉ tiêu" in text
    assert "Đoàn viên kết nạp mới người 512 (cả năm) 310 60,5% 200 +55,0%" in text
    assert "Bảng 2. Kết quả thực hiện của các đơn vị trực thuộc" in text


def test_pdf_chart_is_vector_with_searchable_labels(built):
    text = pdf_reading.full_text(built)

    assert "Biểu đồ 1. Tỷ lệ thực hiện kế hoạch các chỉ tiêu (%)" in text
    assert "60,5%" in text
    assert pdf_reading.image_count(built) == 0


def test_pdf_ends_with_the_text_sections_signature_and_recipients(built):
    text = pdf_reading.full_text(built)

    for heading in ("1. Ưu điểm", "2. Tồn tại, hạn chế", "3. Nguyên nhân", "Phần II"):
        assert heading in text
    assert "NHIỆM VỤ TRỌNG TÂM 6 THÁNG CUỐI NĂM 2022" in text
    assert "TM. BAN THƯỜNG VỤ CHỦ TỊCH" in text
    assert "Nguyễn Văn Bình" in text
    assert "Nơi nhận:" in text
    assert "- Các đơn vị trực thuộc; - Lưu: VT." in text


def test_pdf_is_a4_with_a_30_mm_left_margin(built):
    page = built.pages[0]
    assert float(page.mediabox.width) == pytest.approx(595.3, abs=1)
    assert float(page.mediabox.height) == pytest.approx(841.9, abs=1)

    leftmost = min(item.x for item in pdf_reading.placed_text(built, 0))

    assert leftmost == pytest.approx(30 * MM, abs=1)


def test_pdf_embeds_its_tinos_fonts(built):
    fonts = pdf_reading.fonts(built)

    assert fonts
    assert all("Tinos" in name for name in fonts)
    assert all(files == ["/FontFile2"] for files in fonts.values())


def test_page_numbers_are_centred_at_the_top_from_page_two(built):
    assert len(built.pages) >= 2
    page_height = float(built.pages[0].mediabox.height)

    def in_top_margin(index):
        return [t for t in pdf_reading.placed_text(built, index) if t.y > page_height - 20 * MM]

    assert in_top_margin(0) == []
    [number] = in_top_margin(1)
    assert number.text == "2"
    centre = 30 * MM + (210 - 30 - 15) * MM / 2
    assert number.x == pytest.approx(centre, abs=6)


def test_the_html_refuses_to_fetch_anything_but_its_fonts(report):
    document = services.report_document(report)
    document["strengths"] = '<img src="file:///etc/passwd"> <link rel=stylesheet href="http://x">'
    snapshot = {
        "year": 2022,
        "previous_year": 2021,
        "kind": "H1",
        "period": "H1",
        "through_month": 6,
        "indicators": [],
        "children": {"columns": [], "rows": []},
    }

    html = pdf.render_html(document, snapshot)

    assert "&lt;img" in html
    with pytest.raises(ValueError):
        pdf.FontsOnlyFetcher().fetch("file:///etc/passwd")
