"""The Word copy of a report version, in the PDF's layout (Nghị định 30/2020), for the office
that finishes the document in Word before the leader signs.

Built from the same `layout_context` as the PDF (pdf.py), so both say the same words and
figures; only the layout is Word's: A4 with the decree's margins, Times New Roman 14 pt, the
header block as a borderless table, page numbers centred at the top from page 2 (a different
first-page header). The chart is the PDF's alone: Word gets the tables it is drawn from.
"""

from io import BytesIO
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from .pdf import layout_context

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 10.5
CHILDREN_PT = 10
CONTENT_MM = 210 - 30 - 15
INDICATOR_WIDTHS = (5, 20, 8, 17, 17, 8, 17, 8)  # percent of the width, as the PDF's colgroup
NARROW_MARGINS = '<w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/>'  # 1 mm
INDICATOR_HEAD = ("TT", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch", "Thực hiện", "Đạt %")


# --- the page and the styles --------------------------------------------------------------------


def _page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(number)


def _page_field(paragraph: Paragraph) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _styles(document) -> None:
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY_PT)
    # Word takes Vietnamese letters outside Latin-1 from the complex and East Asian slots too.
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), FONT)
    layout = normal.paragraph_format
    layout.space_before, layout.space_after = Pt(0), Pt(6)
    layout.line_spacing = 1.1
    layout.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


# --- small builders -----------------------------------------------------------------------------


def _line(
    container,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    align=WD_ALIGN_PARAGRAPH.CENTER,
    after: float = 0,
) -> Paragraph:
    """A paragraph of one run, centred and tight by default: the header's and table's lines."""
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(after)
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    return paragraph


def _body(container, text: str) -> Paragraph:
    paragraph = container.add_paragraph(text)
    paragraph.paragraph_format.first_line_indent = Mm(10)
    return paragraph


def _rule(container, width_mm: float, column_mm: float) -> None:
    """A short centred line, as the decree draws under the issuer and the title: an empty
    paragraph's bottom border, narrowed by its indents."""
    paragraph = _line(container, size=2)
    margin = Mm((column_mm - width_mm) / 2)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = margin
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _borderless(document, columns: int) -> Table:
    table = document.add_table(rows=1, cols=columns)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    return table


