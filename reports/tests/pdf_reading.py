"""Reading a report PDF back as a person's PDF viewer would: text, where it sits, its fonts."""

from dataclasses import dataclass
from io import BytesIO

from pypdf import PdfReader

MM = 72 / 25.4


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # from the bottom of the page, as PDF counts
    text: str


def reader(content: bytes) -> PdfReader:
    return PdfReader(BytesIO(content))


def full_text(pdf: PdfReader) -> str:
    """All pages' text with line breaks turned to spaces, so sentences can be searched whole."""
    return " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)


def placed_text(pdf: PdfReader, index: int) -> list[Text]:
    found: list[Text] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append(Text(x, y, text.strip()))

    pdf.pages[index].extract_text(visitor_text=visit)
    return found


def fonts(pdf: PdfReader) -> dict[str, list[str]]:
    """Each font's name and the font-file keys of its descriptor (FontFile2: embedded TTF)."""
    found = {}
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            holder = descendants[0].get_object() if descendants else font
            descriptor = holder["/FontDescriptor"].get_object()
            found[str(font["/BaseFont"])] = [k for k in descriptor if k.startswith("/FontFile")]
    return found


def image_count(pdf: PdfReader) -> int:
    """Raster images anywhere in the document, nested form XObjects included."""

    def count(resources) -> int:
        total = 0
        for xobject in (resources or {}).get("/XObject", {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Image":
                total += 1
            elif xobject.get("/Subtype") == "/Form":
                total += count(xobject.get("/Resources"))
        return total

    return sum(count(page["/Resources"]) for page in pdf.pages)
