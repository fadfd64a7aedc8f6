"""A batch's PDFs and Word copies as one ZIP, written while it is sent.

A province's 700 district reports come to a few hundred megabytes: the archive is never held,
neither in memory nor in a temporary file. `zip_stream` reads each stored file a chunk at a time
and yields the archive's bytes as zipfile writes them, so what the web process holds stays the
size of a chunk whatever the size of the batch. zipfile writes to a stream it cannot seek back
in by putting each entry's sizes and checksum after its data, as every unzip tool reads.
Entries are stored, not compressed: a PDF and a .docx are compressed already.
"""

import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.files.storage import Storage
from django.utils.text import slugify

from .models import ReportVersion

CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class ArchivedFile:
    """One file of the archive: its name there, and where the file store keeps it."""

    name: str
    storage: Storage
    path: str


class _Sink(io.RawIOBase):
    """Where zipfile writes: the bytes wait here until the stream yields them. It has no tell()
    nor seek(), which tells zipfile not to come back to an entry's header."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def zip_stream(files: Iterable[ArchivedFile]) -> Iterator[bytes]:
    """The ZIP of `files`, in pieces of about CHUNK_BYTES, each yielded once written."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as bundle:
        for file in files:
            with file.storage.open(file.path, "rb") as source, bundle.open(file.name, "w") as entry:
                while chunk := source.read(CHUNK_BYTES):
                    entry.write(chunk)
                    # All zipfile wrote since the last piece: the chunk, and before it maybe
                    # this entry's header and the sizes and checksum closing the one before.
                    yield sink.take()
    if tail := sink.take():  # the last entry's sizes and the central directory
        yield tail


def version_files(versions: Iterable[ReportVersion]) -> Iterator[ArchivedFile]:
    """Each version's PDF (the signed one, if it was signed) and Word copy, named by its unit
    in ASCII, as the ZIP of a batch holds them."""
    for version in versions:
        stem = _file_stem(version)
        pdf = version.download_file
        yield ArchivedFile(f"{stem}.pdf", pdf.storage, pdf.name)
        if version.docx:
            yield ArchivedFile(f"{stem}.docx", version.docx.storage, version.docx.name)


def _file_stem(version: ReportVersion) -> str:
    unit = version.report.unit
    ascii_name = slugify(unit.name.replace("Đ", "D").replace("đ", "d"))
    return f"{unit.file_code}_{ascii_name}_v{version.number}"