def _widths(table: Table, millimetres: list[float]) -> None:
    for column, width in zip(table.columns, millimetres, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


def _first_paragraph(cell) -> Paragraph:
    """A new cell holds one empty paragraph: the cell's first line goes there, not below it."""
    return cell.paragraphs[0]


# --- the parts, top to bottom -------------------------------------------------------------------


def _header(document, context: dict) -> None:
    table = _borderless(document, 2)
    issuer_mm, motto_mm = CONTENT_MM * 0.4, CONTENT_MM * 0.6
    _widths(table, [issuer_mm, motto_mm])
    issuer, motto = table.rows[0].cells
    issuer._element.remove(_first_paragraph(issuer)._p)
    if context["parent_name"]:
        _line(issuer, context["parent_name"], size=13)
    _line(issuer, context["unit_name"], bold=True, size=13)
    _rule(issuer, issuer_mm * 0.35, issuer_mm)
    _line(issuer, f"Số: {context['number_line']}", size=13).paragraph_format.space_before = Pt(6)
    motto._element.remove(_first_paragraph(motto)._p)
    _line(motto, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12.5)
    slogan = _line(motto, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13.5)
    slogan.runs[0].underline = True
    _line(motto, context["date_line"], italic=True).paragraph_format.space_before = Pt(8)


def _title(document, context: dict) -> None:
    _line(document, "BÁO CÁO", bold=True).paragraph_format.space_before = Pt(16)
    for line in context["titles"].subject:
        _line(document, line, bold=True)
    _rule(document, CONTENT_MM * 0.25, CONTENT_MM)


def _part(document, label: str, title: str) -> None:
    paragraph = _line(document, label, bold=True, after=6)
    paragraph.paragraph_format.space_before = Pt(14)
    paragraph.paragraph_format.keep_with_next = True
    paragraph.runs[0].add_break(WD_BREAK.LINE)
    paragraph.add_run(title).bold = True


def _heading(document, text: str, *, italic: bool = False) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(6 if italic else 10)
    paragraph.paragraph_format.keep_with_next = True
    if italic:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    run = paragraph.add_run(text)
    run.bold, run.italic = True, italic


def _results(document, context: dict) -> None:
    _body(
        document,
        f"{context['doc']['unit_name']} báo cáo kết quả thực hiện nhiệm vụ công tác công đoàn "
        f"{context['titles'].period_words} như sau (số liệu tính đến hết {context['month']}, "
        f"so sánh với cùng kỳ năm {context['previous_year']}):",
    )
    _heading(document, "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU")
    if not context["results"]:
        _body(document, "Trong kỳ chưa có số liệu các chỉ tiêu.")
    for number, paragraph in enumerate(context["results"], start=1):
        line = _body(document, "")
        topic = line.add_run(f"{number}. {paragraph.title}:")
        topic.bold = topic.italic = True
        line.add_run(f" {paragraph.text}")


def _caption(document, text: str) -> None:
    caption = _line(document, text, bold=True, size=12, after=2)
    caption.paragraph_format.space_before = Pt(8)
    caption.paragraph_format.keep_with_next = True


def _grid(document, rows: list[list[str]], widths: list[float], size: float, heads: int) -> None:
    """A bordered table of figures: `heads` header rows repeated on every page, numbers right.

    The rows are written as WordprocessingML and parsed once: through python-docx's objects,
    a district of 300 CĐCS (some 1,500 cells) took most of a second, a quarter of the task."""
    table = document.add_table(rows=0, cols=len(widths))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        column.w = Mm(width)
    # Word's default cell margins (1.9 mm a side) would wrap "TT" and "60,5%" in their columns.
    table._tbl.tblPr.append(
        parse_xml(f"<w:tblCellMar {nsdecls('w')}>{NARROW_MARGINS}</w:tblCellMar>")
    )
    xml = "".join(_row_xml(row, index < heads, size) for index, row in enumerate(rows))
    for row in parse_xml(f"<w:tbl {nsdecls('w')}>{xml}</w:tbl>"):
        table._tbl.append(row)


def _row_xml(values: list[str], head: bool, size: float) -> str:
    """One row; a header row repeats at the top of every page and is bold."""
    properties = '<w:trPr><w:tblHeader w:val="true"/></w:trPr>' if head else ""
    font = f'<w:rPr>{"<w:b/>" if head else ""}<w:sz w:val="{round(size * 2)}"/></w:rPr>'
    cells = "".join(
        '<w:tc><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
        f'<w:jc w:val="{_cell_alignment(head, column, value)}"/></w:pPr>'
        f'<w:r>{font}<w:t xml:space="preserve">{escape(value)}</w:t></w:r></w:p></w:tc>'
        for column, value in enumerate(values)
    )
    return f"<w:tr>{properties}{cells}</w:tr>"


def _cell_alignment(head: bool, column: int, value: str) -> str:
    if head or column == 0:
        return "center"
    if value[:1].isdigit() or value in ("—", "bằng") or value[:1] in "+−":
        return "right"
    return "left"


def _indicator_table(document, context: dict) -> None:
    if not context["indicator_rows"]:
        return
    _caption(document, "Bảng 1. Kết quả thực hiện các chỉ tiêu")
    head = [*INDICATOR_HEAD, f"Cùng kỳ {context['previous_year']}", "So sánh"]
    rows = [head] + [
        [str(number), row["name"], row["unit"], row["target"], row["actual"], row["percent"]]
        + [row["previous"], row["change"]]
        for number, row in enumerate(context["indicator_rows"], start=1)
    ]
    widths = [CONTENT_MM * share / 100 for share in INDICATOR_WIDTHS]
    _grid(document, rows, widths, TABLE_PT, heads=1)


def _children_head(children: dict) -> list[str]:
    """One header row: "Kết nạp mới — thực hiện", "Kết nạp mới — đạt %" for a column with a
    target, as the PDF's two header rows say."""
    head = ["TT", "Đơn vị"]
    for column in children["columns"]:
        if column["has_target"]:
            head += [f"{column['name']}: thực hiện", "Đạt %"]
        else:
            head.append(column["name"])
    return head


def _children_table(document, context: dict) -> None:
    children = context["children"]
    if not children["rows"]:
        return
    _caption(document, "Bảng 2. Kết quả thực hiện của các đơn vị trực thuộc")
    head = _children_head(children)
    rows = [head] + [[str(row["number"]), row["name"], *row["cells"]] for row in children["rows"]]
    figures = [12 if not name.startswith("Đạt") else 8 for name in head[2:]]
    name_share = 100 - 6 - sum(figures)
    widths = [CONTENT_MM * share / 100 for share in (6, name_share, *figures)]
    _grid(document, rows, widths, CHILDREN_PT, heads=1)


def _sections(document, context: dict) -> None:
    sections = context["sections"]
    _heading(document, "II. ĐÁNH GIÁ CHUNG")
    for title, key in (
        ("1. Ưu điểm", "strengths"),
        ("2. Tồn tại, hạn chế", "shortcomings"),
        ("3. Nguyên nhân", "causes"),
    ):
        _heading(document, title, italic=True)
        for line in sections[key]:
            _body(document, line)
    _part(document, "Phần II", context["titles"].part_two)
    for line in [*context["outlook"], *sections["priorities"]]:
        _body(document, line)
    if sections["proposals"]:
        _heading(document, "KIẾN NGHỊ, ĐỀ XUẤT")
        for line in sections["proposals"]:
            _body(document, line)


def _closing(document, context: dict) -> None:
    # The signature never stands alone on its page: the last paragraph comes along.
    document.paragraphs[-1].paragraph_format.keep_with_next = True
    _line(document, size=6).paragraph_format.keep_with_next = True
    table = _borderless(document, 2)
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    _widths(table, [CONTENT_MM * 0.45, CONTENT_MM * 0.55])
    recipients, signature = table.rows[0].cells
    label = _first_paragraph(recipients)
    label.alignment = WD_ALIGN_PARAGRAPH.LEFT
    label.paragraph_format.space_after = Pt(0)
    run = label.add_run("Nơi nhận:")
    run.bold = run.italic = True
    run.font.size = Pt(12)
    for line in context["recipients"]:
        _line(recipients, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    first = _first_paragraph(signature)
    first.alignment = WD_ALIGN_PARAGRAPH.CENTER
    first.paragraph_format.space_after = Pt(0)
    first.add_run("TM. BAN THƯỜNG VỤ").bold = True
    for line in context["signer_title"]:
        _line(signature, line, bold=True)
    _line(signature).paragraph_format.space_before = Mm(24)
    _line(signature, context["doc"]["signer_name"], bold=True)


# --- the document -------------------------------------------------------------------------------


def render_docx(document_fields: dict, snapshot: dict) -> bytes:
    """The .docx of a version, from its frozen `document` and `snapshot` alone."""
    context = layout_context(document_fields, snapshot)
    document = Document()
    _styles(document)
    _page(document)
    _header(document, context)
    _title(document, context)
    _part(document, "Phần I", context["titles"].part_one)
    _results(document, context)
    _indicator_table(document, context)
    _children_table(document, context)
    _sections(document, context)
    _closing(document, context)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
