"""What an uploaded .xlsx holds, checked with Python before calamine reads it.

calamine fills the rectangle from A1 to the farthest cell with a value, copies a shared string
into each cell using it and unzips a part past its declared size: a 2 KB upload could make it ask
for 512 GB. So check_xlsx first refuses, naming the limit, what would be too big: a zip bomb, a
lying zip header, a sheet too far out or too full, shared strings copied past a size; and a
formula without its value, which calamine would read as blank. federation.excel.read_rows, the
one reader of every import, calls it.
"""

import copy
import re
import zipfile
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from io import BytesIO
from typing import Any
from xml.parsers import expat

MAX_MEMBERS = 1_000  # parts in the zip; Excel writes about a dozen
MAX_PART_BYTES = 48 * 2**20  # one part, unzipped
MAX_UNZIPPED_BYTES = 128 * 2**20
MAX_RATIO = 100  # unzipped ÷ zipped, past 1 MB: Excel's XML is near 10, a zip bomb's near 1000
MAX_COLUMNS = 200
MAX_CELLS = 500_000  # rows × columns of the rectangle calamine fills: 10.000 rows × 50 columns
MAX_TEXT_CHARS = 8_000_000  # shared-string text calamine copies into the sheet's cells
NOT_XLSX = "Tệp không phải là tệp Excel (.xlsx) hợp lệ."
DAMAGED = "Tệp Excel bị hỏng, không đọc được. Hãy lưu lại tệp rồi thử lại."
PASSWORD = "Tệp Excel có mật khẩu: hãy bỏ mật khẩu rồi tải lên lại."


class ExcelError(Exception):
    """A file refused as a whole, with the reason in Vietnamese."""


def check_xlsx(data: bytes, *, max_rows: int) -> None:
    """Refuses, naming the limit passed, what would make calamine build too much: a zip bomb, a
    sheet past 2 × max_rows + 100 rows (a title, the header, a blank row after each data row),
    MAX_COLUMNS columns or MAX_CELLS cells, or copying shared strings past MAX_TEXT_CHARS; and a
    formula without its value, which calamine reads as blank. As calamine may take any part of
    xl/worksheets (chart-, dialogsheets) for the first sheet, all of them are checked."""
    archive = _open_zip(data)
    parts = {info.filename.lower(): info for info in archive.infolist()}  # calamine: any case
    strings = parts.get("xl/sharedstrings.xml")
    lengths = _Strings().read(_chunks(archive, strings)).lengths if strings else []
    sheets = sorted((n for n in parts if re.match(_SHEETS, n)), key=lambda n: (len(n), n))
    for name in sheets:  # xl/worksheets/sheet1.xml first: the first sheet, as Excel saves it
        extent = _Extent(max_rows, lengths, first=name == sheets[0])
        if not extent.read_usual(_chunks(archive, parts[name])):
            extent = _Extent(max_rows, lengths, first=extent.first)
            extent.read(_chunks(archive, parts[name]))
    for name, info in parts.items():
        if name not in sheets and info is not strings:  # calamine reads some: held to size
            deque(_chunks(archive, info), maxlen=0)


_SHEETS = r"xl/(work|chart|dialog)sheets(/|$)"
_DEFLATED = zipfile.ZIP_DEFLATED


