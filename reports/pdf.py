"""The report as a document: HTML in the layout of Nghị định 30/2020, then PDF by WeasyPrint.

Everything is rendered from a version's frozen `document` and `snapshot`, never from the live
tables, so the same version always gives the same pages. Fonts are Tinos, whole TTF files from
npm (a Times-compatible serif with every Vietnamese glyph); nothing else may be fetched.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from federation.formatting import vn_number, vn_percent

from . import wording
from .chart import Bar, achievement_chart
from .models import TEXT_SECTIONS, ReportKind

NUMBER_GAP = "\u00a0" * 8
FONT_FILES = {
    ("normal", "normal"): "400Regular/Tinos_400Regular.ttf",
    ("bold", "normal"): "700Bold/Tinos_700Bold.ttf",
    ("normal", "italic"): "400Regular_Italic/Tinos_400Regular_Italic.ttf",
    ("bold", "italic"): "700Bold_Italic/Tinos_700Bold_Italic.ttf",
}


def fonts_dir() -> Path:
    return Path(settings.NODE_MODULES) / "@expo-google-fonts" / "tinos"


def font_faces() -> str:
    """@font-face rules for the four Tinos files, by file:// URL."""
    return "\n".join(
        f"@font-face {{ font-family: Tinos; font-weight: {weight}; font-style: {style}; "
        f"src: url('{(fonts_dir() / name).as_uri()}') format('truetype'); }}"
        for (weight, style), name in FONT_FILES.items()
    )


class FontsOnlyFetcher(URLFetcher):
    """Lets WeasyPrint read the Tinos files and nothing else: no network, no other file."""

    def fetch(self, url, headers=None):
        allowed = {(fonts_dir() / name).as_uri() for name in FONT_FILES.values()}
        if url not in allowed:
            raise ValueError(f"Báo cáo không được tải tài nguyên ngoài: {url}")
        return super().fetch(url, headers)


def render_pdf(html: str) -> bytes:
    return HTML(string=html, url_fetcher=FontsOnlyFetcher(allowed_protocols=("file",))).write_pdf()


# --- from document and snapshot to the template's context -------------------------------------


def paragraphs(text: str) -> list[str]:
    """A text area's lines as paragraphs; blank lines dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def recipients(text: str) -> list[str]:
    """Nơi nhận as the decree writes it: "- X;" on each line, the last one "- Lưu: VT."."""
    lines = [line.strip().lstrip("-–• ").rstrip(";.").strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.lower().startswith("lưu")]
    return [f"- {line};" for line in lines] + ["- Lưu: VT."]


def date_line(place: str, issued_on: str) -> str:
    day = date.fromisoformat(issued_on)
    when = f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"
    return f"{place}, {when}" if place else when.capitalize()


@dataclass(frozen=True)
class Titles:
    subject: list[str]
    part_one: str
    part_two: str
    period_words: str


def titles(kind: str, year: int) -> Titles:
    if kind == ReportKind.H1:
        return Titles(
            [
                f"Sơ kết công tác công đoàn 6 tháng đầu năm {year},",
                f"phương hướng, nhiệm vụ trọng tâm 6 tháng cuối năm {year}",
            ],
            f"KẾT QUẢ THỰC HIỆN NHIỆM VỤ 6 THÁNG ĐẦU NĂM {year}",
            f"NHIỆM VỤ TRỌNG TÂM 6 THÁNG CUỐI NĂM {year}",
            f"6 tháng đầu năm {year}",
        )
    return Titles(
        [
            f"Kết quả công tác công đoàn 6 tháng cuối năm, tổng kết năm {year},",
            f"phương hướng, nhiệm vụ trọng tâm năm {year + 1}",
        ],
        f"KẾT QUẢ THỰC HIỆN NHIỆM VỤ NĂM {year}",
        f"PHƯƠNG HƯỚNG, NHIỆM VỤ TRỌNG TÂM NĂM {year + 1}",
        f"năm {year}",
    )


def _target_cell(row: dict, period: str) -> str:
    if row["target"] is None:
        return "—"
    whole_year = " (cả năm)" if row["target_period"] != period else ""
    return f"{vn_number(row['target'])}{whole_year}"


def indicator_rows(snapshot: dict) -> list[dict]:
    """The indicators table: every indicator with figures, numbers written the Vietnamese way."""
    return [
        {
            "name": row["name"],
            "unit": row["unit_of_measure"],
            "target": _target_cell(row, snapshot["period"]),
            "actual": vn_number(row["actual"]),
            "percent": vn_percent(wording.as_decimal(row["percent"])),
            "previous": vn_number(row["previous"]) if row["previous"] else "—",
            "change": wording.change_short(row["actual"], row["previous"]),
        }
        for row in snapshot["indicators"]
        if wording.has_data(row) or row["previous"]
    ]


def children_table(snapshot: dict) -> dict:
    table = snapshot["children"]
    rows = []
    for number, child in enumerate(table["rows"], start=1):
        cells = []
        for column in table["columns"]:
            figure = child["figures"].get(column["code"], {"actual": 0, "percent": None})
            cells.append(vn_number(figure["actual"]))
            if column["has_target"]:
                cells.append(vn_percent(wording.as_decimal(figure["percent"])))
        rows.append({"number": number, "name": child["name"], "cells": cells})
    has_targets = any(column["has_target"] for column in table["columns"])
    return {"columns": table["columns"], "rows": rows, "has_targets": has_targets}


def chart_svg(snapshot: dict) -> str:
    bars = [
        Bar(row["name"], Decimal(row["percent"]))
        for row in snapshot["indicators"]
        if row["percent"] is not None
    ]
    return mark_safe(achievement_chart(bars))  # built from escaped text in chart.py


def layout_context(document: dict, snapshot: dict) -> dict:
    """What the report says, in the order and words it prints: the PDF's template and the Word
    copy (docx.py) both lay it out, so the two never say different things."""
    year, kind, through_month = snapshot["year"], snapshot["kind"], snapshot["through_month"]
    month = f"tháng {through_month:02d}/{year}"
    names = titles(kind, year)
    return {
        "doc": document,
        "parent_name": document["parent_name"].upper(),
        "unit_name": document["unit_name"].upper(),
        # An unnumbered draft leaves room for the number the clerk writes in when issuing it.
        "number_line": document["document_number"] or f"{NUMBER_GAP}/BC-{document['abbreviation']}",
        "date_line": date_line(document["place"], document["issued_on"]),
        "titles": names,
        "month": month,
        "previous_year": snapshot["previous_year"],
        "results": wording.result_paragraphs(
            snapshot["indicators"], snapshot["period"], document["superior"], month
        ),
        "indicator_rows": indicator_rows(snapshot),
        "children": children_table(snapshot),
        "sections": {key: paragraphs(document[key]) for key in TEXT_SECTIONS},
        "outlook": wording.outlook_sentences(snapshot["indicators"]),
        "recipients": recipients(document["recipients"]),
        "signer_title": paragraphs(document["signer_title"].replace("/", "\n")),
    }


def pdf_context(document: dict, snapshot: dict) -> dict:
    return {
        **layout_context(document, snapshot),
        "font_faces": mark_safe(font_faces()),
        "chart": chart_svg(snapshot),
    }


def render_html(document: dict, snapshot: dict) -> str:
    return render_to_string("reports/pdf.html", pdf_context(document, snapshot))
