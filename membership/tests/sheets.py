"""Excel files for the import tests, built in memory."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

HEADER = ["STT", "Họ và tên", "Giới tính", "Ngày sinh", "Ngày vào công đoàn", "Số thẻ"]


def xlsx(*rows, name: str = "danh-sach.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def member_list(*people) -> SimpleUploadedFile:
    """The usual list: a header, then (name, gender, birth, joined, card) per person."""
    return xlsx(HEADER, *[(number, *person) for number, person in enumerate(people, start=1)])