def _open_zip(data: bytes) -> zipfile.ZipFile:
    if data.startswith(b"\xd0\xcf\x11\xe0") and "EncryptedPackage".encode("utf-16-le") in data:
        raise ExcelError(PASSWORD)  # an encrypted .xlsx is no zip
    # Each entry of the zip's directory starts so: counted before zipfile parses them all.
    if data.count(b"PK\x01\x02") > MAX_MEMBERS:
        raise ExcelError(f"Tệp nén hơn {dots(MAX_MEMBERS)} phần: không phải tệp Excel.")
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ExcelError(NOT_XLSX) from None
    infos = archive.infolist()
    if len({info.filename.lower() for info in infos}) < len(infos):
        raise ExcelError(NOT_XLSX)  # a name twice, in calamine's eyes
    for info in infos:
        name, size = info.filename[:60], info.file_size
        if info.flag_bits & 0x61 or info.compress_type not in (zipfile.ZIP_STORED, _DEFLATED):
            raise ExcelError(NOT_XLSX)  # encrypted, or packed as no Excel file is
        if size > MAX_PART_BYTES:
            raise ExcelError(f"Phần {name} của tệp giải nén ra hơn {MAX_PART_BYTES >> 20} MB.")
        if size > 2**20 and size > MAX_RATIO * info.compress_size:
            raise ExcelError(f"Phần {name} nén hơn {MAX_RATIO} lần: bom nén.")
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise ExcelError(f"Tệp giải nén ra hơn {MAX_UNZIPPED_BYTES >> 20} MB.")
    return archive


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part unzipped, 1 MB at a time; refuses one that unzips to more or less than it declares
    (calamine would unzip it all) or fails its CRC."""
    asked, size = copy.copy(info), 0
    asked.file_size += 1  # zipfile stops at the declared size: one byte more shows a lie
    try:
        with archive.open(asked) as stream:
            while size <= info.file_size and (chunk := stream.read(2**20)):
                size += len(chunk)
                yield chunk
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError):
        size = -1
    if size != info.file_size:
        raise ExcelError(f"Phần {info.filename[:60]} của tệp bị hỏng hoặc đã bị sửa.")


class _Expat:
    """An XML part read by expat, which refuses what is not well-formed, and a DTD: calamine
    ignores one, expat would expand its entities. calamine ignores the prefix of a name."""

    def __init__(self) -> None:
        self.parser, self.elements = expat.ParserCreate(), 0
        self.parser.buffer_text = True
        self.parser.StartDoctypeDeclHandler = self.doctype
        self.parser.StartElementHandler = self.element
        self.parser.EndElementHandler = lambda name: self.end(name.rpartition(":")[2])

    def read(self, chunks: Iterable[bytes]) -> Any:
        try:
            for chunk in chunks:
                self.parser.Parse(chunk, False)
            self.parser.Parse(b"", True)
        except expat.ExpatError:
            raise ExcelError(DAMAGED) from None
        return self

    def doctype(self, *_: Any) -> None:
        raise ExcelError(NOT_XLSX)

    def element(self, name: str, attributes: dict[str, str]) -> None:
        self.elements += 1  # each costs a call into Python
        if self.elements > 8 * MAX_CELLS:
            raise ExcelError(f"Tệp quá lớn: hơn {dots(8 * MAX_CELLS)} phần tử XML.")
        self.start(name.rpartition(":")[2], attributes)


class _Strings(_Expat):
    """The length of each string calamine keeps from sharedStrings.xml, in its order. It keeps an
    item with an <r>, or a <t> outside <rPh>; every text of the item is counted."""

    def __init__(self) -> None:
        super().__init__()
        self.lengths: list[int] = []
        self.item, self.kept, self.phonetic = None, False, False  # the item's length so far

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "si":
            if self.item is not None:
                raise ExcelError(DAMAGED)  # an item inside an item
            self.item, self.kept, self.phonetic = 0, False, False
        elif name == "rPh":
            self.phonetic = True
        elif self.item is not None and (name == "r" or name == "t" and not self.phonetic):
            self.kept = True
            if name == "t":
                self.parser.CharacterDataHandler = self.text

    def text(self, data: str) -> None:
        self.item += len(data)

    def end(self, name: str) -> None:
        if name == "t":
            self.parser.CharacterDataHandler = None
        elif name == "rPh":
            self.phonetic = False
        elif name == "si" and self.item is not None:
            self.lengths += [self.item] if self.kept else []
            self.item = None


class _Extent(_Expat):
    """How far a sheet's cells reach and how much shared text they copy, as calamine reads them:
    by regular expressions for a usual sheet, else by expat, a cell without r after the last."""

    _ODD = re.compile(  # a cell not written <c r="A1" s="1" t="n">, or past column GR
        rb'<c(?! r="(?:[A-F]?[A-Z]|G[A-R])\d{1,7}"(?: [a-qs-z]{1,2}="[^"<>]*")* ?/?>|[^\s/>])'
    )
    _PREFIXED = re.compile(rb":(?:c|row|v|f|is)[\s/>]")
    _FORMULA = re.compile(rb"<f[\s/>]")
    _CACHED = re.compile(rb'<c r="[^"]*"[^<>]*><f\b[^>]*(?:/>|>[^<]*</f>)<v>[^<]')
    _SHARED = re.compile(rb' t="s"(?: [a-qs-z]{1,2}="[^"<>]*")* ?><v>(\d+)</v>')

    def __init__(self, max_rows: int, lengths: list[int], first: bool):
        super().__init__()
        self.row_limit, self.first, self.rows, self.columns = 2 * max_rows + 100, first, 0, 0
        self.name = "Trang tính đầu tiên" if first else "Một trang tính của tệp"
        self.lengths, self.copied = lengths, 0  # shared-string characters copied into cells
        self.row = self.column = 0  # calamine's counters, from 0
        self.cell: list | None = None  # row, column, t, formula, value, inline string

    def read_usual(self, chunks: Iterable[bytes]) -> bool:
        """Scans runs of the sheet that each end where a cell starts; False if it is not written
        the usual way or seems too big."""
        carry = b""
        for chunk in chunks:
            run = carry + chunk
            cut = next((i for i in (run.rfind(b"<c"), run.rfind(b"<")) if i >= 0), len(run))
            if len(run) - cut > 2**22 or not self.scan(run[:cut]):
                return False
            carry = run[cut:]
        return self.scan(carry)

    def scan(self, run: bytes) -> bool:
        """Bounds a run's cells with searches that make no object per cell (those cost more than
        all the searches); False if a cell is not written the usual way."""
        formulas = len(self._FORMULA.findall(run))
        if self._ODD.search(run) or self._PREFIXED.search(run):
            return False
        if formulas and formulas != len(self._CACHED.findall(run)):
            return False
        shared = self._SHARED.findall(run)
        if len(shared) != run.count(b' t="s"'):
            return False
        self.copy(map(int, shared))
        digits = len(str(self.row_limit))  # rows with fewer digits are within the limit
        tall = re.findall(rb'<c r="[A-Z]+(\d{%d,})"' % digits, run)
        self.rows = max(self.rows, 10 ** (digits - 1) - 1, *map(int, set(tall)))
        wide = re.findall(rb'<c r="([A-G][A-Z])\d', run)  # _ODD let no column past GR by
        self.columns = max(self.columns, 26, *(_column(c.decode()) for c in set(wide)))
        return self.too_big() is None

    def too_big(self) -> str | None:
        rows, columns = dots(self.rows), self.columns
        if self.rows > self.row_limit:
            return f"{self.name} có dữ liệu ở dòng {rows}, quá {dots(self.row_limit)} dòng."
        if columns > MAX_COLUMNS:
            return f"{self.name} có dữ liệu ở cột {_letters(columns)}, quá {MAX_COLUMNS} cột."
        if self.rows * columns > MAX_CELLS:
            cells = dots(MAX_CELLS)
            return f"{self.name} có dữ liệu trên {rows} dòng × {columns} cột, quá {cells} ô."
        return None

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if self.cell is not None:  # inside a cell calamine reads its value only
            if name == "c":
                raise ExcelError(DAMAGED)
            if name in ("f", "is"):
                self.cell[3 if name == "f" else 5] = True
            elif name == "v":
                self.cell[4] = ""
                self.parser.CharacterDataHandler = self.text
        elif name == "row" and "r" in attributes:
            self.row = _position(attributes["r"])[0] - 1
        elif name == "c":
            at = _position(attributes["r"]) if "r" in attributes else None
            row, column = at or (self.row + 1, self.column + 1)
            if not column:
                raise ExcelError(DAMAGED)
            self.column = column - 1
            self.cell = [row, column, attributes.get("t"), False, None, False]

    def text(self, data: str) -> None:
        self.cell[4] = (self.cell[4] + data)[:40]

    def end(self, name: str) -> None:
        if self.cell is None and name == "row":
            self.row, self.column = self.row + 1, 0
        elif self.cell is not None and name == "v":
            self.parser.CharacterDataHandler = None
        elif self.cell is not None and name == "c":
            self.column += 1
            self.add(*self.cell)
            self.cell = None

    def add(self, row: int, column: int, kind, formula: bool, value, inline: bool) -> None:
        if self.first and formula and not value and (value is None or kind != "str"):
            raise ExcelError(
                f"Ô {_letters(column)}{row} có công thức nhưng chưa có giá trị tính sẵn: "
                "hãy mở tệp bằng Excel, lưu lại rồi tải lên lại."
            )
        if value is None and not inline:
            return  # calamine keeps no cell without a value
        self.rows, self.columns = max(self.rows, row), max(self.columns, column)
        if kind == "s" and value.strip().isdigit():
            self.copy([int(value)])
        if refusal := self.too_big():
            raise ExcelError(refusal)

    def copy(self, indexes: Iterable[int]) -> None:
        """Counts the text calamine will copy for shared strings; refuses past the limit."""
        count = len(self.lengths)
        self.copied += sum(self.lengths[i] if i < count else 0 for i in indexes)
        if self.copied > MAX_TEXT_CHARS:
            raise ExcelError(
                f"{self.name} chép chữ dùng chung vào các ô thành hơn {dots(self.copied)} ký "
                f"tự, quá giới hạn {dots(MAX_TEXT_CHARS)} ký tự."
            )


def _position(reference: str) -> tuple[int, int]:
    """A cell's or a row's r as calamine reads it: "C5" → (5, 3), "5" → (5, 0)."""
    found = re.fullmatch(r"([A-Za-z]*)([0-9]+)", reference)
    if not found or not int(found[2]):
        raise ExcelError(DAMAGED)
    return int(found[2]), _column(found[1])


def _column(letters: str) -> int:
    return sum((ord(c) - 64) * 26**i for i, c in enumerate(reversed(letters.upper())))


def dots(number: int) -> str:
    return f"{number:,}".replace(",", ".")  # as formatting.vn_number, which this layer may not use


def _letters(number: int) -> str:
    return _letters((number - 1) // 26) + chr(65 + (number - 1) % 26) if number else ""


# --- out ---------------------------------------------------------------------------------------
